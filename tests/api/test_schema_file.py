"""The checked-in ``schema.graphql`` is the schema the node serves."""

from __future__ import annotations

import difflib
from pathlib import Path

from typer.testing import CliRunner

from core.api.schema import build_schema, print_sdl
from core.cli import app
from core.plugins import get_plugin_manager

SCHEMA_FILE = Path(__file__).resolve().parents[2] / "schema.graphql"
REGENERATE = "schema.graphql is out of date; regenerate it with `kopiena schema --node > schema.graphql`"


def test_schema_graphql_is_up_to_date():
    current = print_sdl(build_schema(get_plugin_manager()))
    checked_in = SCHEMA_FILE.read_text(encoding="utf-8") if SCHEMA_FILE.exists() else ""
    if checked_in != current:
        diff = "".join(list(difflib.unified_diff(checked_in.splitlines(True), current.splitlines(True),
                                                 "schema.graphql (checked in)", "schema (code)"))[:60])
        raise AssertionError(f"{REGENERATE}\n{diff}")


def test_kopiena_schema_node_prints_the_same_sdl_every_time():
    runner = CliRunner()
    first, second = runner.invoke(app, ["schema", "--node"]), runner.invoke(app, ["schema", "--node"])
    assert first.exit_code == 0, first.output
    assert first.output == second.output == print_sdl(build_schema(get_plugin_manager()))
    assert "type Query {" in first.output and "clients(first: Int" in first.output


def test_kopiena_schema_needs_to_know_which_schema():
    result = CliRunner().invoke(app, ["schema"])
    assert result.exit_code != 0
