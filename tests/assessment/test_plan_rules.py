"""The plan rules as plain functions: planned quantities, respite, freshness of the assessment, steps."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from fractions import Fraction

import pytest

from core.domain.catalogue import NATIONAL_CATALOGUE
from core.domain.errors import DomainError
from core.domain.people import RecipientKind, TargetGroup
from core.domain.plans import (
    Per,
    PlanItemDraft,
    check_assessment,
    check_item,
    check_no_overlap,
    check_quantity,
    check_respite,
    check_step,
    effective_end,
    month_fraction,
    planned_units,
)

SERVICES = {s.code: s for s in NATIONAL_CATALOGUE}
D = Decimal


@pytest.mark.parametrize(("start", "end", "months"), [
    (date(2019, 1, 1), date(2019, 1, 31), D(1)),
    (date(2019, 1, 1), date(2019, 6, 30), D(6)),
    (date(2019, 1, 1), date(2019, 12, 31), D(12)),
    (date(2020, 2, 15), date(2020, 2, 28), Fraction(14, 29)),
    (date(2019, 1, 16), date(2019, 3, 15), Fraction(16, 31) + 1 + Fraction(15, 31)),
    (date(2019, 3, 1), date(2019, 2, 28), D(0)),
])
def test_month_fraction(start, end, months):
    assert month_fraction(start, end) == months


def test_planned_units_per_week_and_month():
    assert planned_units(D(8), Per.WEEK, date(2019, 1, 1), date(2019, 1, 14)) == D("16.00")
    assert planned_units(D(3), Per.WEEK, date(2019, 1, 1), date(2019, 1, 10)) == D("4.29")  # 3 x 10/7
    assert planned_units(D(4), Per.MONTH, date(2019, 1, 1), date(2019, 6, 30)) == D("24.00")
    assert planned_units(D(4), Per.MONTH, date(2019, 1, 16), date(2019, 1, 31)) == D("2.06")  # 4 x 16/31
    assert planned_units(D(4), Per.MONTH, date(2019, 2, 1), date(2019, 1, 31)) == D("0.00")


def _item(code, quantity, per, start, end=None):
    return PlanItemDraft(SERVICES[code], D(quantity), Per(per), start, end)


def test_respite_thirty_days_in_each_calendar_year():
    check_respite((_item("RESPITE_CARE", "2.5", "MONTH", date(2019, 1, 1), date(2019, 12, 31)),), None)  # 30
    with pytest.raises(DomainError) as caught:
        check_respite((_item("HOME_CARE", 5, "WEEK", date(2019, 1, 1)),
                       _item("RESPITE_CARE", "2.51", "MONTH", date(2019, 1, 1), date(2019, 12, 31))), None)
    assert (caught.value.code, caught.value.field) == ("RESPITE_LIMIT_EXCEEDED", "items.1.quantity")
    # two items of one year add up: 20 + 12 days in 2019
    with pytest.raises(DomainError):
        check_respite((_item("RESPITE_CARE", 2, "MONTH", date(2019, 1, 1), date(2019, 10, 31)),
                       _item("RESPITE_CARE", 1, "MONTH", date(2019, 1, 1), date(2019, 12, 31))), None)
    # half a year at 5 a month is 30 in that year: fine; a year over the boundary is split by calendar year
    check_respite((_item("RESPITE_CARE", 5, "MONTH", date(2019, 7, 1), date(2020, 6, 30)),), None)


def test_open_respite_is_checked_over_a_whole_calendar_year():
    # 1 day a week from July: 26 days in the first year but 52 in the next full year
    with pytest.raises(DomainError) as caught:
        check_respite((_item("RESPITE_CARE", 1, "WEEK", date(2019, 7, 1)),), None)
    assert "2020" in caught.value.message
    check_respite((_item("RESPITE_CARE", 1, "WEEK", date(2019, 7, 1)),), date(2019, 12, 31))


def test_item_rules_name_the_field():
    def check(item, field="items.0"):
        with pytest.raises(DomainError) as caught:
            check_item(item, date(2019, 1, 1), date(2019, 12, 31), TargetGroup.ADULT_GRT, RecipientKind.PERSON,
                       field=field)
        return caught.value.code, caught.value.field
    assert check(_item("RESPITE_CARE", 1, "MONTH", date(2019, 1, 1))) == (
        "SERVICE_NOT_FOR_TARGET_GROUP", "items.0.serviceCode")
    assert check(_item("HOME_CARE", 0, "WEEK", date(2019, 1, 1))) == ("INVALID_VALUE", "items.0.quantity")
    assert check(_item("DAY_CARE_CENTRE", 8, "WEEK", date(2019, 1, 1))) == ("INVALID_VALUE", "items.0.quantity")
    assert check(_item("HOME_CARE", 2, "WEEK", date(2018, 12, 1))) == ("INVALID_VALUE", "items.0.startDate")
    assert check(_item("HOME_CARE", 2, "WEEK", date(2019, 2, 1), date(2019, 1, 1))) == (
        "END_BEFORE_START", "items.0.endDate")
    assert check(_item("HOME_CARE", 2, "WEEK", date(2019, 2, 1), date(2020, 1, 1))) == (
        "INVALID_VALUE", "items.0.endDate")
    check_item(_item("HOME_CARE", "2.5", "WEEK", date(2019, 2, 1)), date(2019, 1, 1), None, TargetGroup.ADULT_GRT,
               RecipientKind.PERSON, field="items.0")


def test_quantity_bounds():
    assert check_quantity(SERVICES["DAY_CARE_CENTRE"], D(7), Per.WEEK, field="q") == 7
    assert check_quantity(SERVICES["DAY_CARE_CENTRE"], D(31), Per.MONTH, field="q") == 31
    for bad in (D("0.001"), D(-1), D(32)):
        with pytest.raises(DomainError):
            check_quantity(SERVICES["DAY_CARE_CENTRE"], bad, Per.MONTH, field="q")


def test_assessment_age_boundary():
    check_assessment(date(2019, 1, 1), True, date(2020, 1, 1), 365)
    with pytest.raises(DomainError) as caught:
        check_assessment(date(2019, 1, 1), True, date(2020, 1, 2), 365)
    assert (caught.value.code, caught.value.field) == ("ASSESSMENT_TOO_OLD", "assessmentId")
    for args in ((None, True), (date(2019, 1, 1), False), (date(2020, 2, 1), True)):
        with pytest.raises(DomainError) as caught:
            check_assessment(*args, date(2020, 1, 1), 365)
        assert caught.value.code == "ASSESSMENT_REQUIRED"


def test_steps_of_the_lifecycle():
    check_step("DRAFT", "approve")
    check_step("APPROVED", "close")
    check_step("ACTIVE", "implement")
    for status, step in (("APPROVED", "approve"), ("DRAFT", "close"), ("CLOSED", "close"),
                         ("DRAFT", "implement"), ("CLOSED", "implement"), ("ACTIVE", "activate")):
        with pytest.raises(DomainError) as caught:
            check_step(status, step)
        assert caught.value.code == "PLAN_STATUS_INVALID" and status.lower() in caught.value.message


def test_overlap_with_closed_plans_uses_the_closing_day():
    assert effective_end(date(2019, 12, 31), date(2019, 6, 30)) == date(2019, 6, 30)
    assert effective_end(None, None) is None
    check_no_overlap(date(2019, 7, 1), None, [(1, date(2019, 1, 1), date(2019, 6, 30))])
    with pytest.raises(DomainError) as caught:
        check_no_overlap(date(2019, 6, 30), None, [(1, date(2019, 1, 1), date(2019, 6, 30))])
    assert caught.value.code == "PLANS_OVERLAP"
    with pytest.raises(DomainError):
        check_no_overlap(date(2018, 1, 1), date(2019, 1, 1), [(1, date(2019, 1, 1), None)])
