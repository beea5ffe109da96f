"""The frame of an indicator: every declared combination of its dimension values, so a snapshot is complete.

The frame is reference data, not data: the region's municipalities (current and
historic) plus the empty code of the region total, the catalogue's target
group / service / recipient combinations that apply, and the fixed value lists
of ``DIMENSION_VALUES``. It is built here, in Python, and cached: the same
region and catalogue give the same frame for every snapshot. The figures come
from the database; :func:`complete` puts them into the frame and fills the
rest with zeros.
"""

from __future__ import annotations

import functools
import itertools
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from .indicators import DIMENSION_VALUES, Dimension, row_key, sorted_rows

M = Dimension.MUNICIPALITY
LINKED = (Dimension.TARGET_GROUP, Dimension.SERVICE, Dimension.RECIPIENT)
"""Dimensions whose combinations the catalogue decides (a service serves some groups and recipients)."""

Key = tuple[str | None, ...]
Combos = tuple[tuple[str, str, str], ...]
"""(target group, service, recipient) of every service of the catalogue and whom it serves."""


@dataclass(frozen=True, eq=False)
class Frame:
    keys: tuple[Key, ...]
    """Every combination, in the order of :func:`~core.domain.indicators.sorted_rows`."""
    members: frozenset[Key]
    _zeros: dict[str, tuple[tuple[Any, ...], ...]] = field(default_factory=dict)

    def zeros(self, zero: Any) -> tuple[tuple[Any, ...], ...]:
        """Every key with the value ``zero``, made once: a snapshot's rows are mostly these."""
        kind = repr(zero)  # 0 and Decimal("0.00") are equal, but a count and a sum show different zeros
        if kind not in self._zeros:
            self._zeros[kind] = tuple((*key, zero) for key in self.keys)
        return self._zeros[kind]


def _parts(dimensions: tuple[Dimension, ...], municipalities: tuple[str, ...], combos: Combos
           ) -> list[tuple[tuple[Dimension, ...], list[Key]]]:
    """The independent parts of the frame: (the dimensions a part sets, its value tuples)."""
    parts: list[tuple[tuple[Dimension, ...], list[Key]]] = []
    if M in dimensions:
        parts.append(((M,), [(None,), *((m,) for m in municipalities)]))
    linked = tuple(d for d in LINKED if d in dimensions)
    if linked:
        where = [LINKED.index(d) for d in linked]
        parts.append((linked, sorted({tuple(combo[i] for i in where) for combo in combos})))
    for dim in dimensions:
        if dim in DIMENSION_VALUES and dim not in LINKED:
            # str(): the frame holds plain codes, as the database returns them, not enum members
            parts.append(((dim,), [(str(v),) for v in DIMENSION_VALUES[dim]]))
    return parts


@functools.lru_cache(maxsize=256)
def frame(dimensions: tuple[Dimension, ...], municipalities: tuple[str, ...], combos: Combos) -> Frame:
    """The frame of an indicator with these dimensions (in their declared order), sorted, cached."""
    parts = _parts(dimensions, municipalities, combos)
    order = [d for dims, _ in parts for d in dims]
    pick = [order.index(d) for d in dimensions]
    keys = []
    for combination in itertools.product(*(values for _, values in parts)):
        flat = [v for values in combination for v in values]
        keys.append(tuple(flat[i] for i in pick))
    keys.sort(key=row_key)
    return Frame(tuple(keys), frozenset(keys))


def complete(frame: Frame, rows: Sequence[tuple[Any, ...]], zero: Any) -> list[tuple[Any, ...]]:
    """The figures ``rows`` (dimension values..., value) in the frame, zeros elsewhere, in ``sorted_rows`` order.

    Rows whose combination the frame lacks (say, a service no longer in the
    catalogue) are kept: the snapshot shows whatever the data has.
    """
    found = {row[:-1]: row for row in rows}
    if len(found) == len(rows) and found.keys() <= frame.members:
        # the usual case: the frame is sorted already, so no sort per snapshot
        return [found.get(key, empty) for key, empty in zip(frame.keys, frame.zeros(zero), strict=True)]
    zeros = [empty for key, empty in zip(frame.keys, frame.zeros(zero), strict=True) if key not in found]
    return sorted_rows([*rows, *zeros])
