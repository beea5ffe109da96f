"""Demo databases generated once per test session and then only read.

``demo_sqlite(region, seed)`` gives a fresh SQLite database filled by the
generator (migrated and seeded by it too); ``zemgale_url`` is Zemgale's demo
database on each backend (PostgreSQL starts from the pre-seeded template).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import pytest

from federation.demo.figures import AS_OF
from federation.demo.generator import load_region


@pytest.fixture(scope="session")
def demo_sqlite(sqlite_dbs) -> Callable[..., str]:
    made: dict[tuple, str] = {}

    def get(region: str, seed: int = 1, as_of: date = AS_OF) -> str:
        key = (region, seed, as_of)
        if key not in made:
            url = sqlite_dbs.fresh(seeded=False)
            load_region(url, region, as_of, seed)
            made[key] = url
        return made[key]

    return get


@pytest.fixture(scope="session")
def zemgale_pg(pg_dbs) -> str:
    url = pg_dbs.fresh()
    load_region(url, "zemgale", AS_OF, 1)
    return url


@pytest.fixture(params=["sqlite", "postgresql"])
def zemgale_url(request, demo_sqlite) -> str:
    if request.param == "sqlite":
        return demo_sqlite("zemgale")
    return request.getfixturevalue("zemgale_pg")


@pytest.fixture(scope="session")
def five_regions(demo_sqlite) -> dict[str, str]:
    """Each region's demo database (SQLite), as of 31.12.2018 with seed 1."""
    from federation.demo.shape import REGIONS

    return {region: demo_sqlite(region) for region in REGIONS}
