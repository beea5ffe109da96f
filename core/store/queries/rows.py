"""What the read queries answer: lightweight rows, not ORM objects.

A ``Row`` (SQLAlchemy Core) reads like the model (``row.given_name``, the
same column types: dates, ``Decimal`` amounts) but has no identity map entry,
no change tracking and no ``__init__`` to run: a page of 100 clients reads
~1,000 rows, which cost ~40-50 ms as ORM objects and ~6-12 ms as rows. Reads
never change what they load; changes go through the models in the write path
(``core/store/clients.py``, ``episodes.py``, ``deliveries.py``).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Row, Select, select
from sqlalchemy.ext.asyncio import AsyncSession

__all__ = ["Row", "all_rows", "columns"]


def columns(model: type[Any]) -> Select:
    """``SELECT`` every column of ``model``'s table (rows, not model instances)."""
    return select(*model.__table__.columns)


async def all_rows(session: AsyncSession, stmt: Select) -> list[Row[Any]]:
    return list((await session.execute(stmt)).all())
