"""Records, a throwaway importer and database read-backs for the import tests."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import func, select

from core import hookimpl
from core.domain.personal_code import make_personal_code
from core.imports import ClientRecord, DeliveryRecord, EpisodeRecord, Importer
from core.store.models import Client, Delivery, ExternalRef, ServiceEpisode


def code(serial: int, born: date = date(1980, 5, 17)) -> str:
    return make_personal_code(born, serial)


def client(n: int, line: int | None = None, **kw) -> ClientRecord:
    values = dict(
        personal_code=code(n),
        given_name="Anna",
        family_name="Bērziņa",
        target_group="ADULT_GRT",
        municipality_code="0003000",
    )
    values.update(kw)
    return ClientRecord(external_id=f"c{n}", line=line or n, **values)


def episode(n: int, client_n: int, line: int | None = None, **kw) -> EpisodeRecord:
    values = dict(service_code="HOME_CARE", granted_by="0003000", start_date=date(2018, 3, 1))
    values.update(kw)
    return EpisodeRecord(external_id=f"e{n}", line=line or n, client_external_id=f"c{client_n}", **values)


def delivery(
    episode_n: int, day: date, units: Decimal | str = "2.5", line: int | None = None
) -> DeliveryRecord:
    return DeliveryRecord(
        external_id=f"e{episode_n}@{day}",
        line=line or episode_n,
        episode_external_id=f"e{episode_n}",
        date=day,
        units=units,
    )


class ListImporter(Importer):
    """Yields the records it was given; ``fail_at`` makes it raise before that record, like a broken API."""

    columns = {"personalCode": "Personas kods"}

    def __init__(self, records, name: str = "list", fail_at: int | None = None) -> None:
        self.name = name
        self.records = list(records)
        self.fail_at = fail_at
        self.sources: list[str] = []

    def read(self, source, context):
        self.sources.append(source)
        for i, record in enumerate(self.records):
            if i == self.fail_at:
                raise ConnectionError("the municipal system stopped answering")
            yield record


class ImporterPlugin:
    """A plugin that provides the given importers through the ``importers`` hook."""

    def __init__(self, *importers: Importer) -> None:
        self.importers_ = list(importers)

    @hookimpl
    def importers(self):
        return self.importers_


async def counts(node) -> dict[str, int]:
    async with node.sessions() as s:
        return {
            "clients": await s.scalar(select(func.count()).select_from(Client)),
            "episodes": await s.scalar(select(func.count()).select_from(ServiceEpisode)),
            "deliveries": await s.scalar(select(func.count()).select_from(Delivery)),
            "refs": await s.scalar(select(func.count()).select_from(ExternalRef)),
        }


async def refs(node, system: str) -> dict[tuple[str, str], int]:
    async with node.sessions() as s:
        rows = await s.execute(
            select(ExternalRef.kind, ExternalRef.external_id, ExternalRef.object_id).where(
                ExternalRef.system == system
            )
        )
        return {(k, e): o for k, e, o in rows.all()}


async def contents(node, system: str) -> dict:
    """What an import left in the database, by external id (ids differ between databases and runs)."""
    ids = await refs(node, system)
    ext = {(kind, object_id): e for (kind, e), object_id in ids.items()}
    async with node.sessions() as s:
        clients = (await s.execute(select(Client))).scalars().all()
        episodes = (await s.execute(select(ServiceEpisode))).scalars().all()
        deliveries = (await s.execute(select(Delivery))).scalars().all()
    by_code = {c.id: c.personal_code for c in clients}
    return {
        "refs": sorted((kind, e, by_code.get(i) if kind == "client" else None) for (kind, e), i in ids.items()),
        "clients": sorted(
            (c.personal_code, c.given_name, c.family_name, c.birth_date, c.target_group, c.recipient_kind,
             by_code.get(c.represents_client_id), c.municipality_code, c.residence)
            for c in clients
        ),
        "episodes": sorted(
            (ext.get(("episode", e.id)), by_code[e.client_id], e.service_code, e.granted_by, e.start_date,
             e.end_date)
            for e in episodes
        ),
        "deliveries": sorted(
            (ext.get(("episode", d.episode_id)), d.date, d.units, d.rate_id, d.cost, d.funding_source)
            for d in deliveries
        ),
    }


async def told(node, system: str, events: list) -> list:
    """The events of an import with external ids (and each delivery as episode and day) in place of ids."""
    ids = await refs(node, system)
    ext = {(kind, object_id): e for (kind, e), object_id in ids.items()}
    async with node.sessions() as s:
        codes = dict((await s.execute(select(Client.id, Client.personal_code))).all())
        days = {i: (ext.get(("episode", e)), d) for i, e, d in
                (await s.execute(select(Delivery.id, Delivery.episode_id, Delivery.date))).all()}
    out = []
    for event in events:
        data = dict(event.data)
        if "clientId" in data:
            data["clientId"] = codes[data["clientId"]]
        if "episodeId" in data:
            data["episodeId"] = ext[("episode", data["episodeId"])]
        if "deliveryIds" in data:
            data["deliveryIds"] = [days[i] for i in data["deliveryIds"]]
        out.append((event.type, event.region, data))
    return out


def outcome(report) -> dict:
    """A report as the operator sees it: counters and every refused record with its line, column and reason."""
    return {
        "read": dict(report.read), "written": dict(report.written), "linked": dict(report.linked),
        "updated": dict(report.updated), "unchanged": dict(report.unchanged), "lines": sorted(report.lines),
        "rejected": [(r.line, r.kind, r.external_id, r.field, r.code, r.message) for r in report.rejected],
        "error": report.error,
    }
