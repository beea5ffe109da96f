"""Who the programme serves: target groups, recipients and where a person lives."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import date

from .errors import EndBeforeStart, InvalidValue


class TargetGroup(enum.StrEnum):
    """Programme target group (*mērķa grupa*)."""

    ADULT_GRT = "ADULT_GRT"
    """Adults with mental / intellectual disorders (*pilngadīgas personas ar GRT*)."""
    CHILD_FT = "CHILD_FT"
    """Children with functional impairments living in families (*bērni ar FT*)."""
    CHILD_OOHC = "CHILD_OOHC"
    """Children in out-of-family care (*ārpusģimenes aprūpē esošie bērni*)."""


class RecipientKind(enum.StrEnum):
    """Who receives the service: the person, or for a CHILD_FT child their family."""

    PERSON = "PERSON"
    LEGAL_REPRESENTATIVE = "LEGAL_REPRESENTATIVE"
    """*Likumiskais pārstāvis* of a child with functional impairments."""
    FOSTER_FAMILY = "FOSTER_FAMILY"
    """*Audžuģimene* of a child with functional impairments."""


class Residence(enum.StrEnum):
    """Where the person is on the deinstitutionalisation pathway."""

    COMMUNITY = "COMMUNITY"
    """Lives at home or in a family-like setting."""
    INSTITUTION = "INSTITUTION"
    """Lives in a state social care centre (VSAC) or children's institution."""
    PREPARING_TO_LEAVE = "PREPARING_TO_LEAVE"
    """In an institution, preparing to leave (up to one year, with a social mentor)."""
    LEFT_INSTITUTION = "LEFT_INSTITUTION"
    """Has left the institution on ``left_on``."""


PREPARATION_MAX_DAYS = 366


@dataclass(frozen=True)
class ResidencePathway:
    """A person's residence with the facts each state needs."""

    residence: Residence
    institution_id: int | None = None
    preparing_since: date | None = None
    left_on: date | None = None

    def check(self) -> None:
        r = self.residence
        if r in (Residence.INSTITUTION, Residence.PREPARING_TO_LEAVE) and self.institution_id is None:
            raise InvalidValue("Say which institution the person lives in.", field="institutionId")
        if r is Residence.PREPARING_TO_LEAVE and self.preparing_since is None:
            raise InvalidValue("Say since when the person prepares to leave.", field="preparingSince")
        if r is Residence.LEFT_INSTITUTION and self.left_on is None:
            raise InvalidValue("Say on which date the person left the institution.", field="leftOn")

    def leave(self, on: date) -> ResidencePathway:
        """The pathway after the person leaves their institution on ``on``."""
        if self.residence not in (Residence.INSTITUTION, Residence.PREPARING_TO_LEAVE):
            raise InvalidValue("Only a person living in an institution can leave it.", field="residence")
        if self.preparing_since is not None and on < self.preparing_since:
            raise EndBeforeStart("The exit date is before the preparation started.", field="date")
        return ResidencePathway(Residence.LEFT_INSTITUTION, self.institution_id, self.preparing_since, on)

    @property
    def left_institution(self) -> bool:
        return self.residence is Residence.LEFT_INSTITUTION
