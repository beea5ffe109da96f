"""The hub's ASGI app: GraphQL at ``/graphql`` (GraphiQL unless in production), health at ``/healthz``."""

from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING, Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route
from strawberry.asgi import GraphQL

from .schema import schema

if TYPE_CHECKING:
    from .service import Hub


class HubGraphQL(GraphQL):
    def __init__(self, hub: Hub, *, graphiql: bool = True) -> None:
        super().__init__(schema, graphql_ide="graphiql" if graphiql else None, allow_queries_via_get=False)
        self.hub = hub

    async def get_context(self, request: Any, response: Any = None) -> dict[str, Any]:  # type: ignore[override]
        return {"request": request, "response": response, "store": self.hub.store}


def create_app(hub: Hub, *, graphiql: bool = True, manage: bool = True) -> Starlette:
    """The app; with ``manage`` its lifespan starts and stops the hub (database migration, consumer)."""

    async def healthz(_: Request) -> JSONResponse:
        status = hub.status()
        return JSONResponse(status, status_code=200 if status["ok"] else 503)

    @contextlib.asynccontextmanager
    async def lifespan(_: Starlette):
        if manage:
            await hub.start()
        try:
            yield
        finally:
            if manage:
                await hub.stop()

    return Starlette(routes=[Route("/graphql", HubGraphQL(hub, graphiql=graphiql)), Route("/healthz", healthz)],
                     lifespan=lifespan)
