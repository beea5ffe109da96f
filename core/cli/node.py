"""``kopiena node``: serve a regional node's GraphQL API with uvicorn."""

from __future__ import annotations

import logging

import typer

from core.node import Node
from core.settings import get_settings
from core.store import migrate

from .app import app, console, err_console, run
from .db import DB_OPTION, REGION_OPTION


async def _migrations_current(node: Node) -> bool:
    try:
        return await migrate.is_current(node.engine)
    finally:
        await node.engine.dispose()  # the server runs in its own event loop; start it with a fresh pool


@app.command("node")
def node_command(
    region: str = REGION_OPTION,
    db: str = DB_OPTION,
    host: str = typer.Option(None, "--host", help="Interface to listen on (default: KOPIENA_HOST)."),
    port: int = typer.Option(None, "--port", help="Port to listen on (default: KOPIENA_PORT)."),
    log_level: str = typer.Option("info", "--log-level", help="debug, info, warning or error."),
) -> None:
    """Serve a regional node: /graphql (GraphiQL in a browser), /healthz and /readyz."""
    import uvicorn

    from core.api import create_app

    settings = get_settings(region=region, db=db, host=host, port=port)
    if not settings.region:
        raise typer.BadParameter("say which region: --region or KOPIENA_REGION", param_hint="--region")
    logging.basicConfig(level=log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("alembic").setLevel(logging.WARNING)  # /readyz asks for the revision on every probe
    node = Node.open(settings)
    if not run(_migrations_current(node)):
        err_console.print("[yellow]warning:[/] the database schema is not current; run `kopiena db upgrade` "
                          "(/readyz answers 503 until then)")
    console.print(f"kopiena node {node.region}: http://{settings.host}:{settings.port}/graphql", highlight=False)
    uvicorn.run(create_app(node), host=settings.host, port=settings.port, log_level=log_level.lower())
