"""The regional node's ASGI app: ``/graphql`` (GraphiQL in a browser), ``/healthz`` and ``/readyz``."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import AsyncIterator
from typing import Any

from cross_web import HTTPException
from sqlalchemy import text
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, RedirectResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from strawberry.asgi import GraphQL

from core import events
from core.node import Node
from core.store import migrate

from .context import Context, make_context
from .guard import RequireToken
from .schema import build_schema

log = logging.getLogger("kopiena.api")

MAX_BODY_BYTES = 1_000_000  # a year of daily deliveries is ~30 kB; anything far bigger is a mistake or an attack
READY_TIMEOUT = 5.0


class NodeGraphQL(GraphQL):
    """Strawberry's ASGI view with the node's context; the request's read session closes with the request."""

    def __init__(self, node: Node, schema: Any, **kwargs: Any) -> None:
        super().__init__(schema, **kwargs)
        self.node = node

    async def get_context(self, request: Any, response: Any) -> Context:  # type: ignore[override]
        return await make_context(self.node, request, response)

    async def parse_http_body(self, request_adapter: Any) -> Any:
        data = await super().parse_http_body(request_adapter)
        if _has_nul(data):
            # PostgreSQL cannot store or compare text with NUL; refuse it before it reaches a query
            raise HTTPException(400, "Text cannot contain the NUL character (\\u0000).")
        return data

    def encode_json(self, data: object) -> str:
        return json.dumps(data, ensure_ascii=False, separators=(",", ":"))  # Latvian names stay readable

    async def execute_operation(self, request, request_adapter, request_data, context, root_value,  # type: ignore[override]
                                sub_response):
        try:
            return await super().execute_operation(request, request_adapter, request_data, context, root_value,
                                                   sub_response)
        finally:
            await context.close()


def _has_nul(value: Any) -> bool:
    if isinstance(value, str):
        return "\x00" in value  # escapes inside the query text are refused by a validation rule
    if isinstance(value, dict):
        return any(_has_nul(k) or _has_nul(v) for k, v in value.items())
    if isinstance(value, (list, tuple)):
        return any(_has_nul(v) for v in value)
    if hasattr(value, "query"):  # strawberry's parsed request (one operation or a batch)
        return _has_nul(value.query) or _has_nul(value.variables) or _has_nul(value.operation_name)
    return False


class BodyTooLarge(Exception):
    pass


class BodyLimit:
    """Refuse request bodies over ``limit`` bytes with 413, declared or streamed."""

    def __init__(self, app: ASGIApp, limit: int = MAX_BODY_BYTES) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > self.limit):
            await self._refuse(scope, receive, send)
            return
        seen = 0

        async def counted() -> Message:
            nonlocal seen
            message = await receive()
            seen += len(message.get("body", b""))
            if seen > self.limit:
                raise BodyTooLarge
            return message

        try:
            await self.app(scope, counted, send)
        except BodyTooLarge:
            await self._refuse(scope, receive, send)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send) -> None:
        response = PlainTextResponse(f"Request body larger than {self.limit} bytes.", status_code=413)
        await response(scope, receive, send)


async def _readiness(node: Node) -> tuple[bool, dict[str, str]]:
    try:
        async with asyncio.timeout(READY_TIMEOUT):
            async with node.engine.connect() as conn:
                await conn.execute(text("SELECT 1"))
            current = await migrate.is_current(node.engine)
    except Exception as exc:  # any failure to reach the database means "not ready"
        log.warning("readiness: database unreachable: %r", exc)
        return False, {"status": "unavailable", "database": f"unreachable ({type(exc).__name__})"}
    if not current:
        return False, {"status": "unavailable", "database": "reachable",
                       "migrations": "not current: run `kopiena db upgrade`"}
    return True, {"status": "ready", "database": "reachable", "migrations": "current"}


def create_app(node: Node, *, schema: Any = None) -> Starlette:
    """The node's HTTP app; ``schema`` defaults to :func:`core.api.schema.build_schema` with the node's plugins."""
    schema = schema or build_schema(node.pm, node.settings)
    production = node.settings.production
    graphql = NodeGraphQL(node, schema, graphql_ide=None if production else "graphiql", allow_queries_via_get=False)
    protected = RequireToken(graphql, node)  # every request but the GraphiQL page needs a bearer token

    async def healthz(request: Request) -> Response:
        return JSONResponse({"status": "ok", "region": node.region})

    async def readyz(request: Request) -> Response:
        ready, body = await _readiness(node)
        return JSONResponse(body, status_code=200 if ready else 503)

    async def home(request: Request) -> Response:
        return RedirectResponse("/graphql")

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        await protected.access()  # load the access policy (and refuse unusable token settings) before serving
        yield
        await events.drain()
        await protected.close()
        await node.close()

    app = Starlette(routes=[
        Route("/", home),
        Route("/healthz", healthz),
        Route("/readyz", readyz),
        Route("/graphql", BodyLimit(protected), methods=["GET", "POST"]),
    ], lifespan=lifespan)
    app.state.node = node
    app.state.access = protected
    app.state.schema = schema
    return app
