"""GraphQL enums mirroring the domain's (built from them, so they cannot drift apart)."""

from __future__ import annotations

import enum
from typing import Any

import strawberry

from core.domain.catalogue import ServiceUnit as DomainServiceUnit
from core.domain.funding import FundingSource as DomainFundingSource
from core.domain.people import RecipientKind as DomainRecipientKind
from core.domain.people import Residence as DomainResidence
from core.domain.people import TargetGroup as DomainTargetGroup


def _mirror(domain: type[enum.Enum], description: str) -> Any:
    return strawberry.enum(enum.Enum(domain.__name__, {m.name: m.value for m in domain}), description=description)


TargetGroup = _mirror(DomainTargetGroup, "Target group of the programme (mērķa grupa).")
RecipientKind = _mirror(DomainRecipientKind, "Who receives a service: the person or a CHILD_FT child's family.")
Residence = _mirror(DomainResidence, "Where a person is on the deinstitutionalisation pathway.")
ServiceUnit = _mirror(DomainServiceUnit, "What one unit of a delivery is.")
FundingSource = _mirror(DomainFundingSource, "Who pays for a delivery.")


def value(member: enum.Enum | None) -> str | None:
    """The domain code of a GraphQL enum member given as input."""
    return None if member is None else member.value
