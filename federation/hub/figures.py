"""A snapshot's figures as ``hub_figures`` rows, and the fast way they go in: ``COPY`` on PostgreSQL, one
``executemany`` of plain tuples on SQLite, both inside the caller's transaction.

A snapshot has ~4,000 rows that repeat the same few dozen codes and values, so the rows are built column by
column (``zip`` in C) and each distinct value is converted once. Values are stored as the
:class:`~core.store.types.Hundredths` column type stores them (whole hundredths), through that type's own
conversion, so the result is the same as an ORM insert would give.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from itertools import repeat
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from core.domain.indicators import Unit, parse_ratio, percent
from core.store.types import Hundredths

from ..messages import Cell, IndicatorBlock, SnapshotMessage
from . import models as t

DIMENSION_COLUMNS = ("municipality", "target_group", "service", "recipient", "residence", "funding_source")
COLUMNS = ("region_code", "as_of", "indicator", *DIMENSION_COLUMNS, "value", "numerator", "denominator")
"""The columns every figure tuple has, in this order (``id`` is the database's)."""

_HUNDREDTHS = Hundredths()
_INSERT = (f"INSERT INTO {t.figures.name} ({', '.join(COLUMNS)}) "
           f"VALUES ({', '.join('?' for _ in COLUMNS)})")


def value_columns(unit: str, value: Cell) -> tuple[int | None, int | None, int | None]:
    """``value``, ``numerator``, ``denominator`` of one figure: counts and amounts as whole hundredths; a ratio
    as its percentage (one decimal, in hundredths) and its parts."""
    if value is None:
        return None, None, None
    if unit == Unit.RATIO:
        num, den = parse_ratio(str(value))
        return _HUNDREDTHS.process_bind_param(percent(num, den), None), num, den
    return _HUNDREDTHS.process_bind_param(value, None), None, None


def _block_rows(region: str, as_of: Any, block: IndicatorBlock) -> Iterator[tuple[Any, ...]]:
    if not block.rows:
        return iter(())
    *cells, values = zip(*block.rows, strict=True)
    by_name = dict(zip(block.dimensions, cells, strict=True))
    absent = (None,) * len(values)
    dimensions = [by_name.get(name, absent) for name in DIMENSION_COLUMNS]
    converted = {v: value_columns(block.unit, v) for v in set(values)}
    value, numerator, denominator = zip(*map(converted.__getitem__, values), strict=True)
    return zip(repeat(region), repeat(as_of), repeat(block.code), *dimensions, value, numerator, denominator)


def figure_rows(message: SnapshotMessage, as_of: Any = None) -> list[tuple[Any, ...]]:
    """The message's rows as ``hub_figures`` tuples in :data:`COLUMNS` order (dimensions an indicator lacks are
    NULL). ``as_of`` is the date as the driver takes it (default: the ``date``)."""
    day = message.as_of if as_of is None else as_of
    return [row for block in message.indicators for row in _block_rows(message.region, day, block)]


async def insert_figures(session: AsyncSession, messages: list[SnapshotMessage]) -> int:
    """Insert the figures of ``messages`` in the session's open transaction; returns the number of rows."""
    conn = await session.connection()
    if conn.dialect.name == "postgresql":
        rows = [row for m in messages for row in figure_rows(m)]
        if rows:
            # the raw asyncpg connection is the session's: the COPY runs inside its transaction, which the
            # statements before it (the snapshot look-up) have already begun
            raw = await conn.get_raw_connection()
            driver: Any = raw.driver_connection  # asyncpg.Connection
            await driver.copy_records_to_table(t.figures.name, records=rows, columns=COLUMNS)
        return len(rows)
    rows = [row for m in messages for row in figure_rows(m, _sqlite_date(m.as_of))]
    if rows:  # one executemany of tuples, skipping SQLAlchemy's per-row parameter processing
        await conn.exec_driver_sql(_INSERT, rows)
    return len(rows)


def _sqlite_date(day: date) -> str:
    """How SQLAlchemy's ``Date`` stores a date on SQLite (ISO text), so the hub's queries find it."""
    return day.isoformat()
