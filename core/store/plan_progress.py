"""Planned versus delivered units of support plans, per plan item and per person, computed in SQL.

Planned units of an item run from its start to the earliest of its end (or
the plan's end), the day the plan was closed, and the as-of date: for WEEK
``quantity x days / 7``, for MONTH ``quantity x calendar months`` (a part
month counts by its days), in hundredths rounded half up — the same figure as
:func:`core.domain.plans.planned_units`, in integer arithmetic so SQLite and
PostgreSQL agree to the cent. Delivered units are the deliveries of the
episodes implementing the item within that period, summed with ``GROUP BY``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy import BigInteger, Integer, case, func, literal, select, type_coerce
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement

from .models import Delivery, ServiceEpisode, SupportPlan, SupportPlanItem
from .queries.scope import Scope, scoped


class _IntFn(FunctionElement):
    type = Integer()
    inherit_cache = True


class day_of_month(_IntFn):  # noqa: N801 - SQL function style
    name = "day_of_month"
    inherit_cache = True


class days_in_month(_IntFn):  # noqa: N801
    name = "days_in_month"
    inherit_cache = True


class month_number(_IntFn):  # noqa: N801
    """year x 12 + month: consecutive months differ by one."""

    name = "month_number"
    inherit_cache = True


class days_between(_IntFn):  # noqa: N801
    """Whole days from the first date to the second."""

    name = "days_between"
    inherit_cache = True


class least_of(FunctionElement):  # noqa: N801
    type = sa.Date()
    inherit_cache = True
    name = "least_of"


def _args(compiler, element, **kw) -> list[str]:
    return [compiler.process(a, **kw) for a in element.clauses]


@compiles(day_of_month, "sqlite")
def _dom_sqlite(element, compiler, **kw):
    return "CAST(strftime('%d', {}) AS INTEGER)".format(*_args(compiler, element, **kw))


@compiles(day_of_month, "postgresql")
def _dom_pg(element, compiler, **kw):
    return "CAST(EXTRACT(DAY FROM {}) AS INTEGER)".format(*_args(compiler, element, **kw))


@compiles(days_in_month, "sqlite")
def _dim_sqlite(element, compiler, **kw):
    return ("CAST(strftime('%d', date({}, 'start of month', '+1 month', '-1 day')) AS INTEGER)"
            .format(*_args(compiler, element, **kw)))


@compiles(days_in_month, "postgresql")
def _dim_pg(element, compiler, **kw):
    return ("CAST(EXTRACT(DAY FROM (date_trunc('month', {}) + INTERVAL '1 month' - INTERVAL '1 day')) AS INTEGER)"
            .format(*_args(compiler, element, **kw)))


@compiles(month_number, "sqlite")
def _mn_sqlite(element, compiler, **kw):
    x = _args(compiler, element, **kw)[0]
    return f"(CAST(strftime('%Y', {x}) AS INTEGER) * 12 + CAST(strftime('%m', {x}) AS INTEGER))"


@compiles(month_number, "postgresql")
def _mn_pg(element, compiler, **kw):
    x = _args(compiler, element, **kw)[0]
    return f"(CAST(EXTRACT(YEAR FROM {x}) AS INTEGER) * 12 + CAST(EXTRACT(MONTH FROM {x}) AS INTEGER))"


@compiles(days_between, "sqlite")
def _db_sqlite(element, compiler, **kw):
    a, b = _args(compiler, element, **kw)
    return f"CAST(julianday({b}) - julianday({a}) AS INTEGER)"


@compiles(days_between, "postgresql")
def _db_pg(element, compiler, **kw):
    a, b = _args(compiler, element, **kw)
    return f"({b} - {a})"


@compiles(least_of, "sqlite")
def _least_sqlite(element, compiler, **kw):
    return "min({})".format(", ".join(_args(compiler, element, **kw)))


@compiles(least_of, "postgresql")
def _least_pg(element, compiler, **kw):
    return "LEAST({})".format(", ".join(_args(compiler, element, **kw)))


def _planned_hundredths(start, end, quantity, per):
    """SQL for planned units in hundredths (see the module docstring); 0 when the period is empty."""
    q = type_coerce(quantity, BigInteger)  # the raw integer hundredths, not the Decimal the type gives Python
    days = days_between(start, end) + 1
    dim_s, dim_e = days_in_month(start), days_in_month(end)
    whole = month_number(end) - month_number(start) - 1
    numerator = (dim_s - day_of_month(start) + 1) * dim_e + day_of_month(end) * dim_s + whole * dim_s * dim_e
    denominator = dim_s * dim_e
    weekly = (2 * q * days + 7) / 14
    monthly = (2 * q * numerator + denominator) / (2 * denominator)
    return case((end < start, 0), (per == "WEEK", weekly), else_=monthly)


@dataclass(frozen=True)
class Progress:
    """Planned and delivered units of one plan item (or one person's service) up to the as-of date."""

    key: int
    service_code: str
    planned: Decimal
    delivered: Decimal
    plan_id: int | None = None


def _progress_select(as_of: date, scope: Scope | None):
    day = literal(as_of, sa.Date)
    end = least_of(func.coalesce(SupportPlanItem.end_date, SupportPlan.valid_to, day),
                   func.coalesce(SupportPlan.closed_on, day), day)
    delivered = func.coalesce(func.sum(type_coerce(Delivery.units, BigInteger)), 0)
    stmt = (
        select(SupportPlanItem.id, SupportPlanItem.plan_id, SupportPlan.client_id, SupportPlanItem.service_code,
               _planned_hundredths(SupportPlanItem.start_date, end, SupportPlanItem.quantity, SupportPlanItem.per)
               .label("planned"), delivered.label("delivered"))
        .join(SupportPlan, SupportPlan.id == SupportPlanItem.plan_id)
        .outerjoin(ServiceEpisode, ServiceEpisode.plan_item_id == SupportPlanItem.id)
        .outerjoin(Delivery, sa.and_(Delivery.episode_id == ServiceEpisode.id,
                                     Delivery.date >= SupportPlanItem.start_date, Delivery.date <= end))
        .group_by(SupportPlanItem.id, SupportPlan.id)
    )
    return scoped(stmt, SupportPlan, scope)


def _units(hundredths) -> Decimal:
    return (Decimal(int(hundredths or 0)) / 100).quantize(Decimal("0.01"))


async def progress_by_item(session: AsyncSession, plan_ids: Iterable[int], as_of: date, *,
                           scope: Scope | None = None) -> dict[int, list[Progress]]:
    """plan id -> planned and delivered per item, one statement for all the plans."""
    stmt = _progress_select(as_of, scope).where(SupportPlanItem.plan_id.in_(list(plan_ids)))  # type: ignore[attr-defined]
    out: dict[int, list[Progress]] = {}
    for item_id, plan_id, _client, service, planned, delivered in (await session.execute(stmt)).all():
        out.setdefault(plan_id, []).append(Progress(item_id, service, _units(planned), _units(delivered), plan_id))
    return out


async def progress_by_person(session: AsyncSession, client_ids: Iterable[int], as_of: date, *,
                             scope: Scope | None = None, statuses: tuple[str, ...] = ("APPROVED", "ACTIVE", "CLOSED")
                             ) -> dict[int, list[Progress]]:
    """client id -> planned and delivered per service over the person's approved (active, closed) plans."""
    items = (_progress_select(as_of, scope)
             .where(SupportPlan.client_id.in_(list(client_ids)), SupportPlan.status.in_(statuses))  # type: ignore[attr-defined]
             .subquery())
    stmt = (select(items.c.client_id, items.c.service_code, func.sum(items.c.planned), func.sum(items.c.delivered))
            .group_by(items.c.client_id, items.c.service_code).order_by(items.c.client_id, items.c.service_code))
    out: dict[int, list[Progress]] = {}
    for client_id, service, planned, delivered in (await session.execute(stmt)).all():
        out.setdefault(client_id, []).append(Progress(client_id, service, _units(planned), _units(delivered)))
    return out
