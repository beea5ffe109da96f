"""Shared fixtures: real SQLite and PostgreSQL databases, a throwaway plugin per test."""

from __future__ import annotations

import pytest

from core.plugins import get_plugin_manager
from tests.support.databases import Databases, require_pg

BACKENDS = ["sqlite", "postgresql"]


@pytest.fixture(scope="session")
def sqlite_dbs(tmp_path_factory) -> Databases:
    return Databases("sqlite", tmp_path_factory.mktemp("sqlite"))


@pytest.fixture(scope="session")
def pg_dbs(tmp_path_factory):
    require_pg()
    dbs = Databases("postgresql", tmp_path_factory.mktemp("pg"))
    yield dbs
    dbs.drop_all()


@pytest.fixture(params=BACKENDS)
def backend(request) -> str:
    return request.param


@pytest.fixture
def databases(backend, request) -> Databases:
    return request.getfixturevalue("sqlite_dbs" if backend == "sqlite" else "pg_dbs")


@pytest.fixture
def db_url(databases):
    """A fresh, migrated database seeded with Zemgale's reference data, on each backend."""
    url = databases.fresh()
    yield url
    databases.release(url)


@pytest.fixture
def empty_db_url(databases):
    url = databases.fresh(seeded=False)
    yield url
    databases.release(url)


@pytest.fixture
def register_plugin():
    """Register a throwaway plugin on the process-wide manager for one test (datasette style)."""
    pm = get_plugin_manager()
    names: list[str] = []

    def register(plugin, name: str | None = None):
        name = name or f"test-plugin-{len(names)}"
        pm.register(plugin, name=name)
        names.append(name)
        return plugin

    yield register
    for name in names:
        pm.unregister(name=name)


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
async def node(db_url):
    """An open Zemgale node on a fresh database (use in ``@pytest.mark.anyio`` tests)."""
    from core.node import Node
    from core.settings import Settings

    opened = Node.open(Settings(db=db_url, region="zemgale"))
    yield opened
    await opened.close()


def dev_token(role: str = "regional_coordinator", domain: str = "lv/zemgale", sub: str = "test-coordinator",
              secret: str | None = None) -> str:
    """A development bearer token, as ``kopiena token`` mints it, for the nodes the tests open."""
    from datetime import timedelta

    from core.auth.domains import DomainCatalogue
    from core.auth.tokens import mint_dev_token
    from core.settings import Settings

    settings = Settings(jwt_secret=secret) if secret else Settings()
    return mint_dev_token(settings, sub=sub, role=role, domain=DomainCatalogue.from_plugins().parse(domain),
                          ttl=timedelta(hours=1))


@pytest.fixture(scope="session")
def auth_headers() -> dict[str, str]:
    """The Authorization header of a regional coordinator of Zemgale (every right on the region's records)."""
    return {"Authorization": f"Bearer {dev_token()}"}
