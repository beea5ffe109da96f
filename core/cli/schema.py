"""``kopiena schema --node``: print the GraphQL schema (SDL) that is checked in as ``schema.graphql``."""

from __future__ import annotations

import typer

from core.plugins import get_plugin_manager

from .app import app


@app.command("schema")
def schema_command(node: bool = typer.Option(False, "--node", help="The regional node's schema.")) -> None:
    """Print a GraphQL schema as SDL, e.g. `kopiena schema --node > schema.graphql`."""
    if not node:
        raise typer.BadParameter("say which schema: --node", param_hint="--node")
    from core.api.schema import build_schema, print_sdl

    typer.echo(print_sdl(build_schema(get_plugin_manager())), nl=False)
