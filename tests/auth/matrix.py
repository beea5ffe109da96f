"""The expectations of the access matrix, written out by hand (docs/security.md says the same).

A caller holds one role on one domain; the objects asked about live in Jelgava
(``lv/zemgale/0003000``). The caller's domain relative to them is the *position*:
own municipality, parent region, the whole country, a sibling municipality
(Dobele), or another region (Kurzeme: that token is refused by Zemgale's node).
"""

from __future__ import annotations

from core.auth.principal import ROLES

POSITIONS = {
    "own": "lv/zemgale/0003000",
    "parent": "lv/zemgale",
    "national": "lv",
    "sibling": "lv/zemgale/0028000",
    "other_region": "lv/kurzeme",
}
ALL = {"jelgava", "jelgava_old", "dobele", "bauska"}
COVERED = {  # the world's clients each position reaches
    "own": {"jelgava", "jelgava_old"},
    "parent": ALL,
    "national": ALL,
    "sibling": {"dobele"},
    "other_region": set(),
}

RIGHTS: dict[str, dict[str, str]] = {  # r read, w write, a approve
    "national_admin": {"reference": "r", "indicator": "r", "place": "rw", "policy": "rw"},
    "national_analyst": {"reference": "r", "indicator": "r"},
    "regional_coordinator": {
        "reference": "r",
        "indicator": "r",
        "client": "rw",
        "episode": "rw",
        "delivery": "rw",
        "place": "rw",
        "assessment": "rw",
        "plan": "rwa",
        "policy": "rw",
    },
    "municipal_social_worker": {
        "reference": "r",
        "indicator": "r",
        "client": "rw",
        "episode": "rw",
        "delivery": "rw",
        "place": "r",
        "assessment": "r",
        "plan": "rwa",
    },
    "assessor": {"reference": "r", "client": "r", "episode": "r", "assessment": "rw", "plan": "rw"},
    "service_provider": {"reference": "r", "client": "r", "episode": "r", "delivery": "rw", "place": "r"},
    "auditor": {"reference": "r", "audit": "r", "policy": "r"},
    "integration": {
        "reference": "r",
        "client": "rw",
        "episode": "rw",
        "delivery": "rw",
        "place": "rw",
        "assessment": "rw",
        "plan": "r",
    },
}
FIELDS: dict[str, set[str]] = {  # GraphQL names of the personal fields each role sees
    "national_admin": set(),
    "national_analyst": set(),
    "regional_coordinator": {"givenName", "familyName", "personalCode", "birthDate", "address", "diagnosis"},
    "municipal_social_worker": {
        "givenName",
        "familyName",
        "personalCode",
        "birthDate",
        "address",
        "diagnosis",
    },
    "assessor": {"givenName", "familyName", "personalCode", "birthDate", "diagnosis"},
    "service_provider": {"givenName", "familyName", "birthDate", "address"},
    "auditor": set(),
    "integration": {"givenName", "familyName", "personalCode", "birthDate", "address", "diagnosis"},
}
PERSONAL = ("givenName", "familyName", "personalCode", "birthDate", "address", "diagnosis")
ACT = {"read": "r", "write": "w", "approve": "a"}

assert set(RIGHTS) == set(FIELDS) == set(ROLES)


def may(role: str, obj: str, act: str) -> bool:
    return ACT[act] in RIGHTS[role].get(obj, "")


def cases() -> list[tuple[str, str]]:
    return [(role, position) for role in ROLES for position in POSITIONS]
