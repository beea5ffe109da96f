"""Writing many rows of one table at once, the fastest way each database offers, inside the open transaction.

PostgreSQL: ``COPY`` (asyncpg's ``copy_records_to_table``); rows that need their
ids first take them from the table's sequence in one statement, so that rows
of the same batch can point at each other. SQLite: one multi-row
``INSERT ... RETURNING id`` per page of rows; SQLite gives a rowid table's new
rows the largest rowid plus one, in the order of the ``VALUES``, and the open
write transaction keeps every other writer out, so the returned ids sorted
are the rows' ids in order (checked: they must be consecutive).
"""

from __future__ import annotations

import asyncpg
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession


class BulkWriteError(RuntimeError):
    """The database did not give the ids a bulk write expects (the batch is not written)."""


def _is_postgresql(conn: AsyncConnection) -> bool:
    return conn.dialect.name == "postgresql"


async def new_ids(session: AsyncSession, table: sa.Table, count: int) -> list[int]:
    """``count`` ids from the sequence of ``table.id`` (PostgreSQL only)."""
    result = await session.execute(
        sa.text("SELECT nextval(pg_get_serial_sequence(:table, 'id')) FROM generate_series(1, :n)"),
        {"table": table.name, "n": count},
    )
    return [int(i) for i in result.scalars()]


async def _copy(conn: AsyncConnection, table: sa.Table, rows: list[dict]) -> None:
    """COPY ``rows`` into ``table``, each value converted by its column type as an INSERT converts it."""
    names = list(rows[0])
    dialect = conn.dialect
    columns = []
    for name in names:  # column by column: one processor lookup each, and zip builds the records
        values = [row[name] for row in rows]
        convert = table.c[name].type.dialect_impl(dialect).bind_processor(dialect)
        columns.append(values if convert is None else [convert(v) for v in values])
    records = list(zip(*columns, strict=True))
    raw = (await conn.get_raw_connection()).driver_connection
    if not raw.is_in_transaction():  # SQLAlchemy begins lazily: make sure the COPY is inside the transaction
        await conn.execute(sa.text("SELECT 1"))
    try:
        await raw.copy_records_to_table(table.name, records=records, columns=names)
    except asyncpg.IntegrityConstraintViolationError as exc:  # what SQLAlchemy raises for an INSERT
        raise sa.exc.IntegrityError(f"COPY {table.name}", None, exc) from exc


async def insert_rows(session: AsyncSession, table: sa.Table, rows: list[dict]) -> None:
    """Insert ``rows`` (dicts with the same keys) whose ids nobody needs."""
    if not rows:
        return
    conn = await session.connection()
    if _is_postgresql(conn):
        await _copy(conn, table, rows)
    else:
        await conn.execute(sa.insert(table), rows)


async def insert_with_ids(session: AsyncSession, table: sa.Table, rows: list[dict]) -> list[int]:
    """Insert ``rows`` and return their new ids, in the order of ``rows``."""
    if not rows:
        return []
    conn = await session.connection()
    if _is_postgresql(conn):
        ids = await new_ids(session, table, len(rows))
        await _copy(conn, table, [{"id": i, **row} for i, row in zip(ids, rows, strict=True)])
        return ids
    result = await conn.execute(sa.insert(table).returning(table.c.id), rows)
    ids = sorted(result.scalars().all())
    if len(ids) != len(rows) or ids[-1] - ids[0] != len(rows) - 1:
        raise BulkWriteError(f"{table.name}: {len(rows)} rows inserted, ids {ids[:3]}...{ids[-3:]} returned")
    return ids
