"""Write a region's demo people into its node database through the node's own write path.

Every client, episode and delivery goes through ``core.store`` (``register_client``,
``update_client``, ``record_institution_exit``, ``create_service_place``,
``start_episode``, ``record_deliveries``), so the demo data obeys exactly the
rules the API and the importers obey, and deliveries are costed at the
seeded rates. A region is written in one transaction: all or nothing.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.cli.db import seed_region
from core.node import Node, today_in_riga
from core.registry import Registry
from core.settings import Settings
from core.store import migrate
from core.store.clients import ClientChanges, NewClient, record_institution_exit, register_client, update_client
from core.store.deliveries import DeliveryInput, record_deliveries
from core.store.engine import create_engine
from core.store.episodes import NewEpisode, NewServicePlace, create_service_place, start_episode
from core.store.models import Client, Delivery, Institution, Region, ServiceEpisode

from .assessing import assess
from .figures import AS_OF
from .plan import Plan, PlannedPerson, delivery_days, make_plan
from .shape import REGIONS, region_shape

PROGRAMME_FROM = date(2017, 1, 1)
VSAC_NAMES = {"kurzeme": "Kurzeme", "latgale": "Latgale", "riga": "Rīga", "vidzeme": "Vidzeme", "zemgale": "Zemgale"}
VSAC_PLACES = 1045
"""Places of the region's VSAC: 5,227 places nationally in 2015 (seed 003) over five regions."""


class DemoDataError(ValueError):
    """The demo data cannot be written here (the message says why)."""


@dataclass
class Report:
    region: str
    as_of: date
    seed: int
    clients: int
    episodes: int
    deliveries: int
    cost: Decimal
    assessments: int
    seconds: float = 0.0

    def line(self) -> str:
        return (f"{self.region} as of {self.as_of.isoformat()} (seed {self.seed}): {self.clients} clients, "
                f"{self.episodes} service episodes, {self.deliveries} deliveries costing EUR {self.cost:,.2f}, "
                f"{self.assessments} assessments, in {self.seconds:.1f} s")


def demo_municipalities(registry: Registry) -> list[str]:
    """Where demo people live: the municipalities of 31.12.2018 if the region's plugin knows them
    (Zemgale's pre-2021 ones), otherwise today's."""
    munis = registry.municipalities
    then = sorted(code for code, m in munis.items() if m.current_on(AS_OF))
    return then or sorted(code for code, m in munis.items() if m.valid_to is None)


def plan_for(registry: Registry, seed: int) -> Plan:
    region = registry.region.code
    codes = demo_municipalities(registry)
    names = {code: m.short_name for code, m in registry.municipalities.items()}
    return make_plan(region, seed, region_shape(region, codes), names, codes)


class Writer:
    """Writes one plan, keeping what is known on ``as_of``, in the caller's transaction."""

    def __init__(self, session: AsyncSession, node: Node, plan: Plan, as_of: date) -> None:
        self.s, self.node, self.plan, self.as_of = session, node, plan, as_of
        self.client_ids: dict[str, int] = {}
        self.place_ids: dict[tuple[str, str, str], int] = {}
        self.institution_id: int | None = None
        self.assessments = 0

    async def institution(self) -> None:
        """The region's state social care centre, which the leavers come from (reference data: no write
        path of its own, so it is added as a row)."""
        region = self.plan.region
        row = Institution(code=f"demo-vsac-{region}", name=f"VSAC „{VSAC_NAMES[region]}”", kind="VSAC",
                          municipality_code=demo_municipalities(self.node.registry)[0], places=VSAC_PLACES)
        self.s.add(row)
        await self.s.flush()
        self.institution_id = row.id

    async def places(self) -> None:
        catalogue, munis = self.node.registry.catalogue, self.node.registry.municipalities
        for (code, group, muni), capacity in self.plan.places.items():
            name = f"{catalogue.get(code).name_lv}, {munis[muni].short_name}"
            if group == "CHILD_FT":
                name += " (bērniem)"
            place = await create_service_place(self.s, self.node, NewServicePlace(
                name=name, service_code=code, municipality_code=muni, capacity=capacity,
                erdf_funded=code == "GROUP_HOME" or group == "CHILD_FT"))
            self.place_ids[(code, group, muni)] = place.id  # type: ignore[assignment]

    def _residence(self, p: PlannedPerson) -> dict:
        """Where the person lives when registered: leavers are registered in their VSAC first."""
        if p.preparing_since is None:
            return {}
        if p.preparing_since <= self.as_of:
            return {"residence": "PREPARING_TO_LEAVE", "institution_id": self.institution_id,
                    "preparing_since": p.preparing_since}
        return {"residence": "INSTITUTION", "institution_id": self.institution_id}

    async def person(self, p: PlannedPerson) -> None:
        i = p.identity
        client = await register_client(self.s, self.node, NewClient(
            personal_code=i.personal_code, given_name=i.given_name, family_name=i.family_name,
            target_group=p.target_group, municipality_code=p.municipality_code, birth_date=i.birth_date,
            address=i.address, diagnosis=p.diagnosis, recipient_kind=p.recipient_kind,
            represents_client_id=self.client_ids[p.represents] if p.represents else None, **self._residence(p)))
        self.client_ids[p.key] = client.id  # type: ignore[assignment]
        if p.left_on is not None and p.left_on <= self.as_of:
            await record_institution_exit(self.s, self.node, client.id, p.left_on)  # type: ignore[arg-type]
        assessed = p.assessed_on is not None and p.assessed_on <= self.as_of
        if assessed and await assess(self.s, self.node, client, p, self.plan.seed):
            self.assessments += 1  # the assessment gave the client a care level
        elif p.care_level is not None and p.target_group == "ADULT_GRT":
            # no adult instrument installed: the VSAC grouping's care level, which the rate tier rule reads
            await update_client(self.s, self.node, client.id, ClientChanges(care_level=p.care_level))  # type: ignore[arg-type]
        for e in p.episodes:
            if e.start > self.as_of:
                continue
            episode = await start_episode(self.s, self.node, NewEpisode(
                client.id, e.service_code, p.municipality_code, e.start,  # type: ignore[arg-type]
                place_id=self.place_ids[e.place] if e.place else None))
            days = delivery_days(e.service_code, e.start, self.as_of)
            if days:
                await record_deliveries(self.s, self.node, episode.id,  # type: ignore[arg-type]
                                        [DeliveryInput(day, units) for day, units in days])

    async def write(self) -> None:
        persons = [p for p in self.plan.persons if p.known_since <= self.as_of]
        if any(p.preparing_since for p in persons):
            await self.institution()
        await self.places()
        for p in persons:
            await self.person(p)


def check_as_of(as_of: date, today: date) -> None:
    if as_of < PROGRAMME_FROM:
        raise DemoDataError(f"the demo people start their services in 2017; {as_of.isoformat()} is before that")
    if as_of > today:
        raise DemoDataError(f"{as_of.isoformat()} is in the future")


async def _count(session: AsyncSession, model) -> int:
    return await session.scalar(select(func.count()).select_from(model)) or 0


async def generate(node: Node, as_of: date = AS_OF, seed: int = 1) -> Report:
    """Fill ``node``'s (migrated, seeded, empty) database with its region's demo people as of ``as_of``."""
    started = time.perf_counter()
    check_as_of(as_of, node.today())
    plan = plan_for(node.registry, seed)
    async with node.sessions() as session, session.begin():
        existing = await _count(session, Client)
        if existing:
            raise DemoDataError(f"the database already holds {existing} clients; demo data goes into an empty node")
        writer = Writer(session, node, plan, as_of)
        await writer.write()
        report = Report(node.region, as_of, seed, await _count(session, Client),
                        await _count(session, ServiceEpisode), await _count(session, Delivery),
                        await session.scalar(select(func.coalesce(func.sum(Delivery.cost), 0))) or Decimal(0),
                        writer.assessments)
    report.seconds = time.perf_counter() - started
    return report


async def _other_regions(url: str, region: str) -> list[str]:
    engine = create_engine(url)
    try:
        async with engine.connect() as conn:
            rows = await conn.execute(select(Region.code).where(Region.code != region))  # type: ignore[call-overload]
            return list(rows.scalars())
    finally:
        await engine.dispose()


async def _generate(url: str, region: str, as_of: date, seed: int) -> Report:
    node = Node.open(Settings(db=url, region=region))
    try:
        return await generate(node, as_of, seed)
    finally:
        await node.close()


def load_region(url: str, region: str, as_of: date = AS_OF, seed: int = 1) -> Report:
    """Migrate and seed the database at ``url`` for ``region`` if needed, then write the demo people.

    Synchronous (each step runs its own event loop, as the migrations do): call it from a command or a
    test fixture, never from inside a running loop.
    """
    started = time.perf_counter()
    if region not in REGIONS:
        raise DemoDataError(f"there are no demo figures for the region {region!r} (known: {', '.join(REGIONS)})")
    check_as_of(as_of, today_in_riga())
    migrate.upgrade(url)
    others = asyncio.run(_other_regions(url, region))
    if others:
        raise DemoDataError(f"the database belongs to {', '.join(others)}, not to {region}")
    asyncio.run(seed_region(url, region))
    report = asyncio.run(_generate(url, region, as_of, seed))
    report.seconds = time.perf_counter() - started
    return report
