"""Checking ratings and computing raw scores: per item, per area and in total, with the flags.

An item's raw score is the sum of its ratings on all its scales (for a
support-needs activity: type of support + frequency + daily support time).
An area's raw score is the sum of its items; the total is the sum of the
areas marked ``in_total``. Flags come from the instrument's flag rules. A
draft (incomplete) assessment is scored on the items it has.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from typing import Any

from core.domain.errors import DomainError, raise_if_any

from .errors import DuplicateRating, ItemMissing, RatingOutOfRange, UnknownItem
from .instrument import Instrument

Ratings = dict[str, dict[str, int]]
"""item code -> scale code -> value"""


@dataclass(frozen=True)
class Rating:
    """One value as given by the assessor; ``scale`` may be left out when the item has one scale."""

    item: str
    value: int
    scale: str | None = None


@dataclass(frozen=True)
class AreaScore:
    code: str
    kind: str
    raw: int
    max: int
    rated_items: int
    items: int
    in_total: bool

    @property
    def percent(self) -> float:
        return 100 * self.raw / self.max if self.max else 0.0


@dataclass(frozen=True)
class Scores:
    """Raw scores of one assessment; stored as JSON beside its ratings."""

    instrument: str
    version: str
    complete: bool
    items: dict[str, int]
    areas: tuple[AreaScore, ...]
    total: int
    total_max: int
    flags: tuple[str, ...]

    def area(self, code: str) -> AreaScore:
        return next(a for a in self.areas if a.code == code)

    def to_json(self) -> str:
        return json.dumps(asdict(self), sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> Scores:
        raw: dict[str, Any] = json.loads(text)
        raw["areas"] = tuple(AreaScore(**a) for a in raw["areas"])
        raw["flags"] = tuple(raw["flags"])
        return cls(**raw)


def _one(instrument: Instrument, index: dict, r: Rating, where: str, out: Ratings) -> None:
    if r.item not in index:
        raise UnknownItem(f"{instrument.code} {instrument.version} has no item {r.item!r}.", field=f"{where}.item")
    item = index[r.item]
    scale = r.scale or (item.scales[0] if len(item.scales) == 1 else None)
    if scale is None:
        raise UnknownItem(f"Item {r.item} is rated on {', '.join(item.scales)}: say which scale.",
                          field=f"{where}.scale")
    if scale not in item.scales:
        raise UnknownItem(f"Item {r.item} is not rated on {scale!r} (scales: {', '.join(item.scales)}).",
                          field=f"{where}.scale")
    s = instrument.scales[scale]
    if isinstance(r.value, bool) or not isinstance(r.value, int) or not s.min <= r.value <= s.max:
        raise RatingOutOfRange(f"Item {r.item}, {scale}: {r.value!r} is outside {s.min}..{s.max}.",
                               field=f"{where}.value")
    if scale in out.get(r.item, {}):
        raise DuplicateRating(f"Item {r.item}, {scale} is rated twice.", field=f"{where}.item")
    out.setdefault(r.item, {})[scale] = r.value


def check_ratings(instrument: Instrument, ratings: list[Rating], *, complete: bool,
                  field: str = "ratings") -> Ratings:
    """Every broken rating at once (unknown item or scale, out of range, twice; missing when ``complete``)."""
    index = {item.code: item for _, item in instrument.items()}
    out: Ratings = {}
    errors: list[DomainError] = []
    refused: set[str] = set()  # items with a bad rating are not also reported as missing
    for n, r in enumerate(ratings):
        try:
            _one(instrument, index, r, f"{field}.{n}", out)
        except DomainError as exc:
            errors.append(exc)
            refused.add(r.item)
    if complete:
        for _, item in instrument.items():
            missing = [s for s in item.scales if s not in out.get(item.code, {})]
            if missing and item.code not in refused:
                errors.append(ItemMissing(f"Item {item.code} ({item.label.en}) is not rated on {', '.join(missing)}.",
                                          field=f"{field}.{item.code}"))
    raise_if_any(errors)
    return out


def is_complete(instrument: Instrument, ratings: Ratings) -> bool:
    return all(set(item.scales) <= set(ratings.get(item.code, {})) for _, item in instrument.items())


def _flags(instrument: Instrument, items: dict[str, int], areas: dict[str, AreaScore]) -> tuple[str, ...]:
    raised = []
    for rule in instrument.flags:
        section = instrument.section(rule.section)
        top = max((items.get(i.code, 0) for i in section.items), default=0)
        if (rule.any_item_at_least is not None and top >= rule.any_item_at_least) or (
                rule.total_at_least is not None and areas[rule.section].raw >= rule.total_at_least):
            raised.append(rule.code)
    return tuple(raised)


def score(instrument: Instrument, ratings: Ratings) -> Scores:
    """Raw scores of checked ``ratings`` (see :func:`check_ratings`)."""
    items = {code: sum(values.values()) for code, values in ratings.items()}
    areas: dict[str, AreaScore] = {}
    for s in instrument.sections:
        rated = sum(1 for i in s.items if set(i.scales) <= set(ratings.get(i.code, {})))
        areas[s.code] = AreaScore(s.code, s.kind, sum(items.get(i.code, 0) for i in s.items),
                                  instrument.section_max(s), rated, len(s.items), s.in_total)
    counted = [a for a in areas.values() if a.in_total]
    return Scores(instrument.code, instrument.version, is_complete(instrument, ratings), items,
                  tuple(areas.values()), sum(a.raw for a in counted), sum(a.max for a in counted),
                  _flags(instrument, items, areas))
