"""Who is calling: a subject with roles granted on domains.

A principal comes from a verified token (its ``role``/``domain`` claims or its
``grants`` list) plus any role the node's policy grants to the subject
(``g, user:<sub>, <role>, <domain>`` lines). It never carries permissions
itself: what a role may do is decided by the casbin policy.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from .domains import Domain

ROLES = (
    "national_admin",
    "national_analyst",
    "regional_coordinator",
    "municipal_social_worker",
    "assessor",
    "service_provider",
    "auditor",
    "integration",
)
"""The roles of the default policy; a region's policy may add more."""

ROLE_PATTERN = re.compile(r"[a-z][a-z0-9_]{0,63}\Z")
USER_PREFIX = "user:"
"""Subjects in policy ``g`` lines are ``user:<sub>`` so a user can never be mistaken for a role."""


def valid_role_name(role: object) -> bool:
    return isinstance(role, str) and bool(ROLE_PATTERN.match(role))


@dataclass(frozen=True)
class Grant:
    """``role`` granted on ``domain`` (and everything under it)."""

    role: str
    domain: Domain
    source: str = field(default="token", compare=False)

    def __str__(self) -> str:
        return f"{self.role}@{self.domain}"


@dataclass(frozen=True)
class Principal:
    sub: str
    grants: tuple[Grant, ...]
    token_id: str | None = None
    request_id: str | None = field(default=None, compare=False)

    @property
    def roles(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(g.role for g in self.grants))

    @property
    def domains(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(g.domain.path for g in self.grants))

    def with_grants(self, extra: tuple[Grant, ...]) -> Principal:
        merged = tuple(dict.fromkeys(self.grants + extra))
        return Principal(self.sub, merged, self.token_id, self.request_id)
