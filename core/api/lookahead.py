"""Looking ahead into the selection of a field: does the query ask for a relation below it?

Connection resolvers use it to load a page's relations before the page's nodes
resolve, so that each node's relation fields answer synchronously from the
loaders (see :func:`core.api.loaders.now_or_later`). It is only a hint: a
relation asked for under ``@skip``/``@include`` or inside a fragment on another
type counts as asked for (one statement more at worst); one that is not found
here is loaded by its own resolver as before. Answers never depend on it.

It walks the query's syntax tree (graphql-core's nodes, fragments looked up by
name) rather than strawberry's ``info.selected_fields``, which converts the
whole selection below the field, arguments and directives included, into new
objects on every request (~0.1 ms of a one-client request) to answer a yes/no.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from graphql import FieldNode, FragmentDefinitionNode, FragmentSpreadNode, InlineFragmentNode, SelectionSetNode


def _fields(selection_set: SelectionSetNode | None, fragments: Mapping[str, FragmentDefinitionNode]
            ) -> Iterator[FieldNode]:
    """The fields of a selection set, those inside fragments included (validation refuses fragment cycles)."""
    for selection in selection_set.selections if selection_set is not None else ():
        if isinstance(selection, FieldNode):
            yield selection
        elif isinstance(selection, InlineFragmentNode):
            yield from _fields(selection.selection_set, fragments)
        elif isinstance(selection, FragmentSpreadNode):
            fragment = fragments.get(selection.name.value)
            if fragment is not None:
                yield from _fields(fragment.selection_set, fragments)


def asks_for(info: Any, *path: str) -> bool:
    """Whether the field being resolved selects ``path`` (GraphQL names), e.g. ``("edges", "node", "episodes")``.

    ``info`` is strawberry's ``Info`` or graphql-core's resolve info; aliases do not matter, the names do.
    """
    raw = getattr(info, "_raw_info", info)
    fragments = raw.fragments
    level: Iterable[FieldNode] = raw.field_nodes
    for name in path:
        level = [child for node in level for child in _fields(node.selection_set, fragments)
                 if child.name.value == name]
        if not level:
            return False
    return True
