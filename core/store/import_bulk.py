"""Writing many rows of one table at once, the fastest way each database offers, inside the open transaction.

Values are converted column by column with each column type's bind processor
(what an ``INSERT`` through SQLAlchemy would send), then handed to the driver
in one call: PostgreSQL ``COPY`` (asyncpg's ``copy_records_to_table``), SQLite
one ``executemany`` of a prepared ``INSERT`` (sqlite3 binds the tuples in C;
SQLAlchemy's own executemany would build a parameter dict per row, which
costs more than SQLite takes to insert it).

Rows whose ids are needed (rows of the same batch point at them, events name
them) get them before they are written. PostgreSQL: from the table's sequence
in one statement. SQLite: the largest id plus one, two, ...: what SQLite
itself gives a rowid table without AUTOINCREMENT. Should another writer have
taken one of these ids meanwhile (only possible before this transaction's
first write), the primary key refuses the rows with an ``IntegrityError`` and
the batch is written again record by record, like any batch the database refuses.
"""

from __future__ import annotations

import sqlite3
from datetime import datetime

import asyncpg
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession


def _is_postgresql(conn: AsyncConnection) -> bool:
    return conn.dialect.name == "postgresql"


async def new_ids(session: AsyncSession, table: sa.Table, count: int) -> list[int]:
    """``count`` ids for new rows of ``table``, in order."""
    conn = await session.connection()
    if _is_postgresql(conn):
        result = await conn.execute(
            sa.text("SELECT nextval(pg_get_serial_sequence(:table, 'id')) FROM generate_series(1, :n)"),
            {"table": table.name, "n": count},
        )
        return [int(i) for i in result.scalars()]
    last = await conn.scalar(sa.select(sa.func.max(table.c.id)))  # the rowid index's last entry: no scan
    first = (last or 0) + 1
    return list(range(first, first + count))


def _records(conn: AsyncConnection, table: sa.Table, names: list[str], rows: list[dict]) -> list[tuple]:
    """The rows as tuples of driver values: one processor lookup per column, and zip builds the tuples."""
    dialect = conn.dialect
    columns = []
    for name in names:
        values = [row[name] for row in rows]
        convert = table.c[name].type.dialect_impl(dialect).bind_processor(dialect)
        columns.append(values if convert is None else _converted(values, convert))
    return list(zip(*columns, strict=True))


def _converted(values: list, convert) -> list:
    """``convert`` of each value, once for each distinct value: a batch's dates, units, costs and codes repeat.
    A datetime is known by its identity (equal ones in other time zones are written differently), and an
    unhashable value is converted on its own."""
    done: dict = {}
    out = []
    for v in values:
        key = (id(v),) if type(v) is datetime else v
        try:
            out.append(done[key])
        except KeyError:
            out.append(done.setdefault(key, convert(v)))
        except TypeError:
            out.append(convert(v))
    return out


async def _write(conn: AsyncConnection, table: sa.Table, rows: list[dict]) -> None:
    names = list(rows[0])
    records = _records(conn, table, names, rows)
    raw = (await conn.get_raw_connection()).driver_connection
    try:
        if _is_postgresql(conn):
            if not raw.is_in_transaction():  # SQLAlchemy begins lazily: the COPY must be inside the transaction
                await conn.execute(sa.text("SELECT 1"))
            await raw.copy_records_to_table(table.name, records=records, columns=names)
        else:  # pysqlite begins the transaction before the INSERT, as it does for SQLAlchemy's statements
            marks = ", ".join("?" * len(names))
            async with raw.executemany(f"INSERT INTO {table.name} ({', '.join(names)}) VALUES ({marks})", records):
                pass
    except (asyncpg.IntegrityConstraintViolationError, sqlite3.IntegrityError) as exc:  # as SQLAlchemy raises it
        raise sa.exc.IntegrityError(f"bulk insert into {table.name}", None, exc) from exc


async def insert_rows(session: AsyncSession, table: sa.Table, rows: list[dict]) -> None:
    """Insert ``rows`` (dicts with the same keys) whose ids nobody needs."""
    if rows:
        await _write(await session.connection(), table, rows)


async def insert_with_ids(session: AsyncSession, table: sa.Table, rows: list[dict]) -> list[int]:
    """Insert ``rows`` and return their new ids, in the order of ``rows``."""
    if not rows:
        return []
    ids = await new_ids(session, table, len(rows))
    await _write(await session.connection(), table, [{"id": i, **row} for i, row in zip(ids, rows, strict=True)])
    return ids
