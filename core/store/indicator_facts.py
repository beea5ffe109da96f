"""The facts of the core indicators and the DI plan figures, as SQL.

A facts query selects one row per thing to count (an episode with its client, an
assessment, a plan, a delivery) with the dimension columns the engine groups by.
Nothing here loads rows into Python: the engine wraps these queries in
``GROUP BY``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from core.domain.indicators import (
    ACHIEVEMENT,
    DI_PLAN_TARGET,
    IndicatorFigures,
    Recipient,
    ResidenceOnDate,
    sorted_rows,
)
from core.domain.people import RecipientKind, Residence

from .models import Assessment, Client, Delivery, DIPlanTargetRow, ServiceEpisode, SupportPlan


@dataclass(frozen=True)
class AsOf:
    """What a facts builder is asked for: the region and the as-of date."""

    day: date
    region: str

    def recipient(self) -> sa.ColumnElement:
        """PERSON, or FAMILY for a child's legal representative or foster family."""
        return sa.case((Client.recipient_kind == RecipientKind.PERSON.value, Recipient.PERSON.value),
                       else_=Recipient.FAMILY.value)

    def residence(self) -> sa.ColumnElement:
        """Where the client lived on the date (see ``core.domain.indicators.residence_on``)."""
        return sa.case(
            (sa.and_(Client.left_institution_on.is_not(None), Client.left_institution_on <= self.day),
             ResidenceOnDate.LEFT_INSTITUTION.value),
            (Client.residence == Residence.COMMUNITY.value, ResidenceOnDate.COMMUNITY.value),
            else_=ResidenceOnDate.INSTITUTION.value,
        )


def episodes(q: AsOf, *, active: bool = False) -> Select:
    """Persons with an episode started on or before the date (and, if ``active``, not ended before it).

    Column ``active`` is 1 for an episode not ended before the date, 0 for one that has: the active
    indicators count the received facts ``where="active"``, so both read the same facts.
    """
    E = ServiceEpisode
    running = sa.or_(E.end_date.is_(None), E.end_date >= q.day)  # type: ignore[union-attr]
    stmt = (
        select(col(E.granted_by).label("municipality"), col(Client.target_group).label("target_group"),
               col(E.service_code).label("service"), q.recipient().label("recipient"),
               q.residence().label("residence"), col(Client.id).label("subject"),
               sa.case((running, 1), else_=0).label("active"))
        .select_from(E).join(Client, Client.id == E.client_id)
        .where(E.start_date <= q.day)
    )
    if active:
        stmt = stmt.where(running)
    return stmt


def received(q: AsOf) -> Select:
    return episodes(q)


def active(q: AsOf) -> Select:
    return episodes(q, active=True)


def assessed(q: AsOf) -> Select:
    return (
        select(col(Client.municipality_code).label("municipality"), col(Client.target_group).label("target_group"),
               col(Client.id).label("subject"))
        .select_from(Assessment).join(Client, Client.id == Assessment.client_id)
        .where(Assessment.assessed_on <= q.day, Assessment.complete.is_(True))  # type: ignore[attr-defined]
    )


def plans_approved(q: AsOf) -> Select:
    return (
        select(col(Client.municipality_code).label("municipality"), col(Client.target_group).label("target_group"),
               col(SupportPlan.id).label("subject"))
        .select_from(SupportPlan).join(Client, Client.id == SupportPlan.client_id)
        .where(SupportPlan.approved_on.is_not(None), SupportPlan.approved_on <= q.day)  # type: ignore[union-attr]
    )


def left_institution(q: AsOf) -> Select:
    return (
        select(col(Client.municipality_code).label("municipality"), col(Client.target_group).label("target_group"),
               col(Client.id).label("subject"))
        .where(Client.left_institution_on.is_not(None), Client.left_institution_on <= q.day)  # type: ignore[union-attr]
    )


def deliveries(q: AsOf) -> Select:
    """Deliveries on or before the date, by the municipality that granted the episode: ``units`` and ``cost``."""
    E = ServiceEpisode
    return (
        select(col(E.granted_by).label("municipality"), col(Client.target_group).label("target_group"),
               col(E.service_code).label("service"), col(Delivery.funding_source).label("funding_source"),
               col(Delivery.units).label("units"), col(Delivery.cost).label("cost"))
        .select_from(Delivery).join(E, E.id == Delivery.episode_id).join(Client, Client.id == E.client_id)
        .where(Delivery.date <= q.day)
    )


# ---------------------------------------------------------------------------------------------------------------
# the regional DI plan


def _target_recipient() -> sa.ColumnElement:
    return sa.case((DIPlanTargetRow.recipient == RecipientKind.PERSON.value, Recipient.PERSON.value),
                   else_=Recipient.FAMILY.value)


def _targets(q: AsOf) -> Select:
    """Per target group, service (NULL = unique persons) and recipient: the target applicable on the date.

    That is the target with the earliest due date on or after the date, else
    the one with the latest due date. ``target`` NULL means "on demand".
    """
    T = DIPlanTargetRow
    service_key = sa.func.coalesce(T.service_code, "")
    due = sa.func.coalesce(sa.func.min(sa.case((T.due >= q.day, T.due))), sa.func.max(T.due))
    picked = (select(T.target_group, service_key.label("service_key"), T.recipient, due.label("due"))
              .where(T.region_code == q.region).group_by(T.target_group, service_key, T.recipient).subquery("due"))
    chosen = (
        select(col(T.target_group).label("target_group"), col(T.service_code).label("service"),
               _target_recipient().label("recipient"), col(T.target).label("target"))
        .join(picked, sa.and_(T.target_group == picked.c.target_group, service_key == picked.c.service_key,
                              T.recipient == picked.c.recipient, T.due == picked.c.due))
        .where(T.region_code == q.region)
        .subquery("chosen")
    )
    keys = (chosen.c.target_group, chosen.c.service, chosen.c.recipient)
    return select(*keys, sa.func.sum(chosen.c.target).label("target")).group_by(*keys)


def applicable_targets(q: AsOf) -> sa.Subquery:
    return _targets(q).subquery("targets")


def received_with_unique(facts: sa.FromClause) -> sa.Subquery:
    """Persons received per (group, service, recipient), and unique persons per (group, recipient).

    ``facts`` are the received facts (:func:`received`), a CTE the caller may share with other readers.
    """
    count = sa.func.count(sa.distinct(facts.c.subject)).label("received")
    per_service = select(facts.c.target_group, facts.c.service, facts.c.recipient, count).group_by(
        facts.c.target_group, facts.c.service, facts.c.recipient)
    unique = select(facts.c.target_group, sa.cast(sa.null(), sa.String).label("service"), facts.c.recipient,
                    count).group_by(facts.c.target_group, facts.c.recipient)
    return sa.union_all(per_service, unique).subquery("received")


def plan_rows(q: AsOf, received_facts: sa.FromClause) -> tuple[Select, Select]:
    """The DI plan's part of the snapshot statement, two SELECTs of (target_group, service, recipient, value):
    each applicable target (value = the target), and the persons received against it (value = received)."""
    targets = _targets(q).cte("plan_targets")
    got = received_with_unique(received_facts)
    on = sa.and_(targets.c.target_group == got.c.target_group, targets.c.recipient == got.c.recipient,
                 sa.func.coalesce(targets.c.service, "") == sa.func.coalesce(got.c.service, ""))
    keys = (targets.c.target_group, targets.c.service, targets.c.recipient)
    planned = select(*keys, targets.c.target.label("value"))
    achieved = select(*keys, sa.func.coalesce(got.c.received, 0).label("value")).select_from(
        targets.outerjoin(got, on))
    return planned, achieved


def plan_figures(planned: list[tuple], achieved: list[tuple]) -> list[IndicatorFigures]:
    """The rows of :func:`plan_rows` as the ``di_plan_target`` and ``achievement`` blocks."""
    got = {(g, s, r): n for g, s, r, n in achieved}
    targets = [(g, s, r, None if t is None else int(t)) for g, s, r, t in planned]
    ratios = [(g, s, r, f"{int(got[(g, s, r)])}/{t}" if t else None) for g, s, r, t in targets]
    return [IndicatorFigures(DI_PLAN_TARGET, sorted_rows(targets)),
            IndicatorFigures(ACHIEVEMENT, sorted_rows(ratios))]


async def plan_progress(session: AsyncSession, q: AsOf) -> list[tuple[str, str | None, str, int, int | None, bool]]:
    """Received against the DI plan, as the hub's ``progress`` shows it: per (group, service, recipient) and for
    unique persons (service NULL), every row with persons or with a planned number.

    Rows are ``(target group, service, recipient, received, target, planned)``; ``planned`` with a NULL
    target means "on demand".
    """
    targets, got = applicable_targets(q), received_with_unique(received(q).cte("facts_received"))
    key = ("target_group", "service", "recipient")
    keys = sa.union(select(*(targets.c[k] for k in key)), select(*(got.c[k] for k in key))).subquery("keys")

    def same(other) -> sa.ColumnElement:
        return sa.and_(keys.c.target_group == other.c.target_group, keys.c.recipient == other.c.recipient,
                       sa.func.coalesce(keys.c.service, "") == sa.func.coalesce(other.c.service, ""))

    planned = sa.case((targets.c.target_group.is_not(None), True), else_=False)
    stmt = (select(*(keys.c[k] for k in key), sa.func.coalesce(got.c.received, 0), targets.c.target, planned)
            .select_from(keys.outerjoin(got, same(got)).outerjoin(targets, same(targets)))
            .where(sa.or_(sa.func.coalesce(got.c.received, 0) > 0, targets.c.target_group.is_not(None))))
    rows = [(g, s, r, int(n), None if t is None else int(t), bool(p))
            for g, s, r, n, t, p in (await session.execute(stmt)).all()]
    return sorted(rows, key=lambda row: (row[0], row[2], row[1] is not None, row[1] or ""))
