"""Real HTTP requests (httpx over ASGI) to a node on SQLite and PostgreSQL, as in the API tests."""

from __future__ import annotations

import httpx
import pytest

from core import hookimpl
from core.api import create_app
from core.events import drain
from tests.api.conftest import Api


@pytest.fixture
async def api(node, auth_headers):
    app = create_app(node)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://node.test",
                                 headers=auth_headers) as http:
        yield Api(http, node)


@pytest.fixture
def events(register_plugin):
    """Events the node fires, as a plugin sees them (``await events()`` waits for running listeners)."""
    seen: list = []

    class Listener:
        @hookimpl
        def on_event(self, event):
            seen.append(event)

    register_plugin(Listener(), name="assessment-test-listener")

    async def wait() -> list:
        await drain()
        return seen

    return wait
