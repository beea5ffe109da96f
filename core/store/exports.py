"""Named exports of a node's data for municipal systems (the ``exporters`` hook), computed in SQL.

An exporter returns a table (column names and rows) for a calendar month,
optionally for one municipality. The built-in ones are aggregates: what the
programme delivered and what it cost, per municipality that granted the
service. Nothing personal is exported; every figure is a ``GROUP BY`` in the
database.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import Select, distinct, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.domain.errors import InvalidValue
from core.domain.funding import add_months
from core.imports import named

from .models import Delivery, MunicipalityRow, ServiceEpisode


@dataclass(frozen=True)
class ExportParams:
    """What the operator asked for: a month (its first day) and optionally one municipality."""

    month: date
    municipality: str | None = None
    region: str | None = None
    options: Mapping[str, str] = field(default_factory=dict)

    @property
    def start(self) -> date:
        return self.month.replace(day=1)

    @property
    def end(self) -> date:
        """First day after the month."""
        return add_months(self.start, 1)


@dataclass
class ExportTable:
    columns: list[str]
    rows: list[tuple[Any, ...]]

    def as_dicts(self) -> list[dict[str, Any]]:
        return [dict(zip(self.columns, row, strict=True)) for row in self.rows]


class Exporter:
    """Base class of a named export; subclass it and return an instance from the ``exporters`` hook."""

    name: str = ""
    description: str = ""

    async def export(self, session: AsyncSession, params: ExportParams) -> ExportTable:
        raise NotImplementedError


def parse_month(value: str) -> date:
    """``2018-03`` or ``03.2018`` -> 1 March 2018."""
    text = (value or "").strip()
    for sep, order in (("-", (0, 1)), (".", (1, 0))):
        parts = text.split(sep)
        if len(parts) == 2 and all(p.isdigit() for p in parts):
            year, month = int(parts[order[0]]), int(parts[order[1]])
            if 2000 <= year <= 2100 and 1 <= month <= 12:
                return date(year, month, 1)
    raise InvalidValue(f"{value!r} is not a month; write it as YYYY-MM (e.g. 2018-03).", field="month")


def _month_deliveries(query: Select, params: ExportParams) -> Select:
    query = (
        query.join(ServiceEpisode, ServiceEpisode.id == Delivery.episode_id)
        .join(MunicipalityRow, MunicipalityRow.code == ServiceEpisode.granted_by)
        .where(Delivery.date >= params.start, Delivery.date < params.end)
    )
    if params.municipality:
        query = query.where(ServiceEpisode.granted_by == params.municipality)
    return query


class DeliveriesExport(Exporter):
    name = "deliveries"
    description = (
        "Deliveries of a month per granting municipality and service: persons, episodes, days, units, cost."
    )

    async def export(self, session: AsyncSession, params: ExportParams) -> ExportTable:
        query = _month_deliveries(
            select(
                ServiceEpisode.granted_by,
                MunicipalityRow.name_lv,
                ServiceEpisode.service_code,
                func.count(distinct(ServiceEpisode.client_id)),
                func.count(distinct(ServiceEpisode.id)),
                func.count(Delivery.id),
                func.sum(Delivery.units),
                func.coalesce(func.sum(Delivery.cost), 0),
            ).select_from(Delivery),
            params,
        )
        query = query.group_by(
            ServiceEpisode.granted_by, MunicipalityRow.name_lv, ServiceEpisode.service_code
        )
        rows = (
            await session.execute(query.order_by(ServiceEpisode.granted_by, ServiceEpisode.service_code))
        ).all()
        month = params.start.strftime("%Y-%m")
        return ExportTable(
            [
                "month",
                "municipality_code",
                "municipality",
                "service_code",
                "persons",
                "episodes",
                "deliveries",
                "units",
                "cost_eur",
            ],
            [(month, *row[:7], Decimal(row[7])) for row in rows],
        )


class CostsExport(Exporter):
    name = "costs"
    description = (
        "Costs of a month per granting municipality and funding source (ESF, state budget, municipality)."
    )

    async def export(self, session: AsyncSession, params: ExportParams) -> ExportTable:
        query = _month_deliveries(
            select(
                ServiceEpisode.granted_by,
                MunicipalityRow.name_lv,
                Delivery.funding_source,
                func.count(Delivery.id),
                func.count(Delivery.cost),
                func.coalesce(func.sum(Delivery.cost), 0),
            ).select_from(Delivery),
            params,
        )
        query = query.group_by(ServiceEpisode.granted_by, MunicipalityRow.name_lv, Delivery.funding_source)
        rows = (
            await session.execute(query.order_by(ServiceEpisode.granted_by, Delivery.funding_source))
        ).all()
        month = params.start.strftime("%Y-%m")
        return ExportTable(
            [
                "month",
                "municipality_code",
                "municipality",
                "funding_source",
                "deliveries",
                "costed_deliveries",
                "cost_eur",
            ],
            [(month, *row[:5], Decimal(row[5])) for row in rows],
        )


BUILTIN_EXPORTERS: tuple[Exporter, ...] = (DeliveriesExport(), CostsExport())


def available_exporters(pm) -> dict[str, Exporter]:
    """The exporters the loaded plugins provide (the built-in ones included), by name."""
    return named("exporter", pm.hook.exporters())


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, date):
        return value.isoformat()
    return value


def render(table: ExportTable, fmt: str) -> str:
    """The table as ``csv`` (header row, comma separated, decimal point) or ``json`` (a list of objects)."""
    if fmt == "json":
        return json.dumps(
            [{k: _plain(v) for k, v in row.items()} for row in table.as_dicts()], ensure_ascii=False, indent=2
        )
    if fmt == "csv":
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(table.columns)
        writer.writerows([_plain(v) for v in row] for row in table.rows)
        return out.getvalue()
    raise InvalidValue(f"{fmt!r} is not an export format (csv, json).", field="format")
