"""Keyset pages on the primary key: stable under inserts, no OFFSET scans."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession

T = TypeVar("T")


@dataclass
class Page(Generic[T]):
    rows: list[T]
    has_next: bool


async def keyset_page(session: AsyncSession, stmt: Select, id_column: Any, after_id: int | None,
                      limit: int) -> Page:
    """Rows of ``stmt`` (a ``SELECT`` of columns) with ``id_column`` above ``after_id``, in id order, at most
    ``limit`` of them."""
    if after_id is not None:
        stmt = stmt.where(id_column > after_id)
    # one row more than asked tells whether another page follows, without a second query
    rows = list((await session.execute(stmt.order_by(id_column).limit(limit + 1))).all())
    return Page(rows[:limit], len(rows) > limit)


async def count(session: AsyncSession, stmt: Select) -> int:
    """Number of rows ``stmt`` would return, counted by the database."""
    return int(await session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0)
