"""Fixtures of the federation tests: real nats-servers on free ports, node databases per region, hubs."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pytest

from core.domain.regions import REGION_CODES
from federation.embedded import EmbeddedNats, free_port
from federation.natsconf import Listen, generate_credentials, write_single
from tests.federation.helpers import FAST
from tests.support.databases import Databases


@pytest.fixture
def nats_server(tmp_path):
    """A nats-server with JetStream, no authentication."""
    server = EmbeddedNats(store_dir=tmp_path / "jetstream").start()
    yield server
    server.close()


@dataclass
class SecureNats:
    server: EmbeddedNats
    creds: dict[str, str]

    @property
    def url(self) -> str:
        return self.server.url

    def login(self, user: str) -> dict[str, str]:
        return {"user": user, "password": self.creds[user]}


@pytest.fixture
def secure_nats(tmp_path):
    """A nats-server running the configuration ``kopiena natsconf`` writes (users per region, hub, admin)."""
    port = free_port()
    creds = generate_credentials(REGION_CODES)
    conf, _ = write_single(tmp_path / "nats", regions=REGION_CODES, listen=Listen(port),
                           store_dir=tmp_path / "jetstream", creds=creds)
    server = EmbeddedNats(port=port, config_file=conf).start()
    yield SecureNats(server, creds)
    server.close()


@pytest.fixture(scope="session")
def region_databases(tmp_path_factory) -> dict[str, Databases]:
    """A migrated, seeded template per region, made now (outside any event loop) and copied per test."""
    out = {r: Databases("sqlite", tmp_path_factory.mktemp(f"node-{r}"), region=r) for r in REGION_CODES}
    for dbs in out.values():
        dbs.fresh()
    return out


@pytest.fixture
def node_url(region_databases) -> Callable[[str], str]:
    """A fresh migrated and seeded SQLite database of a region's node."""
    return lambda region: region_databases[region].fresh()


@pytest.fixture
def hub_url(tmp_path) -> str:
    return f"sqlite:///{tmp_path / 'hub.db'}"


@pytest.fixture
async def hubs():
    """Start hubs with test timings; every hub started here is stopped at the end."""
    from federation.hub.service import Hub

    started: list[Hub] = []

    async def start(db_url: str, nats_url: str | None, **kw) -> Hub:
        kw.setdefault("fetch_timeout", 0.2)
        kw.setdefault("backoff", FAST)
        hub = Hub(db_url, nats_url, **kw)
        await hub.start()
        started.append(hub)
        return hub

    yield start
    for hub in started:
        await hub.stop()


@pytest.fixture(scope="session")
def zemgale_2018(region_databases) -> tuple[str, list[tuple[str, str, str]]]:
    """A Zemgale node database holding the published 2018 figures, with one unsent snapshot as of 2018-12-31.

    Returns its URL and the (personal code, given name, family name) of everyone registered. Tests copy
    what they need from it; they must not change it.
    """
    import asyncio

    from core.node import Node
    from core.settings import Settings
    from core.store.snapshots import take_snapshot
    from tests.indicators.published import AS_OF, build_zemgale_2018

    url = region_databases["zemgale"].fresh()

    async def build():
        node = Node.open(Settings(db=url, region="zemgale"))
        try:
            async with node.sessions() as s, s.begin():
                built = await build_zemgale_2018(s, node)
            await take_snapshot(node, AS_OF, publish=True)
            return built.clients
        finally:
            await node.close()

    return url, asyncio.run(build())


@pytest.fixture
def zemgale_copy(zemgale_2018, tmp_path) -> str:
    """A private copy of the Zemgale 2018 node database (SQLite file copy)."""
    import shutil

    source = zemgale_2018[0].removeprefix("sqlite:///")
    target = tmp_path / "zemgale-node.db"
    shutil.copyfile(source, target)
    return f"sqlite:///{target}"


@pytest.fixture
def pg_empty_url(pg_dbs) -> str:
    """An empty PostgreSQL database (for a hub)."""
    return pg_dbs.fresh(seeded=False)


@pytest.fixture(scope="session")
def snapshots(region_databases) -> dict:
    """Snapshot messages as nodes send them: ``k1``, ``k2`` (Kurzeme, the same date, sequences 1 and 2, 2 and 7
    people), ``k3`` (Kurzeme, another date, sequence 3) and ``l1`` (Latgale, 3 people)."""
    import asyncio

    from tests.federation.helpers import D1, D2, add_people, pending_messages, publish

    kurzeme, latgale = region_databases["kurzeme"].fresh(), region_databases["latgale"].fresh()

    async def build() -> dict:
        await add_people(kurzeme, "kurzeme", 2)
        await publish(kurzeme, "kurzeme", D1)
        await add_people(kurzeme, "kurzeme", 5, serial=100)
        await publish(kurzeme, "kurzeme", D1)
        await publish(kurzeme, "kurzeme", D2)
        await add_people(latgale, "latgale", 3)
        await publish(latgale, "latgale", D1)
        k1, k2, k3 = await pending_messages(kurzeme)
        (l1,) = await pending_messages(latgale)
        return {"k1": k1, "k2": k2, "k3": k3, "l1": l1}

    return asyncio.run(build())


@pytest.fixture(params=["sqlite", "postgresql"])
def any_hub_url(request, tmp_path) -> str:
    """An empty hub database on each backend (PostgreSQL: the COPY path; SQLite: the executemany path)."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'hub.db'}"
    return request.getfixturevalue("pg_empty_url")
