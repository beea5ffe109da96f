"""Norm tables (none shipped: made-up numbers here), reassessment comparison, the instrument file format."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest

from core.domain.assessment import (
    InstrumentFormatError,
    NormState,
    apply_norms,
    check_ratings,
    compare,
    parse_instrument,
    parse_norm_table_csv,
    score,
)
from core.domain.errors import DomainError
from core.plugins import get_plugin_manager
from plugins.child_ft_instrument import instrument as child_instrument

from .examples import ANNA, JANIS, LIGA, child_ratings

# Invented numbers for tests only; real (licensed) tables are never in the repository.
FAKE_TABLE = """table,key,raw_min,raw_max,value,percentile
area,MOBILITY,0,9,8,25
area,MOBILITY,10,20,12,75
area,SELF_CARE,0,9,8,25
area,SELF_CARE,10,20,13,84
area,COMMUNICATION,0,20,10,50
index,,0,29,90,25
index,,30,40,110,75
"""


def _adult():
    return next(i for r in get_plugin_manager().hook.assessment_instruments() if r for i in r
                if i.code == "SIS_ADULT")


def _scores(instrument, ratings, complete=True):
    return score(instrument, check_ratings(instrument, ratings, complete=complete))


def test_norm_table_gives_standard_scores_and_index():
    child = child_instrument()
    table = parse_norm_table_csv(FAKE_TABLE, instrument="FT_CHILD", name="test norms", source="invented")
    result = apply_norms(table, _scores(child, child_ratings()))
    # mobility 16 -> 12, self-care 14 -> 13, communication 3 -> 10; 12+13+10 = 35 -> index 110
    assert result.state is NormState.SCORED
    assert [(a.area, a.standard_score, a.percentile) for a in result.areas] == [
        ("MOBILITY", 12, Decimal(75)), ("SELF_CARE", 13, Decimal(84)), ("COMMUNICATION", 10, Decimal(50))]
    assert (result.index, result.index_percentile) == (110, Decimal(75))


def test_without_a_table_raw_scores_only_and_a_clear_state():
    result = apply_norms(None, _scores(_adult(), ANNA.ratings()))
    assert result.state is NormState.NO_NORM_TABLE and result.areas == () and result.index is None


def test_a_draft_and_a_score_outside_the_table():
    child = child_instrument()
    table = parse_norm_table_csv(FAKE_TABLE.replace("10,20,12,75", "10,15,12,75"), instrument="FT_CHILD",
                                 name="t", source="s")
    assert apply_norms(table, _scores(child, child_ratings()[:3], complete=False)).state is NormState.INCOMPLETE
    result = apply_norms(table, _scores(child, child_ratings()))
    assert result.state is NormState.OUT_OF_TABLE  # mobility 16 is in no row now
    assert result.areas[0].standard_score is None and result.index is None


def test_norm_table_csv_errors():
    with pytest.raises(ValueError, match="line 2"):
        parse_norm_table_csv("table,key,raw_min,raw_max,value,percentile\nrow,X,0,1,2,\n", instrument="I",
                             name="t", source="s")
    with pytest.raises(ValueError, match="below raw_min"):
        parse_norm_table_csv("table,key,raw_min,raw_max,value,percentile\narea,X,5,1,2,\n", instrument="I",
                             name="t", source="s")


def test_reassessment_comparison():
    adult = _adult()
    before, after = _scores(adult, LIGA.ratings()), _scores(adult, JANIS.ratings())
    result = compare(before, after)
    changes = {a.area: (a.before, a.after, a.change) for a in result.areas}
    assert changes["HOME_LIVING"] == (12, 96, 84)
    assert changes["LIFELONG_LEARNING"] == (0, 63, 63)
    assert changes["BEHAVIOURAL"] == (6, 0, -6)
    assert (result.total_before, result.total_after, result.total_change) == (108, 431, 323)
    assert result.flags_gained == ("MEDICAL_SUPPORT_NEEDS",)
    assert result.flags_lost == ("BEHAVIOURAL_SUPPORT_NEEDS",)
    same = compare(after, after)
    assert same.changed == () and same.total_change == 0


def test_different_instruments_are_not_compared():
    with pytest.raises(DomainError) as caught:
        compare(_scores(_adult(), ANNA.ratings()), _scores(child_instrument(), child_ratings()))
    assert caught.value.code == "NOT_COMPARABLE"




@pytest.mark.parametrize(("change", "message"), [
    (lambda d: d["scales"]["support"].update(max=0), "max must be above min"),
    (lambda d: d["sections"][0].update(kind="OTHER"), "kind is one of"),
    (lambda d: d["sections"][0].update(scales=["nope"]), "unknown scale"),
    (lambda d: d["flags"][0].update(section="NOPE"), "unknown section"),
    (lambda d: d["flags"][0].pop("any_item_at_least") and d["flags"][0].pop("total_at_least"), "give any_item"),
    (lambda d: d["care_level"].update(thresholds_percent=[50, 20, 70]), "three rising"),
    (lambda d: d["sections"][0]["suggests"][0].update(per="DAY"), "WEEK or MONTH"),
    (lambda d: d.pop("version"), "malformed instrument"),
    (lambda d: d["name"].pop("lv"), "label needs"),
])
def test_malformed_instrument_files_fail_loudly(change, message):
    folder = Path("plugins/child_ft_instrument")
    data = json.loads((folder / "instrument.json").read_text(encoding="utf-8"))
    change(data)
    with pytest.raises(InstrumentFormatError, match=message):
        parse_instrument(json.dumps(data), (folder / "items.csv").read_text(encoding="utf-8"))


def test_malformed_items_csv():
    meta = Path("plugins/child_ft_instrument/instrument.json").read_text(encoding="utf-8")
    head = "section,code,label_en,label_lv\n"
    with pytest.raises(InstrumentFormatError, match="repeated"):
        parse_instrument(meta, head + "MOBILITY,A,a,a\nMOBILITY,A,b,b\n")
    with pytest.raises(InstrumentFormatError, match="needs items"):
        parse_instrument(meta, head + "MOBILITY,A,a,a\n")
    items = Path("plugins/child_ft_instrument/items.csv").read_text(encoding="utf-8")
    with pytest.raises(InstrumentFormatError, match="unknown sections: ELSEWHERE"):
        parse_instrument(meta, items + "ELSEWHERE,X1,a,a\n")
    with pytest.raises(InstrumentFormatError, match="both labels"):
        parse_instrument(meta, head + "MOBILITY,A,a,\n")
