"""Expected problems of the programme's rules, each with a stable code.

Exception tree::

    DomainError                      base: code, field, message
    ├── PersonalCodeInvalid          PERSONAL_CODE_INVALID
    ├── UnknownMunicipality          UNKNOWN_MUNICIPALITY
    ├── UnknownService               UNKNOWN_SERVICE
    ├── UnknownObject                NOT_FOUND
    ├── ServiceNotForTargetGroup     SERVICE_NOT_FOR_TARGET_GROUP
    ├── EndBeforeStart               END_BEFORE_START
    ├── DeliveryOutsideEpisode       DELIVERY_OUTSIDE_EPISODE
    ├── UnitsInvalid                 UNITS_INVALID
    ├── RespiteLimitExceeded         RESPITE_LIMIT_EXCEEDED
    ├── PlaceFull                    PLACE_FULL
    ├── FamilyHomeFull               FAMILY_HOME_FULL
    ├── DuplicatePersonalCode        DUPLICATE_PERSONAL_CODE
    ├── InvalidValue                 INVALID_VALUE
    └── RuleViolation                any code a plugin's validation rule chooses

    DomainErrors                     several of the above at once (a batch), in ``.errors``

A rule that fails raises (or returns) one of these; the caller turns it into a
``userErrors`` entry, a CLI line or a reject-file row, and writes nothing.
"""

from __future__ import annotations


class DomainError(Exception):
    """A broken programme rule: ``code`` is stable, ``message`` is for a social worker."""

    code: str = "DOMAIN_ERROR"

    def __init__(self, message: str, *, field: str | None = None, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        if code is not None:
            self.code = code

    def __repr__(self) -> str:
        return f"{type(self).__name__}(code={self.code!r}, field={self.field!r}, message={self.message!r})"

    def as_dict(self) -> dict[str, str | None]:
        return {"code": self.code, "field": self.field, "message": self.message}


class PersonalCodeInvalid(DomainError):
    code = "PERSONAL_CODE_INVALID"


class UnknownMunicipality(DomainError):
    code = "UNKNOWN_MUNICIPALITY"


class UnknownService(DomainError):
    code = "UNKNOWN_SERVICE"


class UnknownObject(DomainError):
    code = "NOT_FOUND"


class ServiceNotForTargetGroup(DomainError):
    code = "SERVICE_NOT_FOR_TARGET_GROUP"


class EndBeforeStart(DomainError):
    code = "END_BEFORE_START"


class DeliveryOutsideEpisode(DomainError):
    code = "DELIVERY_OUTSIDE_EPISODE"


class UnitsInvalid(DomainError):
    code = "UNITS_INVALID"


class RespiteLimitExceeded(DomainError):
    code = "RESPITE_LIMIT_EXCEEDED"


class PlaceFull(DomainError):
    code = "PLACE_FULL"


class FamilyHomeFull(DomainError):
    code = "FAMILY_HOME_FULL"


class DuplicatePersonalCode(DomainError):
    code = "DUPLICATE_PERSONAL_CODE"


class InvalidValue(DomainError):
    code = "INVALID_VALUE"


class RuleViolation(DomainError):
    """Raised by a region's or integration's own validation rule; it sets ``code`` itself."""

    code = "RULE_VIOLATION"


class DomainErrors(Exception):
    """Several broken rules found at once (a batch): each keeps its own field path."""

    def __init__(self, errors: list[DomainError]) -> None:
        super().__init__("; ".join(e.message for e in errors))
        self.errors = errors


def raise_if_any(errors: list[DomainError]) -> None:
    if len(errors) == 1:
        raise errors[0]
    if errors:
        raise DomainErrors(errors)
