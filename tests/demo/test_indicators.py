"""The indicator engine (core.store.indicators) computes the published figures from the demo databases,
and :mod:`federation.demo.compare` reads them back out of the snapshots."""

from __future__ import annotations

import copy

import pytest

from core.node import Node
from core.settings import Settings
from core.store.indicators import compute_snapshot
from federation.demo import figures as f
from federation.demo.compare import differences, region_figures, zemgale_differences

pytestmark = pytest.mark.anyio


async def snapshot_payload(url: str, region: str) -> list[dict]:
    node = Node.open(Settings(db=url, region=region))
    try:
        async with node.sessions() as session:
            snapshot = await compute_snapshot(session, region=region, as_of=f.AS_OF,
                                              catalogue=node.registry.catalogue, pm=node.pm)
        return snapshot.payload()
    finally:
        await node.close()


async def test_zemgale_snapshot_reproduces_both_tables(zemgale_url):
    z = region_figures(await snapshot_payload(zemgale_url, "zemgale"))
    assert zemgale_differences(z) == []
    assert z["children"]["achievement"]["unique"] == "154/331"
    assert z["adults"]["achievement"] == "63/43"
    assert z["assessed"] == {"ADULT_GRT": f.ZEMGALE_ADULTS_ASSESSED, "CHILD_FT": f.ZEMGALE_CHILDREN_ASSESSED}
    assert (z["adults"]["community"], z["adults"]["left_institution"]) == (62, 1)


async def test_five_snapshots_reproduce_the_national_figures(five_regions):
    regions = {r: region_figures(await snapshot_payload(url, r)) for r, url in five_regions.items()}
    assert differences(regions) == []
    # the comparison is not blind: a changed figure or a missing region is reported
    broken = copy.deepcopy(regions)
    broken["zemgale"]["adults"]["services"]["HOME_CARE"] = 11
    broken["riga"]["representatives"]["unique"] += 1
    assert differences(broken) == ["zemgale adults per service: " + str(broken["zemgale"]["adults"]["services"])
                                   + " != published " + str(f.ZEMGALE_ADULT_SERVICES),
                                   "national representatives: 194 != published 193"]
    del broken["vidzeme"]
    assert differences(broken)[-1] == "not reported: vidzeme"
