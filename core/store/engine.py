"""Async engines and sessions for SQLite (aiosqlite) and PostgreSQL (asyncpg)."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine

ASYNC_DRIVERS = {"sqlite": "sqlite+aiosqlite", "postgresql": "postgresql+asyncpg", "postgres": "postgresql+asyncpg"}


class DatabaseUrlError(ValueError):
    """The database URL names no database kopiena can use."""


def async_url(url: str) -> str:
    """``sqlite:///x.db`` -> ``sqlite+aiosqlite:///x.db``; ``postgresql://`` -> ``postgresql+asyncpg://``."""
    try:
        parsed = make_url(url)
    except Exception as exc:
        raise DatabaseUrlError(f"not a database URL: {url!r}") from exc
    backend = parsed.get_backend_name()
    if backend not in ("sqlite", "postgresql"):
        raise DatabaseUrlError(f"kopiena runs on SQLite or PostgreSQL, not {backend!r}")
    driver = ASYNC_DRIVERS[backend]
    return parsed.set(drivername=driver).render_as_string(hide_password=False)


def is_sqlite(url: str) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.close()


def _begin_before_savepoint(conn, _name) -> None:
    """pysqlite (under aiosqlite) emits BEGIN only before a write, not before a SAVEPOINT; a SAVEPOINT outside
    a transaction would start one of its own, and releasing it would commit. Begin the transaction first,
    so that savepoints nest inside it (SQLAlchemy's "savepoint" event comes just before the SAVEPOINT)."""
    if not conn.connection.driver_connection.in_transaction:
        conn.exec_driver_sql("BEGIN")


def create_engine(url: str, **kwargs) -> AsyncEngine:
    full = async_url(url)
    if is_sqlite(full):
        database = make_url(full).database
        if database and database != ":memory:":
            Path(database).parent.mkdir(parents=True, exist_ok=True)
    else:
        kwargs.setdefault("pool_size", 10)
        kwargs.setdefault("max_overflow", 10)
    engine = create_async_engine(full, **kwargs)
    if is_sqlite(full):
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        event.listen(engine.sync_engine, "savepoint", _begin_before_savepoint)
    return engine


def session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False)
