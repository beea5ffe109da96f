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
