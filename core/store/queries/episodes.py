"""Reading service episodes: the filtered, paged list and batched loads (rows, see :mod:`.rows`)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from sqlalchemy import Select, or_
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from ..models import ServiceEpisode
from .paging import Page, count, keyset_page
from .rows import Row, by_keys, columns, rows_with_keys
from .scope import Scope, scoped


@dataclass
class EpisodeFilter:
    client_id: int | None = None
    service_code: str | None = None
    municipality_code: str | None = None
    """The municipality that granted the service."""
    place_id: int | None = None
    date_from: date | None = None
    """Episodes still running on or after this date."""
    date_to: date | None = None
    """Episodes started on or before this date."""
    open: bool | None = None
    """True: episodes without an end date; False: ended ones."""


def filtered(f: EpisodeFilter | None, scope: Scope | None) -> Select:
    stmt = scoped(columns(ServiceEpisode), ServiceEpisode, scope)
    if f is None:
        return stmt
    for column, value in ((ServiceEpisode.client_id, f.client_id), (ServiceEpisode.service_code, f.service_code),
                          (ServiceEpisode.granted_by, f.municipality_code), (ServiceEpisode.place_id, f.place_id)):
        if value is not None:
            stmt = stmt.where(column == value)
    if f.date_from is not None:
        stmt = stmt.where(or_(col(ServiceEpisode.end_date).is_(None), ServiceEpisode.end_date >= f.date_from))
    if f.date_to is not None:
        stmt = stmt.where(ServiceEpisode.start_date <= f.date_to)
    if f.open is not None:
        end = col(ServiceEpisode.end_date)
        stmt = stmt.where(end.is_(None) if f.open else end.is_not(None))
    return stmt


async def episode_page(session: AsyncSession, f: EpisodeFilter | None, *, after_id: int | None, limit: int,
                       scope: Scope | None = None) -> Page[Row]:
    return await keyset_page(session, filtered(f, scope), ServiceEpisode.id, after_id, limit)


async def count_episodes(session: AsyncSession, f: EpisodeFilter | None, *, scope: Scope | None = None) -> int:
    return await count(session, filtered(f, scope))


BY_IDS = by_keys(ServiceEpisode, "id")
BY_CLIENT_IDS = by_keys(ServiceEpisode, "client_id", "client_id", "start_date", "id")


async def episodes_by_ids(session: AsyncSession, ids: Iterable[int], *, scope: Scope | None = None) -> list[Row]:
    return await rows_with_keys(session, scoped(BY_IDS, ServiceEpisode, scope), ids)


async def episodes_by_client_ids(session: AsyncSession, client_ids: Iterable[int], *, scope: Scope | None = None
                                 ) -> list[Row]:
    """Episodes of all ``client_ids`` in one statement, each client's in start order."""
    return await rows_with_keys(session, scoped(BY_CLIENT_IDS, ServiceEpisode, scope), client_ids)
