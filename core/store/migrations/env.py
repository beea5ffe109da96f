"""Alembic environment of a regional node's database."""

from alembic import context
from sqlmodel import SQLModel

from core.store import models  # noqa: F401  (registers the tables)
from core.store.migrations_runner import run_environment

run_environment(context, SQLModel.metadata)
