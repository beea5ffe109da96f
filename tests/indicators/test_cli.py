"""``kopiena indicators`` through the installed command (entry point, real database, its own process)."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa

from core.node import Node
from core.settings import Settings
from core.store.models import IndicatorSnapshot, Outbox
from tests.indicators.published import build_zemgale_2018

KOPIENA = str(Path(sys.executable).parent / "kopiena")


def kopiena(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([KOPIENA, *args], capture_output=True, text=True, timeout=120,
                          env={"COLUMNS": "200", "PATH": "/usr/bin:/bin"})


async def _build(url: str) -> None:
    node = Node.open(Settings(db=url, region="zemgale"))
    try:
        async with node.sessions() as s, s.begin():
            await build_zemgale_2018(s, node)
    finally:
        await node.close()


async def _counts(url: str) -> tuple[int, int]:
    node = Node.open(Settings(db=url, region="zemgale"))
    try:
        async with node.sessions() as s:
            return (await s.scalar(sa.select(sa.func.count()).select_from(IndicatorSnapshot)),
                    await s.scalar(sa.select(sa.func.count()).select_from(Outbox)))
    finally:
        await node.close()


@pytest.mark.parametrize("backend", ["sqlite"])  # the engine runs on both databases in the other tests
def test_indicators_table_json_and_publish(db_url):
    asyncio.run(_build(db_url))
    shown = kopiena("indicators", "--as-of", "2018-12-31", "--region", "zemgale", "--db", db_url)
    assert shown.returncode == 0, shown.stderr
    assert "unique_persons_received" in shown.stdout and "154/331" not in shown.stdout
    assert "46.5%" in shown.stdout and "146.5%" in shown.stdout and "on demand" in shown.stdout
    as_json = kopiena("indicators", "--as-of", "2018-12-31", "--region", "zemgale", "--db", db_url, "--json")
    data = json.loads(as_json.stdout)
    assert data["region"] == "zemgale" and data["contentHash"].startswith("sha256:")
    assert {b["code"] for b in data["indicators"]} >= {"persons_received", "achievement", "delivery_cost"}
    assert asyncio.run(_counts(db_url)) == (0, 0)
    published = kopiena("indicators", "--as-of", "2018-12-31", "--region", "zemgale", "--db", db_url, "--publish")
    assert published.returncode == 0, published.stderr
    assert "published snapshot zemgale-000001-" in published.stdout
    assert asyncio.run(_counts(db_url)) == (1, 1)


@pytest.mark.parametrize("backend", ["sqlite"])
def test_a_bad_date_is_refused_and_nothing_is_written(db_url):
    for bad, message in (("2018-13-01", "is not a date"), ("2999-01-01", "in the future")):
        result = kopiena("indicators", "--as-of", bad, "--region", "zemgale", "--db", db_url, "--publish")
        assert result.returncode == 1
        assert "INVALID_VALUE (asOf)" in result.stderr and message in result.stderr
    assert asyncio.run(_counts(db_url)) == (0, 0)
