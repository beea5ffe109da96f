"""Writing to the hub's database: one snapshot replaces the previous one of its region and date.

Only the newest sequence of a (region, as-of date) is kept: an older or equal
sequence arriving later (a duplicate, a late or out-of-order delivery) changes
nothing. Figures of a snapshot are replaced in the same transaction as its
snapshot row, so a reader never sees half of one.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from core.domain.indicators import Unit, parse_ratio, percent
from core.domain.regions import RegionInfo
from core.store.engine import create_engine, session_factory

from ..messages import IndicatorBlock, SnapshotMessage
from . import models as t
from .migrate import upgrade_async

DIMENSION_COLUMNS = ("municipality", "target_group", "service", "recipient", "residence", "funding_source")


class Outcome(enum.StrEnum):
    ACCEPTED = "accepted"
    """Newer than what the hub had for the region and date: it replaced it."""
    DUPLICATE = "duplicate"
    """The same sequence again: nothing changed."""
    STALE = "stale"
    """An older sequence than the hub already has: nothing changed."""


def utcnow() -> datetime:
    return datetime.now(UTC)


def _value(unit: str, value: Any) -> dict[str, Any]:
    """Columns of one value: counts and amounts as exact hundredths; a ratio as its parts and percentage."""
    if value is None:
        return {"value": None, "numerator": None, "denominator": None}
    if unit == Unit.RATIO:
        num, den = parse_ratio(value)
        return {"value": percent(num, den), "numerator": num, "denominator": den}
    return {"value": Decimal(value), "numerator": None, "denominator": None}


def figure_rows(message: SnapshotMessage) -> list[dict[str, Any]]:
    """The message's rows as ``hub_figures`` rows (dimensions the indicator lacks stay NULL)."""
    base = {"region_code": message.region, "as_of": message.as_of}
    empty = dict.fromkeys(DIMENSION_COLUMNS)
    return [
        {**base, **empty, **dict(zip(block.dimensions, row[:-1], strict=True)), "indicator": block.code,
         **_value(block.unit, row[-1])}
        for block in message.indicators for row in block.rows
    ]


async def _upsert(session: AsyncSession, table: sa.Table, key: dict[str, Any], values: dict[str, Any]) -> None:
    where = sa.and_(*(table.c[k] == v for k, v in key.items()))
    updated = await session.execute(sa.update(table).where(where).values(**values))
    if updated.rowcount == 0:  # type: ignore[attr-defined]
        await session.execute(sa.insert(table).values(**key, **values))


async def _declare(session: AsyncSession, blocks: list[IndicatorBlock]) -> None:
    for b in blocks:
        await _upsert(session, t.indicators, {"code": b.code},
                      {"description": b.description, "unit": b.unit, "dimensions": ",".join(b.dimensions)})


@dataclass
class HubStore:
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]

    @classmethod
    def open(cls, url: str) -> HubStore:
        engine = create_engine(url)
        return cls(engine, session_factory(engine))

    async def migrate(self) -> None:
        await upgrade_async(self.engine)

    async def close(self) -> None:
        await self.engine.dispose()

    async def ingest(self, message: SnapshotMessage) -> Outcome:
        """Keep ``message`` if it is the newest of its region and date; commit before returning."""
        key = {"region_code": message.region, "as_of": message.as_of}
        async with self.sessions() as session, session.begin():
            await _upsert(session, t.regions, {"code": message.region}, {"name": message.region_name})
            current = await session.scalar(
                sa.select(t.snapshots.c.sequence)
                .where(t.snapshots.c.region_code == message.region, t.snapshots.c.as_of == message.as_of)
                .with_for_update())  # PostgreSQL locks the row; SQLite has one writer anyway
            if current is not None and current >= message.sequence:
                return Outcome.DUPLICATE if current == message.sequence else Outcome.STALE
            await session.execute(sa.delete(t.figures).where(
                t.figures.c.region_code == message.region, t.figures.c.as_of == message.as_of))
            await _upsert(session, t.snapshots, key, {
                "sequence": message.sequence, "snapshot_id": message.snapshot_id,
                "content_hash": message.content_hash, "software_version": message.software_version,
                "schema_version": message.schema_version, "produced_at": message.created_at,
                "received_at": utcnow(),
            })
            await _declare(session, message.indicators)
            rows = figure_rows(message)
            if rows:
                await session.execute(sa.insert(t.figures), rows)
        return Outcome.ACCEPTED

    async def record_rejection(self, *, subject: str, msg_id: str | None, stream_sequence: int | None,
                               reason: str) -> None:
        """Remember that a message was dead-lettered (why and which, never its content)."""
        async with self.sessions() as session, session.begin():
            await session.execute(sa.insert(t.rejections).values(
                received_at=utcnow(), subject=subject[:200], msg_id=(msg_id or None) and msg_id[:200],
                stream_sequence=stream_sequence, reason=reason[:500]))

    async def know_regions(self, regions: list[RegionInfo]) -> None:
        """List regions before they first report, so a silent region shows up as such."""
        async with self.sessions() as session, session.begin():
            for r in regions:
                exists = await session.scalar(sa.select(t.regions.c.code).where(t.regions.c.code == r.code))
                if exists is None:
                    await session.execute(sa.insert(t.regions).values(code=r.code, name=r.name_en))
