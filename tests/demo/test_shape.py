"""The national split and the planner: counts fixed by the figures, people by the seed."""

from __future__ import annotations

from collections import Counter
from datetime import date
from fractions import Fraction

import pytest

from core.domain.rules import RESPITE_DAYS_PER_YEAR
from federation.demo import figures as f
from federation.demo.plan import assign_services, delivery_days, make_plan
from federation.demo.shape import REGIONS, apportion, national_split, region_shape

MUNIS = [f"m{i}" for i in range(7)]


def test_apportion_is_exact_and_breaks_ties_in_order():
    assert apportion(10, {"a": 22, "b": 24, "c": 34, "d": 20}) == {"a": 2, "b": 3, "c": 3, "d": 2}
    assert apportion(7, {"x": 1, "y": 1, "z": 1}) == {"x": 3, "y": 2, "z": 2}
    assert apportion(0, {"x": 1}) == {"x": 0}
    assert sum(apportion(223, {"a": Fraction(1, 3), "b": 2, "c": 5}).values()) == 223
    with pytest.raises(ValueError):
        apportion(3, {"x": 0})


def test_national_split_adds_up_with_zemgale():
    split = national_split()
    assert set(split) == {"kurzeme", "latgale", "riga", "vidzeme"}
    totals = Counter()
    for share in split.values():
        totals.update(share)
    assert totals["adults_community"] + 62 == f.NATIONAL.adults_community
    assert totals["adults_left_institution"] + 1 == f.NATIONAL.adults_left_institution
    assert totals["children"] + 154 == f.NATIONAL.children
    assert totals["representatives"] + 58 == f.NATIONAL.representatives
    assert split["riga"]["children"] > split["vidzeme"]["children"]  # the weights matter


def test_assign_services_gives_everyone_a_service_and_no_one_a_service_twice():
    rows = assign_services(63, f.ZEMGALE_ADULT_SERVICES)
    assert all(rows) and all(len(set(r)) == len(r) for r in rows)
    assert Counter(code for r in rows for code in r) == Counter(f.ZEMGALE_ADULT_SERVICES)
    assert sum(len(r) > 1 for r in rows) == 69 - 63


@pytest.mark.parametrize("region", REGIONS)
def test_plans_keep_the_shape_whatever_the_seed(region):
    munis = list(f.ZEMGALE_ADULT_MUNICIPALITIES) if region == "zemgale" else MUNIS
    shape = region_shape(region, munis)
    names = {m: m.upper() for m in munis}
    for seed in (1, 2):
        plan = make_plan(region, seed, shape, names, munis)
        adults = [p for p in plan.persons if p.target_group == "ADULT_GRT" and p.episodes]
        assert len(adults) == shape.adults.persons
        assert Counter(e.service_code for p in adults for e in p.episodes) == Counter(shape.adults.services)
        assert Counter(p.municipality_code for p in adults) == Counter(shape.adults.municipalities)
        assert sum(p.left_on is not None for p in adults) == shape.adults_left_institution
        children = [p for p in plan.persons if p.target_group == "CHILD_FT" and p.recipient_kind == "PERSON"]
        assert sum(p.first_start is not None and p.first_start.year == 2018 for p in children) == \
            shape.children.started_2018
        assert sum(p.represents is not None for p in plan.persons) == shape.representatives
        keys = [p.key for p in plan.persons]
        assert all(keys.index(p.represents) < keys.index(p.key) for p in plan.persons if p.represents)
        assert all(date(2017, 1, 1) <= e.start <= f.AS_OF for p in plan.persons for e in p.episodes)


def test_respite_stays_within_thirty_days_in_every_calendar_year():
    for start in (date(2017, 1, 1), date(2017, 12, 31), date(2018, 2, 28)):
        days = [d for d, _ in delivery_days("RESPITE_CARE", start, date(2021, 12, 31))]
        assert max(Counter(d.year for d in days).values()) <= RESPITE_DAYS_PER_YEAR
    assert delivery_days("HOME_CARE", date(2018, 1, 1), date(2018, 1, 31)) == [
        (date(2018, 1, 1), "4"), (date(2018, 1, 29), "4")]
    assert delivery_days("HOME_CARE", date(2018, 2, 1), date(2018, 1, 31)) == []


def test_unknown_region_and_impossible_shapes_are_refused():
    with pytest.raises(ValueError, match="no demo figures"):
        make_plan("narnia", 1, region_shape("riga", MUNIS), {m: m for m in MUNIS}, MUNIS)
    with pytest.raises(ValueError, match="no municipalities"):
        region_shape("riga", [])
