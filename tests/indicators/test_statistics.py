"""A SQLite node keeps the planner's statistics: ``kopiena db upgrade`` gathers them, publishing refreshes them."""

from __future__ import annotations

import asyncio
import sqlite3
from contextlib import closing
from datetime import date

import pytest

from core.store import migrate
from core.store.snapshots import take_snapshot
from tests.indicators.test_definitions import episode, person

pytestmark = [pytest.mark.anyio, pytest.mark.parametrize("backend", ["sqlite"])]  # PostgreSQL keeps its own


def analyzed(url: str) -> set[str]:
    """The tables that have statistics in ``sqlite_stat1``."""
    with closing(sqlite3.connect(url.removeprefix("sqlite:///"))) as conn:
        if not conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'sqlite_stat1'").fetchone():
            return set()
        return {table for (table,) in conn.execute("SELECT DISTINCT tbl FROM sqlite_stat1")}


@pytest.fixture
async def sqlite_node(node, db_url):
    async with node.sessions() as s, s.begin():
        for serial in range(1, 4):
            await episode(s, node, await person(s, node, serial), "HOME_CARE", date(2019, 1, serial))
    return node, db_url


async def test_upgrade_gathers_the_statistics(sqlite_node):
    _, url = sqlite_node
    assert "service_episodes" not in analyzed(url)
    await asyncio.to_thread(migrate.upgrade, url)  # at head already: only the statistics
    assert {"clients", "service_episodes", "municipalities"} <= analyzed(url)


async def test_publishing_refreshes_the_statistics_computing_does_not(sqlite_node):
    node, url = sqlite_node
    await take_snapshot(node, date(2019, 6, 30))
    assert "service_episodes" not in analyzed(url)  # computing alone writes nothing
    await take_snapshot(node, date(2019, 6, 30), publish=True)
    assert "service_episodes" in analyzed(url)
