"""Expected problems of assessments and support plans, each with a stable code.

They extend the tree of :mod:`core.domain.errors`, so callers turn them into
``userErrors`` the same way as every other broken rule.
"""

from __future__ import annotations

from core.domain.errors import DomainError


class UnknownInstrument(DomainError):
    """No loaded plugin supplies this instrument code and version."""

    code = "UNKNOWN_INSTRUMENT"


class InstrumentNotForTargetGroup(DomainError):
    code = "INSTRUMENT_NOT_FOR_TARGET_GROUP"


class UnknownItem(DomainError):
    """A rating names an item or a scale the instrument does not have."""

    code = "UNKNOWN_ITEM"


class ItemMissing(DomainError):
    """A completed assessment leaves an item (or one of its scales) unrated."""

    code = "ITEM_MISSING"


class RatingOutOfRange(DomainError):
    code = "RATING_OUT_OF_RANGE"


class DuplicateRating(DomainError):
    code = "DUPLICATE_RATING"


class AssessmentRequired(DomainError):
    """A plan is approved without an assessment (or only with an incomplete draft)."""

    code = "ASSESSMENT_REQUIRED"


class AssessmentTooOld(DomainError):
    """The assessment under a plan is older than the node allows (``plan_assessment_max_age_days``)."""

    code = "ASSESSMENT_TOO_OLD"


class PlanStatusInvalid(DomainError):
    """A plan cannot make this step from its current status (approving twice, closing a draft, ...)."""

    code = "PLAN_STATUS_INVALID"


class PlansOverlap(DomainError):
    code = "PLANS_OVERLAP"


class NotComparable(DomainError):
    """Two assessments with different instruments cannot be compared area by area."""

    code = "NOT_COMPARABLE"
