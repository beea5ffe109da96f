"""Zemgale's records shaped so its figures as of 31.12.2018 are the published ones (DOMAIN.md, seed 004).

Built through the store's write path (register_client, start_episode), with
the municipality codes of before the 2021 reform, plus records that must NOT
count as of 2018-12-31 (episodes that start in 2019, people who only start
then, another target group).
"""

from __future__ import annotations

from datetime import date, timedelta

from core.domain.personal_code import make_personal_code
from core.node import Node
from core.store.clients import NewClient, register_client
from core.store.episodes import NewEpisode, start_episode

AS_OF = date(2018, 12, 31)

ADULT_SERVICES = {  # persons per service, adults with mental disorders (GRT)
    "DAY_CARE_CENTRE": 18, "SPECIALIST_SUPPORT": 17, "SUPPORT_GROUP": 13, "HOME_CARE": 12,
    "SPECIALISED_WORKSHOP": 7, "GROUP_HOME": 1, "SHORT_TERM_CARE": 1,
}
ADULT_UNIQUE = 63
ADULT_BY_MUNICIPALITY = {
    "jekabpils-novads-2009": 1, "skriveru-novads-2009": 1, "jelgavas-novads-2009": 3, "vecumnieku-novads-2009": 4,
    "aizkraukles-novads-2009": 7, "jekabpils-pilseta-2009": 8, "bauskas-novads-2009": 11,
    "dobeles-novads-2009": 13, "jelgavas-pilseta-2009": 15,
}
CHILD_SERVICES = {"SOCIAL_REHAB_CHILD": 109, "CARE_SERVICE": 59, "RESPITE_CARE": 22, "DAY_CARE_CENTRE": 1}
CHILD_UNIQUE = 154
FAMILIES = 58  # legal representatives / foster families in social rehabilitation

# (target group, service or None = unique, recipient) -> (received, target or None, published % or None)
PUBLISHED_PROGRESS = {
    ("ADULT_GRT", None, "PERSON"): (63, 43, None),
    **{("ADULT_GRT", s, "PERSON"): (n, None, None) for s, n in ADULT_SERVICES.items()},
    ("CHILD_FT", "SOCIAL_REHAB_CHILD", "PERSON"): (109, 300, 36),
    ("CHILD_FT", "CARE_SERVICE", "PERSON"): (59, 59, 100),
    ("CHILD_FT", "SOCIAL_REHAB_FAMILY", "FAMILY"): (58, None, None),
    ("CHILD_FT", "RESPITE_CARE", "PERSON"): (22, 44, 50),
    ("CHILD_FT", "DAY_CARE_CENTRE", "PERSON"): (1, 37, 3),
    ("CHILD_FT", None, "PERSON"): (154, 331, 46.5),
    ("CHILD_FT", None, "FAMILY"): (58, None, None),
}

GIVEN = ("Anna", "Jānis", "Līga", "Pēteris", "Ilze", "Mārtiņš", "Zane", "Andris")
FAMILY_NAMES = ("Bērziņa", "Kalniņš", "Ozoliņa", "Liepiņš", "Krūmiņa", "Zariņš", "Vītola", "Kļaviņš")


def _expand(per_service: dict[str, int]) -> list[str]:
    return [s for s, n in per_service.items() for _ in range(n)]


def _services_per_person(per_service: dict[str, int], people: int) -> list[list[str]]:
    """Every person gets one service; the rest go as second services to the first persons."""
    slots = _expand(per_service)
    out = [[s] for s in slots[:people]]
    for i, s in enumerate(slots[people:]):
        assert s not in out[i]
        out[i].append(s)
    return out


def _municipalities(by_municipality: dict[str, int]) -> list[str]:
    return [m for m, n in by_municipality.items() for _ in range(n)]


class Builder:
    def __init__(self, session, node: Node) -> None:
        self.s, self.node, self.serial = session, node, 0
        self.clients: list[tuple[str, str, str]] = []  # personal code, given name, family name

    async def person(self, group: str, municipality: str, birth: date, **kw):
        self.serial += 1
        code = make_personal_code(birth, self.serial)
        given, family = GIVEN[self.serial % len(GIVEN)], FAMILY_NAMES[self.serial % len(FAMILY_NAMES)]
        client = await register_client(self.s, self.node, NewClient(
            personal_code=code, given_name=given, family_name=family, target_group=group,
            municipality_code=municipality, address=f"Lielā iela {self.serial}, Jelgava", **kw))
        self.clients.append((client.personal_code, given, family))
        return client

    async def episode(self, client_id: int, service: str, granted_by: str, start: date, end: date | None = None):
        return await start_episode(self.s, self.node, NewEpisode(client_id, service, granted_by, start, end))


async def build_zemgale_2018(session, node: Node) -> Builder:
    """Write the records (in the caller's transaction); returns who was registered, for privacy checks."""
    b = Builder(session, node)
    municipalities = _municipalities(ADULT_BY_MUNICIPALITY)
    for i, services in enumerate(_services_per_person(ADULT_SERVICES, ADULT_UNIQUE)):
        left = i % 9 == 4  # some left a state social care centre in 2018
        client = await b.person("ADULT_GRT", municipalities[i], date(1965, 1, 1) + timedelta(days=97 * i),
                                residence="LEFT_INSTITUTION" if left else "COMMUNITY",
                                left_institution_on=date(2018, 5, 2) if left else None)
        for k, service in enumerate(services):
            start = date(2017, 3, 1) + timedelta(days=11 * i + 40 * k)
            end = start + timedelta(days=60) if i % 7 == 3 else None  # ended before the date: still received
            await b.episode(client.id, service, municipalities[i], min(start, AS_OF), end)
        if i == 10:  # a new service only in 2019 does not count for 2018
            extra = next(s for s in ("HOME_CARE", "GROUP_HOME") if s not in services)
            await b.episode(client.id, extra, municipalities[i], date(2019, 1, 2))
    for j in range(3):  # adults who only start in 2019
        late = await b.person("ADULT_GRT", "0003000", date(1980, 2, 1) + timedelta(days=j))
        await b.episode(late.id, "HOME_CARE", "0003000", date(2019, 1, 1))
    child_munis = list(ADULT_BY_MUNICIPALITY)
    children = []
    for i, services in enumerate(_services_per_person(CHILD_SERVICES, CHILD_UNIQUE)):
        muni = child_munis[i % len(child_munis)]
        child = await b.person("CHILD_FT", muni, date(2006, 1, 1) + timedelta(days=19 * i))
        children.append((child, muni))
        for k, service in enumerate(services):
            start = AS_OF if i == 0 and k == 0 else date(2017, 9, 1) + timedelta(days=3 * i + 20 * k)
            await b.episode(child.id, service, muni, min(start, AS_OF))
    for i in range(FAMILIES):
        child, muni = children[i]
        kind = "FOSTER_FAMILY" if i % 6 == 0 else "LEGAL_REPRESENTATIVE"
        rep = await b.person("CHILD_FT", muni, date(1978, 3, 1) + timedelta(days=23 * i), recipient_kind=kind,
                             represents_client_id=child.id)
        await b.episode(rep.id, "SOCIAL_REHAB_FAMILY", muni, date(2018, 2, 1) + timedelta(days=i))
    oohc = await b.person("CHILD_OOHC", "0028000", date(2010, 4, 4))
    await b.episode(oohc.id, "FOSTER_FAMILY", "dobeles-novads-2009", date(2018, 4, 1))
    return b
