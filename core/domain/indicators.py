"""Indicators of the programme (*rādītāji*): what is counted, in which unit, broken down by what.

An indicator is declared once here (or by a plugin through the ``indicators``
hook) and computed in SQL by :mod:`core.store.indicators`. Every region counts
the same way:

- a person *received* a service as of a date D when they have an episode of it
  that started on or before D (cumulative since the programme start);
- a person is *active* in a service on D when the episode started on or before
  D and has not ended before D;
- *unique persons* counts a person once however many services they have;
- *by municipality* means the municipality that granted the episode; a person
  counts once per municipality and once in the region's total (the row whose
  municipality is empty);
- *achievement* is received / target of the regional DI plan: the exact ratio is
  kept, a percentage with one decimal is shown.

Figures never name a person: every dimension value is a code from reference
data (municipality, target group, service, ...) and every value a count or sum.
"""

from __future__ import annotations

import enum
import hashlib
import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from typing import Any

from .funding import FundingSource
from .people import RecipientKind, Residence, TargetGroup

SUBJECT_PREFIX = "kopiena.v1.indicators"
"""Snapshots of region R are published to ``kopiena.v1.indicators.R``."""


class Dimension(enum.StrEnum):
    """What a figure can be broken down by; a plugin's indicator uses these and no others."""

    MUNICIPALITY = "municipality"
    """The municipality that granted the episode (or the person's municipality); empty = the whole region."""
    TARGET_GROUP = "target_group"
    SERVICE = "service"
    RECIPIENT = "recipient"
    """PERSON, or FAMILY for a child's legal representative or foster family."""
    RESIDENCE = "residence"
    """Where the person lived on the as-of date: COMMUNITY, INSTITUTION or LEFT_INSTITUTION."""
    FUNDING_SOURCE = "funding_source"


class Unit(enum.StrEnum):
    PERSONS = "persons"
    PLANS = "plans"
    UNITS = "units"
    """Units of the service's own unit (days, hours, sessions, placements)."""
    EUR = "EUR"
    RATIO = "ratio"
    """An exact fraction ``received/target``."""

    @property
    def is_count(self) -> bool:
        return self in (Unit.PERSONS, Unit.PLANS)

    @property
    def is_amount(self) -> bool:
        return self in (Unit.UNITS, Unit.EUR)


class Measure(enum.StrEnum):
    DISTINCT_COUNT = "distinct_count"
    """Count each subject (person, plan) once per row."""
    SUM = "sum"
    """Sum of an amount (units, EUR)."""


class Recipient(enum.StrEnum):
    """Recipient as reported: the person, or a child's family (legal representative or foster family)."""

    PERSON = "PERSON"
    FAMILY = "FAMILY"


def recipient_of(kind: RecipientKind | str) -> Recipient:
    return Recipient.PERSON if RecipientKind(kind) is RecipientKind.PERSON else Recipient.FAMILY


class ResidenceOnDate(enum.StrEnum):
    """Where a person lived on the as-of date (the national figures split adults by it)."""

    COMMUNITY = "COMMUNITY"
    INSTITUTION = "INSTITUTION"
    LEFT_INSTITUTION = "LEFT_INSTITUTION"


def residence_on(residence: Residence | str, left_on: date | None, day: date) -> ResidenceOnDate:
    """The rule the SQL applies, in words: left on or before ``day``; else community; else institution."""
    if left_on is not None and left_on <= day:
        return ResidenceOnDate.LEFT_INSTITUTION
    if Residence(residence) is Residence.COMMUNITY:
        return ResidenceOnDate.COMMUNITY
    return ResidenceOnDate.INSTITUTION


DIMENSION_VALUES: dict[Dimension, tuple[str, ...]] = {
    Dimension.TARGET_GROUP: tuple(TargetGroup),
    Dimension.RECIPIENT: tuple(Recipient),
    Dimension.RESIDENCE: tuple(ResidenceOnDate),
    Dimension.FUNDING_SOURCE: tuple(FundingSource),
}
"""Fixed value lists; municipality and service values come from the region's reference data."""

CODE_PATTERN = re.compile(r"^[a-z][a-z0-9_]{1,62}$")


class IndicatorDeclarationError(ValueError):
    """An indicator is declared wrongly (bad code, unknown dimension, ...)."""


@dataclass(frozen=True)
class Indicator:
    """A declared indicator: ``code`` is stable, ``dimensions`` fix the order of a row's values."""

    code: str
    description: str
    unit: Unit
    dimensions: tuple[Dimension, ...]
    measure: Measure = Measure.DISTINCT_COUNT

    def __post_init__(self) -> None:
        if not CODE_PATTERN.match(self.code):
            raise IndicatorDeclarationError(f"indicator code {self.code!r} must be snake_case ([a-z0-9_])")
        object.__setattr__(self, "unit", Unit(self.unit))
        object.__setattr__(self, "measure", Measure(self.measure))
        try:
            dims = tuple(Dimension(d) for d in self.dimensions)
        except ValueError as exc:
            known = ", ".join(Dimension)
            raise IndicatorDeclarationError(f"indicator {self.code}: {exc} (known: {known})") from None
        if len(set(dims)) != len(dims):
            raise IndicatorDeclarationError(f"indicator {self.code}: a dimension is given twice")
        object.__setattr__(self, "dimensions", dims)
        if self.measure is Measure.SUM and not self.unit.is_amount:
            raise IndicatorDeclarationError(f"indicator {self.code}: a sum is in units or EUR")
        if self.measure is Measure.DISTINCT_COUNT and not self.unit.is_count:
            raise IndicatorDeclarationError(f"indicator {self.code}: a count is in persons or plans")

    def as_dict(self) -> dict[str, Any]:
        return {"code": self.code, "description": self.description, "unit": self.unit.value,
                "dimensions": [d.value for d in self.dimensions]}


M, TG, S, R, RES, F = (Dimension.MUNICIPALITY, Dimension.TARGET_GROUP, Dimension.SERVICE, Dimension.RECIPIENT,
                       Dimension.RESIDENCE, Dimension.FUNDING_SOURCE)

PERSONS_RECEIVED = Indicator(
    "persons_received", "Persons who received the service: an episode started on or before the date "
    "(cumulative since the programme start).", Unit.PERSONS, (M, TG, S, R, RES))
PERSONS_ACTIVE = Indicator(
    "persons_active", "Persons receiving the service on the date: started on or before it, not ended before it.",
    Unit.PERSONS, (M, TG, S, R, RES))
UNIQUE_PERSONS_RECEIVED = Indicator(
    "unique_persons_received", "Unique persons who received any service (a person counts once).",
    Unit.PERSONS, (M, TG, R, RES))
UNIQUE_PERSONS_ACTIVE = Indicator(
    "unique_persons_active", "Unique persons receiving any service on the date.", Unit.PERSONS, (M, TG, R, RES))
PERSONS_ASSESSED = Indicator(
    "persons_assessed", "Persons with a complete individual needs assessment on or before the date "
    "(by the person's municipality).", Unit.PERSONS, (M, TG))
SUPPORT_PLANS_APPROVED = Indicator(
    "support_plans_approved", "Individual support plans approved on or before the date "
    "(by the person's municipality).", Unit.PLANS, (M, TG))
PERSONS_LEFT_INSTITUTION = Indicator(
    "persons_left_institution", "Persons who left a state social care centre or children's institution "
    "on or before the date (by the person's municipality).", Unit.PERSONS, (M, TG))
DELIVERY_UNITS = Indicator(
    "delivery_units", "Units delivered on or before the date (days, hours, sessions or placements, "
    "as the service counts them).", Unit.UNITS, (M, TG, S, F), Measure.SUM)
DELIVERY_COST = Indicator(
    "delivery_cost", "Cost of the deliveries on or before the date, EUR, by funding source.",
    Unit.EUR, (M, TG, S, F), Measure.SUM)

CORE_INDICATORS: tuple[Indicator, ...] = (
    PERSONS_RECEIVED, PERSONS_ACTIVE, UNIQUE_PERSONS_RECEIVED, UNIQUE_PERSONS_ACTIVE, PERSONS_ASSESSED,
    SUPPORT_PLANS_APPROVED, PERSONS_LEFT_INSTITUTION, DELIVERY_UNITS, DELIVERY_COST,
)
"""Indicators computed from facts with one ``GROUP BY`` each (see ``core.store.indicators``)."""


@dataclass(frozen=True)
class PlanIndicator:
    """An indicator about the regional DI plan: one row per planned number (``service`` empty = unique persons).

    These have no municipality (a DI plan is regional) and are not zero-filled:
    a missing target is not a target of zero.
    """

    code: str
    description: str
    unit: Unit
    dimensions: tuple[Dimension, ...] = (TG, S, R)

    def as_dict(self) -> dict[str, Any]:
        return {"code": self.code, "description": self.description, "unit": self.unit.value,
                "dimensions": [d.value for d in self.dimensions]}


DI_PLAN_TARGET = PlanIndicator(
    "di_plan_target", "Planned number of the regional DI plan applicable on the date: the target with the "
    "earliest due date on or after it, else the latest. Empty value = on demand.", Unit.PERSONS)
ACHIEVEMENT = PlanIndicator(
    "achievement", "Persons who received the service (or unique persons) / the DI plan target, as an exact "
    "fraction; empty when the service is on demand.", Unit.RATIO)

PLAN_INDICATORS: tuple[PlanIndicator, ...] = (DI_PLAN_TARGET, ACHIEVEMENT)

# ---------------------------------------------------------------------------------------------------------------
# achievement


@dataclass(frozen=True)
class Achievement:
    """received / target: exact, and as a percentage rounded half-up to one decimal."""

    received: int
    target: int

    @property
    def ratio(self) -> Fraction:
        return Fraction(self.received, self.target)

    @property
    def percent(self) -> Decimal:
        return percent(self.received, self.target)

    def __str__(self) -> str:
        return f"{self.received}/{self.target}"


ONE_DECIMAL = Decimal("0.1")


def percent(received: int, target: int) -> Decimal:
    """``received / target`` as a percentage with one decimal (half-up), computed exactly."""
    if target <= 0:
        raise ValueError("a target is a positive number")
    return (Decimal(received) * 100 / Decimal(target)).quantize(ONE_DECIMAL, rounding=ROUND_HALF_UP)


def parse_ratio(text: str) -> tuple[int, int]:
    """``"154/331"`` -> ``(154, 331)`` (kept unreduced, as it was counted)."""
    numerator, sep, denominator = text.partition("/")
    if not sep or not numerator.isdigit() or not denominator.isdigit() or int(denominator) == 0:
        raise ValueError(f"{text!r} is not a ratio like 154/331")
    return int(numerator), int(denominator)


# ---------------------------------------------------------------------------------------------------------------
# snapshot content


def canonical_json(obj: Any) -> bytes:
    """The one byte form used for hashing: sorted keys, no spaces, UTF-8."""
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def content_hash(region: str, as_of: date, indicators: list[dict[str, Any]]) -> str:
    """Hash of what a snapshot says (region, date, figures), not of when or by whom it was made."""
    body = {"region": region, "asOf": as_of.isoformat(), "indicators": indicators}
    return "sha256:" + hashlib.sha256(canonical_json(body)).hexdigest()


def row_key(values: Iterable[Any]) -> tuple:
    """Sort key of a row's dimension values: the region total (empty) first, then codes as text.

    Sorting here, not in SQL, because the two databases' collations may order codes differently.
    """
    return tuple((value is not None, "" if value is None else str(value)) for value in values)


def sorted_rows(rows: Iterable[Sequence[Any]]) -> list[tuple[Any, ...]]:
    """Rows (dimension values..., value) in the one order every database and every node uses."""
    return sorted((tuple(r) for r in rows), key=lambda r: row_key(r[:-1]))


def encode_value(unit: Unit, value: Any) -> int | str | None:
    """A figure's value as JSON: counts as integers, amounts as decimal strings with two places."""
    if value is None:
        return None
    if unit.is_count:
        return int(value)
    if unit.is_amount:
        return str(Decimal(value).quantize(Decimal("0.01")))
    return str(value)


@dataclass
class IndicatorFigures:
    """One indicator's rows: a value per dimension, then the figure's value."""

    indicator: Indicator | PlanIndicator
    rows: list[tuple[Any, ...]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        unit = self.indicator.unit
        rows = [[*row[:-1], encode_value(unit, row[-1])] for row in self.rows]
        return {**self.indicator.as_dict(), "rows": rows}


@dataclass
class Snapshot:
    """A complete set of figures of one region as of one date."""

    region: str
    as_of: date
    indicators: list[IndicatorFigures]

    def payload(self) -> list[dict[str, Any]]:
        return [block.as_dict() for block in self.indicators]

    def content_hash(self) -> str:
        return content_hash(self.region, self.as_of, self.payload())

    def block(self, code: str) -> IndicatorFigures:
        for b in self.indicators:
            if b.indicator.code == code:
                return b
        raise KeyError(code)
