"""The executor of the node's schema: graphql-core's, with a shortcut for plain leaf fields.

A page of 100 clients is ~7,000 fields, ~5,600 of them leaves read straight off
an object (``id``, ``serviceCode``, ``startDate``...). For each, graphql-core
builds a resolve-info tuple and a path, calls strawberry's attribute resolver
and walks ``complete_value``: ~25 Python calls to do ``getattr`` and a
serialisation, about half the CPU time of a page. Here such a field is read
and serialised directly; anything that is not plainly fine (a missing
attribute, a null in a non-null field, a value the scalar refuses, an
exception or an awaitable as a value) goes through graphql-core's own path, so errors and
their paths are exactly graphql-core's.

A leaf qualifies when strawberry resolves it with its default resolver
(``getattr``: a field without resolver, extension or exception handler), it has
no arguments and no middleware runs. Everything else, and every object, list
and root field, is left to graphql-core unchanged.
"""

from __future__ import annotations

import datetime as dt
import weakref
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from graphql import GraphQLNonNull, GraphQLObjectType, GraphQLSchema, is_leaf_type
from graphql.pyutils import Undefined
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

PLAIN = frozenset({str, int, float, bool, dt.date, dt.datetime, Decimal})
"""Types of most leaf values: neither exceptions nor awaitable, so not asked (a set lookup instead of two checks)."""


@dataclass(frozen=True, slots=True)
class Leaf:
    """How to read one plain leaf: the attribute, the scalar's output coercion, whether null is allowed."""

    attribute: str
    coerce: Callable[[Any], Any]
    nullable: bool

    def read(self, source: Any, is_awaitable: Callable[[Any], bool]) -> Any:
        """The value to answer, or ``Undefined`` when graphql-core must handle the field."""
        try:
            value = getattr(source, self.attribute)
        except Exception:  # graphql-core reports it, located at the field
            return Undefined
        if value is None:
            return None if self.nullable else Undefined
        if type(value) not in PLAIN and (isinstance(value, Exception) or is_awaitable(value)):
            return Undefined  # graphql-core raises the one, awaits the other
        try:
            coerced = self.coerce(value)
        except Exception:
            return Undefined
        return Undefined if coerced is None else coerced


_LEAVES: weakref.WeakKeyDictionary[GraphQLSchema, dict[tuple[str, str], Leaf | None]] = weakref.WeakKeyDictionary()
"""Per schema: (type, field) -> how to read it; a field's definition does not change once the schema is built."""


def plain_leaf(schema: GraphQLSchema, parent_type: GraphQLObjectType, details: Any) -> Leaf | None:
    """How to read the field of ``details`` (a field group) directly, or None when graphql-core must."""
    node = details[0].node
    if node.arguments:
        return None
    known = _LEAVES.setdefault(schema, {})
    key = (parent_type.name, node.name.value)
    if key not in known:
        known[key] = _leaf(parent_type, node.name.value)
    return known[key]


def _leaf(parent_type: GraphQLObjectType, name: str) -> Leaf | None:
    field = parent_type.fields.get(name)
    if field is None or field.args:
        return None
    definition = field.extensions.get("strawberry-definition")
    if definition is None or not definition.is_basic_field or definition.default_resolver is not getattr:
        return None
    if not getattr(field.resolve, "_is_default", False):  # strawberry's attribute resolver, nothing else
        return None
    nullable = not isinstance(field.type, GraphQLNonNull)
    inner = field.type if nullable else field.type.of_type
    if not is_leaf_type(inner):
        return None
    return Leaf(definition.python_name, inner.coerce_output_value, nullable)


@dataclass(frozen=True, slots=True)
class Plan:
    """One selection set on one type: its plain leaves and the group of the other fields."""

    order: tuple[str, ...]
    leaves: dict[str, Leaf]
    rest: dict[str, Any]
    grouped: dict[str, Any]

    def read(self, source: Any, is_awaitable: Callable[[Any], bool]) -> tuple[dict[str, Any], dict[str, Any]]:
        """The leaves' values, and the fields left for graphql-core (in the order of the query)."""
        values: dict[str, Any] = {}
        failed = False
        for name, leaf in self.leaves.items():
            value = leaf.read(source, is_awaitable)
            if value is Undefined:
                failed = True
            else:
                values[name] = value
        if not failed:
            return values, self.rest
        return values, {name: group for name, group in self.grouped.items() if name not in values}


def in_order(order: tuple[str, ...], first: dict[str, Any], second: dict[str, Any]) -> dict[str, Any]:
    """The two parts of an object's result merged in the order of the query (the response keeps it)."""
    out = {}
    for name in order:
        if name in first:
            out[name] = first[name]
        elif name in second:  # graphql-core leaves out a field it could not find
            out[name] = second[name]
    return out


class NodeExecutionContext(StrawberryGraphQLCoreExecutionContext):
    """graphql-core's execution, reading plain leaf fields directly (see the module's docstring)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        manager = self.middleware_manager
        self._shortcut = manager is None or not manager._middleware_resolvers
        self._plans: dict[int, tuple[Any, Plan | None]] = {}

    def _plan(self, parent_type: GraphQLObjectType, grouped: dict[str, Any]) -> Plan | None:
        # graphql-core collects the same field groups once per selection set and list (keyed by identity),
        # so the plan is made once per selection set; the group is kept with it so its id stays unique
        found = self._plans.get(id(grouped))
        if found is None:
            leaves = {name: leaf for name, details in grouped.items()
                      if (leaf := plain_leaf(self.schema, parent_type, details)) is not None}
            rest = {name: details for name, details in grouped.items() if name not in leaves}
            found = (grouped, Plan(tuple(grouped), leaves, rest, grouped) if leaves else None)
            self._plans[id(grouped)] = found
        return found[1]

    def execute_fields(self, parent_type, source_value, path, grouped_field_set, position_context):  # type: ignore[no-untyped-def]
        plan = self._plan(parent_type, grouped_field_set) if self._shortcut and path is not None else None
        if plan is None:
            return super().execute_fields(parent_type, source_value, path, grouped_field_set, position_context)
        values, rest = plan.read(source_value, self.is_awaitable)
        if not rest:
            return values
        done = super().execute_fields(parent_type, source_value, path, rest, position_context)
        if self.is_awaitable(done):
            return _merged_later(plan.order, values, done)
        return in_order(plan.order, values, done)


async def _merged_later(order: tuple[str, ...], values: dict[str, Any], done: Awaitable[dict[str, Any]]
                        ) -> dict[str, Any]:
    return in_order(order, values, await done)
