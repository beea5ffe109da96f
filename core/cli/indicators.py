"""``kopiena indicators --as-of D [--publish]``: the region's figures as of a date, and publishing them.

Without ``--publish`` nothing is written. With it, the snapshot and its outbox
row are written in one transaction; ``kopiena relay`` then sends it to the hub.
"""

from __future__ import annotations

import json
from datetime import date

import typer
from rich.table import Table

from core.domain.errors import InvalidValue
from core.domain.indicators import ACHIEVEMENT, DI_PLAN_TARGET, Snapshot, percent
from core.domain.rules import check_programme_date
from core.node import Node, today_in_riga
from core.settings import get_settings
from core.store.indicator_facts import AsOf, plan_progress
from core.store.snapshots import take_snapshot

from .app import app, console, run


def parse_day(text: str, field: str = "asOf") -> date:
    try:
        day = date.fromisoformat(text)
    except ValueError:
        raise InvalidValue(f"{text!r} is not a date (YYYY-MM-DD).", field=field) from None
    check_programme_date(day, today=today_in_riga(), field=field)
    return day


def figures_table(snapshot: Snapshot, *, municipality: str | None, zeros: bool) -> Table:
    """Every indicator's rows for the region total (or one municipality), zeros only if asked."""
    table = Table("indicator", "municipality", "dimensions", "value", title=f"{snapshot.region} as of "
                  f"{snapshot.as_of.isoformat()}", show_lines=False)
    for block in snapshot.indicators:
        if block.indicator in (DI_PLAN_TARGET, ACHIEVEMENT):
            continue
        dims = [d.value for d in block.indicator.dimensions]
        at = dims.index("municipality") if "municipality" in dims else None
        for row in block.rows:
            where = row[at] if at is not None else None
            if where != municipality or (not zeros and not row[-1]):
                continue
            rest = " ".join(str(v) for i, v in enumerate(row[:-1]) if i != at and v is not None)
            table.add_row(block.indicator.code, where or "(region)", rest, str(row[-1]))
    return table


def progress_table(plan: list) -> Table:
    """The DI plan: every service with persons or a planned number; achievement with one decimal."""
    table = Table("target group", "service", "recipient", "received", "target", "achieved",
                  title="DI plan progress")
    for group, service, recipient, received, target, planned in plan:
        shown = str(target) if target is not None else ("on demand" if planned else "")
        achieved = f"{percent(received, target)}%" if target else ""
        table.add_row(group, service or "(unique persons)", recipient, str(received), shown, achieved)
    return table


async def _indicators(region: str | None, db: str | None, as_of: date, publish: bool):
    node = Node.open(get_settings(db=db, region=region))
    try:
        snapshot, row = await take_snapshot(node, as_of, publish=publish)
        async with node.sessions() as session:
            plan = await plan_progress(session, AsOf(as_of, node.region))
        return snapshot, row, plan
    finally:
        await node.close()


@app.command("indicators")
def indicators_command(
    as_of: str = typer.Option(..., "--as-of", help="The as-of date, YYYY-MM-DD (Europe/Riga)."),
    publish: bool = typer.Option(False, "--publish", help="Store the snapshot and queue it for the hub."),
    region: str = typer.Option(None, "--region", help="Planning region (default: KOPIENA_REGION)."),
    db: str = typer.Option(None, "--db", help="Database URL (default: KOPIENA_DB)."),
    municipality: str = typer.Option(None, "--municipality", help="Show this municipality instead of the region."),
    zeros: bool = typer.Option(False, "--zeros", help="Show rows whose value is zero too."),
    as_json: bool = typer.Option(False, "--json", help="Print the whole snapshot as JSON."),
) -> None:
    """Compute the region's indicators as of a date (and with --publish, queue them for the national hub)."""
    day = parse_day(as_of)
    snapshot, row, plan = run(_indicators(region, db, day, publish))
    if as_json:
        out = {"region": snapshot.region, "asOf": day.isoformat(), "contentHash": snapshot.content_hash(),
               "indicators": snapshot.payload()}
        if row is not None:
            out |= {"snapshotId": row.id, "sequence": row.sequence}
        console.print_json(json.dumps(out, ensure_ascii=False))
        return
    console.print(figures_table(snapshot, municipality=municipality, zeros=zeros))
    console.print(progress_table(plan))
    if row is not None:
        console.print(f"published snapshot {row.id} (sequence {row.sequence}, {row.content_hash}); "
                      "`kopiena relay` sends it to the hub")
