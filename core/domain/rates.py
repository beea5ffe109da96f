"""Standard unit-cost rates (*vienības izmaksu standarta likmes*) with validity dates and tiers."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

PROGRAMME_START = date(2015, 1, 1)


@dataclass(frozen=True)
class Rate:
    """Price of one unit of a service from ``valid_from`` to ``valid_to`` (inclusive, open when None)."""

    service_code: str
    amount: Decimal
    valid_from: date
    valid_to: date | None = None
    tier: int = 1
    indicative: bool = False
    source: str = ""

    def valid_on(self, day: date) -> bool:
        return self.valid_from <= day and (self.valid_to is None or day <= self.valid_to)


_SEED = "seed 003: ESF standard unit costs (indicative)"

INDICATIVE_ESF_RATES: tuple[Rate, ...] = (
    Rate("SHORT_TERM_CARE", Decimal("18.05"), PROGRAMME_START, indicative=True, source=_SEED),
    Rate("DAY_CARE_CENTRE", Decimal("16.24"), PROGRAMME_START, tier=1, indicative=True, source=_SEED),
    Rate("DAY_CARE_CENTRE", Decimal("19.28"), PROGRAMME_START, tier=2, indicative=True, source=_SEED),
    Rate("GROUP_HOME", Decimal("10.66"), PROGRAMME_START, tier=1, indicative=True, source=_SEED),
    Rate("GROUP_HOME", Decimal("15.39"), PROGRAMME_START, tier=2, indicative=True, source=_SEED),
    Rate("SPECIALISED_WORKSHOP", Decimal("14.58"), PROGRAMME_START, indicative=True, source=_SEED),
    Rate("HOME_CARE", Decimal("3.83"), PROGRAMME_START, indicative=True, source=_SEED),
    Rate("SUPPORT_GROUP", Decimal("14.91"), PROGRAMME_START, indicative=True, source=_SEED),
    Rate("SPECIALIST_SUPPORT", Decimal("19.35"), PROGRAMME_START, indicative=True, source=_SEED),
)


def rates_on(rates: Iterable[Rate], service_code: str, day: date) -> list[Rate]:
    """All tiers of ``service_code`` valid on ``day``, lowest tier first."""
    return sorted((r for r in rates if r.service_code == service_code and r.valid_on(day)), key=lambda r: r.tier)


def tier_by_care_level(care_level: int | None) -> int:
    """Default tier rule (our assumption): care levels 3-4 take the higher tier, 1-2 or unknown the lower."""
    return 2 if care_level is not None and care_level >= 3 else 1


def choose_rate(candidates: list[Rate], care_level: int | None) -> Rate | None:
    """Pick among the tiers valid on a day by the default rule; one tier means no choice."""
    if not candidates:
        return None
    if len(candidates) == 1:
        return candidates[0]
    wanted = tier_by_care_level(care_level)
    return next((r for r in candidates if r.tier == wanted), candidates[0])
