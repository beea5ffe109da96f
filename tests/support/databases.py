"""Real databases for tests: a migrated, seeded template per session, cloned fresh for each test.

PostgreSQL is the machine's server at 127.0.0.1:5432 (user ``postgres``, trust
auth; override with ``KOPIENA_TEST_PG``). Each session creates its own
uniquely named databases and drops them at the end. With ``CI=true`` an
unreachable server fails the suite instead of skipping.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import uuid
from pathlib import Path

import asyncpg
import pytest

from core.cli.db import seed_region
from core.store import migrate

PG_ADMIN = os.environ.get("KOPIENA_TEST_PG", "postgresql://postgres@127.0.0.1:5432/postgres")


def pg_url(name: str) -> str:
    base, _, _ = PG_ADMIN.rpartition("/")
    return f"{base}/{name}"


async def _pg_admin(*statements: str) -> None:
    conn = await asyncpg.connect(PG_ADMIN, timeout=5)
    try:
        for sql in statements:
            await conn.execute(sql)
    finally:
        await conn.close()


def pg_execute(*statements: str) -> None:
    """Run statements on one admin connection (one connection for many drops keeps teardown quick)."""
    asyncio.run(_pg_admin(*statements))


async def _drop_concurrently(names: list[str], connections: int = 6) -> None:
    queue = list(names)

    async def worker() -> None:
        conn = await asyncpg.connect(PG_ADMIN, timeout=10)
        try:
            while queue:
                await conn.execute(f'DROP DATABASE IF EXISTS "{queue.pop()}" WITH (FORCE)')
        finally:
            await conn.close()

    await asyncio.gather(*(worker() for _ in range(min(connections, len(names)))))


def pg_available() -> str | None:
    """None when the server answers, else the reason it does not."""
    try:
        pg_execute("SELECT 1")
        return None
    except Exception as exc:  # any connection failure means "not here"
        return f"PostgreSQL at {PG_ADMIN} is not reachable: {exc}"


def require_pg() -> None:
    reason = pg_available()
    if reason is None:
        return
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(reason + " (CI=true: PostgreSQL tests must run)", pytrace=False)
    pytest.skip(reason)


class Databases:
    """Per-session factory of fresh seeded databases on one backend."""

    def __init__(self, backend: str, workdir: Path, region: str = "zemgale") -> None:
        self.backend = backend
        self.workdir = workdir
        self.region = region
        self.session_tag = uuid.uuid4().hex[:8]
        self.created: list[str] = []
        self.template: str | None = None

    def _template(self) -> str:
        if self.template is None:
            if self.backend == "sqlite":
                path = self.workdir / f"template-{self.region}.db"
                url = f"sqlite:///{path}"
            else:
                name = f"kopiena_t_{self.session_tag}_{self.region}"
                pg_execute(f'CREATE DATABASE "{name}"')
                self.created.append(name)
                url = pg_url(name)
            migrate.upgrade(url)
            asyncio.run(seed_region(url, self.region))
            self.template = url
        return self.template

    def fresh(self, *, seeded: bool = True) -> str:
        """URL of a new database: migrated and seeded (a clone of the template) or empty."""
        n = len(self.created) + 1
        if self.backend == "sqlite":
            path = self.workdir / f"db-{uuid.uuid4().hex[:8]}.db"
            if seeded:
                shutil.copyfile(self._template().removeprefix("sqlite:///"), path)
            return f"sqlite:///{path}"
        name = f"kopiena_{self.session_tag}_{n}"
        if seeded:
            template = self._template().rsplit("/", 1)[1]
            pg_execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
        else:
            pg_execute(f'CREATE DATABASE "{name}"')
        self.created.append(name)
        return pg_url(name)

    def release(self, url: str) -> None:
        """Drop one test's database as soon as the test is done (keeps the session's teardown short)."""
        if self.backend == "sqlite":
            Path(url.removeprefix("sqlite:///")).unlink(missing_ok=True)
            return
        name = url.rsplit("/", 1)[1]
        if name in self.created and name != (self.template or "").rsplit("/", 1)[-1]:
            self.created.remove(name)
            pg_execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def drop_all(self) -> None:
        if not self.created:
            return
        try:
            asyncio.run(_drop_concurrently(list(self.created)))
        except Exception:  # best effort at teardown; names are unique per session, nothing reuses them
            pass
        self.created.clear()
