"""Throwaway databases for one benchmark run: SQLite files under bench/work, uniquely named PostgreSQL databases.

Every database is created migrated (``kopiena db upgrade``) and seeded with a
region's reference data (``kopiena seed``), exactly as a node starts; the
benchmark drops what it created when it ends, whatever happened.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import asyncpg

from core.cli.db import seed_region
from core.store import migrate

PG_ADMIN = os.environ.get("KOPIENA_BENCH_PG", "postgresql://postgres@127.0.0.1:5432/postgres")
BACKENDS = ("sqlite", "postgresql")


def pg_url(name: str) -> str:
    base, _, _ = PG_ADMIN.rpartition("/")
    return f"{base}/{name}"


async def pg_admin(sql: str) -> None:
    conn = await asyncpg.connect(PG_ADMIN, timeout=5)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


async def pg_unavailable() -> str | None:
    """None when PostgreSQL answers, else why not."""
    try:
        await pg_admin("SELECT 1")
        return None
    except Exception as exc:  # refused, timeout, auth: all mean "not here"
        return f"PostgreSQL at {PG_ADMIN} is not reachable: {type(exc).__name__}: {exc}"


async def pg_server_version() -> str | None:
    try:
        conn = await asyncpg.connect(PG_ADMIN, timeout=5)
    except Exception:
        return None
    try:
        return str(await conn.fetchval("SHOW server_version"))
    finally:
        await conn.close()


@dataclass
class Database:
    backend: str
    url: str
    name: str
    path: Path | None = None

    @property
    def dsn(self) -> str:
        """What asyncpg connects to (PostgreSQL only)."""
        return pg_url(self.name)

    def size_bytes(self) -> int | None:
        if self.path is None:
            return None
        return sum(p.stat().st_size for p in self.path.parent.glob(self.path.name + "*"))


@dataclass
class Databases:
    """Creates fresh databases for one run and drops them all in :meth:`drop_all`."""

    workdir: Path
    tag: str = field(default_factory=lambda: f"{os.getpid()}_{uuid.uuid4().hex[:6]}")
    created: list[Database] = field(default_factory=list)
    serial: int = 0

    async def empty(self, backend: str, label: str) -> Database:
        """A new, empty database (no schema)."""
        self.serial += 1
        name = f"kopiena_bench_{self.tag}_{self.serial}_{label}".lower()
        if backend == "sqlite":
            self.workdir.mkdir(parents=True, exist_ok=True)
            path = self.workdir / f"{name}.db"
            db = Database(backend, f"sqlite:///{path}", name, path)
        elif backend == "postgresql":
            await pg_admin(f'CREATE DATABASE "{name}"')
            db = Database(backend, pg_url(name), name)
        else:
            raise ValueError(f"unknown backend {backend!r}")
        self.created.append(db)
        return db

    async def fresh(self, backend: str, label: str, region: str = "zemgale") -> Database:
        """A new database migrated to head and seeded with ``region``'s reference data."""
        db = await self.empty(backend, label)
        await asyncio.to_thread(migrate.upgrade, db.url)
        await seed_region(db.url, region)
        return db

    async def drop(self, db: Database) -> None:
        if db.backend == "sqlite":
            assert db.path is not None
            for p in db.path.parent.glob(db.path.name + "*"):
                p.unlink(missing_ok=True)
        else:
            await pg_admin(f'DROP DATABASE IF EXISTS "{db.name}" WITH (FORCE)')
        if db in self.created:
            self.created.remove(db)

    async def drop_all(self) -> None:
        for db in list(self.created):
            try:
                await self.drop(db)
            except Exception as exc:  # keep dropping the others; say what is left behind
                print(f"bench: could not drop {db.name}: {exc}")

    def cleanup_workdir(self) -> None:
        if self.workdir.exists() and not any(self.workdir.iterdir()):
            shutil.rmtree(self.workdir, ignore_errors=True)
