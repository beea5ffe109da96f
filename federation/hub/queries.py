"""Reading the hub's database: regions, figures, national totals and progress, aggregated in SQL.

National figures add up the regions' own totals (the rows whose municipality is
empty): a person counts once per region, as every region counted. Ratios are
never added; national achievement is recomputed from the summed received and
target numbers.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from core.domain.indicators import (
    DI_PLAN_TARGET,
    PERSONS_RECEIVED,
    UNIQUE_PERSONS_RECEIVED,
    Unit,
    percent,
    row_key,
)

from . import models as t
from .figures import DIMENSION_COLUMNS

F = t.figures


@dataclass(frozen=True)
class RegionRow:
    code: str
    name: str
    last_snapshot_at: datetime | None
    as_of: date | None
    sequence: int | None


@dataclass(frozen=True)
class SnapshotRow:
    region: str
    as_of: date
    sequence: int
    snapshot_id: str
    content_hash: str
    software_version: str
    schema_version: str
    produced_at: datetime
    received_at: datetime


@dataclass(frozen=True)
class FigureRow:
    region: str | None
    indicator: str
    unit: str
    municipality: str | None
    target_group: str | None
    service: str | None
    recipient: str | None
    residence: str | None
    funding_source: str | None
    value: Decimal | None
    ratio: str | None = None
    regions: int = 1


@dataclass(frozen=True)
class ProgressRow:
    region: str | None
    target_group: str
    service: str | None
    recipient: str
    received: int
    target: int | None
    on_demand: bool

    @property
    def percent(self) -> Decimal | None:
        return percent(self.received, self.target) if self.target else None

    @property
    def ratio(self) -> str | None:
        return f"{self.received}/{self.target}" if self.target else None


def utc(moment: datetime | None) -> datetime | None:
    """SQLite hands timestamps back without their zone; they are UTC."""
    if moment is None or moment.tzinfo is not None:
        return moment
    return moment.replace(tzinfo=UTC)


def display(unit: str, value: Decimal | None) -> Decimal | None:
    """Counts without decimals, amounts with two, percentages (ratios) with one."""
    if value is None:
        return None
    if unit in (Unit.PERSONS, Unit.PLANS):
        return value.quantize(Decimal(1))
    return value.quantize(Decimal("0.1") if unit == Unit.RATIO else Decimal("0.01"))


async def region_codes(session: AsyncSession) -> set[str]:
    return set((await session.execute(sa.select(t.regions.c.code))).scalars())


async def regions(session: AsyncSession) -> list[RegionRow]:
    """Every region with the snapshot the hub received from it last."""
    S = t.snapshots
    latest = (sa.select(S.c.region_code, sa.func.max(S.c.received_at).label("at"))
              .group_by(S.c.region_code).subquery("latest"))
    stmt = (
        sa.select(t.regions.c.code, t.regions.c.name, S.c.received_at, S.c.as_of, S.c.sequence)
        .select_from(t.regions)
        .outerjoin(latest, latest.c.region_code == t.regions.c.code)
        .outerjoin(S, sa.and_(S.c.region_code == latest.c.region_code, S.c.received_at == latest.c.at))
    )
    rows = [RegionRow(code, name, utc(at), as_of, seq) for code, name, at, as_of, seq in
            (await session.execute(stmt)).all()]
    return sorted(rows, key=lambda r: r.code)


async def snapshots(session: AsyncSession, *, region: str | None = None, as_of: date | None = None
                    ) -> list[SnapshotRow]:
    S = t.snapshots
    stmt = sa.select(S.c.region_code, S.c.as_of, S.c.sequence, S.c.snapshot_id, S.c.content_hash,
                     S.c.software_version, S.c.schema_version, S.c.produced_at, S.c.received_at)
    if region is not None:
        stmt = stmt.where(S.c.region_code == region)
    if as_of is not None:
        stmt = stmt.where(S.c.as_of == as_of)
    rows = [SnapshotRow(*row[:-2], produced_at=utc(row[-2]), received_at=utc(row[-1]))  # type: ignore[arg-type]
            for row in (await session.execute(stmt)).all()]
    return sorted(rows, key=lambda r: (r.region, r.as_of))


def _filters(as_of: date, *, indicator: str | None, target_group: str | None, service: str | None
             ) -> list[sa.ColumnElement]:
    where = [F.c.as_of == as_of]
    for column, value in (("indicator", indicator), ("target_group", target_group), ("service", service)):
        if value is not None:
            where.append(F.c[column] == value)
    return where


async def figures(session: AsyncSession, as_of: date, *, indicator: str | None = None, region: str | None = None,
                  municipality: str | None = None, target_group: str | None = None, service: str | None = None,
                  whole_region: bool = False, non_zero: bool = False) -> list[FigureRow]:
    """The regions' figures as they sent them, filtered in SQL, in the order they sent them."""
    where = _filters(as_of, indicator=indicator, target_group=target_group, service=service)
    if region is not None:
        where.append(F.c.region_code == region)
    if municipality is not None:
        where.append(F.c.municipality == municipality)
    if whole_region:
        where.append(F.c.municipality.is_(None))
    if non_zero:
        where.append(sa.and_(F.c.value.is_not(None), F.c.value != 0))
    stmt = (sa.select(F.c.region_code, F.c.indicator, t.indicators.c.unit, *(F.c[c] for c in DIMENSION_COLUMNS),
                      F.c.value, F.c.numerator, F.c.denominator)
            .join(t.indicators, t.indicators.c.code == F.c.indicator).where(*where)
            .order_by(F.c.region_code, F.c.indicator, F.c.id))
    out = []
    for region_code, code, unit, muni, group, service, recipient, residence, funding, value, num, den in (
            await session.execute(stmt)).all():
        out.append(FigureRow(region_code, code, unit, muni, group, service, recipient, residence, funding,
                             value=display(unit, value), ratio=f"{num}/{den}" if den else None))
    return out


async def reporting_regions(session: AsyncSession, as_of: date) -> list[str]:
    codes = await session.execute(sa.select(t.snapshots.c.region_code).where(t.snapshots.c.as_of == as_of))
    return sorted(codes.scalars())


async def national_totals(session: AsyncSession, as_of: date, *, indicator: str | None = None,
                          target_group: str | None = None, service: str | None = None) -> list[FigureRow]:
    """Sums over all regions of each region's totals (ratios excluded: see :func:`progress`)."""
    dims = [F.c[c] for c in DIMENSION_COLUMNS if c != "municipality"]
    stmt = (
        sa.select(F.c.indicator, t.indicators.c.unit, *dims, sa.func.sum(F.c.value),
                  sa.func.count(sa.distinct(F.c.region_code)))
        .join(t.indicators, t.indicators.c.code == F.c.indicator)
        .where(*_filters(as_of, indicator=indicator, target_group=target_group, service=service),
               F.c.municipality.is_(None), t.indicators.c.unit != Unit.RATIO.value)
        .group_by(F.c.indicator, t.indicators.c.unit, *dims)
    )
    result: list[Any] = list((await session.execute(stmt)).all())
    rows = [FigureRow(None, code, unit, None, group, svc, recipient, residence, funding,
                      value=display(unit, total), regions=n)
            for code, unit, group, svc, recipient, residence, funding, total, n in result]
    return sorted(rows, key=lambda r: row_key((r.indicator, r.target_group, r.service, r.recipient, r.residence,
                                               r.funding_source)))


def _received(where: list[sa.ColumnElement]) -> sa.Subquery:
    """Persons received per region, group, service and recipient (residences added up), and unique persons."""
    keys = (F.c.region_code, F.c.target_group, F.c.recipient)
    total = sa.func.sum(F.c.value).label("received")
    per_service = (sa.select(*keys, F.c.service, total)
                   .where(*where, F.c.indicator == PERSONS_RECEIVED.code).group_by(*keys, F.c.service))
    unique = (sa.select(*keys, sa.cast(sa.null(), sa.String).label("service"), total)
              .where(*where, F.c.indicator == UNIQUE_PERSONS_RECEIVED.code).group_by(*keys))
    return sa.union_all(per_service, unique).subquery("received")


def progress_statement(as_of: date, region: str | None, target_group: str | None) -> sa.Select:
    where = [F.c.as_of == as_of, F.c.municipality.is_(None)]
    if region is not None:
        where.append(F.c.region_code == region)
    if target_group is not None:
        where.append(F.c.target_group == target_group)
    received = _received(where)
    targets = (sa.select(F.c.region_code, F.c.target_group, F.c.service, F.c.recipient, F.c.value.label("target"))
               .where(*where, F.c.indicator == DI_PLAN_TARGET.code).subquery("targets"))
    r = received.c
    on = sa.and_(targets.c.region_code == r.region_code, targets.c.target_group == r.target_group,
                 targets.c.recipient == r.recipient,
                 sa.func.coalesce(targets.c.service, "") == sa.func.coalesce(r.service, ""))
    planned = sa.func.max(sa.case((targets.c.region_code.is_not(None), 1), else_=0))
    group = [r.target_group, r.service, r.recipient]
    by_region = [r.region_code] if region is not None else []
    region_col = r.region_code if region is not None else sa.cast(sa.null(), sa.String)
    return (sa.select(region_col.label("region"), *group, sa.func.sum(r.received), sa.func.sum(targets.c.target),
                      planned.label("planned"))
            .select_from(received.outerjoin(targets, on))
            .group_by(*by_region, *group)
            .having(sa.or_(sa.func.sum(r.received) > 0, planned == 1)))


async def progress(session: AsyncSession, as_of: date, *, region: str | None = None,
                   target_group: str | None = None) -> list[ProgressRow]:
    """Received against the DI plan per service and for unique persons: one region's, or the nation's."""
    rows = []
    for reg, group, service, recipient, got, target, planned in (
            await session.execute(progress_statement(as_of, region, target_group))).all():
        target_n = int(target) if target is not None else None
        rows.append(ProgressRow(reg, group, service, recipient, int(got or 0), target_n,
                                on_demand=bool(planned) and target_n is None))
    return sorted(rows, key=lambda p: row_key((p.region, p.target_group, p.recipient, p.service)))


async def declarations(session: AsyncSession) -> list[tuple[str, str, str, str]]:
    rows = await session.execute(sa.select(t.indicators.c.code, t.indicators.c.description, t.indicators.c.unit,
                                           t.indicators.c.dimensions))
    return sorted((tuple(r) for r in rows.all()), key=lambda r: r[0])  # type: ignore[misc]
