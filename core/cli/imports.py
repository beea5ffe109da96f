"""``kopiena import`` and ``kopiena export``: data in from and out to municipal systems, through plugins."""

from __future__ import annotations

import csv
from pathlib import Path

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from core import events
from core.imports import Importer, available_importers
from core.node import Node
from core.settings import get_settings
from core.store.engine import create_engine, session_factory
from core.store.exports import ExportParams, ExportTable, available_exporters, parse_month, render
from core.store.imports import BATCH_SIZE, ImportReport, run_import

from .app import CommandError, app, console, err_console, run
from .db import DB_OPTION, REGION_OPTION

REJECT_COLUMNS = ("line", "kind", "external_id", "field", "code", "message")


def write_reject_file(report: ImportReport, path: Path) -> None:
    """Every refused record with its line, field and reason (UTF-8 with BOM, so Excel shows ā and š)."""
    with path.open("w", encoding="utf-8-sig", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(REJECT_COLUMNS)
        for r in sorted(report.rejected, key=lambda r: r.line):
            writer.writerow([r.line, r.kind, r.external_id or "", r.field or "", r.code, r.message])


def _importer(name: str, node: Node) -> Importer:
    known = available_importers(node.pm)
    if name not in known:
        names = ", ".join(sorted(known)) or "none installed"
        raise CommandError(f"there is no importer {name!r} (importers: {names})")
    return known[name]


def _options(pairs: list[str]) -> dict[str, str]:
    out = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise typer.BadParameter(f"{pair!r} is not key=value", param_hint="--option")
        out[key.strip()] = value.strip()
    return out


def _kinds(counter) -> str:
    parts = [
        f"{counter[k]} {k if counter[k] == 1 else k + 's'}"
        for k in ("client", "episode", "delivery")
        if counter[k]
    ]
    return ", ".join(parts).replace("deliverys", "deliveries") or "nothing"


def print_summary(report: ImportReport, reject_path: Path | None) -> None:
    table = Table(show_header=False, box=None, padding=(0, 2))
    table.add_row(
        "read", f"{len(report.lines)} line{'' if len(report.lines) == 1 else 's'}: {_kinds(report.read)}"
    )
    table.add_row("written", _kinds(report.written))
    if sum(report.linked.values()):
        table.add_row("linked", f"{_kinds(report.linked)} already registered")
    if sum(report.updated.values()):
        table.add_row("updated", f"{_kinds(report.updated)} (ended since)")
    if sum(report.unchanged.values()):
        table.add_row("unchanged", f"{_kinds(report.unchanged)} imported before")
    lines = len(report.rejected_lines)
    table.add_row("rejected", f"{len(report.rejected)} records on {lines} line{'' if lines == 1 else 's'}")
    for code, n in sorted(report.by_reason.items(), key=lambda kv: (-kv[1], kv[0])):
        table.add_row("", f"{code}: {n}")
    console.print(f"[bold]{report.importer}[/] {report.source} (system {report.system})", highlight=False)
    console.print(table)
    if reject_path is not None:
        console.print(f"reject file: {reject_path}", highlight=False)


async def _import(
    node: Node,
    importer: Importer,
    source: str,
    system: str | None,
    batch_size: int,
    options: dict[str, str],
    quiet: bool,
) -> ImportReport:
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("lines"),
        TimeElapsedColumn(),
    )
    try:
        with Progress(*columns, console=err_console, disable=quiet) as progress:
            task = progress.add_task(f"importing {Path(source).name}", total=importer.size(source))
            report = await run_import(
                node,
                importer,
                source,
                system=system,
                batch_size=batch_size,
                options=options,
                progress=lambda r: progress.update(task, completed=r.last_line),
            )
            progress.update(task, completed=report.last_line, total=report.last_line)
        left = await events.drain()
        if left:  # a listener (a webhook whose receiver is down) did not finish: say so, do not wait forever
            err_console.print(
                f"warning: {left} event listener(s) still running were stopped", highlight=False
            )
        return report
    finally:
        await node.close()


@app.command("import")
def import_command(
    importer: str = typer.Argument(..., help="Importer name (see `kopiena plugins`), e.g. spreadsheet."),
    source: str = typer.Argument(..., help="File path or URL the importer reads."),
    region: str = REGION_OPTION,
    db: str = DB_OPTION,
    reject_file: Path | None = typer.Option(
        None, "--reject-file", help="Where to list refused records (CSV)."
    ),
    system: str | None = typer.Option(
        None, "--system", help="Name of the municipal system the ids come from (default: importer)."
    ),
    batch_size: int = typer.Option(BATCH_SIZE, "--batch-size", min=1, help="Records committed together."),
    option: list[str] = typer.Option([], "--option", help="key=value passed to the importer (repeatable)."),
    quiet: bool = typer.Option(False, "--quiet", help="No progress bar."),
) -> None:
    """Import clients, episodes and deliveries from a municipal system; every record goes through the
    API's rules, refused ones are listed in the reject file, re-running writes nothing new."""
    settings = get_settings(db=db, region=region)
    if not settings.region:
        raise typer.BadParameter("say which region: --region or KOPIENA_REGION", param_hint="--region")
    node = Node.open(settings)
    chosen = _importer(importer, node)
    report = run(_import(node, chosen, source, system, batch_size, _options(option), quiet))
    path = reject_file
    if path is None and report.rejected:
        path = Path(f"{Path(source).stem or 'import'}.rejected.csv")
    if path is not None:
        write_reject_file(report, path)
    print_summary(report, path)
    if report.error:
        raise CommandError(f"import stopped: {report.error}")


async def _export(db_url: str, name: str, params: ExportParams) -> ExportTable:
    from core.plugins import get_plugin_manager

    known = available_exporters(get_plugin_manager())
    if name not in known:
        raise CommandError(f"there is no exporter {name!r} (exporters: {', '.join(sorted(known))})")
    engine = create_engine(db_url)
    try:
        async with session_factory(engine)() as session:
            return await known[name].export(session, params)
    finally:
        await engine.dispose()


@app.command("export")
def export_command(
    exporter: str = typer.Argument(..., help="Exporter name: deliveries, costs, or a plugin's."),
    month: str = typer.Option(..., "--month", help="Calendar month, YYYY-MM."),
    municipality: str | None = typer.Option(None, "--municipality", help="Only this municipality (code)."),
    fmt: str = typer.Option("csv", "--format", help="csv or json."),
    output: Path | None = typer.Option(
        None, "--output", "-o", help="File to write (default: standard output)."
    ),
    region: str = REGION_OPTION,
    db: str = DB_OPTION,
) -> None:
    """Export a month of the node's data for a municipal system (aggregates computed in the database)."""
    settings = get_settings(db=db, region=region)
    params = ExportParams(month=parse_month(month), municipality=municipality, region=settings.region)
    table = run(_export(settings.db, exporter, params))
    text = render(table, fmt)
    if output is None:
        typer.echo(text, nl=not text.endswith("\n"))
    else:
        output.write_text(text, encoding="utf-8")
        n = len(table.rows)
        err_console.print(f"{n} row{'' if n == 1 else 's'} written to {output}", highlight=False)
