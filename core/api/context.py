"""What every resolver of one request sees: the node, a request id, dataloaders and the caller.

``principal`` and ``scope`` are empty here; access control fills them by adding
a function to :data:`CONTEXT_HOOKS` (it reads the bearer token, sets
``principal`` and builds ``scope``). ``scope`` is handed to every read query in
``core.store.queries``, which puts it into the SQL ``WHERE``; the dataloaders
are built on first use, after the hooks ran, so they carry the scope too.

Reads of one request share one session, used by one resolver at a time (the
lock), so a request holds at most one database connection.
"""

from __future__ import annotations

import asyncio
import inspect
import re
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession
from starlette.requests import Request
from starlette.responses import Response

from core.node import Node
from core.store.queries import Scope

from .loaders import Loaders

REQUEST_ID_HEADER = "X-Request-ID"
SAFE_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
REQUEST_ID_STATE = "kopiena.request_id"


class Context:
    def __init__(self, node: Node, *, request: Request | None = None, response: Response | None = None,
                 request_id: str | None = None) -> None:
        self.node = node
        self.request = request
        self.response = response
        self.request_id = request_id or uuid.uuid4().hex
        self.principal: Any = None
        """Who is calling; set by access control (None: not authenticated yet)."""
        self.scope: Scope | None = None
        """The WHERE clause builder every read query applies; set by access control."""
        # the rest of what access control (core.api.guard) keeps per request
        self.access: Any = None
        self.fields: Any = None
        self.operation: Any = None
        self.operation_name: str | None = None
        self.personal_reads: dict[int, tuple[str, set[str]]] = {}
        self._lock = asyncio.Lock()
        self._session: AsyncSession | None = None
        self._loaders: Loaders | None = None

    @property
    def loaders(self) -> Loaders:
        if self._loaders is None:
            self._loaders = Loaders(self)
        return self._loaders

    @asynccontextmanager
    async def db(self) -> AsyncIterator[AsyncSession]:
        """The request's read session, for one resolver at a time.

        Await no dataloader inside it: loaders take the same lock (the request would wait for itself).
        """
        async with self._lock:
            if self._session is None:
                self._session = self.node.sessions()
            yield self._session

    async def changed(self) -> None:
        """Forget what this request read so far: a mutation has just committed a change."""
        self._loaders = None
        async with self._lock:
            if self._session is not None:
                await self._session.close()
                self._session = None

    async def close(self) -> None:
        async with self._lock:
            if self._session is not None:
                await self._session.close()
                self._session = None


ContextHook = Callable[[Context], "Awaitable[None] | None"]
CONTEXT_HOOKS: list[ContextHook] = []
"""Run in order on every new context before any resolver (access control appends its hook here).

A hook refuses a whole request by raising ``cross_web.HTTPException(401, reason)`` (strawberry answers
with that status), or leaves ``principal`` None for resolvers to raise a GraphQL error with
``extensions.code`` UNAUTHENTICATED; any other exception is a server error."""


def request_id_from(request: Request | None) -> str:
    """The caller's request id when it is safe, else a new one; the same one on every call for one request."""
    if request is None:
        return uuid.uuid4().hex
    state = request.scope.setdefault("state", {})  # what Starlette's ``request.state`` reads and writes
    known = state.get(REQUEST_ID_STATE)
    if known is None:
        given = request.headers.get(REQUEST_ID_HEADER, "")
        known = state[REQUEST_ID_STATE] = given if SAFE_REQUEST_ID.match(given) else uuid.uuid4().hex
    return known


async def make_context(node: Node, request: Request | None = None, response: Response | None = None) -> Context:
    context = Context(node, request=request, response=response, request_id=request_id_from(request))
    if response is not None:
        response.headers[REQUEST_ID_HEADER] = context.request_id
    for hook in CONTEXT_HOOKS:
        result = hook(context)
        if inspect.isawaitable(result):
            await result
    return context
