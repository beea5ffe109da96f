"""Support plans (*individuālie atbalsta plāni*): drafting, proposing, approving, closing, implementing.

Every function works inside the caller's transaction and raises a
:class:`~core.domain.errors.DomainError` (or several at once) before writing
anything when a rule fails. The rules themselves are in :mod:`core.domain.plans`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.domain.assessment import AssessmentRequired, ProposedItem
from core.domain.catalogue import ServiceType
from core.domain.errors import DomainError, InvalidValue, UnknownObject, raise_if_any
from core.domain.people import RecipientKind, TargetGroup
from core.domain.plans import (
    ITEMS_MAX,
    Per,
    PlanDraft,
    PlanItemDraft,
    PlanStatus,
    check_assessment,
    check_goals,
    check_item,
    check_no_overlap,
    check_respite,
    check_step,
    default_period,
    effective_end,
)
from core.domain.rates import PROGRAMME_START
from core.domain.rules import check_period, check_place_capacity, check_programme_date
from core.node import Node

from .assessments import instruments, scores_of
from .clients import get_client
from .episodes import occupancy
from .models import Assessment, Client, ServicePlace, SupportPlan, SupportPlanItem
from .queries.scope import Scope, scoped

WHO_MAX = 200


@dataclass
class NewPlanItem:
    service_code: str
    quantity: Decimal | str | int
    per: str
    start_date: date
    end_date: date | None = None
    place_id: int | None = None


@dataclass
class NewPlan:
    client_id: int
    valid_from: date
    created_by: str
    valid_to: date | None = None
    assessment_id: int | None = None
    goals: list[str] = field(default_factory=list)
    items: list[NewPlanItem] = field(default_factory=list)


def _who(value: str, field: str) -> str:
    value = (value or "").strip()
    if not value or len(value) > WHO_MAX:
        raise InvalidValue(f"Say who does this (1 to {WHO_MAX} characters).", field=field)
    return value


def _per(value: str, field: str) -> Per:
    try:
        return Per(str(value).upper())
    except ValueError:
        raise InvalidValue(f"{value!r} is not WEEK or MONTH.", field=field) from None


def _quantity(value, field: str) -> Decimal:
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise InvalidValue(f"{value!r} is not a number.", field=field) from None


async def get_plan(session: AsyncSession, plan_id: int, *, field: str = "planId") -> SupportPlan:
    plan = await session.get(SupportPlan, plan_id)
    if plan is None:
        raise UnknownObject(f"There is no support plan with the id {plan_id}.", field=field)
    return plan


async def _place(session: AsyncSession, place_id: int, service: ServiceType, field: str) -> ServicePlace:
    place = await session.get(ServicePlace, place_id)
    if place is None:
        raise UnknownObject(f"There is no service place with the id {place_id}.", field=field)
    if place.service_code != service.code:
        raise InvalidValue(f"The place offers {place.service_code}, not {service.code}.", field=field)
    return place


def _service(node: Node, code: str, field: str) -> ServiceType:
    try:
        return node.registry.catalogue.get(code)
    except DomainError as exc:
        exc.field = field
        raise


async def _item_draft(session: AsyncSession, node: Node, item: NewPlanItem, where: str) -> PlanItemDraft:
    service = _service(node, item.service_code, f"{where}.serviceCode")
    draft = PlanItemDraft(service, _quantity(item.quantity, f"{where}.quantity"), _per(item.per, f"{where}.per"),
                          item.start_date, item.end_date, item.place_id)
    if item.place_id is not None:
        await _place(session, item.place_id, service, f"{where}.placeId")
    return draft


async def _basis(session: AsyncSession, client: Client, assessment_id: int | None) -> Assessment | None:
    """The assessment a plan rests on: the person's own (a representative's plan: the child's)."""
    if assessment_id is None:
        return None
    row = await session.get(Assessment, assessment_id)
    owners = {client.id, client.represents_client_id}
    if row is None or row.client_id not in owners:
        raise UnknownObject(f"The person has no assessment with the id {assessment_id}.", field="assessmentId")
    return row


async def _check_items(session: AsyncSession, node: Node, client: Client, items: list[NewPlanItem],
                       valid_from: date, valid_to: date | None) -> list[PlanItemDraft]:
    """Every broken item rule at once, each with its field (``items.<n>.<field>``)."""
    if len(items) > ITEMS_MAX:
        raise InvalidValue(f"A plan has at most {ITEMS_MAX} items.", field="items")
    group, recipient = TargetGroup(client.target_group), RecipientKind(client.recipient_kind)
    drafts, errors = [], []
    for n, item in enumerate(items):
        try:
            draft = await _item_draft(session, node, item, f"items.{n}")
            check_item(draft, valid_from, valid_to, group, recipient, field=f"items.{n}")
            drafts.append(draft)
        except DomainError as exc:
            errors.append(exc)
    raise_if_any(errors)
    return drafts


def _add_items(session: AsyncSession, plan: SupportPlan, drafts: list[PlanItemDraft]) -> None:
    session.add_all(SupportPlanItem(plan_id=plan.id, service_code=d.service.code, quantity=d.quantity,  # type: ignore[arg-type]
                                    per=d.per.value, start_date=d.start, end_date=d.end, place_id=d.place_id)
                    for d in drafts)


async def create_support_plan(session: AsyncSession, node: Node, data: NewPlan) -> SupportPlan:
    """A draft plan with its goals and items; nothing is checked against the assessment until approval."""
    client = await get_client(session, data.client_id)
    created_by = _who(data.created_by, "createdBy")
    if data.valid_from < PROGRAMME_START:
        raise InvalidValue(f"{data.valid_from.isoformat()} is before the programme started (2015).",
                           field="validFrom")
    check_period(data.valid_from, data.valid_to, field="validTo")
    goals = check_goals(data.goals)
    basis = await _basis(session, client, data.assessment_id)
    drafts = await _check_items(session, node, client, data.items, data.valid_from, data.valid_to)
    plan = SupportPlan(client_id=client.id, assessment_id=basis.id if basis else None,  # type: ignore[arg-type]
                       status=PlanStatus.DRAFT.value, goals=_json(goals), valid_from=data.valid_from,
                       valid_to=data.valid_to, created_by=created_by)
    session.add(plan)
    await session.flush()
    _add_items(session, plan, drafts)
    await session.flush()
    return plan


def _json(goals: tuple[str, ...]) -> str:
    return json.dumps(list(goals), ensure_ascii=False)


def goals_of(plan: SupportPlan) -> list[str]:
    return json.loads(plan.goals)


def _goals_from(instrument_sections, proposed: list[ProposedItem], scores) -> tuple[str, ...]:
    """One goal per area that led to a proposed service, in the instrument's order (editable later)."""
    because = {p.because for p in proposed}
    return tuple(f"{s.name.en} / {s.name.lv}: support where the needs are high "
                 f"({scores.area(s.code).raw} of {scores.area(s.code).max})"
                 for s in instrument_sections if s.code in because)


async def propose_support_plan(session: AsyncSession, node: Node, assessment_id: int, created_by: str, *,
                               valid_from: date | None = None, valid_to: date | None = None) -> SupportPlan:
    """A draft plan with the services the ``propose_plan_items`` rule draws from a complete assessment."""
    row = await session.get(Assessment, assessment_id)
    if row is None:
        raise UnknownObject(f"There is no assessment with the id {assessment_id}.", field="assessmentId")
    if not row.complete:
        raise AssessmentRequired("A plan is proposed only from a complete assessment, not from a draft.",
                                 field="assessmentId")
    client = await get_client(session, row.client_id)
    instrument = instruments(node).get(row.instrument_code, row.instrument_version)
    scores = scores_of(row)
    group, recipient = TargetGroup(client.target_group), RecipientKind(client.recipient_kind)
    proposed = node.pm.hook.propose_plan_items(instrument=instrument, scores=scores, target_group=group) or []
    start = valid_from or max(node.today(), row.assessed_on)
    end = valid_to if valid_to is not None else default_period(start)
    # a rule may suggest what this person cannot receive (or what is not in the catalogue): leave it out
    allowed = [p for p in proposed if p.service in node.registry.catalogue
               and group in node.registry.catalogue.get(p.service).target_groups
               and recipient in node.registry.catalogue.get(p.service).recipients]
    items = [NewPlanItem(p.service, p.quantity, p.per, start) for p in allowed]
    return await create_support_plan(session, node, NewPlan(
        client_id=client.id, valid_from=start, valid_to=end, created_by=created_by, assessment_id=row.id,
        goals=list(_goals_from(instrument.sections, allowed, scores)), items=items))


async def items_of(session: AsyncSession, plan_id: int) -> list[SupportPlanItem]:
    rows = await session.execute(select(SupportPlanItem).where(SupportPlanItem.plan_id == plan_id)
                                 .order_by(SupportPlanItem.id))
    return list(rows.scalars())


async def _check_capacity(session: AsyncSession, drafts: list[PlanItemDraft]) -> None:
    for n, d in enumerate(drafts):
        if d.place_id is not None:
            place = await _place(session, d.place_id, d.service, f"items.{n}.placeId")
            check_place_capacity(d.service, place.capacity, await occupancy(session, d.place_id, d.start),
                                 field=f"items.{n}.placeId")


async def _other_plans(session: AsyncSession, plan: SupportPlan) -> list[tuple[int, date, date | None]]:
    rows = await session.execute(
        select(SupportPlan.id, SupportPlan.valid_from, SupportPlan.valid_to, SupportPlan.closed_on).where(
            SupportPlan.client_id == plan.client_id, SupportPlan.id != plan.id,
            SupportPlan.status.in_([PlanStatus.APPROVED, PlanStatus.ACTIVE, PlanStatus.CLOSED]),  # type: ignore[attr-defined]
        ).order_by(SupportPlan.valid_from)
    )
    return [(i, f, effective_end(t, c)) for i, f, t, c in rows.all()]


async def approve_support_plan(session: AsyncSession, node: Node, plan_id: int, approved_by: str, *,
                               on: date | None = None) -> SupportPlan:
    """Check the plan against every rule and the region's ``validate_plan`` rules, then approve it."""
    plan = await get_plan(session, plan_id)
    check_step(plan.status, "approve")
    who = _who(approved_by, "approvedBy")
    on = on or node.today()
    check_programme_date(on, today=node.today(), field="approvedOn")
    client = await get_client(session, plan.client_id)
    basis = await session.get(Assessment, plan.assessment_id) if plan.assessment_id else None
    check_assessment(basis.assessed_on if basis else None, bool(basis and basis.complete), on,
                     node.settings.plan_assessment_max_age_days)
    goals = tuple(goals_of(plan))
    if not goals:
        raise InvalidValue("Give the plan at least one goal before approving it.", field="goals")
    rows = await items_of(session, plan.id)  # type: ignore[arg-type]
    if not rows:
        raise InvalidValue("A plan without planned services cannot be approved.", field="items")
    items = [NewPlanItem(r.service_code, r.quantity, r.per, r.start_date, r.end_date, r.place_id) for r in rows]
    drafts = await _check_items(session, node, client, items, plan.valid_from, plan.valid_to)
    await _check_capacity(session, drafts)
    check_respite(tuple(drafts), plan.valid_to)
    check_no_overlap(plan.valid_from, plan.valid_to, await _other_plans(session, plan))
    draft = PlanDraft(node.region, plan.id, client.id, TargetGroup(client.target_group),  # type: ignore[arg-type]
                      RecipientKind(client.recipient_kind), plan.valid_from, plan.valid_to, goals, tuple(drafts),
                      plan.assessment_id, basis.assessed_on if basis else None)
    raise_if_any([e for result in node.pm.hook.validate_plan(plan=draft) if result for e in result])
    plan.status, plan.approved_by, plan.approved_on = PlanStatus.APPROVED.value, who, on
    await session.flush()
    return plan


async def close_support_plan(session: AsyncSession, node: Node, plan_id: int, closed_by: str, *,
                             on: date | None = None) -> SupportPlan:
    plan = await get_plan(session, plan_id)
    check_step(plan.status, "close")
    who = _who(closed_by, "closedBy")
    on = on or node.today()
    check_programme_date(on, today=node.today(), field="closedOn")
    if plan.approved_on is not None and on < plan.approved_on:
        raise InvalidValue(f"The plan was approved on {plan.approved_on.isoformat()}; it cannot close before.",
                           field="closedOn")
    plan.status, plan.closed_by, plan.closed_on = PlanStatus.CLOSED.value, who, on
    await session.flush()
    return plan


async def implement_plan_item(session: AsyncSession, client_id: int, service_code: str, item_id: int,
                              start: date) -> SupportPlanItem:
    """Check that a service episode starting on ``start`` may implement plan item ``item_id``.

    The item must belong to an approved or active plan of the same person, be for the same service, and
    its period must cover the start. An approved plan becomes active with its first episode. Called by
    ``start_episode`` after all its other rules passed.
    """
    item = await session.get(SupportPlanItem, item_id)
    plan = await session.get(SupportPlan, item.plan_id) if item is not None else None
    if item is None or plan is None or plan.client_id != client_id:
        raise UnknownObject(f"The person's plans have no item with the id {item_id}.", field="planItemId")
    if item.service_code != service_code:
        raise InvalidValue(f"Plan item {item_id} plans {item.service_code}, not {service_code}.",
                           field="planItemId")
    check_step(plan.status, "implement", field="planItemId")
    end = item.end_date or effective_end(plan.valid_to, plan.closed_on)
    if start < item.start_date or (end is not None and start > end):
        until = end.isoformat() if end else "open end"
        raise InvalidValue(f"Plan item {item_id} runs from {item.start_date.isoformat()} to {until}; the episode "
                           f"starts on {start.isoformat()}.", field="startDate")
    if plan.status == PlanStatus.APPROVED:
        check_step(plan.status, "activate")
        plan.status = PlanStatus.ACTIVE.value
        await session.flush()
    return item


async def plans_by_ids(session: AsyncSession, ids: list[int], *, scope: Scope | None = None) -> list[SupportPlan]:
    """Plans by id, limited in SQL to what the caller may see."""
    stmt = scoped(select(SupportPlan).where(SupportPlan.id.in_(ids)), SupportPlan, scope)  # type: ignore[attr-defined]
    return list((await session.execute(stmt)).scalars())
