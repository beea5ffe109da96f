"""The demo's commands on the ``kopiena`` command line (registered as the ``demo`` plugin)."""

from __future__ import annotations

import json
from dataclasses import asdict
from datetime import date

import typer

from core import hookimpl
from core.cli.app import CommandError, console
from core.settings import get_settings

from .figures import AS_OF


def _day(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise typer.BadParameter(f"{value!r} is not a date (YYYY-MM-DD)", param_hint="--as-of") from None


def demo_data(
    region: str = typer.Option(None, "--region", help="Planning region (default: KOPIENA_REGION)."),
    as_of: str = typer.Option(AS_OF.isoformat(), "--as-of", help="Write what is known on this date."),
    db: str = typer.Option(None, "--db", help="Database URL (default: KOPIENA_DB)."),
    seed: int = typer.Option(1, "--seed", help="Seed of the synthetic people (same seed, same people)."),
    as_json: bool = typer.Option(False, "--json", help="Print the report as JSON."),
) -> None:
    """Fill a regional node's database with synthetic people shaped on the published figures of 2018."""
    from .generator import DemoDataError, load_region  # the store and its drivers load only when used

    settings = get_settings(db=db, region=region)
    if not settings.region:
        raise typer.BadParameter("say which region: --region or KOPIENA_REGION", param_hint="--region")
    try:
        report = load_region(settings.db, settings.region, _day(as_of), seed)
    except DemoDataError as exc:
        raise CommandError(str(exc)) from None
    if as_json:
        console.print_json(json.dumps(asdict(report), default=str))
    else:
        console.print(report.line(), highlight=False, soft_wrap=True)


@hookimpl
def register_commands(cli: typer.Typer) -> None:
    cli.command("demo-data")(demo_data)
