"""A person's reassessment against the previous one: which areas changed, and by how much."""

from __future__ import annotations

from dataclasses import dataclass

from .errors import NotComparable
from .scoring import Scores


@dataclass(frozen=True)
class AreaChange:
    area: str
    before: int
    after: int

    @property
    def change(self) -> int:
        return self.after - self.before


@dataclass(frozen=True)
class Comparison:
    areas: tuple[AreaChange, ...]
    total_before: int
    total_after: int
    flags_gained: tuple[str, ...]
    flags_lost: tuple[str, ...]

    @property
    def changed(self) -> tuple[AreaChange, ...]:
        return tuple(a for a in self.areas if a.change)

    @property
    def total_change(self) -> int:
        return self.total_after - self.total_before


def compare(before: Scores, after: Scores) -> Comparison:
    """Area by area, for the areas both assessments have (a newer instrument version may add or drop one).

    Assessments with different instruments measure different things and are not compared.
    """
    if before.instrument != after.instrument:
        raise NotComparable(f"An assessment with {after.instrument} cannot be compared with one with "
                            f"{before.instrument}.", field="assessmentId")
    old = {a.code: a.raw for a in before.areas}
    changes = tuple(AreaChange(a.code, old[a.code], a.raw) for a in after.areas if a.code in old)
    return Comparison(changes, before.total, after.total,
                      tuple(f for f in after.flags if f not in before.flags),
                      tuple(f for f in before.flags if f not in after.flags))
