"""The demo's commands on the ``kopiena`` command line (registered as the ``demo`` plugin)."""

from __future__ import annotations

import json
from dataclasses import asdict
from datetime import date
from pathlib import Path

import typer

from core import hookimpl
from core.cli.app import CommandError, console, run
from core.settings import Settings, get_settings

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
    publish: bool = typer.Option(False, "--publish", help="Then publish the indicators as of the same date, as "
                                 "`kopiena indicators --publish` does (snapshot + outbox)."),
) -> None:
    """Fill a regional node's database with synthetic people shaped on the published figures of 2018."""
    from .generator import DemoDataError, load_region  # the store and its drivers load only when used

    settings = get_settings(db=db, region=region)
    if not settings.region:
        raise typer.BadParameter("say which region: --region or KOPIENA_REGION", param_hint="--region")
    day = _day(as_of)
    try:
        report = load_region(settings.db, settings.region, day, seed)
    except DemoDataError as exc:
        raise CommandError(str(exc)) from None
    snapshot = run(_publish(settings, day)) if publish else None
    if as_json:
        console.print_json(json.dumps(asdict(report) | ({"snapshot": snapshot} if snapshot else {}), default=str))
        return
    console.print(report.line(), highlight=False, soft_wrap=True)
    if snapshot:
        console.print(f"published snapshot {snapshot}; `kopiena relay` sends it to the hub", highlight=False)


async def _publish(settings: Settings, day: date) -> str:
    """The snapshot of the region's indicators as of ``day``, stored with its outbox row; its id."""
    from core.node import Node
    from core.store.snapshots import take_snapshot

    node = Node.open(settings)
    try:
        _, row = await take_snapshot(node, day, publish=True)
    finally:
        await node.close()
    assert row is not None, "a published snapshot has a row"
    return row.id


def demo(
    once: bool = typer.Option(False, "--once", help="Print the table, stop everything and exit."),
    as_json: bool = typer.Option(False, "--json", help="Print the figures read from the hub as JSON instead."),
    var: Path = typer.Option(Path("var"), "--var", help="Directory of the demo's files (VAR/demo is wiped first)."),
    as_of: str = typer.Option(AS_OF.isoformat(), "--as-of", help="The regions report their figures as of this day."),
    seed: int = typer.Option(1, "--seed", help="Seed of the synthetic people."),
    port: int = typer.Option(8100, "--port", help="The hub's HTTP port; the five nodes get the next five."),
    timeout: float = typer.Option(300.0, "--timeout", help="Seconds to wait for everything to be up."),
) -> None:
    """Run the national programme on this machine: NATS, the hub and five regional nodes, each a process."""
    from .orchestrator import Options, run  # the store and its drivers load only when used

    code = run(Options(var=var, as_of=_day(as_of), seed=seed, port=port, timeout=timeout), once=once,
               as_json=as_json)
    raise typer.Exit(code)


@hookimpl
def register_commands(cli: typer.Typer) -> None:
    cli.command("demo-data")(demo_data)
    cli.command("demo")(demo)
