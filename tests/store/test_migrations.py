"""Models and migrations agree (the equivalent of ``alembic check``) on both databases."""

import asyncio

import pytest
from sqlalchemy import text

from core.store import migrate
from core.store.engine import create_engine


def test_models_and_migrations_do_not_drift(empty_db_url):
    migrate.upgrade(empty_db_url)
    assert asyncio.run(migrate.drift(empty_db_url)) == []


def test_upgrade_is_idempotent_and_current(empty_db_url):
    migrate.upgrade(empty_db_url)
    migrate.upgrade(empty_db_url)

    async def check():
        engine = create_engine(empty_db_url)
        try:
            return await migrate.is_current(engine)
        finally:
            await engine.dispose()

    assert asyncio.run(check()) is True


def test_downgrade_to_base_removes_every_table(empty_db_url):
    migrate.upgrade(empty_db_url)
    from alembic import command

    command.downgrade(migrate.alembic_config(empty_db_url), "base")

    async def tables():
        engine = create_engine(empty_db_url)
        try:
            async with engine.connect() as conn:
                if engine.dialect.name == "sqlite":
                    rows = await conn.execute(text("SELECT name FROM sqlite_master WHERE type='table'"))
                else:
                    rows = await conn.execute(text("SELECT tablename FROM pg_tables WHERE schemaname='public'"))
                return {r[0] for r in rows} - {"alembic_version"}
        finally:
            await engine.dispose()

    assert asyncio.run(tables()) == set()


@pytest.mark.parametrize("url", ["mysql://x@y/z", "not a url", "oracle://a"])
def test_unsupported_database_urls_are_refused(url):
    from core.store.engine import DatabaseUrlError

    with pytest.raises(DatabaseUrlError):
        create_engine(url)
