"""Same seed, same data; another seed, other people but the same figures; an earlier as-of, a subset."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from core.store.models import Client, Delivery, ServiceEpisode, ServicePlace
from federation.demo import figures as f

from . import queries as q
from .queries import FAMILY

pytestmark = pytest.mark.anyio
EARLY = date(2017, 12, 31)


@pytest.fixture(scope="module")
def zemgale_early_again(sqlite_dbs) -> str:
    """A second database with the same seed (as of the end of 2017, to keep the test quick)."""
    from federation.demo.generator import load_region

    url = sqlite_dbs.fresh(seeded=False)
    load_region(url, "zemgale", EARLY, 1)
    return url


@pytest.fixture(scope="module")
def zemgale_seed_1(demo_sqlite) -> str:
    return demo_sqlite("zemgale")


@pytest.fixture(scope="module")
def zemgale_seed_2(demo_sqlite) -> str:
    return demo_sqlite("zemgale", seed=2)


@pytest.fixture(scope="module")
def zemgale_early(demo_sqlite) -> str:
    return demo_sqlite("zemgale", as_of=EARLY)


async def dump(url: str) -> dict[str, list[tuple]]:
    """Everything the generator decides, without database ids or timestamps."""
    async with q.connect(url) as conn:
        clients = (await conn.execute(select(
            Client.personal_code, Client.given_name, Client.family_name, Client.birth_date, Client.address,
            Client.diagnosis, Client.target_group, Client.recipient_kind, Client.municipality_code,
            Client.residence, Client.preparing_since, Client.left_institution_on, Client.care_level,
        ).order_by(Client.personal_code))).all()
        episodes = (await conn.execute(
            select(Client.personal_code, ServiceEpisode.service_code, ServiceEpisode.granted_by,
                   ServiceEpisode.start_date, ServiceEpisode.end_date, ServicePlace.name)
            .join(Client).outerjoin(ServicePlace).order_by(Client.personal_code, ServiceEpisode.service_code))).all()
        deliveries = (await conn.execute(
            select(Client.personal_code, ServiceEpisode.service_code, Delivery.date, Delivery.units, Delivery.cost,
                   Delivery.funding_source)
            .select_from(Delivery).join(ServiceEpisode).join(Client)
            .order_by(Client.personal_code, ServiceEpisode.service_code, Delivery.date))).all()
    return {"clients": clients, "episodes": episodes, "deliveries": deliveries}


async def figures_of(url: str, as_of: date = f.AS_OF) -> dict:
    async with q.connect(url) as conn:
        return {
            "adults": await q.per_service(conn, as_of, "ADULT_GRT"),
            "municipalities": await q.per_municipality(conn, as_of, "ADULT_GRT"),
            "children": await q.per_service(conn, as_of, "CHILD_FT"),
            "families": await q.per_service(conn, as_of, "CHILD_FT", FAMILY),
            "unique": (await q.unique(conn, as_of, "ADULT_GRT"), await q.unique(conn, as_of, "CHILD_FT"),
                       await q.unique(conn, as_of, "CHILD_FT", FAMILY)),
        }


async def test_same_seed_same_data(zemgale_early, zemgale_early_again):
    first, again = await dump(zemgale_early), await dump(zemgale_early_again)
    assert first == again
    assert len(first["clients"]) > 200 and len(first["deliveries"]) > 500


async def test_another_seed_other_people_same_figures(zemgale_seed_1, zemgale_seed_2):
    one, two = zemgale_seed_1, zemgale_seed_2
    a, b = await dump(one), await dump(two)
    codes_a, codes_b = {c[0] for c in a["clients"]}, {c[0] for c in b["clients"]}
    assert len(codes_a & codes_b) < len(codes_a) // 10
    assert {c[1:3] for c in a["clients"]} != {c[1:3] for c in b["clients"]}
    assert a["episodes"] != b["episodes"]
    assert await figures_of(one) == await figures_of(two) == {
        "adults": f.ZEMGALE_ADULT_SERVICES, "municipalities": f.ZEMGALE_ADULT_MUNICIPALITIES,
        "children": f.ZEMGALE_CHILD_SERVICES, "families": f.ZEMGALE_FAMILY_SERVICES,
        "unique": (f.ZEMGALE_ADULTS, f.ZEMGALE_CHILDREN, f.ZEMGALE_REPRESENTATIVES),
    }


async def test_an_earlier_as_of_writes_what_was_known_then(zemgale_early, zemgale_seed_1):
    early, full = zemgale_early, zemgale_seed_1
    a, b = await dump(early), await dump(full)
    assert max(row[2] for row in a["deliveries"]) <= EARLY
    assert max(row[3] for row in a["episodes"]) <= EARLY
    assert set(a["episodes"]) <= set(b["episodes"])
    assert set(a["deliveries"]) <= set(b["deliveries"])
    # the people who started in 2017 are the ones the figures of 2018 count as not started in 2018
    assert await figures_of(early, EARLY) == await figures_of(full, EARLY)
    async with q.connect(full) as conn:
        started_2017 = await q.unique(conn, EARLY, "CHILD_FT")
    assert started_2017 == f.ZEMGALE_CHILDREN - f.ZEMGALE_CHILDREN_STARTED_2018
