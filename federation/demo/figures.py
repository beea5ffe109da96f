"""The published figures the demo must reproduce (DOMAIN.md, seed 004), as data.

Tests and ``kopiena demo --once --json`` compare what the databases say (SQL
``COUNT(DISTINCT ...)`` and ``GROUP BY``) with these numbers; the generator
shapes its synthetic people on them (:mod:`federation.demo.shape`).

Service codes are those of the national catalogue; municipalities are the
pre-2021 ones of ``plugins/zemgale/historic_municipalities.csv`` (the figures
are of 31.12.2018, before the 2021 reform).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

AS_OF = date(2018, 12, 31)
"""*Dati uz 31.12.2018.*: the date of every published figure below."""

# --- Zemgale, adults with GRT receiving services -------------------------------------------------

ZEMGALE_ADULT_SERVICES: dict[str, int] = {
    "DAY_CARE_CENTRE": 18,
    "SPECIALIST_SUPPORT": 17,
    "SUPPORT_GROUP": 13,
    "HOME_CARE": 12,
    "SPECIALISED_WORKSHOP": 7,
    "GROUP_HOME": 1,
    "SHORT_TERM_CARE": 1,
}
ZEMGALE_ADULTS = 63
"""Unique persons: some receive more than one service (the services add up to 69)."""

ZEMGALE_ADULT_MUNICIPALITIES: dict[str, int] = {
    "jekabpils-novads-2009": 1,    # Jēkabpils county
    "skriveru-novads-2009": 1,     # Skrīveri county
    "jelgavas-novads-2009": 3,     # Jelgava county
    "vecumnieku-novads-2009": 4,   # Vecumnieki county
    "aizkraukles-novads-2009": 7,  # Aizkraukle county
    "jekabpils-pilseta-2009": 8,   # Jēkabpils city
    "bauskas-novads-2009": 11,     # Bauska county
    "dobeles-novads-2009": 13,     # Dobele county
    "jelgavas-pilseta-2009": 15,   # Jelgava city
}
"""Unique adults per granting municipality."""

ZEMGALE_ADULT_TARGET = 43
"""Planned adults by the end of 2018 (328 by 2023)."""
ZEMGALE_ADULT_ACHIEVED = Decimal("146.5")
"""Not published; 63 of 43, computed the way the children's 46.5% is."""
ZEMGALE_ADULTS_ASSESSED = 242
"""Adults assessed by the end of 2018 (86 more to be assessed in 2019)."""

# --- Zemgale, children with FT and their families -------------------------------------------------

ZEMGALE_CHILD_SERVICES: dict[str, int] = {
    "SOCIAL_REHAB_CHILD": 109,
    "CARE_SERVICE": 59,
    "RESPITE_CARE": 22,
    "DAY_CARE_CENTRE": 1,
}
"""Children per service (the services given to the child)."""
ZEMGALE_FAMILY_SERVICES: dict[str, int] = {"SOCIAL_REHAB_FAMILY": 58}
"""Representatives / foster families per service (given to the family, for the child)."""
ZEMGALE_CHILDREN = 154
ZEMGALE_REPRESENTATIVES = 58

ZEMGALE_CHILD_PLANNED: dict[str | None, int | None] = {
    "SOCIAL_REHAB_CHILD": 300,
    "CARE_SERVICE": 59,
    "SOCIAL_REHAB_FAMILY": None,  # on demand
    "RESPITE_CARE": 44,
    "DAY_CARE_CENTRE": 37,
    None: 331,                    # unique children
}
ZEMGALE_CHILD_ACHIEVED: dict[str | None, Decimal] = {
    "SOCIAL_REHAB_CHILD": Decimal("36"),
    "CARE_SERVICE": Decimal("100"),
    "RESPITE_CARE": Decimal("50"),
    "DAY_CARE_CENTRE": Decimal("3"),
    None: Decimal("46.5"),
}
"""Percent of plan as published: whole percents, one decimal for unique children."""
ZEMGALE_CHILDREN_STARTED_2018 = 107
ZEMGALE_CHILDREN_ASSESSED = 297
"""Children assessed by the end of 2018 (34 more in 2019)."""

# --- National, all five regions, end of 2018 ------------------------------------------------------


@dataclass(frozen=True)
class NationalFigures:
    adults_community: int
    """Adults with GRT who lived in the community and receive services."""
    adults_left_institution: int
    """Adults with GRT who left a state social care centre and receive services."""
    children: int
    """Children with FT receiving services."""
    representatives: int
    """Their parents (legal representatives) or foster parents receiving services."""

    @property
    def adults(self) -> int:
        return self.adults_community + self.adults_left_institution


NATIONAL = NationalFigures(adults_community=285, adults_left_institution=11, children=650, representatives=193)


def percent(received: int, planned: int) -> Decimal:
    """Achievement as published: received / planned in percent, one decimal, half up."""
    return (Decimal(received) * 100 / Decimal(planned)).quantize(Decimal("0.1"), ROUND_HALF_UP)


def as_published(value: Decimal, published: Decimal) -> Decimal:
    """``value`` rounded (half up) to the precision the published figure has (36% vs 46.5%)."""
    exponent = published.as_tuple().exponent
    assert isinstance(exponent, int), "a published figure is a finite number"
    return value.quantize(Decimal(1).scaleb(exponent), ROUND_HALF_UP)


def published() -> dict:
    """Every figure above as plain JSON-ready data (for ``kopiena demo --once --json``)."""
    return {
        "as_of": AS_OF.isoformat(),
        "zemgale": {
            "adults": {
                "services": ZEMGALE_ADULT_SERVICES, "unique": ZEMGALE_ADULTS,
                "municipalities": ZEMGALE_ADULT_MUNICIPALITIES, "target": ZEMGALE_ADULT_TARGET,
                "achieved_percent": str(ZEMGALE_ADULT_ACHIEVED),
            },
            "children": {
                "services": ZEMGALE_CHILD_SERVICES, "unique": ZEMGALE_CHILDREN, "target": ZEMGALE_CHILD_PLANNED[None],
                "planned": {k: v for k, v in ZEMGALE_CHILD_PLANNED.items() if k is not None},
                "achieved_percent": {k or "unique": str(v) for k, v in ZEMGALE_CHILD_ACHIEVED.items()},
                "started_2018": ZEMGALE_CHILDREN_STARTED_2018,
            },
            "representatives": {"services": ZEMGALE_FAMILY_SERVICES, "unique": ZEMGALE_REPRESENTATIVES},
        },
        "national": {
            "adults_community": NATIONAL.adults_community,
            "adults_left_institution": NATIONAL.adults_left_institution,
            "children": NATIONAL.children, "representatives": NATIONAL.representatives,
        },
    }
