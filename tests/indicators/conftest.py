from __future__ import annotations

from datetime import date

import pytest

from core.store.indicators import compute_snapshot


@pytest.fixture
def compute(node):
    """Compute the node's snapshot as of a date (in a read-only transaction)."""

    async def run(as_of: date):
        async with node.sessions() as s:
            return await compute_snapshot(s, region=node.region, as_of=as_of, catalogue=node.registry.catalogue,
                                          pm=node.pm)

    return run
