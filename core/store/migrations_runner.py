"""One alembic machinery for every database kopiena keeps (the node's and the hub's).

A :class:`Migrations` names a script folder, the metadata it migrates and its
version table; :func:`run_environment` is the body of each ``env.py``.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from pathlib import Path

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import MetaData
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

from .engine import async_url, create_engine


@dataclass(frozen=True)
class Migrations:
    folder: Path
    metadata: MetaData
    version_table: str = "alembic_version"

    def config(self, url: str) -> Config:
        cfg = Config()
        cfg.set_main_option("script_location", str(self.folder))
        cfg.set_main_option("sqlalchemy.url", async_url(url).replace("%", "%%"))
        return cfg

    def upgrade(self, url: str, revision: str = "head") -> None:
        """Bring the database at ``url`` to ``revision`` (synchronous; runs its own event loop)."""
        command.upgrade(self.config(url), revision)

    async def upgrade_async(self, engine: AsyncEngine, revision: str = "head") -> None:
        """The same, on an engine, from inside a running event loop."""

        def run(connection: Connection) -> None:
            cfg = self.config(engine.url.render_as_string(hide_password=False))
            cfg.attributes["connection"] = connection
            command.upgrade(cfg, revision)

        async with engine.begin() as conn:
            await conn.run_sync(run)

    def head_revision(self) -> str:
        return ScriptDirectory(str(self.folder)).get_current_head() or ""

    def _context(self, connection: Connection) -> MigrationContext:
        return MigrationContext.configure(connection, opts={"compare_type": True, "version_table": self.version_table})

    async def current_revision(self, engine: AsyncEngine) -> str | None:
        async with engine.connect() as conn:
            return await conn.run_sync(lambda c: self._context(c).get_current_revision())

    async def is_current(self, engine: AsyncEngine) -> bool:
        return await self.current_revision(engine) == self.head_revision()

    async def drift(self, engine: AsyncEngine) -> list:
        """Differences between the models and a migrated database (empty when they agree)."""
        async with engine.connect() as conn:
            return await conn.run_sync(lambda c: compare_metadata(self._context(c), self.metadata))


def run_environment(context, metadata: MetaData, version_table: str = "alembic_version") -> None:
    """The body of an ``env.py``: online only, on the given connection or on an engine of the URL."""

    def run(connection: Connection) -> None:
        context.configure(
            connection=connection,
            target_metadata=metadata,
            version_table=version_table,
            render_as_batch=connection.dialect.name == "sqlite",
            compare_type=True,
        )
        with context.begin_transaction():
            context.run_migrations()

    async def on_engine() -> None:
        engine = create_engine(context.config.get_main_option("sqlalchemy.url") or "")
        try:
            async with engine.begin() as conn:
                await conn.run_sync(run)
        finally:
            await engine.dispose()

    if context.is_offline_mode():
        raise SystemExit("kopiena runs migrations online only")
    given = context.config.attributes.get("connection")
    if given is None:
        asyncio.run(on_engine())
    else:
        run(given)
