"""Support plans (individuālie atbalsta plāni): proposing, drawing up, approving and closing; planned vs delivered.

Each mutation runs the write path of :mod:`core.store.plans` in one
transaction; a broken rule comes back as ``userErrors`` and nothing is stored.
"""

from __future__ import annotations

import datetime as dt
import enum
from decimal import Decimal

import strawberry

from core.domain.plans import Per
from core.events import PLAN_APPROVED
from core.store.plan_progress import progress_by_person
from core.store.plans import (
    NewPlan,
    NewPlanItem,
    approve_support_plan,
    close_support_plan,
    create_support_plan,
    plans_by_ids,
    propose_support_plan,
)

from .assessments import SupportPlan, actor
from .errors import UserError
from .reference import ServiceType, load_service
from .scalars import date_arg, id_arg, lookup_id
from .writes import Checked, fire, write

QuantityPer = strawberry.enum(enum.Enum("QuantityPer", {m.name: m.value for m in Per}),
                              description="The period a planned quantity is given for.")


@strawberry.input(description="A planned service: a quantity per week or month from a start date.")
class SupportPlanItemInput:
    service_code: str
    quantity: Decimal = strawberry.field(description="Units of the service (hours, days, sessions) per period.")
    per: QuantityPer  # type: ignore[valid-type]
    start_date: dt.date
    end_date: dt.date | None = strawberry.field(default=None, description="null: until the plan ends.")
    place_id: strawberry.ID | None = strawberry.field(default=None,
                                                      description="The place, when the plan names one (its "
                                                                  "capacity is checked on approval).")


@strawberry.input
class CreateSupportPlanInput:
    client_id: strawberry.ID
    valid_from: dt.date
    assessment_id: strawberry.ID | None = strawberry.field(default=None,
                                                           description="Needed before the plan can be approved.")
    valid_to: dt.date | None = None
    goals: list[str] = strawberry.field(default_factory=list)
    items: list[SupportPlanItemInput] = strawberry.field(default_factory=list)
    created_by: str | None = strawberry.field(default=None, description="Default: the caller.")


@strawberry.input
class ProposeSupportPlanInput:
    assessment_id: strawberry.ID
    valid_from: dt.date | None = strawberry.field(default=None, description="Default: today (or the assessment "
                                                                            "date, if later).")
    valid_to: dt.date | None = strawberry.field(default=None, description="Default: one year.")
    created_by: str | None = strawberry.field(default=None, description="Default: the caller.")


@strawberry.input
class ApproveSupportPlanInput:
    plan_id: strawberry.ID
    approved_on: dt.date | None = strawberry.field(default=None, description="Default: today.")
    approved_by: str | None = strawberry.field(default=None, description="Default: the caller.")


@strawberry.input
class CloseSupportPlanInput:
    plan_id: strawberry.ID
    closed_on: dt.date | None = strawberry.field(default=None, description="Default: today.")
    closed_by: str | None = strawberry.field(default=None, description="Default: the caller.")


@strawberry.type
class SupportPlanPayload:
    plan: SupportPlan | None
    user_errors: list[UserError]


@strawberry.type(description="Planned and delivered units of one service of a person, over their approved plans.")
class ServiceProgress:
    service_code: str
    planned: Decimal
    delivered: Decimal

    @strawberry.field
    async def service(self, info: strawberry.Info) -> ServiceType | None:
        return await load_service(info, self.service_code)


def _items(check: Checked, items: list[SupportPlanItemInput]) -> list[NewPlanItem]:
    out = []
    for n, i in enumerate(items):
        out.append(NewPlanItem(
            service_code=i.service_code, quantity=check.decimal(i.quantity, f"items.{n}.quantity"),  # type: ignore[arg-type]
            per=i.per.value, start_date=check.date(i.start_date, f"items.{n}.startDate"),  # type: ignore[arg-type,attr-defined]
            end_date=check.date(i.end_date, f"items.{n}.endDate"), place_id=check.id(i.place_id, f"items.{n}.placeId")))
    return out


def _new_plan(info: strawberry.Info, data: CreateSupportPlanInput) -> NewPlan:
    check = Checked()
    client_id, assessment_id = check.id(data.client_id, "clientId"), check.id(data.assessment_id, "assessmentId")
    valid_from, valid_to = check.date(data.valid_from, "validFrom"), check.date(data.valid_to, "validTo")
    items = _items(check, data.items)
    check.done()
    return NewPlan(client_id=client_id, valid_from=valid_from, created_by=actor(info, data.created_by),  # type: ignore[arg-type]
                   valid_to=valid_to, assessment_id=assessment_id, goals=list(data.goals), items=items)


def _payload(info: strawberry.Info, outcome) -> SupportPlanPayload:
    if not outcome.ok:
        return SupportPlanPayload(plan=None, user_errors=outcome.errors)
    return SupportPlanPayload(plan=SupportPlan.from_row(outcome.value), user_errors=[])


@strawberry.type
class PlanQuery:
    @strawberry.field(description="One support plan; null when there is none with this id.")
    async def support_plan(self, info: strawberry.Info, id: strawberry.ID) -> SupportPlan | None:
        row_id = lookup_id(id)
        if row_id is None:
            return None
        async with info.context.db() as session:
            rows = await plans_by_ids(session, [row_id], scope=info.context.scope)
        return SupportPlan.from_row(rows[0]) if rows else None

    @strawberry.field(description="A person's planned versus delivered units per service over their approved, "
                                  "active and closed plans, up to `asOf` (default today).")
    async def planned_versus_delivered(self, info: strawberry.Info, client_id: strawberry.ID,
                                       as_of: dt.date | None = None) -> list[ServiceProgress]:
        ctx = info.context
        person, day = id_arg(client_id, "clientId"), date_arg(as_of, "asOf") or ctx.node.today()
        async with ctx.db() as session:
            found = await progress_by_person(session, [person], day, scope=ctx.scope)  # type: ignore[list-item]
        return [ServiceProgress(service_code=p.service_code, planned=p.planned, delivered=p.delivered)
                for p in found.get(person, [])]  # type: ignore[arg-type]


@strawberry.type
class PlanMutation:
    @strawberry.mutation(description="A draft plan proposed from a complete assessment: the services its areas of "
                                     "high support needs suggest (a region may change the rule).")
    async def propose_support_plan(self, info: strawberry.Info, input: ProposeSupportPlanInput
                                   ) -> SupportPlanPayload:
        async def work(session):
            check = Checked()
            assessment_id = check.id(input.assessment_id, "assessmentId")
            start, end = check.date(input.valid_from, "validFrom"), check.date(input.valid_to, "validTo")
            check.done()
            return await propose_support_plan(session, info.context.node, assessment_id,  # type: ignore[arg-type]
                                              actor(info, input.created_by), valid_from=start, valid_to=end)

        return _payload(info, await write(info, work))

    @strawberry.mutation(description="Draw up a draft plan: goals and planned services.")
    async def create_support_plan(self, info: strawberry.Info, input: CreateSupportPlanInput) -> SupportPlanPayload:
        return _payload(info, await write(info, lambda s: create_support_plan(s, info.context.node,
                                                                              _new_plan(info, input))))

    @strawberry.mutation(description="Approve a draft plan after checking it against every rule (assessment age, "
                                     "target group, respite, capacity, overlap, the region's rules).")
    async def approve_support_plan(self, info: strawberry.Info, input: ApproveSupportPlanInput
                                   ) -> SupportPlanPayload:
        async def work(session):
            check = Checked()
            plan_id, on = check.id(input.plan_id, "planId"), check.date(input.approved_on, "approvedOn")
            check.done()
            return await approve_support_plan(session, info.context.node, plan_id,  # type: ignore[arg-type]
                                              actor(info, input.approved_by), on=on)

        outcome = await write(info, work)
        if outcome.ok:
            p = outcome.value
            fire(info, PLAN_APPROVED, planId=p.id, clientId=p.client_id, assessmentId=p.assessment_id,
                 approvedOn=p.approved_on.isoformat(), validFrom=p.valid_from.isoformat())
        return _payload(info, outcome)

    @strawberry.mutation(description="Close an approved or active plan on a date.")
    async def close_support_plan(self, info: strawberry.Info, input: CloseSupportPlanInput) -> SupportPlanPayload:
        async def work(session):
            check = Checked()
            plan_id, on = check.id(input.plan_id, "planId"), check.date(input.closed_on, "closedOn")
            check.done()
            return await close_support_plan(session, info.context.node, plan_id,  # type: ignore[arg-type]
                                            actor(info, input.closed_by), on=on)

        return _payload(info, await write(info, work))
