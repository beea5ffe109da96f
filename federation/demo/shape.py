"""How many synthetic people each region gets, and which services: the published figures, split.

Zemgale's numbers are its published tables. The national totals of the end of
2018 minus Zemgale are split over the other four regions by fixed weights
(:data:`REGION_WEIGHTS`, our assumption) with the largest-remainder method, and
each region's services follow Zemgale's mix scaled to its number of people.
Everything here is independent of the seed: the seed decides who the people
are, never how many there are.

Assumptions (documented, and all in this module):
- Zemgale's 63 adults include **one** who left an institution (the person in
  the group home), so 62 lived in the community; 285 - 62 and 11 - 1 remain.
- Split weights kurzeme 22, latgale 24, riga 34, vidzeme 20 (rough population
  shares outside Zemgale; not published).
- Ties of the largest-remainder method go to the region first in alphabetical order.
- Outside Zemgale people are spread evenly over the region's municipalities;
  Zemgale's children likewise over its 22 pre-2021 municipalities.
- 107 of Zemgale's 154 children started in 2018; every region's adults and
  children start in 2018 in that proportion, the rest in 2017.
- Assessed people waiting for services: only Zemgale publishes how many were
  assessed (242 adults, 297 children), so only Zemgale has people assessed and
  not yet served; elsewhere exactly the people served are assessed.
- One in six representatives is a foster family, the others legal representatives.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction

from . import figures as f

REGIONS = ("kurzeme", "latgale", "riga", "vidzeme", "zemgale")
REGION_WEIGHTS: dict[str, int] = {"kurzeme": 22, "latgale": 24, "riga": 34, "vidzeme": 20}
ZEMGALE_LEFT_INSTITUTION = 1
FOSTER_FAMILY_EVERY = 6


def apportion(total: int, weights: Mapping[str, int | Fraction]) -> dict[str, int]:
    """Split ``total`` in proportion to ``weights`` (largest remainder; ties in the mapping's order)."""
    if total < 0:
        raise ValueError("cannot split a negative number")
    whole = sum(Fraction(w) for w in weights.values())
    if whole <= 0:
        raise ValueError("the weights add up to nothing")
    exact = {k: total * Fraction(w) / whole for k, w in weights.items()}
    out = {k: int(v) for k, v in exact.items()}
    order = sorted(exact, key=lambda k: -(exact[k] - out[k]))  # stable: ties keep the mapping's order
    for k in order[: total - sum(out.values())]:
        out[k] += 1
    return out


def even(total: int, keys: Sequence[str]) -> dict[str, int]:
    return apportion(total, {k: 1 for k in keys})


@dataclass(frozen=True)
class GroupShape:
    """People of one target group in one region who receive services (plus those still waiting)."""

    persons: int
    services: dict[str, int]
    """Persons per service; a person has each service at most once, at least one in all."""
    municipalities: dict[str, int]
    """Persons per granting municipality (their own)."""
    started_2018: int
    """Persons whose first service started in 2018 (the others in 2017)."""
    waiting: int
    """Assessed people who get no service yet."""

    def __post_init__(self) -> None:
        if sum(self.municipalities.values()) != self.persons:
            raise ValueError("the municipalities do not add up to the persons")
        if self.persons and sum(self.services.values()) < self.persons:
            raise ValueError("fewer services than persons: someone would have none")
        if any(n > self.persons for n in self.services.values()):
            raise ValueError("a service has more persons than the group")


@dataclass(frozen=True)
class RegionShape:
    region: str
    adults: GroupShape
    adults_left_institution: int
    children: GroupShape
    representatives: int
    """Legal representatives / foster families receiving SOCIAL_REHAB_FAMILY, one per child."""

    @property
    def adults_community(self) -> int:
        return self.adults.persons - self.adults_left_institution


def _scaled(persons: int, mix: dict[str, int], per_person: Fraction) -> dict[str, int]:
    return apportion(round(persons * per_person), mix) if persons else {k: 0 for k in mix}


ADULT_SERVICES_PER_PERSON = Fraction(sum(f.ZEMGALE_ADULT_SERVICES.values()), f.ZEMGALE_ADULTS)
CHILD_SERVICES_PER_CHILD = Fraction(sum(f.ZEMGALE_CHILD_SERVICES.values()), f.ZEMGALE_CHILDREN)
STARTED_2018 = Fraction(f.ZEMGALE_CHILDREN_STARTED_2018, f.ZEMGALE_CHILDREN)


def zemgale(municipalities: Sequence[str]) -> RegionShape:
    """Zemgale: its published tables; ``municipalities`` are its pre-2021 ones (for the children)."""
    adults = GroupShape(f.ZEMGALE_ADULTS, dict(f.ZEMGALE_ADULT_SERVICES), dict(f.ZEMGALE_ADULT_MUNICIPALITIES),
                        round(f.ZEMGALE_ADULTS * STARTED_2018), f.ZEMGALE_ADULTS_ASSESSED - f.ZEMGALE_ADULTS)
    children = GroupShape(f.ZEMGALE_CHILDREN, dict(f.ZEMGALE_CHILD_SERVICES), even(f.ZEMGALE_CHILDREN, municipalities),
                          f.ZEMGALE_CHILDREN_STARTED_2018, f.ZEMGALE_CHILDREN_ASSESSED - f.ZEMGALE_CHILDREN)
    return RegionShape("zemgale", adults, ZEMGALE_LEFT_INSTITUTION, children, f.ZEMGALE_REPRESENTATIVES)


def national_split() -> dict[str, dict[str, int]]:
    """What is left of the national figures after Zemgale, per other region."""
    rest = {
        "adults_community": f.NATIONAL.adults_community - (f.ZEMGALE_ADULTS - ZEMGALE_LEFT_INSTITUTION),
        "adults_left_institution": f.NATIONAL.adults_left_institution - ZEMGALE_LEFT_INSTITUTION,
        "children": f.NATIONAL.children - f.ZEMGALE_CHILDREN,
        "representatives": f.NATIONAL.representatives - f.ZEMGALE_REPRESENTATIVES,
    }
    shares = {key: apportion(total, REGION_WEIGHTS) for key, total in rest.items()}
    return {region: {key: shares[key][region] for key in rest} for region in REGION_WEIGHTS}


def other(region: str, municipalities: Sequence[str]) -> RegionShape:
    """A region without published tables: its share of the national figures, Zemgale's service mix."""
    share = national_split()[region]
    n_adults = share["adults_community"] + share["adults_left_institution"]
    n_children = share["children"]
    adults = GroupShape(n_adults, _scaled(n_adults, f.ZEMGALE_ADULT_SERVICES, ADULT_SERVICES_PER_PERSON),
                        even(n_adults, municipalities), round(n_adults * STARTED_2018), waiting=0)
    children = GroupShape(n_children, _scaled(n_children, f.ZEMGALE_CHILD_SERVICES, CHILD_SERVICES_PER_CHILD),
                          even(n_children, municipalities), round(n_children * STARTED_2018), waiting=0)
    if share["representatives"] > n_children:
        raise ValueError(f"{region}: more representatives than children")
    return RegionShape(region, adults, share["adults_left_institution"], children, share["representatives"])


def region_shape(region: str, municipalities: Sequence[str]) -> RegionShape:
    """The shape of ``region``; ``municipalities`` are the codes people may live in (in a fixed order)."""
    if not municipalities:
        raise ValueError(f"{region} has no municipalities to place people in")
    return zemgale(municipalities) if region == "zemgale" else other(region, municipalities)
