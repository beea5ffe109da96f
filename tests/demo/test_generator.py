"""The generator writes through the write path: a region's plugin rule refusing one batch refuses it all."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import func, select

from core import hookimpl
from core.domain.errors import RuleViolation
from core.store.models import Client, Delivery, ServiceEpisode
from federation.demo.generator import load_region

from . import queries as q


class RefuseRespiteInDecember:
    """A region's rule (through the validate_deliveries hook) that the demo data breaks once."""

    def __init__(self) -> None:
        self.batches = 0

    @hookimpl
    def validate_deliveries(self, deliveries):
        self.batches += 1
        return [RuleViolation("No respite in December.", field="deliveries", code="NO_DECEMBER_RESPITE")
                for d in deliveries[:1] if d.service.code == "RESPITE_CARE" and any(x.day.month == 12
                                                                                      for x in deliveries)]


def counts(url: str) -> tuple[int, int, int]:
    async def run():
        async with q.connect(url) as conn:
            return tuple([await conn.scalar(select(func.count()).select_from(m))
                          for m in (Client, ServiceEpisode, Delivery)])

    return asyncio.run(run())


def test_a_refused_batch_leaves_the_database_empty(sqlite_dbs, register_plugin):
    rule = register_plugin(RefuseRespiteInDecember())
    url = sqlite_dbs.fresh(seeded=False)
    with pytest.raises(RuleViolation) as refused:
        load_region(url, "latgale")
    assert refused.value.code == "NO_DECEMBER_RESPITE"
    assert rule.batches > 20  # refused only after many batches had been written in the transaction
    assert counts(url) == (0, 0, 0)


@pytest.fixture
def zemgale_seeded(sqlite_dbs) -> str:
    return sqlite_dbs.fresh()  # migrated and seeded with Zemgale (made outside the test's event loop)


@pytest.mark.anyio
async def test_without_a_child_instrument_only_adults_are_assessed(zemgale_seeded):
    from datetime import date

    from core.node import Node
    from core.plugins import make_plugin_manager
    from core.settings import Settings
    from core.store.models import Assessment
    from federation.demo.generator import generate

    node = Node.open(Settings(db=zemgale_seeded, region="zemgale"), pm=make_plugin_manager(allowed={"zemgale"}))
    try:
        report = await generate(node, date(2017, 6, 30), seed=3)
        async with node.sessions() as s:
            assessed = dict((await s.execute(select(Client.target_group, func.count()).join(Assessment)
                                             .group_by(Client.target_group))).all())
            adults_without_level = await s.scalar(select(func.count()).select_from(Client).where(
                Client.target_group == "ADULT_GRT", Client.care_level.is_(None)))
    finally:
        await node.close()
    assert set(assessed) == {"ADULT_GRT"} and report.assessments == assessed["ADULT_GRT"] > 0
    assert adults_without_level == 0
