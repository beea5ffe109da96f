"""The hub's database migrations (alembic, under ``federation/hub/migrations``) and the drift check."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncEngine

from core.store.migrations_runner import Migrations

from .models import metadata

MIGRATIONS = Path(__file__).parent / "migrations"
VERSION_TABLE = "hub_alembic_version"
HUB = Migrations(MIGRATIONS, metadata, VERSION_TABLE)


def upgrade(url: str, revision: str = "head") -> None:
    """Create or migrate the hub database at ``url`` (synchronous; runs its own event loop)."""
    HUB.upgrade(url, revision)


async def upgrade_async(engine: AsyncEngine, revision: str = "head") -> None:
    """The same, on an engine, from inside a running event loop."""
    await HUB.upgrade_async(engine, revision)


def head_revision() -> str:
    return HUB.head_revision()


async def current_revision(engine: AsyncEngine) -> str | None:
    return await HUB.current_revision(engine)


async def drift(engine: AsyncEngine) -> list:
    """Differences between the hub's models and a migrated database (empty when they agree)."""
    return await HUB.drift(engine)
