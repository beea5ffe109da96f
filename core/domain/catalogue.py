"""The national service catalogue (*pakalpojumu katalogs*).

Every service named in the programme's documents, with a stable code, Latvian
and English names, the unit it is delivered and costed in, and the target groups
it serves. Regions and integrations add services through the
``service_types`` hook; codes are never reused for something else.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from decimal import Decimal

from .errors import ServiceNotForTargetGroup, UnknownService
from .people import RecipientKind, TargetGroup


class ServiceUnit(enum.StrEnum):
    """What one unit of a delivery is, and the most of it one person can get on one day."""

    DAY = "DAY"
    HOUR = "HOUR"
    SESSION = "SESSION"
    PLACEMENT = "PLACEMENT"

    @property
    def max_per_day(self) -> Decimal:
        return _MAX_PER_DAY[self]


_MAX_PER_DAY = {
    ServiceUnit.DAY: Decimal(1),
    ServiceUnit.HOUR: Decimal(24),
    ServiceUnit.SESSION: Decimal(4),
    ServiceUnit.PLACEMENT: Decimal(1),
}

ADULT = frozenset({TargetGroup.ADULT_GRT})
CHILD_FT = frozenset({TargetGroup.CHILD_FT})
OOHC = frozenset({TargetGroup.CHILD_OOHC})
PERSON_ONLY = frozenset({RecipientKind.PERSON})
FAMILY_ONLY = frozenset({RecipientKind.LEGAL_REPRESENTATIVE, RecipientKind.FOSTER_FAMILY})


@dataclass(frozen=True)
class ServiceType:
    """One kind of service in the catalogue."""

    code: str
    name_lv: str
    name_en: str
    unit: ServiceUnit
    target_groups: frozenset[TargetGroup]
    recipients: frozenset[RecipientKind] = field(default=PERSON_ONLY)
    free_of_charge: bool = False
    """Free for the family (respite care); the programme still pays the provider."""

    def check_recipient(self, target_group: TargetGroup, recipient: RecipientKind) -> None:
        """Raise when this service is not for a person of ``target_group`` / ``recipient``."""
        if target_group not in self.target_groups:
            groups = ", ".join(sorted(self.target_groups))
            raise ServiceNotForTargetGroup(
                f"{self.name_en} is for {groups}, not for {target_group}.", field="serviceCode"
            )
        if recipient not in self.recipients:
            who = ", ".join(sorted(r.lower().replace("_", " ") for r in self.recipients))
            raise ServiceNotForTargetGroup(
                f"{self.name_en} is given to the {who}, not to a {recipient.lower().replace('_', ' ')}.",
                field="serviceCode",
            )


RESPITE_CARE = "RESPITE_CARE"
FAMILY_LIKE_HOME = "FAMILY_LIKE_HOME"

NATIONAL_CATALOGUE: tuple[ServiceType, ...] = (
    # Adults with mental / intellectual disorders
    ServiceType("GROUP_HOME", "Grupu mājas/dzīvokļa pakalpojums", "Group home / apartment",
                ServiceUnit.DAY, ADULT),
    ServiceType("SPECIALISED_WORKSHOP", "Specializētās darbnīcas pakalpojums", "Specialised workshop",
                ServiceUnit.DAY, ADULT),
    ServiceType("DAY_CARE_CENTRE", "Dienas aprūpes centra pakalpojums", "Day care centre",
                ServiceUnit.DAY, ADULT | CHILD_FT),
    ServiceType("HOME_CARE", "Aprūpes pakalpojums mājās", "Home care", ServiceUnit.HOUR, ADULT),
    ServiceType("SHORT_TERM_CARE", "Īslaicīgās sociālās aprūpes pakalpojums", "Short-term social care",
                ServiceUnit.DAY, ADULT),
    ServiceType("SPECIALIST_SUPPORT", "Speciālistu konsultācijas un individuālais atbalsts",
                "Specialist consultations and individual support", ServiceUnit.HOUR, ADULT),
    ServiceType("SUPPORT_GROUP", "Atbalsta grupas un grupu nodarbības", "Support groups and group sessions",
                ServiceUnit.SESSION, ADULT),
    ServiceType("SOCIAL_MENTOR", "Sociālā mentora pakalpojums", "Social mentor", ServiceUnit.HOUR, ADULT),
    ServiceType("SUPPORT_PERSON", "Atbalsta personas pakalpojums", "Support person", ServiceUnit.HOUR, ADULT),
    ServiceType("EMPLOYER_SUPPORT", "Atbalsts darba devējiem", "Support to employers hiring people with GRT",
                ServiceUnit.PLACEMENT, ADULT),
    ServiceType("SOCIAL_ENTREPRENEURSHIP", "Sociālā uzņēmējdarbība", "Social entrepreneurship",
                ServiceUnit.PLACEMENT, ADULT),
    # Children with functional impairments and their families
    ServiceType(RESPITE_CARE, "Atelpas brīža pakalpojums", "Respite care", ServiceUnit.DAY, CHILD_FT,
                free_of_charge=True),
    ServiceType("SOCIAL_REHAB_CHILD", "Sociālā rehabilitācija bērnam", "Social rehabilitation (child)",
                ServiceUnit.SESSION, CHILD_FT),
    ServiceType("SOCIAL_REHAB_FAMILY", "Sociālā rehabilitācija likumiskajam pārstāvim vai audžuģimenei",
                "Social rehabilitation (legal representative / foster family)", ServiceUnit.SESSION,
                CHILD_FT, FAMILY_ONLY),
    ServiceType("CARE_SERVICE", "Aprūpes pakalpojums", "Care service", ServiceUnit.HOUR, CHILD_FT),
    # Children in out-of-family care
    ServiceType("ADOPTION", "Adopcija", "Adoption", ServiceUnit.PLACEMENT, OOHC),
    ServiceType("GUARDIANSHIP", "Aizbildnība", "Guardianship", ServiceUnit.PLACEMENT, OOHC),
    ServiceType("FOSTER_FAMILY", "Audžuģimene", "Foster family", ServiceUnit.DAY, OOHC),
    ServiceType("SPECIALISED_FOSTER_FAMILY", "Specializētā audžuģimene", "Specialised / professional foster family",
                ServiceUnit.DAY, OOHC),
    ServiceType(FAMILY_LIKE_HOME, "Ģimeniskai videi pietuvināts pakalpojums", "Small family-like home",
                ServiceUnit.DAY, OOHC),
    ServiceType("YOUTH_HOME", "Jauniešu māja", "Youth home", ServiceUnit.DAY, OOHC),
)


class Catalogue:
    """The services a node knows: the national ones plus what plugins add."""

    def __init__(self, services: tuple[ServiceType, ...] | list[ServiceType] = NATIONAL_CATALOGUE) -> None:
        self._by_code: dict[str, ServiceType] = {}
        for s in services:
            if s.code in self._by_code and self._by_code[s.code] != s:
                raise ValueError(f"two different services share the code {s.code}")
            self._by_code[s.code] = s

    def __iter__(self):
        return iter(self._by_code.values())

    def __len__(self) -> int:
        return len(self._by_code)

    def __contains__(self, code: object) -> bool:
        return code in self._by_code

    def get(self, code: str) -> ServiceType:
        try:
            return self._by_code[code]
        except KeyError:
            raise UnknownService(f"There is no service with the code {code!r}.", field="serviceCode") from None
