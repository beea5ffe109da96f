"""Scoring against hand-computed examples, rating checks, the care-level rule at its thresholds."""

from __future__ import annotations

import pytest

from core.domain.assessment import (
    Instruments,
    Rating,
    check_ratings,
    default_care_level,
    default_proposal,
    level_from_share,
    score,
)
from core.domain.errors import DomainError, DomainErrors
from core.plugins import get_plugin_manager
from plugins.child_ft_instrument import instrument as child_instrument

from .examples import (
    ANNA,
    CHILD_AREAS,
    CHILD_FLAGS,
    CHILD_TOTAL,
    EXAMPLES,
    JANIS,
    adult_with_total,
    child_ratings,
)


@pytest.fixture(scope="module")
def adult():
    instruments = Instruments([i for r in get_plugin_manager().hook.assessment_instruments() if r for i in r])
    return instruments.get("SIS_ADULT", "1")


def test_adult_instrument_has_the_published_shape(adult):
    activities = [s for s in adult.sections if s.kind == "ACTIVITIES"]
    exceptional = [s for s in adult.sections if s.kind == "EXCEPTIONAL"]
    assert len(activities) == 7 and sum(len(s.items) for s in activities) == 57
    assert {s.code for s in exceptional} == {"MEDICAL", "BEHAVIOURAL"}
    assert sum(len(s.items) for s in exceptional) == 28
    for s in activities:
        for item in s.items:
            assert item.scales == ("type", "frequency", "time") and item.label.en and item.label.lv
    assert all(adult.scales[s].max == 4 for s in ("type", "frequency", "time"))


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda e: e.name)
def test_hand_computed_examples(adult, example):
    ratings = check_ratings(adult, example.ratings(), complete=True)
    scores = score(adult, ratings)
    assert scores.complete
    assert {a.code: a.raw for a in scores.areas} == example.areas
    assert scores.total == example.total and scores.total_max == 588
    assert scores.flags == example.flags
    assert default_care_level(adult, scores) == example.care_level
    assert {p.service for p in default_proposal(adult, scores)} == example.proposed


def test_item_raw_scores_are_the_sum_of_their_scales(adult):
    scores = score(adult, check_ratings(adult, JANIS.ratings(), complete=True))
    assert scores.items["HL01"] == 12 and scores.items["LL09"] == 7 and scores.items["MD02"] == 2


def test_child_instrument_scores_from_its_own_data():
    child = child_instrument()
    scores = score(child, check_ratings(child, child_ratings(), complete=True))
    assert {a.code: a.raw for a in scores.areas} == CHILD_AREAS
    assert (scores.total, scores.total_max, scores.flags) == (CHILD_TOTAL, 100, CHILD_FLAGS)
    assert default_care_level(child, scores) == 3  # 47 % is between 45 and 70
    proposed = {p.service: (p.quantity, p.per) for p in default_proposal(child, scores)}
    assert proposed["CARE_SERVICE"][0] == 15  # mobility suggests 10, self-care 15: the larger wins
    assert set(proposed) == {"CARE_SERVICE", "RESPITE_CARE", "SOCIAL_REHAB_FAMILY"}


@pytest.mark.parametrize(("total", "level"), [(0, 1), (146, 1), (147, 2), (293, 2), (294, 3), (440, 3),
                                              (441, 4), (588, 4)])
def test_care_level_at_its_thresholds(adult, total, level):
    scores = score(adult, check_ratings(adult, adult_with_total(total), complete=True))
    assert scores.total == total and scores.flags == ()
    assert default_care_level(adult, scores) == level


def test_a_flag_raises_the_level_once_and_never_above_four(adult):
    assert level_from_share(441, 588, (25, 50, 75)) == 4
    ratings = adult_with_total(441)
    flagged = [r if r.item not in ("MD01", "BH01") else Rating(r.item, 2) for r in ratings]
    scores = score(adult, check_ratings(adult, flagged, complete=True))
    assert set(scores.flags) == {"MEDICAL_SUPPORT_NEEDS", "BEHAVIOURAL_SUPPORT_NEEDS"}
    assert default_care_level(adult, scores) == 4
    low = [r if r.item not in ("MD01", "BH01") else Rating(r.item, 2) for r in adult_with_total(10)]
    assert default_care_level(adult, score(adult, check_ratings(adult, low, complete=True))) == 2


def test_a_draft_is_scored_on_what_it_has_and_gets_no_care_level(adult):
    partial = [r for r in JANIS.ratings() if r.item.startswith(("HL", "MD"))]
    scores = score(adult, check_ratings(adult, partial, complete=False))
    assert not scores.complete
    assert scores.area("HOME_LIVING").raw == 96 and scores.area("HOME_LIVING").rated_items == 8
    assert scores.area("EMPLOYMENT").rated_items == 0
    assert scores.flags == ("MEDICAL_SUPPORT_NEEDS",)
    assert default_care_level(adult, scores) is None


def _errors(call) -> list[DomainError]:
    try:
        call()
    except DomainErrors as exc:
        return exc.errors
    except DomainError as exc:
        return [exc]
    raise AssertionError("no error")


def test_missing_items_are_named(adult):
    ratings = [r for r in ANNA.ratings() if r.item not in ("HL03", "MD07")]
    errors = _errors(lambda: check_ratings(adult, ratings, complete=True))
    assert [(e.code, e.field) for e in errors] == [("ITEM_MISSING", "ratings.HL03"), ("ITEM_MISSING", "ratings.MD07")]
    assert "type, frequency, time" in errors[0].message


def test_out_of_range_unknown_and_twice(adult):
    ratings = [Rating("HL01", 5, "type"), Rating("HL01", -1, "time"), Rating("XX99", 1),
               Rating("HL02", 1), Rating("HL03", 1, "colour"), Rating("MD01", 3), Rating("HL04", 1, "type"),
               Rating("HL04", 2, "type")]
    errors = _errors(lambda: check_ratings(adult, ratings, complete=False))
    assert [(e.code, e.field) for e in errors] == [
        ("RATING_OUT_OF_RANGE", "ratings.0.value"), ("RATING_OUT_OF_RANGE", "ratings.1.value"),
        ("UNKNOWN_ITEM", "ratings.2.item"), ("UNKNOWN_ITEM", "ratings.3.scale"), ("UNKNOWN_ITEM", "ratings.4.scale"),
        ("RATING_OUT_OF_RANGE", "ratings.5.value"), ("DUPLICATE_RATING", "ratings.7.item"),
    ]
    assert "HL01" in errors[0].message and "0..4" in errors[0].message


def test_unknown_instrument_and_version(adult):
    instruments = Instruments([adult])
    with pytest.raises(DomainError) as caught:
        instruments.get("SIS_ADULT", "9")
    assert (caught.value.code, caught.value.field) == ("UNKNOWN_INSTRUMENT", "instrumentVersion")
    with pytest.raises(DomainError) as caught:
        instruments.get("NOPE", "1")
    assert caught.value.field == "instrument"


def test_wrong_target_group(adult):
    from core.domain.people import TargetGroup
    with pytest.raises(DomainError) as caught:
        adult.check_target_group(TargetGroup.CHILD_FT)
    assert caught.value.code == "INSTRUMENT_NOT_FOR_TARGET_GROUP"
