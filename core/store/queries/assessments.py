"""Reading assessments and support plans of clients, batched for many clients at once."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from ..models import Assessment, SupportPlan, SupportPlanItem
from .scope import Scope, scoped


async def assessments_by_ids(session: AsyncSession, ids: Iterable[int], *, scope: Scope | None = None
                             ) -> list[Assessment]:
    stmt = scoped(select(Assessment).where(col(Assessment.id).in_(list(ids))), Assessment, scope)
    return list((await session.execute(stmt)).scalars())


async def assessments_by_client_ids(session: AsyncSession, client_ids: Iterable[int], *,
                                    scope: Scope | None = None) -> list[Assessment]:
    stmt = scoped(select(Assessment).where(col(Assessment.client_id).in_(list(client_ids))), Assessment, scope)
    stmt = stmt.order_by(Assessment.client_id, Assessment.assessed_on, Assessment.id)
    return list((await session.execute(stmt)).scalars())


async def latest_assessments(session: AsyncSession, client_ids: Iterable[int], *, scope: Scope | None = None
                             ) -> list[Assessment]:
    """The most recent assessment of each client (one statement, a window function picks it)."""
    newest_first = (col(Assessment.assessed_on).desc(), col(Assessment.id).desc())
    rank = func.row_number().over(partition_by=Assessment.client_id, order_by=newest_first).label("rank")
    ranked = scoped(select(Assessment.id, rank).where(col(Assessment.client_id).in_(list(client_ids))),
                    Assessment, scope).subquery()
    stmt = select(Assessment).join(ranked, ranked.c.id == Assessment.id).where(ranked.c.rank == 1)
    return list((await session.execute(stmt)).scalars())


async def plans_by_client_ids(session: AsyncSession, client_ids: Iterable[int], *, scope: Scope | None = None
                              ) -> list[SupportPlan]:
    stmt = scoped(select(SupportPlan).where(col(SupportPlan.client_id).in_(list(client_ids))), SupportPlan, scope)
    stmt = stmt.order_by(SupportPlan.client_id, SupportPlan.valid_from, SupportPlan.id)
    return list((await session.execute(stmt)).scalars())


async def plan_items_by_plan_ids(session: AsyncSession, plan_ids: Iterable[int], *, scope: Scope | None = None
                                 ) -> list[SupportPlanItem]:
    stmt = scoped(select(SupportPlanItem).where(col(SupportPlanItem.plan_id).in_(list(plan_ids))),
                  SupportPlanItem, scope)
    stmt = stmt.order_by(SupportPlanItem.plan_id, SupportPlanItem.start_date, SupportPlanItem.id)
    return list((await session.execute(stmt)).scalars())
