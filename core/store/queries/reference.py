"""Reference data: municipalities, services, rates, service places, institutions, DI plan targets (rows, see
:mod:`.rows`)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from ..models import (
    DIPlanTargetRow,
    Institution,
    MunicipalityRow,
    RateRow,
    ServiceEpisode,
    ServicePlace,
    ServiceTypeRow,
)
from .rows import Row, all_rows, by_keys, columns, rows_with_keys
from .scope import Scope, scoped


async def municipalities(session: AsyncSession, *, on: date | None = None, scope: Scope | None = None
                         ) -> list[Row]:
    """Municipalities by code; with ``on`` only those existing on that date (historic ones otherwise too)."""
    stmt = scoped(columns(MunicipalityRow), MunicipalityRow, scope)
    if on is not None:
        stmt = stmt.where(MunicipalityRow.valid_from <= on,
                          or_(col(MunicipalityRow.valid_to).is_(None), MunicipalityRow.valid_to >= on))
    return await all_rows(session, stmt.order_by(MunicipalityRow.code))


MUNICIPALITIES_BY_CODES = by_keys(MunicipalityRow, "code")


async def municipalities_by_codes(session: AsyncSession, codes: Iterable[str], *, scope: Scope | None = None
                                  ) -> list[Row]:
    return await rows_with_keys(session, scoped(MUNICIPALITIES_BY_CODES, MunicipalityRow, scope), codes)


async def service_types(session: AsyncSession, *, target_group: str | None = None, scope: Scope | None = None
                        ) -> list[Row]:
    stmt = scoped(columns(ServiceTypeRow), ServiceTypeRow, scope)
    if target_group is not None:
        # target_groups is a comma-separated list of codes; the commas around it make the match exact
        stmt = stmt.where(("," + col(ServiceTypeRow.target_groups) + ",").contains(f",{target_group},"))
    return await all_rows(session, stmt.order_by(ServiceTypeRow.code))


SERVICE_TYPES_BY_CODES = by_keys(ServiceTypeRow, "code")


async def service_types_by_codes(session: AsyncSession, codes: Iterable[str], *, scope: Scope | None = None
                                 ) -> list[Row]:
    return await rows_with_keys(session, scoped(SERVICE_TYPES_BY_CODES, ServiceTypeRow, scope), codes)


async def rates(session: AsyncSession, *, as_of: date | None = None, service_code: str | None = None,
                scope: Scope | None = None) -> list[Row]:
    """Rates (every tier), those valid on ``as_of`` when given."""
    stmt = scoped(columns(RateRow), RateRow, scope)
    if as_of is not None:
        stmt = stmt.where(RateRow.valid_from <= as_of, or_(col(RateRow.valid_to).is_(None), RateRow.valid_to >= as_of))
    if service_code is not None:
        stmt = stmt.where(RateRow.service_code == service_code)
    stmt = stmt.order_by(RateRow.service_code, RateRow.tier, RateRow.valid_from)
    return await all_rows(session, stmt)


RATES_BY_IDS = by_keys(RateRow, "id")


async def rates_by_ids(session: AsyncSession, ids: Iterable[int], *, scope: Scope | None = None) -> list[Row]:
    return await rows_with_keys(session, scoped(RATES_BY_IDS, RateRow, scope), ids)


async def service_places(session: AsyncSession, *, service_code: str | None = None,
                         municipality_code: str | None = None, scope: Scope | None = None) -> list[Row]:
    stmt = scoped(columns(ServicePlace), ServicePlace, scope)
    if service_code is not None:
        stmt = stmt.where(ServicePlace.service_code == service_code)
    if municipality_code is not None:
        stmt = stmt.where(ServicePlace.municipality_code == municipality_code)
    return await all_rows(session, stmt.order_by(ServicePlace.id))


SERVICE_PLACES_BY_IDS = by_keys(ServicePlace, "id")


async def service_places_by_ids(session: AsyncSession, ids: Iterable[int], *, scope: Scope | None = None
                                ) -> list[Row]:
    return await rows_with_keys(session, scoped(SERVICE_PLACES_BY_IDS, ServicePlace, scope), ids)


async def occupancy_by_place(session: AsyncSession, ids: Iterable[int], on: date) -> dict[int, int]:
    """People in each place on ``on`` (episodes started by then and not ended before), counted in SQL."""
    stmt = (
        select(ServiceEpisode.place_id, func.count())
        .where(col(ServiceEpisode.place_id).in_(list(ids)), ServiceEpisode.start_date <= on,
               or_(col(ServiceEpisode.end_date).is_(None), ServiceEpisode.end_date >= on))
        .group_by(ServiceEpisode.place_id)
    )
    return {int(place): int(n) for place, n in (await session.execute(stmt)).all()}


async def institutions(session: AsyncSession, *, municipality_code: str | None = None,
                       scope: Scope | None = None) -> list[Row]:
    stmt = scoped(columns(Institution), Institution, scope)
    if municipality_code is not None:
        stmt = stmt.where(Institution.municipality_code == municipality_code)
    return await all_rows(session, stmt.order_by(Institution.code))


INSTITUTIONS_BY_IDS = by_keys(Institution, "id")


async def institutions_by_ids(session: AsyncSession, ids: Iterable[int], *, scope: Scope | None = None
                              ) -> list[Row]:
    return await rows_with_keys(session, scoped(INSTITUTIONS_BY_IDS, Institution, scope), ids)


async def targets(session: AsyncSession, *, target_group: str | None = None, scope: Scope | None = None
                  ) -> list[Row]:
    stmt = scoped(columns(DIPlanTargetRow), DIPlanTargetRow, scope)
    if target_group is not None:
        stmt = stmt.where(DIPlanTargetRow.target_group == target_group)
    # unique-person targets (no service) first within a group and due date
    stmt = stmt.order_by(DIPlanTargetRow.target_group, DIPlanTargetRow.due,
                         col(DIPlanTargetRow.service_code).is_not(None), DIPlanTargetRow.service_code,
                         DIPlanTargetRow.recipient, DIPlanTargetRow.id)
    return await all_rows(session, stmt)
