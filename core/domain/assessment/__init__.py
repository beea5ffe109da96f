"""Individual needs assessment (*individuālo vajadzību izvērtējums*): instruments as data, scoring,
flags, norm tables, the care-level rule, reassessment comparison and plan proposals.

Nothing here knows a particular instrument; the built-in adult Support
Intensity Scale and the children's instrument are data supplied by plugins.
"""

from .care_level import CARE_LEVELS, check_care_level, default_care_level, level_from_share
from .comparison import AreaChange, Comparison, compare
from .errors import (
    AssessmentRequired,
    AssessmentTooOld,
    DuplicateRating,
    InstrumentNotForTargetGroup,
    ItemMissing,
    NotComparable,
    PlansOverlap,
    PlanStatusInvalid,
    RatingOutOfRange,
    UnknownInstrument,
    UnknownItem,
)
from .instrument import (
    ACTIVITIES,
    EXCEPTIONAL,
    FlagRule,
    Instrument,
    InstrumentFormatError,
    Instruments,
    Item,
    Label,
    RatingScale,
    Section,
    Suggestion,
    parse_instrument,
)
from .norms import AreaNorm, NormBand, NormResult, NormState, NormTable, apply_norms, parse_norm_table_csv
from .proposal import ProposedItem, default_proposal, high_need
from .scoring import AreaScore, Rating, Ratings, Scores, check_ratings, is_complete, score

__all__ = [
    "CARE_LEVELS", "check_care_level", "default_care_level", "level_from_share", "AreaChange", "Comparison",
    "compare", "AssessmentRequired", "AssessmentTooOld", "DuplicateRating", "InstrumentNotForTargetGroup",
    "ItemMissing", "NotComparable", "PlansOverlap", "PlanStatusInvalid", "RatingOutOfRange", "UnknownInstrument",
    "UnknownItem", "ACTIVITIES", "EXCEPTIONAL", "FlagRule", "Instrument", "InstrumentFormatError", "Instruments",
    "Item", "Label", "RatingScale", "Section", "Suggestion", "parse_instrument", "AreaNorm", "NormBand",
    "NormResult", "NormState", "NormTable", "apply_norms", "parse_norm_table_csv", "ProposedItem",
    "default_proposal", "high_need", "AreaScore", "Rating", "Ratings", "Scores", "check_ratings", "is_complete",
    "score",
]
