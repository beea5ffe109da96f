"""The five regions together reproduce the national figures of the end of 2018 (five fresh databases)."""

from __future__ import annotations

import pytest

from federation.demo import figures as f
from federation.demo.shape import REGIONS, national_split

from . import queries as q
from .queries import FAMILY

pytestmark = pytest.mark.anyio


async def _region_figures(url: str) -> dict[str, int]:
    async with q.connect(url) as conn:
        residence = await q.adults_by_residence(conn, f.AS_OF)
        return {
            "adults_community": residence.pop("COMMUNITY", 0),
            "adults_left_institution": residence.pop("LEFT_INSTITUTION", 0),
            "other_residence": sum(residence.values()),
            "children": await q.unique(conn, f.AS_OF, "CHILD_FT"),
            "representatives": await q.unique(conn, f.AS_OF, "CHILD_FT", FAMILY),
        }


async def test_five_regions_add_up_to_the_national_figures(five_regions):
    per_region = {region: await _region_figures(five_regions[region]) for region in REGIONS}
    totals = {key: sum(r[key] for r in per_region.values()) for key in per_region["zemgale"]}
    assert totals == {"adults_community": 285, "adults_left_institution": 11, "other_residence": 0,
                      "children": 650, "representatives": 193}
    assert totals["adults_community"] + totals["adults_left_institution"] == f.NATIONAL.adults == 296
    # each region holds the share the documented split gives it, and Zemgale its published tables
    for region, share in national_split().items():
        assert {k: per_region[region][k] for k in share} == share, region
    assert per_region["zemgale"] == {"adults_community": 62, "adults_left_institution": 1, "other_residence": 0,
                                     "children": 154, "representatives": 58}


async def test_every_region_serves_in_its_own_municipalities(five_regions):
    from core.registry import Registry

    for region in REGIONS:
        known = set(Registry.load(region).municipalities)
        async with q.connect(five_regions[region]) as conn:
            granted = await q.per_municipality(conn, f.AS_OF, "ADULT_GRT")
        assert granted and set(granted) <= known, region
