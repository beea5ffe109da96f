"""Looking ahead into the selection of a field: does the query ask for a relation below it?

Connection resolvers use it to load a page's relations before the page's nodes
resolve, so that each node's relation fields answer synchronously from the
loaders (see :func:`core.api.loaders.now_or_later`). It is only a hint: a
relation asked for under ``@skip``/``@include`` counts as asked for (one
statement more at worst); one that is not found here is loaded by its own
resolver as before. Answers never depend on it.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

import strawberry
from strawberry.types.nodes import SelectedField


def _fields(selections: Iterable[Any]) -> Iterator[SelectedField]:
    """The fields of a selection set, those inside fragments included."""
    for selection in selections:
        if isinstance(selection, SelectedField):
            yield selection
        else:  # a fragment spread or an inline fragment
            yield from _fields(selection.selections)


def asks_for(info: strawberry.Info, *path: str) -> bool:
    """Whether the field being resolved selects ``path`` (GraphQL names), e.g. ``("edges", "node", "episodes")``."""
    level: list[SelectedField] = list(info.selected_fields)
    for name in path:
        level = [child for field in level for child in _fields(field.selections) if child.name == name]
        if not level:
            return False
    return True
