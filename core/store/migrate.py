"""Database migrations of a node: ``kopiena db upgrade`` and the drift check used by tests."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import SQLModel

from . import models  # noqa: F401
from .engine import async_url, create_engine

MIGRATIONS = Path(__file__).parent / "migrations"


def alembic_config(url: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", async_url(url).replace("%", "%%"))
    return cfg


def upgrade(url: str, revision: str = "head") -> None:
    """Bring the database at ``url`` to ``revision`` (synchronous; runs its own event loop)."""
    command.upgrade(alembic_config(url), revision)


def head_revision() -> str:
    return ScriptDirectory(str(MIGRATIONS)).get_current_head() or ""


async def current_revision(engine: AsyncEngine) -> str | None:
    async with engine.connect() as conn:
        return await conn.run_sync(lambda c: MigrationContext.configure(c).get_current_revision())


async def is_current(engine: AsyncEngine) -> bool:
    return await current_revision(engine) == head_revision()


async def drift(url: str) -> list:
    """Differences between the models and a migrated database (empty when they agree)."""
    engine = create_engine(url)
    try:
        async with engine.connect() as conn:
            return await conn.run_sync(
                lambda c: compare_metadata(MigrationContext.configure(c, opts={"compare_type": True}),
                                           SQLModel.metadata)
            )
    finally:
        await engine.dispose()
