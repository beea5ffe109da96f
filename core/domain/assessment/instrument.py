"""Assessment instruments as data: sections, items, the rating scales of each item, a version.

An instrument is read from two texts a plugin ships beside its code:
``instrument.json`` (scales, sections, flag rules, care-level thresholds,
service suggestions) and ``items.csv`` (one row per item: section, code,
English and Latvian label, optionally its own scales). Nothing in the core
knows a particular instrument; it works from what these files say. The format
is described in ``docs/assessment.md``.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from core.domain.people import TargetGroup

from .errors import InstrumentNotForTargetGroup, UnknownInstrument

ACTIVITIES = "ACTIVITIES"
EXCEPTIONAL = "EXCEPTIONAL"
SECTION_KINDS = (ACTIVITIES, EXCEPTIONAL)
DEFAULT_CARE_LEVEL_THRESHOLDS = (25, 50, 75)
DEFAULT_SUGGEST_AT_PERCENT = 50


class InstrumentFormatError(ValueError):
    """An instrument's files are malformed: a plugin bug, reported when the plugin loads."""


@dataclass(frozen=True)
class Label:
    en: str
    lv: str


@dataclass(frozen=True)
class RatingScale:
    """One dimension an item is rated on, with whole-number values ``min``..``max``."""

    code: str
    name: Label
    min: int
    max: int
    labels: dict[int, Label] = field(default_factory=dict, compare=False)


@dataclass(frozen=True)
class Item:
    code: str
    label: Label
    scales: tuple[str, ...]


@dataclass(frozen=True)
class Suggestion:
    """A service an area with high support needs suggests for the plan (quantity per WEEK or MONTH)."""

    service: str
    quantity: Decimal
    per: str


@dataclass(frozen=True)
class Section:
    """An area of support needs (``ACTIVITIES``) or of exceptional needs (``EXCEPTIONAL``)."""

    code: str
    kind: str
    name: Label
    items: tuple[Item, ...]
    in_total: bool
    suggests: tuple[Suggestion, ...] = ()


@dataclass(frozen=True)
class FlagRule:
    """Raise ``code`` when any item of ``section`` is rated at least ``any_item_at_least``
    or the section's raw total reaches ``total_at_least`` (either condition may be absent)."""

    code: str
    label: Label
    section: str
    any_item_at_least: int | None = None
    total_at_least: int | None = None
    raises_care_level: bool = False


@dataclass(frozen=True)
class Instrument:
    code: str
    version: str
    name: Label
    target_groups: frozenset[TargetGroup]
    scales: dict[str, RatingScale] = field(compare=False)
    sections: tuple[Section, ...]
    flags: tuple[FlagRule, ...] = ()
    care_level_thresholds: tuple[int, ...] = DEFAULT_CARE_LEVEL_THRESHOLDS
    suggest_at_percent: int = DEFAULT_SUGGEST_AT_PERCENT

    @property
    def key(self) -> tuple[str, str]:
        return (self.code, self.version)

    def items(self) -> list[tuple[Section, Item]]:
        return [(s, i) for s in self.sections for i in s.items]

    def item_max(self, item: Item) -> int:
        return sum(self.scales[s].max for s in item.scales)

    def section_max(self, section: Section) -> int:
        return sum(self.item_max(i) for i in section.items)

    def section(self, code: str) -> Section:
        return next(s for s in self.sections if s.code == code)

    def check_target_group(self, group: TargetGroup) -> None:
        if group not in self.target_groups:
            groups = ", ".join(sorted(self.target_groups))
            raise InstrumentNotForTargetGroup(
                f"The instrument {self.code} {self.version} is for {groups}, not for {group}.", field="instrument"
            )


def _label(raw: Any, where: str) -> Label:
    if not isinstance(raw, dict) or not raw.get("en") or not raw.get("lv"):
        raise InstrumentFormatError(f"{where}: a label needs 'en' and 'lv' texts")
    return Label(str(raw["en"]), str(raw["lv"]))


def _scale(code: str, raw: dict) -> RatingScale:
    lo, hi = int(raw.get("min", 0)), int(raw["max"])
    if hi <= lo:
        raise InstrumentFormatError(f"scale {code}: max must be above min")
    labels = {int(k): _label(v, f"scale {code} value {k}") for k, v in (raw.get("labels") or {}).items()}
    return RatingScale(code, _label(raw.get("name"), f"scale {code}"), lo, hi, labels)


def _suggestion(raw: dict, where: str) -> Suggestion:
    per = str(raw.get("per", "")).upper()
    if per not in ("WEEK", "MONTH"):
        raise InstrumentFormatError(f"{where}: 'per' is WEEK or MONTH")
    return Suggestion(str(raw["service"]), Decimal(str(raw["quantity"])), per)


def _items_by_section(items_csv: str, scales: dict[str, RatingScale]) -> dict[str, list[Item]]:
    out: dict[str, list[Item]] = {}
    seen: set[str] = set()
    for n, row in enumerate(csv.DictReader(io.StringIO(items_csv)), start=2):
        code = (row.get("code") or "").strip()
        if not code or code in seen:
            raise InstrumentFormatError(f"items.csv line {n}: missing or repeated item code {code!r}")
        seen.add(code)
        own = tuple(s for s in (row.get("scales") or "").split() if s)
        for s in own:
            if s not in scales:
                raise InstrumentFormatError(f"items.csv line {n}: unknown scale {s!r}")
        label = Label((row.get("label_en") or "").strip(), (row.get("label_lv") or "").strip())
        if not label.en or not label.lv:
            raise InstrumentFormatError(f"items.csv line {n}: item {code} needs both labels")
        out.setdefault((row.get("section") or "").strip(), []).append(Item(code, label, own))
    return out


def _section(raw: dict, items: list[Item], scales: dict[str, RatingScale]) -> Section:
    code, kind = str(raw["code"]), str(raw.get("kind", ACTIVITIES)).upper()
    if kind not in SECTION_KINDS:
        raise InstrumentFormatError(f"section {code}: kind is one of {', '.join(SECTION_KINDS)}")
    default = tuple(raw.get("scales") or ())
    for s in default:
        if s not in scales:
            raise InstrumentFormatError(f"section {code}: unknown scale {s!r}")
    items = [Item(i.code, i.label, i.scales or default) for i in items]
    if not items or any(not i.scales for i in items):
        raise InstrumentFormatError(f"section {code}: needs items, each with at least one scale")
    suggests = tuple(_suggestion(s, f"section {code}") for s in raw.get("suggests") or ())
    return Section(code, kind, _label(raw.get("name"), f"section {code}"), tuple(items),
                   bool(raw.get("in_total", kind == ACTIVITIES)), suggests)


def _flag(raw: dict, sections: set[str]) -> FlagRule:
    code = str(raw["code"])
    if raw.get("section") not in sections:
        raise InstrumentFormatError(f"flag {code}: unknown section {raw.get('section')!r}")
    rule = FlagRule(code, _label(raw.get("label"), f"flag {code}"), raw["section"],
                    raw.get("any_item_at_least"), raw.get("total_at_least"), bool(raw.get("raises_care_level")))
    if rule.any_item_at_least is None and rule.total_at_least is None:
        raise InstrumentFormatError(f"flag {code}: give any_item_at_least or total_at_least")
    return rule


def parse_instrument(instrument_json: str, items_csv: str) -> Instrument:
    """Build an :class:`Instrument` from its two files; raise :class:`InstrumentFormatError` when malformed."""
    try:
        raw = json.loads(instrument_json)
        scales = {code: _scale(code, s) for code, s in raw["scales"].items()}
        by_section = _items_by_section(items_csv, scales)
        sections = tuple(_section(s, by_section.pop(str(s["code"]), []), scales) for s in raw["sections"])
        if by_section:
            raise InstrumentFormatError(f"items.csv names unknown sections: {', '.join(sorted(by_section))}")
        flags = tuple(_flag(f, {s.code for s in sections}) for f in raw.get("flags") or ())
        thresholds = tuple(int(t) for t in (raw.get("care_level") or {}).get(
            "thresholds_percent", DEFAULT_CARE_LEVEL_THRESHOLDS))
        if len(thresholds) != 3 or list(thresholds) != sorted(set(thresholds)):
            raise InstrumentFormatError("care_level.thresholds_percent: three rising percentages (levels 2, 3, 4)")
        return Instrument(
            code=str(raw["code"]), version=str(raw["version"]), name=_label(raw.get("name"), "instrument"),
            target_groups=frozenset(TargetGroup(g) for g in raw["target_groups"]), scales=scales,
            sections=sections, flags=flags, care_level_thresholds=thresholds,
            suggest_at_percent=int(raw.get("suggest_at_percent", DEFAULT_SUGGEST_AT_PERCENT)),
        )
    except (KeyError, TypeError, ValueError, ArithmeticError) as exc:
        if isinstance(exc, InstrumentFormatError):
            raise
        raise InstrumentFormatError(f"malformed instrument: {exc!r}") from exc


class Instruments:
    """The instruments a node knows (from the ``assessment_instruments`` hook), by code and version."""

    def __init__(self, instruments: list[Instrument] | tuple[Instrument, ...] = ()) -> None:
        self._by_key: dict[tuple[str, str], Instrument] = {}
        for i in instruments:
            if i.key in self._by_key and self._by_key[i.key] != i:
                raise ValueError(f"two different instruments share the code {i.code} version {i.version}")
            self._by_key[i.key] = i

    def __iter__(self):
        return iter(sorted(self._by_key.values(), key=lambda i: i.key))

    def __len__(self) -> int:
        return len(self._by_key)

    def get(self, code: str, version: str) -> Instrument:
        try:
            return self._by_key[(code, version)]
        except KeyError:
            versions = sorted(v for c, v in self._by_key if c == code)
            known = f"known versions: {', '.join(versions)}" if versions else "no such instrument is installed"
            raise UnknownInstrument(f"There is no instrument {code} version {version} ({known}).",
                                    field="instrumentVersion" if versions else "instrument") from None
