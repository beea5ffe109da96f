"""A node with the scoping world behind its real ASGI app, shared by the tests of one module per backend."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import httpx

from core.api import create_app
from core.node import Node
from core.settings import Settings
from tests.conftest import dev_token

from . import world


@dataclass
class Site:
    node: Node
    world: world.World
    http: httpx.AsyncClient
    tokens: dict[tuple[str, str], str] = field(default_factory=dict)

    def token(self, role: str, domain: str, sub: str | None = None) -> str:
        key = (role, domain if sub is None else f"{domain}#{sub}")
        if key not in self.tokens:
            self.tokens[key] = dev_token(role, domain, sub=sub or f"{role}@{domain}")
        return self.tokens[key]

    async def post(self, token: str | None, query: str, **variables: Any) -> httpx.Response:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        return await self.http.post(
            "/graphql", json={"query": query, "variables": variables}, headers=headers
        )

    async def ask(self, token: str | None, query: str, **variables: Any) -> tuple[int, dict]:
        response = await self.post(token, query, **variables)
        return response.status_code, response.json()


async def open_site(db_url: str) -> tuple[Site, Any]:
    """The world in a fresh seeded database, its node and an HTTP client of its app; and a closer."""
    node = Node.open(Settings(db=db_url, region="zemgale"))
    w = await world.build(node)
    app = create_app(node)
    await app.state.access.access()  # what the app's lifespan does before serving: load (and seed) the policy
    http = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://node.test")

    async def close() -> None:
        await http.aclose()
        await app.state.access.close()
        await node.close()

    return Site(node, w, http), close


def outcome(status: int, body: dict, name: str) -> Any:
    """``UNAUTHENTICATED`` / ``FORBIDDEN`` (refused) or the field's data."""
    if status == 401:
        return body["errors"][0]["extensions"]["code"]
    assert status == 200, body
    errors = [e for e in body.get("errors") or [] if (e.get("path") or [name])[0] == name]
    if errors:
        codes = {e["extensions"]["code"] for e in errors}
        assert len(codes) == 1, errors
        return codes.pop()
    return body["data"][name]
