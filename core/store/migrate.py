"""Database migrations of a node: ``kopiena db upgrade`` and the drift check used by tests.

And the SQLite query planner's statistics (``sqlite_stat1``): without them
SQLite guesses, and plans ``deliveries.date <= :d`` through ``ix_deliveries_date``
(a random look-up for each of the ~80 % of deliveries that match; with
statistics it scans them, an indicator snapshot at 10,000 clients takes 1.0 s
instead of 2.2 s). PostgreSQL's autovacuum keeps its own statistics.
"""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path

import sqlalchemy as sa
from alembic.config import Config
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession
from sqlmodel import SQLModel

from . import models  # noqa: F401  (registers the tables)
from .engine import create_engine, is_sqlite
from .migrations_runner import Migrations

MIGRATIONS = Path(__file__).parent / "migrations"
NODE = Migrations(MIGRATIONS, SQLModel.metadata)

ANALYSIS_LIMIT = 1000
"""Rows ANALYZE reads per index (SQLite's advice: 100-1000): statistics good enough to plan with, gathered in
milliseconds however large the tables are."""


def alembic_config(url: str) -> Config:
    return NODE.config(url)


def upgrade(url: str, revision: str = "head") -> None:
    """Bring the database at ``url`` to ``revision`` (synchronous; runs its own event loop).

    On an existing SQLite database, then refresh the planner's statistics (so ``kopiena db upgrade`` at head
    refreshes them, e.g. after a large import); a new database has nothing to gather yet.
    """
    existing = _sqlite_file(url) is not None and _has_schema(url)
    NODE.upgrade(url, revision)
    if existing:
        analyze(url)


def _sqlite_file(url: str) -> str | None:
    database = make_url(url).database if is_sqlite(url) else None
    return None if not database or database == ":memory:" else database


def _has_schema(url: str) -> bool:
    database = _sqlite_file(url)
    if database is None or not Path(database).exists():
        return False
    with closing(sqlite3.connect(database)) as conn:
        return conn.execute("SELECT 1 FROM sqlite_master WHERE name = ?", (NODE.version_table,)).fetchone() is not None


def analyze(url: str) -> None:
    """SQLite: gather the query planner's statistics of every table (``ANALYZE``, within ``ANALYSIS_LIMIT``)."""
    database = _sqlite_file(url)
    if database is None:
        return
    with closing(sqlite3.connect(database)) as conn:
        conn.execute(f"PRAGMA analysis_limit={ANALYSIS_LIMIT}")
        conn.execute("ANALYZE")
        conn.commit()


async def optimize(session: AsyncSession) -> None:
    """SQLite: ``PRAGMA optimize`` on the session's connection, in its transaction.

    SQLite then analyzes (within ``ANALYSIS_LIMIT``) the tables whose statistics the queries of this connection
    would have planned better with: never analyzed, or grown much since. Usually it does nothing; SQLite
    advises running it now and then on a long-lived connection. A no-op on PostgreSQL.
    """
    if session.get_bind().dialect.name != "sqlite":
        return
    await session.execute(sa.text(f"PRAGMA analysis_limit={ANALYSIS_LIMIT}"))
    await session.execute(sa.text("PRAGMA optimize"))


def head_revision() -> str:
    return NODE.head_revision()


async def current_revision(engine: AsyncEngine) -> str | None:
    return await NODE.current_revision(engine)


async def is_current(engine: AsyncEngine) -> bool:
    return await NODE.is_current(engine)


async def drift(url: str) -> list:
    """Differences between the models and a migrated database at ``url`` (empty when they agree)."""
    engine = create_engine(url)
    try:
        return await NODE.drift(engine)
    finally:
        await engine.dispose()
