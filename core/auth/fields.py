"""Field-level protection: which personal fields of a client each caller sees.

A personal field (``name``, ``personal_code``, ``birth_date``, ``address``,
``diagnosis``) is shown when a grant of the caller that covers the client's
municipality allows ``personal.<field>`` / ``read`` in the policy. Otherwise the
field is ``null`` and its name is listed in the client's ``maskedFields``: the
caller learns that something is hidden, never an error and never whether a
value exists. ``national_analyst`` never sees any of them, whatever the policy says.
"""

from __future__ import annotations

from dataclasses import dataclass

from .scoping import Coverage

PERSONAL_FIELDS = ("name", "personal_code", "birth_date", "address", "diagnosis")
GRAPHQL_NAMES: dict[str, tuple[str, ...]] = {
    "name": ("givenName", "familyName"),
    "personal_code": ("personalCode",),
    "birth_date": ("birthDate",),
    "address": ("address",),
    "diagnosis": ("diagnosis",),
}
MODEL_ATTRIBUTES: dict[str, tuple[str, ...]] = {
    "name": ("given_name", "family_name"),
    "personal_code": ("personal_code",),
    "birth_date": ("birth_date",),
    "address": ("address",),
    "diagnosis": ("diagnosis",),
}
FIELD_OF_GRAPHQL = {name: f for f, names in GRAPHQL_NAMES.items() for name in names}
FIELD_OF_ATTRIBUTE = {attr: f for f, attrs in MODEL_ATTRIBUTES.items() for attr in attrs}


@dataclass(frozen=True)
class FieldAccess:
    """Per grant of one caller: what it covers and which personal fields it may read there."""

    rules: tuple[tuple[Coverage, frozenset[str]], ...]

    def visible(self, municipality_code: str | None) -> frozenset[str]:
        out: set[str] = set()
        for coverage, names in self.rules:
            if coverage.covers_municipality(municipality_code):
                out |= names
        return frozenset(out)

    def masked(self, municipality_code: str | None) -> list[str]:
        """GraphQL names of the personal fields hidden from this caller for such a client."""
        shown = self.visible(municipality_code)
        return [name for f in PERSONAL_FIELDS if f not in shown for name in GRAPHQL_NAMES[f]]

    @property
    def sees_any(self) -> bool:
        return any(names for _, names in self.rules)
