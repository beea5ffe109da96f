"""Relay-style connections: ``edges { node cursor }``, ``pageInfo { hasNextPage endCursor }``, ``totalCount``.

Pages are keyset pages on the id, forward only (``first`` / ``after``). A
cursor is opaque to clients: the kind of list and the last id, base64url
encoded, so a cursor of one list is refused by another.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Awaitable, Callable
from typing import Any, Generic, TypeVar

import strawberry

from core.store.queries.paging import Page

from .errors import bad_input
from .scalars import ID_DIGITS, MAX_ID

T = TypeVar("T")
DEFAULT_PAGE_SIZE = 20


@strawberry.type
class PageInfo:
    has_next_page: bool = strawberry.field(description="True when more items follow this page.")
    end_cursor: str | None = strawberry.field(description="Pass as `after` to get the next page.")
    start_cursor: str | None = strawberry.field(description="Cursor of the first item of this page.")


@strawberry.type
class Edge(Generic[T]):
    node: T
    cursor: str


@strawberry.type
class Connection(Generic[T]):
    edges: list[Edge[T]]
    page_info: PageInfo
    _count: strawberry.Private[Callable[[], Awaitable[int]]]

    @strawberry.field(description="Number of items matching the filter, on all pages.")
    async def total_count(self) -> int:
        return await self._count()


def encode_cursor(kind: str, row_id: int) -> str:
    return base64.urlsafe_b64encode(f"{kind}:{row_id}".encode()).decode().rstrip("=")


def decode_cursor(kind: str, cursor: str | None) -> int | None:
    """The id a cursor of list ``kind`` points after; a GraphQL error (BAD_USER_INPUT) when it is not one."""
    if cursor is None:
        return None
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
    except (binascii.Error, ValueError):
        text = ""
    prefix, _, digits = text.partition(":")
    # only the exact text this list hands out is a cursor (base64 decoding alone is lenient)
    if prefix != kind or not ID_DIGITS.match(digits) or not 0 < int(digits) <= MAX_ID \
            or encode_cursor(kind, int(digits)) != cursor:
        raise bad_input(f"`after` is not a cursor of this list: {cursor[:40]!r}.", field="after")
    return int(digits)


def page_size(first: int | None, maximum: int) -> int:
    if first is None:
        return min(DEFAULT_PAGE_SIZE, maximum)
    if first < 0 or first > maximum:
        raise bad_input(f"`first` must be between 0 and {maximum}, not {first}.", field="first")
    return first


def connection(cls: type, kind: str, page: Page, convert: Callable[[Any], Any],
               count: Callable[[], Awaitable[int]], **extra: Any) -> Any:
    """A ``cls`` connection of the rows of ``page``; ``count`` runs only when totalCount is asked for."""
    edges = [Edge(node=convert(row), cursor=encode_cursor(kind, row.id)) for row in page.rows]
    info = PageInfo(has_next_page=page.has_next, end_cursor=edges[-1].cursor if edges else None,
                    start_cursor=edges[0].cursor if edges else None)
    return cls(edges=edges, page_info=info, _count=count, **extra)
