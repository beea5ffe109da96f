"""Verification queries: the published figures computed from a node's database, in SQL.

Everything is counted by the database (``COUNT(DISTINCT ...)``, ``GROUP BY``),
never from the generator's own bookkeeping. "Receiving services as of a date"
means having a service episode that started on or before it (the published
figures are cumulative).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import date

from sqlalchemy import distinct, func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from core.store.engine import create_engine
from core.store.models import Client, DIPlanTargetRow, ServiceEpisode


@asynccontextmanager
async def connect(url: str) -> AsyncIterator[AsyncConnection]:
    engine = create_engine(url)
    try:
        async with engine.connect() as conn:
            yield conn
    finally:
        await engine.dispose()


PERSON = ("PERSON",)
FAMILY = ("LEGAL_REPRESENTATIVE", "FOSTER_FAMILY")


def _served(columns, as_of: date, group: str, recipients=PERSON):
    return (select(*columns).select_from(ServiceEpisode).join(Client, Client.id == ServiceEpisode.client_id)
            .where(Client.target_group == group, Client.recipient_kind.in_(recipients),
                   ServiceEpisode.start_date <= as_of))


async def per_service(conn: AsyncConnection, as_of: date, group: str, recipients=PERSON) -> dict[str, int]:
    q = _served([ServiceEpisode.service_code, func.count(distinct(ServiceEpisode.client_id))], as_of, group,
                recipients).group_by(ServiceEpisode.service_code)
    return {code: n for code, n in (await conn.execute(q)).all()}


async def per_municipality(conn: AsyncConnection, as_of: date, group: str) -> dict[str, int]:
    q = _served([ServiceEpisode.granted_by, func.count(distinct(ServiceEpisode.client_id))], as_of, group
                ).group_by(ServiceEpisode.granted_by)
    return {code: n for code, n in (await conn.execute(q)).all()}


async def unique(conn: AsyncConnection, as_of: date, group: str, recipients=PERSON) -> int:
    q = _served([func.count(distinct(ServiceEpisode.client_id))], as_of, group, recipients)
    return (await conn.execute(q)).scalar_one()


async def adults_by_residence(conn: AsyncConnection, as_of: date) -> dict[str, int]:
    q = _served([Client.residence, func.count(distinct(Client.id))], as_of, "ADULT_GRT").group_by(Client.residence)
    return {residence: n for residence, n in (await conn.execute(q)).all()}


async def first_started_between(conn: AsyncConnection, group: str, first: date, last: date) -> int:
    """Persons of ``group`` whose first service started in ``first``..``last``."""
    starts = _served([ServiceEpisode.client_id, func.min(ServiceEpisode.start_date).label("first")], last, group
                     ).group_by(ServiceEpisode.client_id).subquery()
    q = select(func.count()).select_from(starts).where(starts.c.first >= first)
    return (await conn.execute(q)).scalar_one()


async def target(conn: AsyncConnection, group: str, as_of: date, service: str | None = None) -> int | None:
    """The planned number due soonest on or after ``as_of`` (unique persons when ``service`` is None)."""
    q = (select(DIPlanTargetRow.target)
         .where(DIPlanTargetRow.target_group == group, DIPlanTargetRow.due >= as_of,
                DIPlanTargetRow.service_code.is_(None) if service is None else DIPlanTargetRow.service_code == service)
         .order_by(DIPlanTargetRow.due).limit(1))
    return (await conn.execute(q)).scalar_one_or_none()
