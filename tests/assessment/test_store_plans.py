"""Support plans on both databases: lifecycle, rules at approval, episodes from plan items, planned vs delivered."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from core import hookimpl
from core.domain.errors import DomainError, DomainErrors, RuleViolation
from core.domain.plans import Per, planned_units
from core.store.deliveries import DeliveryInput, record_deliveries
from core.store.episodes import NewEpisode, NewServicePlace, create_service_place, start_episode
from core.store.models import ServiceEpisode, SupportPlan, SupportPlanItem
from core.store.plan_progress import progress_by_item, progress_by_person
from core.store.plans import (
    NewPlan,
    NewPlanItem,
    approve_support_plan,
    close_support_plan,
    create_support_plan,
    goals_of,
    items_of,
    propose_support_plan,
)

from .examples import ANNA, JANIS
from .helpers import MUNICIPALITY, adult, assess, assess_child, child

pytestmark = pytest.mark.anyio

FROM, TO = date(2019, 2, 1), date(2019, 12, 31)
APPROVED_ON = date(2019, 1, 20)


def _codes(exc) -> list[tuple[str, str | None]]:
    errors = exc.errors if isinstance(exc, DomainErrors) else [exc]
    return [(e.code, e.field) for e in errors]


async def _refused(node, make) -> list[tuple[str, str | None]]:
    """Run ``make`` in a transaction that must fail; return the errors."""
    async with node.sessions() as s:
        with pytest.raises((DomainError, DomainErrors)) as caught:
            async with s.begin():
                await make(s)
    return _codes(caught.value)


async def _counts(node) -> tuple[int, int, int]:
    async with node.sessions() as s:
        return tuple([await s.scalar(select(func.count()).select_from(m))
                      for m in (SupportPlan, SupportPlanItem, ServiceEpisode)])  # type: ignore[return-value]


async def _plan(s, node, client_id, assessment_id, items, **kw):
    return await create_support_plan(s, node, NewPlan(
        client_id=client_id, valid_from=kw.pop("valid_from", FROM), valid_to=kw.pop("valid_to", TO),
        created_by=kw.pop("created_by", "Dace Liepa"), assessment_id=assessment_id,
        goals=kw.pop("goals", ["Live at home"]), items=items, **kw))


async def test_the_whole_way_from_assessment_to_delivered_units(node):
    async with node.sessions() as s, s.begin():
        person = await adult(s, node)
        assessment = await assess(s, node, person.id, JANIS)
        plan = await propose_support_plan(s, node, assessment.id, "Dace Liepa", valid_from=FROM, valid_to=TO)
        items = {i.service_code: i for i in await items_of(s, plan.id)}
        assert plan.status == "DRAFT" and set(items) == JANIS.proposed
        assert items["HOME_CARE"].quantity == Decimal(8) and items["HOME_CARE"].per == "WEEK"
        assert len(goals_of(plan)) == 7 and goals_of(plan)[0].startswith("Home living / Dzīve mājās")
        await approve_support_plan(s, node, plan.id, "Coordinator", on=APPROVED_ON)
        assert (plan.status, plan.approved_by, plan.approved_on) == ("APPROVED", "Coordinator", APPROVED_ON)
        episode = await start_episode(s, node, NewEpisode(person.id, "HOME_CARE", MUNICIPALITY, FROM,
                                                          plan_item_id=items["HOME_CARE"].id))
        assert plan.status == "ACTIVE"
        await record_deliveries(s, node, episode.id, [DeliveryInput(FROM + timedelta(days=n), 2) for n in range(10)])
    async with node.sessions() as s:
        progress = {p.service_code: p for p in (await progress_by_item(s, [plan.id], date(2019, 2, 28)))[plan.id]}
        per_person = {p.service_code: p for p in (await progress_by_person(s, [person.id], date(2019, 2, 28)))[
            person.id]}
    assert (progress["HOME_CARE"].planned, progress["HOME_CARE"].delivered) == (Decimal("32.00"), Decimal("20.00"))
    assert (progress["SOCIAL_MENTOR"].planned, progress["SOCIAL_MENTOR"].delivered) == (Decimal("4.00"), 0)
    assert per_person["HOME_CARE"].planned == Decimal("32.00") and per_person["HOME_CARE"].delivered == 20
    async with node.sessions() as s, s.begin():
        closed = await close_support_plan(s, node, plan.id, "Coordinator", on=date(2019, 2, 14))
        assert (closed.status, closed.closed_on) == ("CLOSED", date(2019, 2, 14))
    async with node.sessions() as s:
        after = {p.service_code: p for p in (await progress_by_item(s, [plan.id], date(2019, 2, 28)))[plan.id]}
    # closing on the 14th ends the planned period: 14 days x 8/7 = 16 planned, 10 x 2 delivered before it
    assert (after["HOME_CARE"].planned, after["HOME_CARE"].delivered) == (Decimal("16.00"), Decimal("20.00"))


@pytest.mark.parametrize(("per", "quantity", "start", "end"), [
    ("WEEK", "3", date(2019, 1, 1), date(2019, 1, 10)),
    ("MONTH", "4", date(2019, 1, 16), date(2019, 3, 15)),
    ("MONTH", "2.5", date(2020, 2, 3), date(2020, 2, 29)),
    ("MONTH", "7", date(2019, 11, 30), date(2020, 2, 1)),
    ("WEEK", "0.35", date(2019, 3, 3), date(2019, 3, 3)),
])
async def test_planned_units_in_sql_match_the_domain(node, per, quantity, start, end):
    async with node.sessions() as s, s.begin():
        person = await adult(s, node)
        plan = await _plan(s, node, person.id, None, [NewPlanItem("HOME_CARE", quantity, per, start, end)],
                           valid_from=start, valid_to=None)
    async with node.sessions() as s:
        found = (await progress_by_item(s, [plan.id], date(2021, 1, 1)))[plan.id][0]
    assert found.planned == planned_units(Decimal(quantity), Per(per), start, end)


async def test_approval_rules(node):
    async with node.sessions() as s, s.begin():
        person = await adult(s, node)
        old = await assess(s, node, person.id, ANNA, on=date(2018, 1, 10))
        draft = await record_assessment_draft(s, node, person.id)
        without = await _plan(s, node, person.id, None, [NewPlanItem("HOME_CARE", 4, "WEEK", FROM)])
        stale = await _plan(s, node, person.id, old.id, [NewPlanItem("HOME_CARE", 4, "WEEK", FROM)])
        on_draft = await _plan(s, node, person.id, draft.id, [NewPlanItem("HOME_CARE", 4, "WEEK", FROM)])
        no_goals = await _plan(s, node, person.id, old.id, [NewPlanItem("HOME_CARE", 4, "WEEK", FROM)], goals=[])
    approve = lambda plan_id, on=APPROVED_ON: lambda s: approve_support_plan(s, node, plan_id, "C", on=on)  # noqa: E731
    assert await _refused(node, approve(without.id)) == [("ASSESSMENT_REQUIRED", "assessmentId")]
    assert await _refused(node, approve(stale.id)) == [("ASSESSMENT_TOO_OLD", "assessmentId")]
    assert await _refused(node, approve(on_draft.id)) == [("ASSESSMENT_REQUIRED", "assessmentId")]
    assert await _refused(node, approve(no_goals.id, date(2018, 2, 1))) == [("INVALID_VALUE", "goals")]
    assert await _refused(node, approve(12345)) == [("NOT_FOUND", "planId")]
    async with node.sessions() as s:
        statuses = (await s.execute(select(SupportPlan.status))).scalars().all()
    assert set(statuses) == {"DRAFT"}
    async with node.sessions() as s, s.begin():
        await approve_support_plan(s, node, stale.id, "C", on=date(2018, 6, 1))  # 142 days old then: fine
    assert await _refused(node, approve(stale.id, date(2018, 6, 2))) == [("PLAN_STATUS_INVALID", "planId")]


async def record_assessment_draft(s, node, client_id):
    from core.store.assessments import NewAssessment, record_assessment
    return await record_assessment(s, node, NewAssessment(client_id, "SIS_ADULT", "1", date(2019, 1, 5), "I",
                                                          ANNA.ratings()[:9], draft=True))


async def test_items_for_services_the_person_may_not_receive_store_nothing(node):
    async with node.sessions() as s, s.begin():
        person = await adult(s, node)
    items = [NewPlanItem("HOME_CARE", 4, "WEEK", FROM), NewPlanItem("RESPITE_CARE", 2, "MONTH", FROM),
             NewPlanItem("NO_SUCH", 1, "WEEK", FROM), NewPlanItem("HOME_CARE", 1, "DAY", FROM),
             NewPlanItem("HOME_CARE", "x", "WEEK", FROM), NewPlanItem("HOME_CARE", 4, "WEEK", date(2019, 1, 1))]
    assert await _refused(node, lambda s: _plan(s, node, person.id, None, items)) == [
        ("SERVICE_NOT_FOR_TARGET_GROUP", "items.1.serviceCode"), ("UNKNOWN_SERVICE", "items.2.serviceCode"),
        ("INVALID_VALUE", "items.3.per"), ("INVALID_VALUE", "items.4.quantity"), ("INVALID_VALUE", "items.5.startDate")]
    assert await _refused(node, lambda s: _plan(s, node, person.id, None, [], valid_to=date(2019, 1, 1))) == [
        ("END_BEFORE_START", "validTo")]
    assert await _refused(node, lambda s: _plan(s, node, person.id, 999, [])) == [("NOT_FOUND", "assessmentId")]
    assert await _refused(node, lambda s: _plan(s, node, person.id, None, [], created_by=" ")) == [
        ("INVALID_VALUE", "createdBy")]
    assert await _counts(node) == (0, 0, 0)


async def test_overlapping_plans_and_closing(node):
    async with node.sessions() as s, s.begin():
        person = await adult(s, node)
        a = await assess(s, node, person.id)
        first = await _plan(s, node, person.id, a.id, [NewPlanItem("HOME_CARE", 4, "WEEK", FROM)])
        second = await _plan(s, node, person.id, a.id, [NewPlanItem("HOME_CARE", 4, "WEEK", date(2019, 7, 1))],
                             valid_from=date(2019, 7, 1), valid_to=None)
        await approve_support_plan(s, node, first.id, "C", on=APPROVED_ON)
    approve_second = lambda s: approve_support_plan(s, node, second.id, "C", on=date(2019, 6, 20))  # noqa: E731
    assert await _refused(node, approve_second) == [("PLANS_OVERLAP", "validFrom")]
    assert await _refused(node, lambda s: close_support_plan(s, node, second.id, "C")) == [
        ("PLAN_STATUS_INVALID", "planId")]
    assert await _refused(node, lambda s: close_support_plan(s, node, first.id, "C", on=date(2019, 1, 1))) == [
        ("INVALID_VALUE", "closedOn")]
    async with node.sessions() as s, s.begin():
        await close_support_plan(s, node, first.id, "C", on=date(2019, 6, 30))
        await approve_support_plan(s, node, second.id, "C", on=date(2019, 6, 20))
    assert await _refused(node, lambda s: close_support_plan(s, node, first.id, "C")) == [
        ("PLAN_STATUS_INVALID", "planId")]


async def test_respite_and_capacity_are_checked_on_approval(node):
    async with node.sessions() as s, s.begin():
        kid = await child(s, node)
        a = await assess_child(s, node, kid.id)
        too_much = await _plan(s, node, kid.id, a.id, [NewPlanItem("RESPITE_CARE", 3, "MONTH", FROM)])
        place = await create_service_place(s, node, NewServicePlace("Saulīte", "DAY_CARE_CENTRE", MUNICIPALITY, 1))
        other = await child(s, node, 2)
        await start_episode(s, node, NewEpisode(other.id, "DAY_CARE_CENTRE", MUNICIPALITY, date(2019, 1, 2),
                                                place_id=place.id))
        full = await _plan(s, node, kid.id, a.id, [NewPlanItem("DAY_CARE_CENTRE", 2, "WEEK", FROM,
                                                               place_id=place.id)])
    assert await _refused(node, lambda s: approve_support_plan(s, node, too_much.id, "C", on=APPROVED_ON)) == [
        ("RESPITE_LIMIT_EXCEEDED", "items.0.quantity")]  # 3 x 11 months = 33 days in 2019
    assert await _refused(node, lambda s: approve_support_plan(s, node, full.id, "C", on=APPROVED_ON)) == [
        ("PLACE_FULL", "items.0.placeId")]


async def test_child_proposal_leaves_out_what_the_child_cannot_receive(node):
    async with node.sessions() as s, s.begin():
        kid = await child(s, node)
        a = await assess_child(s, node, kid.id)
        plan = await propose_support_plan(s, node, a.id, "Dace", valid_from=FROM, valid_to=TO)
        items = {(i.service_code, i.quantity, i.per) for i in await items_of(s, plan.id)}
        await approve_support_plan(s, node, plan.id, "C", on=APPROVED_ON)  # 2 respite days a month: 22 in 2019
    # family support suggests rehabilitation for the parents too: that is the representative's plan, not the child's
    assert items == {("CARE_SERVICE", Decimal(15), "WEEK"), ("RESPITE_CARE", Decimal(2), "MONTH")}


async def test_proposing_needs_a_complete_assessment(node):
    async with node.sessions() as s, s.begin():
        person = await adult(s, node)
        draft = await record_assessment_draft(s, node, person.id)
    assert await _refused(node, lambda s: propose_support_plan(s, node, draft.id, "D")) == [
        ("ASSESSMENT_REQUIRED", "assessmentId")]
    assert await _refused(node, lambda s: propose_support_plan(s, node, 4242, "D")) == [
        ("NOT_FOUND", "assessmentId")]
    assert await _counts(node) == (0, 0, 0)


async def test_episodes_from_plan_items(node):
    async with node.sessions() as s, s.begin():
        person, other = await adult(s, node, 1), await adult(s, node, 2)
        a = await assess(s, node, person.id)
        draft = await _plan(s, node, person.id, a.id, [NewPlanItem("HOME_CARE", 4, "WEEK", FROM)])
        plan = await _plan(s, node, person.id, a.id, [NewPlanItem("HOME_CARE", 4, "WEEK", FROM, date(2019, 5, 31))],
                           valid_from=FROM, valid_to=TO)
        await approve_support_plan(s, node, plan.id, "C", on=APPROVED_ON)
        item = (await items_of(s, plan.id))[0]
        draft_item = (await items_of(s, draft.id))[0]

    def start(client_id, service, item_id, day=FROM):
        return lambda s: start_episode(s, node, NewEpisode(client_id, service, MUNICIPALITY, day, plan_item_id=item_id))
    assert await _refused(node, start(other.id, "HOME_CARE", item.id)) == [("NOT_FOUND", "planItemId")]
    assert await _refused(node, start(person.id, "DAY_CARE_CENTRE", item.id)) == [("INVALID_VALUE", "planItemId")]
    assert await _refused(node, start(person.id, "HOME_CARE", draft_item.id)) == [
        ("PLAN_STATUS_INVALID", "planItemId")]
    assert await _refused(node, start(person.id, "HOME_CARE", item.id, date(2019, 6, 1))) == [
        ("INVALID_VALUE", "startDate")]
    assert await _refused(node, start(person.id, "HOME_CARE", 99999)) == [("NOT_FOUND", "planItemId")]
    async with node.sessions() as s:
        assert (await s.get(SupportPlan, plan.id)).status == "APPROVED"
    assert (await _counts(node))[2] == 0


class NoHomeCareOnWeekends:
    """A region's own rule: at most 20 hours of home care a week."""

    @hookimpl
    def validate_plan(self, plan):
        return [RuleViolation("At most 20 hours of home care a week in this region.",
                              field=f"items.{n}.quantity", code="REGION_HOME_CARE_LIMIT")
                for n, item in enumerate(plan.items)
                if item.service.code == "HOME_CARE" and item.per == "WEEK" and item.quantity > 20]


async def test_region_rules_on_approval(node, register_plugin):
    register_plugin(NoHomeCareOnWeekends(), "region-rule")
    async with node.sessions() as s, s.begin():
        person = await adult(s, node)
        a = await assess(s, node, person.id)
        plan = await _plan(s, node, person.id, a.id, [NewPlanItem("HOME_CARE", 10, "WEEK", FROM),
                                                      NewPlanItem("HOME_CARE", 21, "WEEK", FROM)])
    assert await _refused(node, lambda s: approve_support_plan(s, node, plan.id, "C", on=APPROVED_ON)) == [
        ("REGION_HOME_CARE_LIMIT", "items.1.quantity")]


class ProposeSupportPerson:
    @hookimpl(tryfirst=True)
    def propose_plan_items(self, instrument, scores, target_group):
        from core.domain.assessment import ProposedItem
        return [ProposedItem("SUPPORT_PERSON", Decimal(2), "WEEK", scores.areas[0].code),
                ProposedItem("FOSTER_FAMILY", Decimal(30), "MONTH", scores.areas[0].code)]


async def test_a_region_changes_the_proposal(node, register_plugin):
    register_plugin(ProposeSupportPerson(), "region-proposal")
    async with node.sessions() as s, s.begin():
        person = await adult(s, node)
        a = await assess(s, node, person.id)
        plan = await propose_support_plan(s, node, a.id, "D", valid_from=FROM)
        assert [(i.service_code, i.quantity) for i in await items_of(s, plan.id)] == [("SUPPORT_PERSON", 2)]
        assert plan.valid_to == date(2020, 1, 31)
