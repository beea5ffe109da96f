"""Zemgale as of 31.12.2018 reproduces both published tables exactly, counted in SQL, on both databases."""

from __future__ import annotations

from datetime import date

import pytest

from federation.demo import figures as f

from . import queries as q
from .queries import FAMILY

pytestmark = pytest.mark.anyio
AS_OF = f.AS_OF


async def test_adults_per_service_and_unique(zemgale_url):
    async with q.connect(zemgale_url) as conn:
        assert await q.per_service(conn, AS_OF, "ADULT_GRT") == f.ZEMGALE_ADULT_SERVICES
        assert await q.unique(conn, AS_OF, "ADULT_GRT") == f.ZEMGALE_ADULTS == 63


async def test_adults_per_pre_2021_municipality(zemgale_url):
    async with q.connect(zemgale_url) as conn:
        assert await q.per_municipality(conn, AS_OF, "ADULT_GRT") == f.ZEMGALE_ADULT_MUNICIPALITIES


async def test_children_and_representatives(zemgale_url):
    async with q.connect(zemgale_url) as conn:
        assert await q.per_service(conn, AS_OF, "CHILD_FT") == f.ZEMGALE_CHILD_SERVICES
        assert await q.per_service(conn, AS_OF, "CHILD_FT", FAMILY) == f.ZEMGALE_FAMILY_SERVICES
        assert await q.unique(conn, AS_OF, "CHILD_FT") == f.ZEMGALE_CHILDREN == 154
        assert await q.unique(conn, AS_OF, "CHILD_FT", FAMILY) == f.ZEMGALE_REPRESENTATIVES == 58
        assert await q.first_started_between(conn, "CHILD_FT", date(2018, 1, 1), AS_OF) == 107


async def test_percent_of_plan(zemgale_url):
    async with q.connect(zemgale_url) as conn:
        children = await q.unique(conn, AS_OF, "CHILD_FT")
        planned = await q.target(conn, "CHILD_FT", AS_OF)
        assert (children, planned, f.percent(children, planned)) == (154, 331, f.ZEMGALE_CHILD_ACHIEVED[None])
        adults, adult_target = await q.unique(conn, AS_OF, "ADULT_GRT"), await q.target(conn, "ADULT_GRT", AS_OF)
        assert (adults, adult_target, f.percent(adults, adult_target)) == (63, 43, f.ZEMGALE_ADULT_ACHIEVED)
        served = await q.per_service(conn, AS_OF, "CHILD_FT")
        for service, published in f.ZEMGALE_CHILD_ACHIEVED.items():
            if service is None:
                continue
            plan = await q.target(conn, "CHILD_FT", AS_OF, service)
            assert plan == f.ZEMGALE_CHILD_PLANNED[service]
            assert f.as_published(f.percent(served[service], plan), published) == published, service
        assert await q.target(conn, "CHILD_FT", AS_OF, "SOCIAL_REHAB_FAMILY") is None  # on demand


def test_percent_rounds_as_published():
    assert f.percent(154, 331) == f.percent(15400, 33100) and str(f.percent(154, 331)) == "46.5"
    assert [str(f.percent(n, p)) for n, p in ((109, 300), (1, 37), (63, 43), (59, 59))] == [
        "36.3", "2.7", "146.5", "100.0"]
    assert f.as_published(f.percent(1, 37), f.ZEMGALE_CHILD_ACHIEVED["DAY_CARE_CENTRE"]) == 3
    assert f.as_published(f.percent(1, 45), f.ZEMGALE_CHILD_ACHIEVED["DAY_CARE_CENTRE"]) == 2
