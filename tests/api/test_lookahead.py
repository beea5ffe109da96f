"""Looking ahead into a selection (the connection resolvers' prefetch hint) and answering from loaded data."""

from __future__ import annotations

import inspect

import pytest
import strawberry
from strawberry.dataloader import DataLoader

from core.api.loaders import NOT_YET, loaded, now_or_later
from core.api.lookahead import asks_for

pytestmark = pytest.mark.anyio


@strawberry.type
class Leaf:
    id: int


@strawberry.type
class Node:
    episodes: list[Leaf]
    services: list[Leaf]


@strawberry.type
class Edge:
    node: Node


@strawberry.type
class Page:
    edges: list[Edge]
    seen: strawberry.Private[dict[str, bool]]

    @strawberry.field
    def asked(self) -> str:
        return ",".join(name for name, yes in self.seen.items() if yes)


@strawberry.type
class Query:
    @strawberry.field
    def page(self, info: strawberry.Info) -> Page:
        seen = {name: asks_for(info, "edges", "node", name) for name in ("episodes", "services", "places")}
        return Page(edges=[Edge(node=Node(episodes=[Leaf(id=1)], services=[]))], seen=seen)


SCHEMA = strawberry.Schema(Query)


@pytest.mark.parametrize(("query", "asked"), [
    ("{ page { asked edges { node { episodes { id } } } } }", "episodes"),
    ("{ page { asked edges { node { services { id } e: episodes { id } } } } }", "episodes,services"),
    ("{ page { asked edges { node { ...N } } } } fragment N on Node { services { id } }", "services"),
    ("{ page { asked edges { ... on Edge { node { ... { episodes { id } } } } } } }", "episodes"),
    ("{ page { asked edges { node { episodes @skip(if: true) { id } } } } }", "episodes"),  # a hint: may over-ask
    ("{ page { asked } }", ""),
    ("{ page { asked e: edges { n: node { s: services { id } } } } }", "services"),  # aliases: the names count
    ("{ page { asked edges { node { services { id } } } edges { node { episodes { id } } } } }", "episodes,services"),
    ("{ page { asked ...P } } fragment P on Page { edges { ...E } } fragment E on Edge { node { episodes { id } } }",
     "episodes"),
    ("{ page { asked edges { node { ... @include(if: false) { services { id } } } } } }", "services"),
    ("{ page { asked edges { __typename } } }", ""),
])
async def test_asks_for_finds_fields_through_fragments_and_aliases(query, asked):
    result = await SCHEMA.execute(query)
    assert result.errors is None and result.data["page"]["asked"] == asked


async def test_now_or_later_answers_at_once_only_what_is_loaded():
    calls: list[list[int]] = []

    async def load(keys: list[int]) -> list[int]:
        calls.append(list(keys))
        return [k * 10 for k in keys]

    loader = DataLoader(load)
    later = now_or_later(loader, 1, str)
    assert inspect.isawaitable(later) and loaded(loader, 1) is NOT_YET
    assert await later == "10"
    assert now_or_later(loader, 1, str) == "10" and calls == [[1]]  # from the loader's cache, no new batch
    await loader.load_many([2, 3])
    assert [now_or_later(loader, k, str) for k in (2, 3)] == ["20", "30"] and calls == [[1], [2, 3]]
