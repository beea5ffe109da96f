"""Assessments, approved plans, exits from institutions, delivered units and cost by funding source, targets."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from core.store.deliveries import DeliveryInput, record_deliveries
from core.store.models import Assessment, DIPlanTargetRow, SupportPlan
from tests.indicators.helpers import rows, total
from tests.indicators.test_definitions import DOBELE, JELGAVA, episode, person

pytestmark = pytest.mark.anyio

D = date(2019, 6, 30)


async def test_assessed_and_approved_plans_by_the_persons_municipality(node, compute):
    async with node.sessions() as s, s.begin():
        a, b, c = [await person(s, node, i, m) for i, m in ((1, JELGAVA), (2, JELGAVA), (3, DOBELE))]
        for client, day, complete in ((a, date(2019, 1, 5), True), (a, date(2019, 5, 5), True),
                                      (b, date(2019, 2, 1), False), (c, date(2019, 7, 1), True)):
            s.add(Assessment(client_id=client.id, instrument_code="SIS", instrument_version="1", assessed_on=day,
                             assessor="X", complete=complete))
        for client, approved in ((a, date(2019, 2, 1)), (a, date(2019, 6, 1)), (b, None), (c, date(2019, 6, 30))):
            s.add(SupportPlan(client_id=client.id, valid_from=date(2019, 1, 1), created_by="X",
                              status="APPROVED" if approved else "DRAFT", approved_on=approved))
    snap = await compute(D)
    assert total(snap, "persons_assessed", municipality=None) == 1  # a twice = once; b incomplete; c later
    assert total(snap, "persons_assessed", municipality=JELGAVA) == 1
    assert total(snap, "support_plans_approved", municipality=None) == 3  # plans, not persons
    assert total(snap, "support_plans_approved", municipality=DOBELE) == 1


async def test_units_and_cost_by_funding_source(node, compute):
    async with node.sessions() as s, s.begin():
        client = await person(s, node, 1)
        ep = await episode(s, node, client, "HOME_CARE", date(2017, 3, 1), granted_by=DOBELE)
        await record_deliveries(s, node, ep.id, [DeliveryInput(date(2017, 3, 1), "2.5"),
                                                 DeliveryInput(date(2019, 3, 2), 1),  # after 24 months
                                                 DeliveryInput(date(2019, 7, 1), 3)])  # after the date
    snap = await compute(D)
    kw = {"target_group": "ADULT_GRT", "service": "HOME_CARE"}
    assert total(snap, "delivery_units", municipality=DOBELE, funding_source="ESF", **kw) == Decimal("2.50")
    assert total(snap, "delivery_cost", municipality=None, funding_source="ESF", **kw) == Decimal("9.58")
    assert total(snap, "delivery_cost", municipality=None, funding_source="MUNICIPALITY", **kw) == Decimal("3.83")
    assert total(snap, "delivery_cost", municipality=JELGAVA, **kw) == 0
    block = next(b for b in snap.payload() if b["code"] == "delivery_cost")
    assert ["0028000", "ADULT_GRT", "HOME_CARE", "ESF", "9.58"] in block["rows"]  # exact decimal strings


@pytest.mark.parametrize("as_of, unique_adults", [
    (date(2018, 6, 30), 43),   # the earliest due date on or after the date: end of 2018
    (date(2018, 12, 31), 43),
    (date(2019, 1, 1), 328),   # then the 2023 target
    (date(2024, 1, 1), 328),   # after every due date: the latest one
])
async def test_the_target_applicable_on_the_date(node, compute, as_of, unique_adults):
    snap = await compute(as_of)
    targets = {(r["target_group"], r["service"], r["recipient"]): r["value"] for r in rows(snap, "di_plan_target")}
    assert targets[("ADULT_GRT", None, "PERSON")] == unique_adults
    assert targets[("CHILD_FT", "SOCIAL_REHAB_FAMILY", "FAMILY")] is None  # on demand
    achievement = {(r["target_group"], r["service"]): r["value"] for r in rows(snap, "achievement")}
    assert achievement[("ADULT_GRT", None)] == f"0/{unique_adults}"
    assert achievement[("CHILD_FT", "SOCIAL_REHAB_FAMILY")] is None


async def test_a_later_plan_amendment_is_picked_by_due_date(node, compute):
    async with node.sessions() as s, s.begin():
        s.add(DIPlanTargetRow(region_code="zemgale", target_group="ADULT_GRT", service_code="HOME_CARE",
                              recipient="PERSON", due=date(2019, 12, 31), target=10))
        s.add(DIPlanTargetRow(region_code="zemgale", target_group="ADULT_GRT", service_code="HOME_CARE",
                              recipient="PERSON", due=date(2020, 12, 31), target=20))
        client = await person(s, node, 1)
        await episode(s, node, client, "HOME_CARE", date(2019, 2, 1))
    snap = await compute(D)
    achievement = {(r["target_group"], r["service"]): r["value"] for r in rows(snap, "achievement")}
    assert achievement[("ADULT_GRT", "HOME_CARE")] == "1/10"
    assert achievement[("ADULT_GRT", None)] == "1/328"
