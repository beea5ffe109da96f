"""/healthz says the process is up; /readyz says the database is reachable and its schema current."""

from __future__ import annotations

import httpx
import pytest

from core.api import create_app
from core.node import Node
from core.settings import Settings

pytestmark = pytest.mark.anyio


async def _get(node: Node, path: str) -> httpx.Response:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=create_app(node)), base_url="http://t") as http:
        return await http.get(path)


async def test_healthy_and_ready(node):
    health = await _get(node, "/healthz")
    assert (health.status_code, health.json()) == (200, {"status": "ok", "region": "zemgale"})
    ready = await _get(node, "/readyz")
    assert (ready.status_code, ready.json()) == (200, {"status": "ready", "database": "reachable",
                                                       "migrations": "current"})
    home = await _get(node, "/")
    assert home.status_code in (302, 307) and home.headers["location"] == "/graphql"


async def test_not_ready_before_the_migrations(empty_db_url):
    node = Node.open(Settings(db=empty_db_url, region="zemgale"))
    try:
        assert (await _get(node, "/healthz")).status_code == 200
        ready = await _get(node, "/readyz")
        assert ready.status_code == 503
        assert ready.json()["migrations"] == "not current: run `kopiena db upgrade`"
    finally:
        await node.close()


async def test_not_ready_when_the_database_is_unreachable():
    node = Node.open(Settings(db="postgresql://nobody@127.0.0.1:1/kopiena", region="zemgale"))
    try:
        assert (await _get(node, "/healthz")).status_code == 200
        ready = await _get(node, "/readyz")
        assert ready.status_code == 503
        assert ready.json()["status"] == "unavailable" and ready.json()["database"].startswith("unreachable")
    finally:
        await node.close()
