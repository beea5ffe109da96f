"""The default care-level rule (*aprūpes līmenis* 1-4), replaceable through the ``care_level`` hook.

**Assumption (ours, not from the sources):** the seeds only say that VSAC
clients are grouped into care levels 1-4 by self-care, independence and
independent-living skills. Our default reads the assessment's total raw score
as a share of the instrument's maximum total: below the first threshold is
level 1, from the first to the second level 2, from the second to the third
level 3, from the third on level 4 (thresholds per instrument in its
``care_level.thresholds_percent``; 25 / 50 / 75 when it says nothing). Every
raised flag whose rule says ``raises_care_level`` adds one level (once, at
most 4). An incomplete draft gets no care level.
"""

from __future__ import annotations

from .instrument import Instrument
from .scoring import Scores

CARE_LEVELS = (1, 2, 3, 4)


def level_from_share(total: int, total_max: int, thresholds: tuple[int, ...]) -> int:
    """1 + the number of thresholds reached; integer arithmetic, so a threshold is met exactly."""
    return 1 + sum(1 for t in thresholds if total * 100 >= t * total_max)


def default_care_level(instrument: Instrument, scores: Scores) -> int | None:
    if not scores.complete or scores.total_max <= 0:
        return None
    level = level_from_share(scores.total, scores.total_max, instrument.care_level_thresholds)
    raising = {f.code for f in instrument.flags if f.raises_care_level}
    if raising & set(scores.flags):
        level += 1
    return min(level, CARE_LEVELS[-1])


def check_care_level(value: object, source: str) -> int | None:
    """A care-level rule returns 1-4 or None; anything else is a plugin bug, said loudly."""
    if value is None or (isinstance(value, int) and not isinstance(value, bool) and value in CARE_LEVELS):
        return value  # type: ignore[return-value]
    raise ValueError(f"the care_level rule of {source} returned {value!r}; a care level is 1, 2, 3, 4 or None")
