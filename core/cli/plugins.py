"""``kopiena plugins``: which plugins are loaded and which hooks each implements."""

from __future__ import annotations

import json

import typer
from rich.table import Table

from core.plugins import loaded_plugins

from .app import app, console


@app.command("plugins")
def plugins_command(as_json: bool = typer.Option(False, "--json", help="Print JSON.")) -> None:
    """List loaded plugins and the hooks each implements."""
    rows = loaded_plugins()
    if as_json:
        console.print_json(json.dumps(rows))
        return
    table = Table("plugin", "module", "hooks")
    for row in rows:
        table.add_row(str(row["name"]), str(row["module"]), ", ".join(row["hooks"]))  # type: ignore[arg-type]
    console.print(table)
