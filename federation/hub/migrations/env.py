"""Alembic environment of the hub's database (its own tables and version table)."""

from alembic import context

from core.store.migrations_runner import run_environment
from federation.hub.migrate import VERSION_TABLE
from federation.hub.models import metadata

run_environment(context, metadata, VERSION_TABLE)
