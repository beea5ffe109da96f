"""Database migrations of a node: ``kopiena db upgrade`` and the drift check used by tests."""

from __future__ import annotations

from pathlib import Path

from alembic.config import Config
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import SQLModel

from . import models  # noqa: F401  (registers the tables)
from .engine import create_engine
from .migrations_runner import Migrations

MIGRATIONS = Path(__file__).parent / "migrations"
NODE = Migrations(MIGRATIONS, SQLModel.metadata)


def alembic_config(url: str) -> Config:
    return NODE.config(url)


def upgrade(url: str, revision: str = "head") -> None:
    """Bring the database at ``url`` to ``revision`` (synchronous; runs its own event loop)."""
    NODE.upgrade(url, revision)


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
