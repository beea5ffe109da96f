"""The node's executor answers exactly what graphql-core's own does: data, key order, errors and their paths."""

from __future__ import annotations

import datetime as dt
import enum
import json
from dataclasses import dataclass
from typing import Any

import pytest
import strawberry
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

from core.api.execution import NodeExecutionContext
from core.api.scalars import SCALAR_OVERRIDES

pytestmark = pytest.mark.anyio


@strawberry.enum
class Colour(enum.Enum):
    RED = "RED"
    BLUE = "BLUE"


@strawberry.type
class Item:
    id: strawberry.ID
    name: str
    note: str | None
    day: dt.date | None
    colour: Colour
    count: int

    @strawberry.field
    def shout(self) -> str:
        return self.name.upper()

    @strawberry.field
    async def later(self) -> str:
        return f"later {self.id}"


@strawberry.type
class Box:
    label: str
    items: list[Item | None]
    first: Item | None


class Broken:
    """A source whose attribute raises: graphql-core reports it at the field."""

    id = "9"
    note = None
    day = None
    colour = Colour.RED
    count = 1

    @property
    def name(self) -> str:
        raise RuntimeError("no name here")


class Eventually:
    """An awaitable value of an attribute: graphql-core awaits it (its ``str`` is never the answer)."""

    def __init__(self, value: Any) -> None:
        self.value = value

    def __await__(self) -> Any:
        return self._value().__await__()

    async def _value(self) -> Any:
        return self.value

    def __str__(self) -> str:
        return "not awaited"


@dataclass
class Raw:
    """Not an ``Item`` at all: the resolvers read attributes, whatever the object."""

    id: Any
    name: Any
    note: Any
    day: Any
    colour: Any
    count: Any


def _item(i: int, **changes: Any) -> Any:
    values = {"id": strawberry.ID(str(i)), "name": f"item {i}", "note": None if i % 2 else "n",
              "day": dt.date(2018, 3, i), "colour": Colour.BLUE, "count": i, **changes}
    return Raw(**values) if changes else Item(**values)


def _boxes() -> list[Box]:
    return [
        Box(label="fine", items=[_item(1), _item(2), _item(3)], first=_item(1)),
        Box(label="odd values", items=[
            _item(4, name=None),  # null in a non-null field: the item is null (the error bubbles up to it)
            _item(5, colour="GREEN"),  # not a value of the enum
            _item(6, count="many"),  # Int refuses a string
            _item(7, day=ValueError("a value that is an exception")),
            _item(8, id=42, count=True, name=17),  # coerced as graphql-core coerces them
            _item(9, name=Eventually("awaited"), note=Eventually(None)),
        ], first=Broken()),  # type: ignore[arg-type]
    ]


@strawberry.type
class Query:
    @strawberry.field
    def boxes(self) -> list[Box]:
        return _boxes()

    @strawberry.field
    async def box(self) -> Box:
        return _boxes()[0]

    @strawberry.field(description="A null in a non-null leaf of a non-null item: the whole list is null.")
    def strict(self) -> list[Item] | None:
        return [_item(1), _item(2, name=None)]


def _schema(executor: type) -> strawberry.Schema:
    return strawberry.Schema(Query, scalar_overrides=SCALAR_OVERRIDES, execution_context_class=executor)


QUERIES = [
    "{ boxes { label items { id name note day colour count } first { id name } } }",
    "{ boxes { items { count id alias: name name ...F shout later __typename } } } fragment F on Item { note day }",
    "query($skip: Boolean!) { boxes { items { id @skip(if: $skip) name @include(if: $skip) colour } } }",
    "{ box { label first { later id } items { ... on Item { id count } day } } }",
    "{ boxes { first { note name } items { colour } } }",
    "{ strict { id name } boxes { label } }",
    "{ boxes { items { a: name b: name ... on Item { a: name } } } }",
]


def _answer(result: Any) -> str:
    errors = [(e.message, e.path, [(loc.line, loc.column) for loc in e.locations or ()])
              for e in result.errors or ()]
    return json.dumps({"data": result.data, "errors": sorted(errors, key=str)}, default=str)


@pytest.mark.parametrize("query", QUERIES)
async def test_the_shortcut_answers_what_graphql_core_answers(query):
    variables = {"skip": True}
    mine = await _schema(NodeExecutionContext).execute(query, variable_values=variables)
    theirs = await _schema(StrawberryGraphQLCoreExecutionContext).execute(query, variable_values=variables)
    assert _answer(mine) == _answer(theirs)  # the same text: same values, same key order, same errors


async def test_odd_values_are_errors_at_their_field():
    result = await _schema(NodeExecutionContext).execute("{ boxes { items { id name colour count day } } }")
    paths = sorted(tuple(e.path) for e in result.errors or ())
    assert paths == [("boxes", 1, "items", i, field) for i, field in
                     ((0, "name"), (1, "colour"), (2, "count"), (3, "day"))]
    items = result.data["boxes"][1]["items"]
    assert items[:3] == [None] * 3 and items[3]["day"] is None  # a nullable field is just null
    assert items[4] == {"id": "42", "name": "17", "colour": "BLUE", "count": 1, "day": "2018-03-08"}
    assert items[5] == {"id": "9", "name": "awaited", "colour": "BLUE", "count": 9, "day": "2018-03-09"}


@strawberry.type(name="Item")
class LoudItem:
    """Another schema's ``Item``: its ``name`` has a resolver."""

    @strawberry.field
    def name(self) -> str:
        return "LOUD"


@strawberry.type(name="Box")
class LoudBox:
    first: LoudItem


@strawberry.type(name="Query")
class LoudQuery:
    @strawberry.field
    def box(self) -> LoudBox:
        return LoudBox(first=LoudItem())


async def test_each_schema_reads_its_own_fields():
    """Two schemas with a type of the same name: how a field is read is known per schema."""
    query = "{ box { first { name } } }"
    plain = await _schema(NodeExecutionContext).execute(query)
    loud = await strawberry.Schema(LoudQuery, execution_context_class=NodeExecutionContext).execute(query)
    assert plain.data == {"box": {"first": {"name": "item 1"}}} and loud.data == {"box": {"first": {"name": "LOUD"}}}
