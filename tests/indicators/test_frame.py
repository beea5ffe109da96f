"""The frame of zeros, built in Python from reference data: every declared combination, in sorted_rows order."""

from __future__ import annotations

from decimal import Decimal

from core.domain.indicator_frame import complete, frame
from core.domain.indicators import Dimension as D
from core.domain.indicators import sorted_rows

MUNIS = ("b-novads", "a-pilseta")
COMBOS = (("ADULT_GRT", "HOME_CARE", "PERSON"), ("ADULT_GRT", "DAY_CARE_CENTRE", "PERSON"),
          ("CHILD_FT", "SOCIAL_REHAB_FAMILY", "FAMILY"), ("CHILD_FT", "HOME_CARE", "PERSON"))


def test_every_combination_once_in_sorted_rows_order():
    keys = frame((D.SERVICE, D.MUNICIPALITY, D.FUNDING_SOURCE), MUNIS, COMBOS).keys
    assert len(keys) == 3 * 3 * 3  # services x (municipalities + region) x funding sources
    assert len(set(keys)) == len(keys)
    assert list(keys) == [row[:-1] for row in sorted_rows((*k, 0) for k in keys)]
    assert keys[0] == ("DAY_CARE_CENTRE", None, "ESF")  # dimensions in the declared order, region first
    assert all(type(v) is str for key in keys for v in key if v is not None)  # codes, not enum members


def test_linked_dimensions_follow_the_catalogue():
    keys = frame((D.TARGET_GROUP, D.RECIPIENT), (), COMBOS).keys
    assert keys == (("ADULT_GRT", "PERSON"), ("CHILD_FT", "FAMILY"), ("CHILD_FT", "PERSON"))


def test_the_frame_is_cached():
    assert frame((D.MUNICIPALITY,), MUNIS, COMBOS) is frame((D.MUNICIPALITY,), MUNIS, COMBOS)
    assert frame((D.MUNICIPALITY,), MUNIS, COMBOS) is not frame((D.MUNICIPALITY,), MUNIS[:1], COMBOS)


def test_figures_go_into_the_frame_with_zeros_elsewhere():
    f = frame((D.MUNICIPALITY, D.TARGET_GROUP), MUNIS, COMBOS)
    figures = [("b-novads", "CHILD_FT", 3), (None, "CHILD_FT", 3)]
    out = complete(f, figures, 0)
    assert out == sorted_rows([*figures, *((*k, 0) for k in f.keys if k not in {r[:-1] for r in figures})])
    assert len(out) == len(f.keys) and out[1] == (None, "CHILD_FT", 3)


def test_rows_outside_the_frame_are_kept_and_sorted_in():
    f = frame((D.MUNICIPALITY, D.TARGET_GROUP), MUNIS, COMBOS)
    figures = [("a-pilseta", "NO_SUCH_GROUP", Decimal("1.50")), ("zz-gone", "ADULT_GRT", Decimal("2.00"))]
    out = complete(f, figures, Decimal("0.00"))
    assert len(out) == len(f.keys) + 2
    assert out == sorted_rows(out)
    assert out.index(figures[0]) == out.index(("a-pilseta", "CHILD_FT", Decimal("0.00"))) + 1


def test_a_combination_given_twice_is_not_lost():
    f = frame((D.MUNICIPALITY,), MUNIS, COMBOS)
    out = complete(f, [("a-pilseta", 1), ("a-pilseta", 2)], 0)
    assert out == [(None, 0), ("a-pilseta", 1), ("a-pilseta", 2), ("b-novads", 0)]


def test_zeros_are_the_blocks_own():
    f = frame((D.MUNICIPALITY,), MUNIS, COMBOS)
    counts, sums = complete(f, [], 0), complete(f, [], Decimal("0.00"))
    assert [repr(r[-1]) for r in counts] == ["0"] * 3 and [repr(r[-1]) for r in sums] == ["Decimal('0.00')"] * 3
