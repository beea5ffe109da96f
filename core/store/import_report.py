"""What an import did: records read, written, linked, updated, unchanged; each refused one and why."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

COUNTERS = ("read", "written", "linked", "updated", "unchanged")


@dataclass(frozen=True)
class Rejection:
    """One refused record, as the reject file lists it."""

    line: int
    kind: str
    external_id: str | None
    field: str | None
    code: str
    message: str


@dataclass(frozen=True)
class Mark:
    """The report as it was before a line (or a batch) was written, to go back to when it is written again."""

    counters: dict[str, Counter]
    rejected: int
    last_line: int
    new_lines: frozenset[int]


@dataclass
class ImportReport:
    importer: str
    source: str
    system: str
    read: Counter = field(default_factory=Counter)
    written: Counter = field(default_factory=Counter)
    linked: Counter = field(default_factory=Counter)
    """Clients already registered (by hand or from another system), now known under this system's id."""
    updated: Counter = field(default_factory=Counter)
    """Episodes imported before that the system now says have ended."""
    unchanged: Counter = field(default_factory=Counter)
    rejected: list[Rejection] = field(default_factory=list)
    lines: set[int] = field(default_factory=set)
    last_line: int = 0
    batches: int = 0
    error: str | None = None

    @property
    def by_reason(self) -> Counter:
        return Counter(r.code for r in self.rejected)

    @property
    def rejected_lines(self) -> set[int]:
        return {r.line for r in self.rejected}

    @property
    def ok(self) -> bool:
        return self.error is None

    def mark(self, lines: Iterable[int]) -> Mark:
        """The report before the records of ``lines`` are written."""
        return Mark(
            {name: Counter(getattr(self, name)) for name in COUNTERS},
            len(self.rejected),
            self.last_line,
            frozenset(line for line in lines if line not in self.lines),
        )

    def restore(self, mark: Mark) -> None:
        for name, counter in mark.counters.items():
            setattr(self, name, counter)
        del self.rejected[mark.rejected :]
        self.last_line = mark.last_line
        self.lines.difference_update(mark.new_lines)
