"""Who the demo people of a region are and which services they get, decided before anything is written.

A plan is pure data built from a :class:`~federation.demo.shape.RegionShape`
and a seed: the shape fixes every count, the seed (through one
``random.Random``) picks the people, their municipalities within the shape's
numbers, who gets which combination of services, and the dates. The plan
describes the world up to the end of 2018; the writer keeps what lies on or
before the requested as-of date.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, timedelta

from core.domain.people import RecipientKind, TargetGroup

from .figures import AS_OF
from .names import Identity, People, day_between
from .shape import FOSTER_FAMILY_EVERY, REGIONS, GroupShape, RegionShape

PLACE_SERVICES = frozenset({"GROUP_HOME", "DAY_CARE_CENTRE", "SPECIALISED_WORKSHOP", "SHORT_TERM_CARE",
                            "RESPITE_CARE"})
"""Services given in a service place (with a capacity); the others come to the person."""
PROGRAMME_YEARS = (2017, 2018)
LAST_START = AS_OF

CARE_LEVEL_WEIGHTS = (194, 812, 847, 588)
"""VSAC clients aged 18-59 per care level 1-4 in 2015 (seed 003), used for every adult."""
ADULT_DIAGNOSES = (("F20.0", 25), ("F70", 20), ("F71", 20), ("F72", 10), ("F73", 5), ("F10.2", 8),
                   ("F06.7", 7), ("G40.3", 5))
CHILD_DIAGNOSES = (("G80.1", 20), ("F84.0", 20), ("Q90.9", 15), ("F83", 15), ("G40.3", 10), ("F90.0", 10),
                   ("H54.0", 5), ("F71", 5))

PlaceKey = tuple[str, str, str]
"""(service code, target group, municipality code): one service place per combination."""


@dataclass
class PlannedEpisode:
    service_code: str
    start: date
    place: PlaceKey | None = None


@dataclass
class PlannedPerson:
    key: str
    identity: Identity
    target_group: str
    municipality_code: str
    recipient_kind: str = RecipientKind.PERSON.value
    represents: str | None = None
    diagnosis: str | None = None
    care_level: int | None = None
    assessed_on: date | None = None
    preparing_since: date | None = None
    left_on: date | None = None
    episodes: list[PlannedEpisode] = field(default_factory=list)

    @property
    def known_since(self) -> date:
        """The first date the person appears in the programme's records."""
        days = [d for d in (self.assessed_on, self.preparing_since) if d] + [e.start for e in self.episodes]
        return min(days)

    @property
    def first_start(self) -> date | None:
        return min((e.start for e in self.episodes), default=None)


@dataclass
class Plan:
    region: str
    seed: int
    shape: RegionShape
    persons: list[PlannedPerson]
    """In writing order: a child always comes before its representative."""
    places: dict[PlaceKey, int]
    """Capacity of each service place."""


def assign_services(persons: int, services: dict[str, int]) -> list[list[str]]:
    """Give each person at least one service so that each service has exactly its number of persons.

    Services are laid out one after another (largest first) and dealt round the
    persons; as no service has more persons than there are, nobody gets one twice.
    """
    rows: list[list[str]] = [[] for _ in range(persons)]
    slot = 0
    for code, count in sorted(services.items(), key=lambda kv: (-kv[1], kv[0])):
        for _ in range(count):
            rows[slot % persons].append(code)
            slot += 1
    return rows


def _weighted(rng: random.Random, pairs) -> str:
    return rng.choices([v for v, _ in pairs], weights=[w for _, w in pairs])[0]


def _years_before(day: date, years: int) -> date:
    return day.replace(year=day.year - years, day=min(day.day, 28))


class Planner:
    def __init__(self, region: str, seed: int, shape: RegionShape, names: dict[str, str]) -> None:
        if region not in REGIONS:
            raise ValueError(f"there are no demo figures for the region {region!r}")
        self.region, self.seed, self.shape, self.names = region, seed, shape, names
        self.rng = random.Random(f"kopiena-demo:{seed}:{region}")
        self.people = People(self.rng, REGIONS.index(region))

    def _starts(self, group: GroupShape) -> list[date]:
        """First start of each person: ``started_2018`` of them in 2018, the others in 2017."""
        rng = self.rng
        return [day_between(rng, date(year, 1, 2), date(year, 12, 31))
                for year in [2017] * (group.persons - group.started_2018) + [2018] * group.started_2018]

    def _episodes(self, services: list[str], first: date, group: str, municipality: str) -> list[PlannedEpisode]:
        self.rng.shuffle(services)
        out = []
        for i, code in enumerate(services):
            start = first if i == 0 else min(first + timedelta(days=self.rng.randrange(120)), LAST_START)
            out.append(PlannedEpisode(code, start, (code, group, municipality) if code in PLACE_SERVICES else None))
        return out

    def _served(self, group: GroupShape, target: TargetGroup, prefix: str) -> list[PlannedPerson]:
        rng = self.rng
        rows = assign_services(group.persons, group.services)
        rng.shuffle(rows)
        municipalities = [code for code, n in group.municipalities.items() for _ in range(n)]
        rng.shuffle(municipalities)
        adult = target is TargetGroup.ADULT_GRT
        out = []
        for i, (services, first, muni) in enumerate(zip(rows, self._starts(group), municipalities, strict=True)):
            if adult:
                born = (_years_before(first, 64), _years_before(first, 19))
            else:
                born = (date(first.year - 16, 1, 1), first - timedelta(days=365))
            person = PlannedPerson(
                key=f"{self.region}-{prefix}{i + 1:04d}",
                identity=self.people.person(*born, self.names[muni]), target_group=target.value,
                municipality_code=muni, diagnosis=_weighted(rng, ADULT_DIAGNOSES if adult else CHILD_DIAGNOSES),
                care_level=rng.choices((1, 2, 3, 4), CARE_LEVEL_WEIGHTS)[0] if adult else None,
                assessed_on=first - timedelta(days=rng.randrange(14, 120)),
                episodes=self._episodes(list(services), first, target.value, muni),
            )
            out.append(person)
        return out

    def _leave_institution(self, adults: list[PlannedPerson], count: int) -> None:
        """``count`` adults left a VSAC shortly before their services began: group home residents first."""
        ordered = sorted(adults, key=lambda p: not any(e.service_code == "GROUP_HOME" for e in p.episodes))
        for person in ordered[:count]:
            first = person.first_start
            assert first is not None
            person.left_on = first - timedelta(days=self.rng.randrange(21))
            person.preparing_since = person.left_on - timedelta(days=self.rng.randrange(90, 330))

    def _waiting(self, count: int, target: TargetGroup, prefix: str, municipalities: list[str]) -> list[PlannedPerson]:
        rng = self.rng
        adult = target is TargetGroup.ADULT_GRT
        out = []
        for i, muni in enumerate(sorted(municipalities[j % len(municipalities)] for j in range(count))):
            assessed = day_between(rng, date(2017, 1, 2), LAST_START)
            born = ((_years_before(assessed, 64), _years_before(assessed, 19)) if adult
                    else (date(assessed.year - 16, 1, 1), assessed - timedelta(days=365)))
            out.append(PlannedPerson(
                key=f"{self.region}-{prefix}{i + 1:04d}", identity=self.people.person(*born, self.names[muni]),
                target_group=target.value, municipality_code=muni, assessed_on=assessed,
                diagnosis=_weighted(rng, ADULT_DIAGNOSES if adult else CHILD_DIAGNOSES),
                care_level=rng.choices((1, 2, 3, 4), CARE_LEVEL_WEIGHTS)[0] if adult else None,
            ))
        return out

    def _representatives(self, children: list[PlannedPerson], count: int) -> list[PlannedPerson]:
        """One legal representative or foster family for each of the first ``count`` children."""
        rng = self.rng
        out = []
        for i, child in enumerate(children[:count]):
            foster = i % FOSTER_FAMILY_EVERY == FOSTER_FAMILY_EVERY - 1
            kind = RecipientKind.FOSTER_FAMILY if foster else RecipientKind.LEGAL_REPRESENTATIVE
            born_to = _years_before(child.identity.birth_date, 20)
            family = None if foster else self.people.family_of(child.identity)
            identity = self.people.person(_years_before(born_to, 22), born_to, self.names[child.municipality_code],
                                          family=family)
            first = child.first_start
            assert first is not None
            start = min(first + timedelta(days=rng.randrange(60)), LAST_START)
            out.append(PlannedPerson(
                key=f"{self.region}-R{i + 1:04d}", identity=identity, target_group=TargetGroup.CHILD_FT.value,
                municipality_code=child.municipality_code, recipient_kind=kind.value, represents=child.key,
                episodes=[PlannedEpisode("SOCIAL_REHAB_FAMILY", start)],
            ))
        return out

    def plan(self, municipalities: list[str]) -> Plan:
        s = self.shape
        adults = self._served(s.adults, TargetGroup.ADULT_GRT, "A")
        self._leave_institution(adults, s.adults_left_institution)
        waiting_adults = self._waiting(s.adults.waiting, TargetGroup.ADULT_GRT, "WA", municipalities)
        children = self._served(s.children, TargetGroup.CHILD_FT, "C")
        representatives = self._representatives(children, s.representatives)
        waiting_children = self._waiting(s.children.waiting, TargetGroup.CHILD_FT, "WC", municipalities)
        persons = adults + waiting_adults + children + representatives + waiting_children
        places: dict[PlaceKey, int] = {}
        for person in persons:
            for e in person.episodes:
                if e.place is not None:
                    places[e.place] = places.get(e.place, 0) + 1
        return Plan(self.region, self.seed, s, persons, {k: n + 2 for k, n in sorted(places.items())})


def make_plan(region: str, seed: int, shape: RegionShape, names: dict[str, str], municipalities: list[str]) -> Plan:
    """The demo people of ``region``; ``names`` maps municipality codes to the names used in addresses."""
    return Planner(region, seed, shape, names).plan(municipalities)


# --- deliveries ----------------------------------------------------------------------------------

CADENCE: dict[str, tuple[int, str, int]] = {
    # service: (a visit every n days, units a day, days a visit)
    "DAY_CARE_CENTRE": (28, "1", 1),
    "SPECIALISED_WORKSHOP": (28, "1", 1),
    "GROUP_HOME": (28, "1", 1),
    "SHORT_TERM_CARE": (28, "1", 1),
    "HOME_CARE": (28, "4", 1),
    "SPECIALIST_SUPPORT": (28, "1.5", 1),
    "SUPPORT_GROUP": (28, "2", 1),
    "SOCIAL_REHAB_CHILD": (28, "2", 1),
    "CARE_SERVICE": (28, "3", 1),
    "SOCIAL_REHAB_FAMILY": (28, "1", 1),
    "RESPITE_CARE": (28, "1", 2),  # at most 14 visits of 2 days a year: within the 30 days of the rule
}
"""A sample of each service every four weeks, not its full volume: enough for costs and indicators, small
enough to load five regions in seconds (every row goes through ``record_deliveries``)."""
DEFAULT_CADENCE = (7, "1", 1)


def delivery_days(service_code: str, start: date, until: date) -> list[tuple[date, str]]:
    """The (day, units) of an episode's deliveries from ``start`` up to ``until``."""
    every, units, days = CADENCE.get(service_code, DEFAULT_CADENCE)
    out: list[tuple[date, str]] = []
    visit = start
    while visit <= until:
        out.extend((visit + timedelta(days=d), units) for d in range(days) if visit + timedelta(days=d) <= until)
        visit += timedelta(days=every)
    return out
