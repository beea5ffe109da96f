"""The assessment hooks on their own: instruments from a plugin, the child instrument's entry point, the docs."""

from __future__ import annotations

import importlib.metadata
import inspect
import json
import re
from datetime import date
from pathlib import Path

import pytest

from core import hookimpl, hookspecs
from core.domain.assessment import Instruments, Rating, parse_instrument
from core.plugins import make_plugin_manager
from core.store.assessments import NewAssessment, instruments, record_assessment

from .helpers import adult

ASSESSMENT_HOOKS = ("assessment_instruments", "norm_table", "care_level", "propose_plan_items", "validate_plan")

TINY = {
    "code": "TINY", "version": "2024", "name": {"en": "Tiny", "lv": "Mazs"}, "target_groups": ["ADULT_GRT"],
    "scales": {"yes": {"name": {"en": "Needs help", "lv": "Vajag palīdzību"}, "min": 0, "max": 1}},
    "sections": [{"code": "ALL", "name": {"en": "All", "lv": "Viss"}, "scales": ["yes"]}],
    "care_level": {"thresholds_percent": [30, 60, 90]},
}
TINY_ITEMS = "section,code,label_en,label_lv\nALL,A,Walking,Staigāšana\nALL,B,Eating,Ēšana\nALL,C,Talking,Runāšana\n"


class TinyInstrument:
    @hookimpl
    def assessment_instruments(self):
        return [parse_instrument(json.dumps(TINY), TINY_ITEMS)]


@pytest.mark.anyio
async def test_an_instrument_from_a_plugin_is_used_from_its_data(node, register_plugin):
    assert ("TINY", "2024") not in {i.key for i in instruments(node)}
    register_plugin(TinyInstrument(), "tiny-instrument")
    assert ("TINY", "2024") in {i.key for i in instruments(node)}
    async with node.sessions() as s, s.begin():
        person = await adult(s, node)
        row = await record_assessment(s, node, NewAssessment(person.id, "TINY", "2024", date(2019, 1, 10), "I", [
            Rating("A", 1), Rating("B", 1), Rating("C", 0)]))
    # 2 of 3 = 66.7 %: past 30 and 60, not 90 -> level 3
    assert (row.raw_total, row.care_level, person.care_level) == (2, 3, 3)


def test_two_different_instruments_with_one_code_and_version_are_refused():
    one = parse_instrument(json.dumps(TINY), TINY_ITEMS)
    other = parse_instrument(json.dumps(TINY), TINY_ITEMS.replace("Talking", "Speaking"))
    assert len(Instruments([one, one])) == 1
    with pytest.raises(ValueError, match="TINY version 2024"):
        Instruments([one, other])


def test_the_child_instrument_is_a_plugin_loaded_through_its_entry_point():
    found = {ep.name: ep.value for ep in importlib.metadata.entry_points(group="kopiena")}
    assert found["child_ft_instrument"] == "plugins.child_ft_instrument"

    def codes(pm):
        return {i.code for result in pm.hook.assessment_instruments() if result for i in result}
    assert codes(make_plugin_manager({"zemgale"})) == {"SIS_ADULT"}  # the adult one is built in
    assert codes(make_plugin_manager({"child_ft_instrument"})) == {"SIS_ADULT", "FT_CHILD"}


def test_core_never_names_a_particular_instrument():
    """The adult instrument lives in the built-in plugin's data; the core works from whatever is installed."""
    core = Path(hookspecs.__file__).parent
    offenders = [str(p) for p in core.rglob("*.py") if "builtins" not in p.parts
                 and re.search(r"SIS_ADULT|FT_CHILD|HOME_LIVING|MEDICAL_SUPPORT", p.read_text(encoding="utf-8"))
                 and p.name != "hookspecs.py"]
    assert offenders == []


@pytest.mark.parametrize("name", ASSESSMENT_HOOKS)
def test_each_hook_is_documented_with_its_exact_signature(name):
    docs = (Path(hookspecs.__file__).parent.parent / "docs" / "plugins.md").read_text(encoding="utf-8")
    source = inspect.getsource(getattr(hookspecs, name))
    signature = next(line for line in source.splitlines() if line.startswith("def "))
    section = docs.split(f"### {name}\n", 1)[1].split("###", 1)[0]
    assert signature in section
    assert docs.count(f"### {name}\n") == 1
