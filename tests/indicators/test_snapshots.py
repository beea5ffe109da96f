"""Snapshots: written with their outbox row in one transaction, numbered per region, free of personal data."""

from __future__ import annotations

import json

import pytest
import sqlalchemy as sa

from core.domain.indicators import content_hash
from core.node import Node
from core.settings import Settings
from core.store.indicators import compute_snapshot
from core.store.models import IndicatorSnapshot, Outbox
from core.store.snapshots import pending, take_snapshot, write_snapshot
from tests.indicators.published import AS_OF, build_zemgale_2018

pytestmark = pytest.mark.anyio


async def _count(node, model) -> int:
    async with node.sessions() as s:
        return await s.scalar(sa.select(sa.func.count()).select_from(model))


async def test_publish_writes_the_snapshot_and_its_outbox_row(node):
    async with node.sessions() as s, s.begin():
        built = await build_zemgale_2018(s, node)
    first, row1 = await take_snapshot(node, AS_OF, publish=True)
    _, row2 = await take_snapshot(node, AS_OF, publish=True)
    assert (row1.sequence, row2.sequence) == (1, 2) and row1.id != row2.id
    assert row1.content_hash == row2.content_hash == first.content_hash()
    assert row1.software_version == __import__("core").__version__
    async with node.sessions() as s:
        unsent = await pending(s)
    assert [p.snapshot_id for p in unsent] == [row1.id, row2.id]
    assert unsent[0].subject == "kopiena.v1.indicators.zemgale" and unsent[0].region_name
    assert content_hash("zemgale", AS_OF, unsent[0].indicators) == row1.content_hash
    payload = row1.payload
    for code, given, family in built.clients:  # only codes and numbers leave the node
        assert code not in payload and code.replace("-", "") not in payload
        assert family not in payload and f'"{given}"' not in payload
    assert "Lielā iela" not in payload


async def test_without_publish_nothing_is_written(node):
    snapshot, row = await take_snapshot(node, AS_OF)
    assert row is None and snapshot.payload()
    assert await _count(node, IndicatorSnapshot) == 0 and await _count(node, Outbox) == 0


async def test_snapshot_and_outbox_commit_together_or_not_at_all(node):
    async with node.sessions() as s:
        with pytest.raises(RuntimeError):
            async with s.begin():
                snap = await compute_snapshot(s, region="zemgale", as_of=AS_OF, catalogue=node.registry.catalogue,
                                              pm=node.pm)
                await write_snapshot(s, snap)
                raise RuntimeError("the process dies before the commit")
    assert await _count(node, IndicatorSnapshot) == 0 and await _count(node, Outbox) == 0


@pytest.fixture
def both_databases(sqlite_dbs, pg_dbs) -> list[str]:
    return [sqlite_dbs.fresh(), pg_dbs.fresh()]


async def test_identical_figures_on_sqlite_and_postgresql(both_databases):
    hashes, payloads = [], []
    for url in both_databases:
        node = Node.open(Settings(db=url, region="zemgale"))
        try:
            async with node.sessions() as s, s.begin():
                await build_zemgale_2018(s, node)
            snapshot, _ = await take_snapshot(node, AS_OF)
            hashes.append(snapshot.content_hash())
            payloads.append(json.dumps(snapshot.payload(), sort_keys=True))
        finally:
            await node.close()
    assert payloads[0] == payloads[1]
    assert hashes[0] == hashes[1]
