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
