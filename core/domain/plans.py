"""Individual support plans (*individuālais atbalsta plāns*): lifecycle, planned quantities and rules.

A plan goes draft -> approved -> active -> closed. It is approved only when it
rests on a complete assessment of the person that is not too old, every item
is a service the person may receive, respite care stays within 30 days a
year, chosen places have room, and the region's own rules (the
``validate_plan`` hook) agree. It becomes active when the first service
episode implementing one of its items starts. The functions here take plain
values; the store gathers them.
"""

from __future__ import annotations

import calendar
import enum
import math
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction

from .assessment.errors import AssessmentRequired, AssessmentTooOld, PlansOverlap, PlanStatusInvalid
from .catalogue import ServiceType
from .errors import DomainError, InvalidValue, RespiteLimitExceeded
from .people import RecipientKind, TargetGroup
from .rules import RESPITE_DAYS_PER_YEAR, check_period, is_respite

GOALS_MAX = 20
GOAL_LENGTH_MAX = 500
ITEMS_MAX = 50


class PlanStatus(enum.StrEnum):
    DRAFT = "DRAFT"
    APPROVED = "APPROVED"
    ACTIVE = "ACTIVE"
    CLOSED = "CLOSED"


class Per(enum.StrEnum):
    """The period a planned quantity is given for."""

    WEEK = "WEEK"
    MONTH = "MONTH"


# which statuses each step starts from, and how to say it
_STEPS = {
    "approve": ((PlanStatus.DRAFT,), "Only a draft plan can be approved"),
    "activate": ((PlanStatus.APPROVED,), "Only an approved plan can become active"),
    "close": ((PlanStatus.APPROVED, PlanStatus.ACTIVE), "Only an approved or active plan can be closed"),
    "implement": ((PlanStatus.APPROVED, PlanStatus.ACTIVE), "Services start only from an approved or active plan"),
}


def check_step(status: str, step: str, *, field: str = "planId") -> None:
    """Raise when a plan in ``status`` cannot take ``step`` (e.g. approving an approved plan)."""
    allowed, rule = _STEPS[step]
    if status not in allowed:
        raise PlanStatusInvalid(f"{rule}; this one is {status.lower()}.", field=field)


@dataclass(frozen=True)
class PlanItemDraft:
    """A planned service (*plānotais pakalpojums*) as a rule sees it."""

    service: ServiceType
    quantity: Decimal
    per: Per
    start: date
    end: date | None
    place_id: int | None = None


@dataclass(frozen=True)
class PlanDraft:
    """A support plan about to be approved: what the ``validate_plan`` hook receives."""

    region: str
    plan_id: int
    client_id: int
    target_group: TargetGroup
    recipient: RecipientKind
    valid_from: date
    valid_to: date | None
    goals: tuple[str, ...]
    items: tuple[PlanItemDraft, ...]
    assessment_id: int | None
    assessed_on: date | None


def check_goals(goals: list[str], *, field: str = "goals") -> tuple[str, ...]:
    cleaned = tuple(g.strip() for g in goals)
    if len(cleaned) > GOALS_MAX:
        raise InvalidValue(f"A plan has at most {GOALS_MAX} goals.", field=field)
    for n, g in enumerate(cleaned):
        if not g or len(g) > GOAL_LENGTH_MAX:
            raise InvalidValue(f"A goal is 1 to {GOAL_LENGTH_MAX} characters.", field=f"{field}.{n}")
    return cleaned


def check_quantity(service: ServiceType, quantity: Decimal, per: Per, *, field: str) -> Decimal:
    """Positive, in hundredths, and no more than the unit allows every day of the period."""
    days = 7 if per is Per.WEEK else 31
    most = service.unit.max_per_day * days
    if quantity <= 0 or quantity != quantity.quantize(Decimal("0.01")) or quantity > most:
        raise InvalidValue(f"{quantity} is not a quantity of {service.name_en} per {per.lower()} "
                           f"(more than 0, at most {most}, in hundredths).", field=field)
    return quantity


def check_item(item: PlanItemDraft, valid_from: date, valid_to: date | None, group: TargetGroup,
               recipient: RecipientKind, *, field: str) -> None:
    """The item's service is for this person, its quantity is sane and its period lies in the plan's."""
    try:
        item.service.check_recipient(group, recipient)
    except DomainError as exc:
        exc.field = f"{field}.serviceCode"
        raise
    check_quantity(item.service, item.quantity, item.per, field=f"{field}.quantity")
    check_period(item.start, item.end, field=f"{field}.endDate")
    if item.start < valid_from or (valid_to is not None and item.start > valid_to):
        raise InvalidValue("The item starts outside the plan's period.", field=f"{field}.startDate")
    if valid_to is not None and item.end is not None and item.end > valid_to:
        raise InvalidValue("The item ends after the plan.", field=f"{field}.endDate")


def check_assessment(assessed_on: date | None, complete: bool, on: date, max_age_days: int) -> None:
    """A plan rests on a complete assessment made at most ``max_age_days`` before ``on`` (and not after it)."""
    if assessed_on is None or not complete:
        raise AssessmentRequired("A plan is approved only on a complete needs assessment of the person.",
                                 field="assessmentId")
    if assessed_on > on:
        raise AssessmentRequired(f"The assessment of {assessed_on.isoformat()} is after {on.isoformat()}.",
                                 field="assessmentId")
    age = (on - assessed_on).days
    if age > max_age_days:
        raise AssessmentTooOld(f"The assessment is {age} days old on {on.isoformat()}; a plan may rest on one "
                               f"at most {max_age_days} days old. Reassess the person.", field="assessmentId")


def month_fraction(start: date, end: date) -> Fraction:
    """Calendar months from ``start`` to ``end`` inclusive, exactly; a part month counts by its days."""
    if end < start:
        return Fraction(0)
    dim_s = calendar.monthrange(start.year, start.month)[1]
    dim_e = calendar.monthrange(end.year, end.month)[1]
    whole = (end.year * 12 + end.month) - (start.year * 12 + start.month) - 1
    return Fraction(dim_s - start.day + 1, dim_s) + Fraction(end.day, dim_e) + whole


def planned_units(quantity: Decimal, per: Per, start: date, end: date) -> Decimal:
    """Units planned from ``start`` to ``end`` inclusive, in hundredths, half up.

    WEEK: quantity x days / 7. MONTH: quantity x calendar months (see :func:`month_fraction`).
    The store computes the same figure in SQL (integer arithmetic) for the planned-versus-delivered report.
    """
    if end < start:
        return Decimal("0.00")
    periods = Fraction((end - start).days + 1, 7) if per is Per.WEEK else month_fraction(start, end)
    hundredths = math.floor(Fraction(quantity) * periods * 100 + Fraction(1, 2))
    return (Decimal(hundredths) / 100).quantize(Decimal("0.01"))


def _planned_end(item: PlanItemDraft, valid_to: date | None) -> date:
    """An open item is checked over its first year and the whole calendar year after it."""
    return item.end or valid_to or date(item.start.year + 1, 12, 31)


def check_respite(items: tuple[PlanItemDraft, ...], valid_to: date | None, *, field: str = "items") -> None:
    """Planned respite care stays within 30 days in every calendar year of the plan."""
    per_year: dict[int, Decimal] = {}
    first: dict[int, int] = {}
    for n, item in enumerate(items):
        if not is_respite(item.service):
            continue
        end = _planned_end(item, valid_to)
        for year in range(item.start.year, end.year + 1):
            part = planned_units(item.quantity, item.per, max(item.start, date(year, 1, 1)),
                                 min(end, date(year, 12, 31)))
            per_year[year] = per_year.get(year, Decimal(0)) + part
            first.setdefault(year, n)
    for year, days in sorted(per_year.items()):
        if days > RESPITE_DAYS_PER_YEAR:
            raise RespiteLimitExceeded(f"Respite care is at most {RESPITE_DAYS_PER_YEAR} days a year; the plan "
                                       f"has {days} in {year}.", field=f"{field}.{first[year]}.quantity")


def effective_end(valid_to: date | None, closed_on: date | None) -> date | None:
    """A closed plan ends on the day it was closed, if that is before its planned end."""
    if closed_on is None:
        return valid_to
    return closed_on if valid_to is None else min(valid_to, closed_on)


def overlaps(a_from: date, a_to: date | None, b_from: date, b_to: date | None) -> bool:
    return (a_to is None or b_from <= a_to) and (b_to is None or a_from <= b_to)


def check_no_overlap(valid_from: date, valid_to: date | None,
                     others: list[tuple[int, date, date | None]]) -> None:
    """``others``: (plan id, from, effective end) of the person's approved, active or closed plans."""
    for plan_id, other_from, other_to in others:
        if overlaps(valid_from, valid_to, other_from, other_to):
            until = other_to.isoformat() if other_to else "open end"
            raise PlansOverlap(f"The plan overlaps plan {plan_id} ({other_from.isoformat()} to {until}); a person "
                               f"has one approved plan at a time. Close that plan first.", field="validFrom")


def default_period(start: date) -> date:
    """A proposed plan runs for one year unless told otherwise."""
    try:
        return start.replace(year=start.year + 1) - timedelta(days=1)
    except ValueError:  # 29 February
        return date(start.year + 1, 2, 28)
