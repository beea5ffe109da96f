"""Reading clients: the filtered, paged list and batched loads by id (rows, see :mod:`.rows`)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from sqlalchemy import ColumnElement, Select, exists, or_
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from ..models import Client, ServiceEpisode
from .paging import Page, count, keyset_page
from .rows import Row, by_keys, columns, rows_with_keys
from .scope import Scope, scoped


@dataclass
class ClientFilter:
    """Which clients to list; every field narrows the list, None means "any"."""

    municipality_code: str | None = None
    target_group: str | None = None
    residence: str | None = None
    recipient_kind: str | None = None
    service_code: str | None = None
    """Clients who have (or had) an episode of this service."""
    active_on: date | None = None
    """Clients receiving a service (``service_code`` when given) on this date."""
    search: str | None = None
    """Text in the given or family name (case-insensitive; SQLite folds ASCII letters only)."""


def _like(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _episode_condition(f: ClientFilter):
    conditions: list[ColumnElement[bool]] = [col(ServiceEpisode.client_id) == Client.id]
    if f.service_code is not None:
        conditions.append(col(ServiceEpisode.service_code) == f.service_code)
    if f.active_on is not None:
        conditions += [col(ServiceEpisode.start_date) <= f.active_on,
                       or_(col(ServiceEpisode.end_date).is_(None), ServiceEpisode.end_date >= f.active_on)]
    return exists().where(*conditions)


def filtered(f: ClientFilter | None, scope: Scope | None) -> Select:
    stmt = scoped(columns(Client), Client, scope)
    if f is None:
        return stmt
    for column, value in ((Client.municipality_code, f.municipality_code), (Client.target_group, f.target_group),
                          (Client.residence, f.residence), (Client.recipient_kind, f.recipient_kind)):
        if value is not None:
            stmt = stmt.where(column == value)
    if f.service_code is not None or f.active_on is not None:
        stmt = stmt.where(_episode_condition(f))
    text = (f.search or "").strip()
    if text:
        pattern = _like(text)
        given, family = col(Client.given_name), col(Client.family_name)
        stmt = stmt.where(or_(*(c.ilike(pattern, escape="\\") for c in (given, family, given + " " + family))))
    return stmt


async def client_page(session: AsyncSession, f: ClientFilter | None, *, after_id: int | None, limit: int,
                      scope: Scope | None = None) -> Page[Row]:
    return await keyset_page(session, filtered(f, scope), Client.id, after_id, limit)


async def count_clients(session: AsyncSession, f: ClientFilter | None, *, scope: Scope | None = None) -> int:
    return await count(session, filtered(f, scope))


BY_IDS = by_keys(Client, "id")


async def clients_by_ids(session: AsyncSession, ids: Iterable[int], *, scope: Scope | None = None) -> list[Row]:
    return await rows_with_keys(session, scoped(BY_IDS, Client, scope), ids)
