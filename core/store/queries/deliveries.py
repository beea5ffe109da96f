"""Reading deliveries: the filtered, paged list, batched loads (rows, see :mod:`.rows`) and cost sums (summed in
SQL)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import Select, bindparam, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from ..models import Delivery, ServiceEpisode
from .paging import Page, count, keyset_page
from .rows import Row, all_rows, by_keys, columns, rows_with_keys
from .scope import Scope, scoped


@dataclass
class DeliveryFilter:
    episode_id: int | None = None
    client_id: int | None = None
    service_code: str | None = None
    municipality_code: str | None = None
    """The municipality that granted the episode."""
    date_from: date | None = None
    date_to: date | None = None
    funding_source: str | None = None


@dataclass(frozen=True)
class CostLine:
    """What one funding source paid for some deliveries."""

    funding_source: str
    amount: Decimal
    deliveries: int


def filtered(f: DeliveryFilter | None, scope: Scope | None) -> Select:
    stmt = scoped(columns(Delivery), Delivery, scope)
    if f is None:
        return stmt
    by_episode = ((ServiceEpisode.client_id, f.client_id), (ServiceEpisode.service_code, f.service_code),
                  (ServiceEpisode.granted_by, f.municipality_code))
    if any(value is not None for _, value in by_episode):
        stmt = stmt.join(ServiceEpisode, ServiceEpisode.id == Delivery.episode_id)
        for column, value in by_episode:
            if value is not None:
                stmt = stmt.where(column == value)
    if f.episode_id is not None:
        stmt = stmt.where(Delivery.episode_id == f.episode_id)
    if f.date_from is not None:
        stmt = stmt.where(Delivery.date >= f.date_from)
    if f.date_to is not None:
        stmt = stmt.where(Delivery.date <= f.date_to)
    if f.funding_source is not None:
        stmt = stmt.where(Delivery.funding_source == f.funding_source)
    return stmt


async def delivery_page(session: AsyncSession, f: DeliveryFilter | None, *, after_id: int | None, limit: int,
                        scope: Scope | None = None) -> Page[Row]:
    return await keyset_page(session, filtered(f, scope), Delivery.id, after_id, limit)


async def count_deliveries(session: AsyncSession, f: DeliveryFilter | None, *, scope: Scope | None = None) -> int:
    return await count(session, filtered(f, scope))


async def total_cost(session: AsyncSession, f: DeliveryFilter | None, *, scope: Scope | None = None) -> Decimal:
    """Sum of the costs of the deliveries ``f`` selects (deliveries without a rate add nothing)."""
    rows = filtered(f, scope).subquery()
    total = await session.scalar(select(func.sum(rows.c.cost)))
    return total if total is not None else Decimal("0.00")


BY_IDS = by_keys(Delivery, "id")
BY_EPISODE_IDS = by_keys(Delivery, "episode_id", "episode_id", "date")


async def deliveries_by_ids(session: AsyncSession, ids: Iterable[int], *, scope: Scope | None = None
                            ) -> list[Row]:
    return await rows_with_keys(session, scoped(BY_IDS, Delivery, scope), ids)


async def deliveries_by_episode_ids(session: AsyncSession, episode_ids: Iterable[int], *,
                                    scope: Scope | None = None) -> list[Row]:
    return await rows_with_keys(session, scoped(BY_EPISODE_IDS, Delivery, scope), episode_ids)


async def deliveries_by_client_ids(session: AsyncSession, client_ids: Iterable[int], *,
                                   date_from: date | None = None, date_to: date | None = None,
                                   scope: Scope | None = None) -> list[tuple[int, Row]]:
    """(client id, delivery) pairs of all ``client_ids``, each client's in date order."""
    stmt = (columns(Delivery).add_columns(col(ServiceEpisode.client_id).label("owner_id"))
            .join(ServiceEpisode, ServiceEpisode.id == Delivery.episode_id)
            .where(col(ServiceEpisode.client_id).in_(list(client_ids))))
    stmt = scoped(stmt, Delivery, scope)
    if date_from is not None:
        stmt = stmt.where(Delivery.date >= date_from)
    if date_to is not None:
        stmt = stmt.where(Delivery.date <= date_to)
    stmt = stmt.order_by(ServiceEpisode.client_id, Delivery.date, Delivery.id)
    return [(int(row.owner_id), row) for row in await all_rows(session, stmt)]


def _costs_by(key: str) -> Select:
    """What each funding source paid per episode or client whose ``key`` is in ``keys`` (prepared once)."""
    deliveries, episodes = Delivery.__table__, ServiceEpisode.__table__  # type: ignore[attr-defined]
    owner = episodes.c[key]
    return (select(owner, deliveries.c.funding_source, func.sum(deliveries.c.cost), func.count())
            .join(episodes, episodes.c.id == deliveries.c.episode_id)
            .where(owner.in_(bindparam("keys", expanding=True)))
            .group_by(owner, deliveries.c.funding_source)
            .order_by(owner, deliveries.c.funding_source))


COSTS_BY_CLIENT, COSTS_BY_EPISODE = _costs_by("client_id"), _costs_by("id")


async def _cost_lines(session: AsyncSession, stmt: Select, ids: Iterable[int], scope: Scope | None
                      ) -> dict[int, list[CostLine]]:
    out: dict[int, list[CostLine]] = {}
    for owner, source, amount, n in await rows_with_keys(session, scoped(stmt, Delivery, scope), ids):
        out.setdefault(int(owner), []).append(CostLine(source, amount or Decimal("0.00"), int(n)))
    return out


async def costs_by_client(session: AsyncSession, client_ids: Iterable[int], *, scope: Scope | None = None
                          ) -> dict[int, list[CostLine]]:
    """Per client, what each funding source paid (GROUP BY in the database)."""
    return await _cost_lines(session, COSTS_BY_CLIENT, client_ids, scope)


async def costs_by_episode(session: AsyncSession, episode_ids: Iterable[int], *, scope: Scope | None = None
                           ) -> dict[int, list[CostLine]]:
    """Per episode, what each funding source paid (GROUP BY in the database)."""
    return await _cost_lines(session, COSTS_BY_EPISODE, episode_ids, scope)
