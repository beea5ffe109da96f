"""The programme's rules on episodes, places and deliveries.

Each ``check_*`` takes plain values (counts the store has already computed in
SQL) and raises a :mod:`core.domain.errors` error when the rule is broken.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from .catalogue import FAMILY_LIKE_HOME, RESPITE_CARE, ServiceType
from .errors import (
    DeliveryOutsideEpisode,
    EndBeforeStart,
    FamilyHomeFull,
    InvalidValue,
    PlaceFull,
    RespiteLimitExceeded,
)
from .rates import PROGRAMME_START

RESPITE_DAYS_PER_YEAR = 30
FAMILY_HOME_MAX_CHILDREN = 8


def check_period(start: date, end: date | None, *, field: str = "endDate") -> None:
    """An episode (or plan, or placement) cannot end before it starts."""
    if end is not None and end < start:
        raise EndBeforeStart(f"The end date {end.isoformat()} is before the start {start.isoformat()}.", field=field)


def check_programme_date(day: date, *, today: date, field: str) -> None:
    """Business dates lie between the programme start and today."""
    if day < PROGRAMME_START:
        raise InvalidValue(f"{day.isoformat()} is before the programme started (2015).", field=field)
    if day > today:
        raise InvalidValue(f"{day.isoformat()} is in the future.", field=field)


def check_delivery_in_episode(day: date, start: date, end: date | None, *, field: str = "date") -> None:
    if day < start or (end is not None and day > end):
        until = end.isoformat() if end else "open"
        raise DeliveryOutsideEpisode(
            f"{day.isoformat()} is outside the episode ({start.isoformat()} to {until}).", field=field
        )


def check_respite_days(days_by_year: dict[int, int], new_days: Iterable[date], *, field: str = "deliveries") -> None:
    """Respite care: at most 30 days per child per calendar year.

    ``days_by_year`` holds the respite days a child already has, per year; the
    new days are added to them, and each calendar year is checked on its own.
    """
    totals = dict(days_by_year)
    for day in new_days:
        totals[day.year] = totals.get(day.year, 0) + 1
    for year, days in sorted(totals.items()):
        if days > RESPITE_DAYS_PER_YEAR:
            raise RespiteLimitExceeded(
                f"Respite care is at most {RESPITE_DAYS_PER_YEAR} days a year; {year} would have {days}.",
                field=field,
            )


def check_place_capacity(service: ServiceType, capacity: int, occupied: int, *, field: str = "placeId") -> None:
    """A place takes no more people at once than its capacity; a family-like home at most 8 children."""
    if service.code == FAMILY_LIKE_HOME and occupied + 1 > FAMILY_HOME_MAX_CHILDREN:
        raise FamilyHomeFull(
            f"A family-like home takes at most {FAMILY_HOME_MAX_CHILDREN} children in one house.", field=field
        )
    if occupied + 1 > capacity:
        raise PlaceFull(f"The place is full: {occupied} of {capacity} places are taken.", field=field)


def check_capacity_value(service: ServiceType, capacity: int, *, field: str = "capacity") -> None:
    if capacity < 1:
        raise InvalidValue("A place has room for at least one person.", field=field)
    if service.code == FAMILY_LIKE_HOME and capacity > FAMILY_HOME_MAX_CHILDREN:
        raise FamilyHomeFull(
            f"A family-like home takes at most {FAMILY_HOME_MAX_CHILDREN} children in one house.", field=field
        )


def is_respite(service: ServiceType) -> bool:
    return service.code == RESPITE_CARE
