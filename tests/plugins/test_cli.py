"""``kopiena import`` and ``kopiena export`` as an operator runs them: real processes, real databases."""

from __future__ import annotations

import asyncio
import csv
import json
import os
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
from sqlalchemy import func, select

from core.store.engine import create_engine
from core.store.models import Client, Delivery, ExternalRef, ServiceEpisode

from .sheets import generate

SHEETS = Path(__file__).parent.parent / "data" / "spreadsheets"
KOPIENA = str(Path(sys.executable).parent / "kopiena")


def kopiena(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [KOPIENA, *args],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=cwd,
        env={**os.environ, "COLUMNS": "200", "KOPIENA_REGION": "zemgale"},
    )


async def _counts(url: str) -> dict[str, int]:
    engine = create_engine(url)
    try:
        async with engine.connect() as conn:
            return {
                name: await conn.scalar(select(func.count()).select_from(model))
                for name, model in (
                    ("clients", Client),
                    ("episodes", ServiceEpisode),
                    ("deliveries", Delivery),
                    ("refs", ExternalRef),
                )
            }
    finally:
        await engine.dispose()


def counts(url: str) -> dict[str, int]:
    return asyncio.run(_counts(url))


def row(summary: str, label: str) -> str:
    """The text of one row of the printed summary (``read``, ``written``, ``rejected`` ...)."""
    found = re.search(rf"^\s*{label}\s+(.*?)\s*$", summary, re.M)
    assert found, (label, summary)
    return found.group(1)


def rejects(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig") as f:
        return list(csv.DictReader(f))


def test_import_shows_progress_a_summary_and_writes_the_reject_file(db_url, tmp_path):
    out = tmp_path / "atteikti.csv"
    result = kopiena(
        "import", "spreadsheet", str(SHEETS / "kludas.csv"), "--db", db_url, "--reject-file", str(out)
    )
    assert result.returncode == 0, result.stderr
    assert "importing kludas.csv" in result.stderr and "16/16 lines" in result.stderr  # the progress bar
    summary = result.stdout
    assert row(summary, "read") == "13 lines: 8 clients, 8 episodes, 3 deliveries"
    assert row(summary, "written") == "5 clients, 2 episodes, 3 deliveries"
    assert row(summary, "rejected") == "14 records on 11 lines"
    assert "PERSONAL_CODE_INVALID: 2" in summary and "DUPLICATE_ROW: 1" in summary
    rows = rejects(out)
    assert {int(r["line"]) for r in rows} == {4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 16}
    first = next(r for r in rows if r["line"] == "6")
    assert (first["field"], first["code"]) == ("Pašvaldība", "UNKNOWN_MUNICIPALITY")
    assert "Rīga" in first["message"]
    assert counts(db_url) == {"clients": 5, "episodes": 2, "deliveries": 3, "refs": 7}

    again = kopiena(
        "import",
        "spreadsheet",
        str(SHEETS / "kludas.csv"),
        "--db",
        db_url,
        "--quiet",
        "--reject-file",
        str(out),
    )
    assert again.returncode == 0 and row(again.stdout, "written") == "nothing"
    assert counts(db_url) == {"clients": 5, "episodes": 2, "deliveries": 3, "refs": 7}


def test_a_reject_file_is_written_beside_by_default(sqlite_dbs, tmp_path):
    db_url = sqlite_dbs.fresh()  # the CLI on one database; the runner is tested on both (test_imports.py)
    result = kopiena(
        "import", "spreadsheet", str(SHEETS / "kludas.csv"), "--db", db_url, "--quiet", cwd=tmp_path
    )
    assert result.returncode == 0
    assert "reject file: kludas.rejected.csv" in result.stdout
    assert len(rejects(tmp_path / "kludas.rejected.csv")) == 14


def test_an_import_that_cannot_start_says_why_and_exits_non_zero(sqlite_dbs, tmp_path):
    db_url = sqlite_dbs.fresh()
    wrong = kopiena("import", "spreadsheet", str(SHEETS / "nepareizas-galvenes.csv"), "--db", db_url)
    assert wrong.returncode == 1
    assert "missing column(s): 'Personas kods', 'Pakalpojums'" in wrong.stderr
    assert "Traceback" not in wrong.stderr
    unknown = kopiena("import", "socis", "x.csv", "--db", db_url)
    assert unknown.returncode == 1 and "there is no importer 'socis' (importers:" in unknown.stderr
    assert "spreadsheet" in unknown.stderr
    bad_option = kopiena("import", "spreadsheet", "x.csv", "--db", db_url, "--option", "sheet")
    assert bad_option.returncode == 2 and "key=value" in bad_option.stderr
    assert counts(db_url) == {"clients": 0, "episodes": 0, "deliveries": 0, "refs": 0}


def test_export_deliveries_and_costs_of_a_month(sqlite_dbs, tmp_path):
    db_url = sqlite_dbs.fresh()  # the exports' SQL is tested on both databases in test_exports.py
    assert (
        kopiena(
            "import",
            "spreadsheet",
            str(SHEETS / "klienti.csv"),
            "--db",
            db_url,
            "--quiet",
            "--reject-file",
            str(tmp_path / "r.csv"),
        ).returncode
        == 0
    )
    deliveries = kopiena("export", "deliveries", "--month", "2018-03", "--db", db_url)
    assert deliveries.returncode == 0, deliveries.stderr
    assert deliveries.stdout.splitlines() == [
        "month,municipality_code,municipality,service_code,persons,episodes,deliveries,units,cost_eur",
        "2018-03,jelgavas-pilseta-2009,Jelgavas pilsētas pašvaldība,DAY_CARE_CENTRE,1,1,5,5.00,81.20",
        "2018-03,jelgavas-pilseta-2009,Jelgavas pilsētas pašvaldība,HOME_CARE,1,1,3,7.50,28.74",
    ]
    out = tmp_path / "costs.json"
    costs = kopiena(
        "export", "costs", "--month", "07.2018", "--format", "json", "-o", str(out), "--db", db_url
    )
    assert costs.returncode == 0 and "1 row written" in costs.stderr
    assert json.loads(out.read_text("utf-8")) == [  # respite care and family rehabilitation: no ESF rate
        {
            "month": "2018-07",
            "municipality_code": "dobeles-novads-2009",
            "municipality": "Dobeles novada pašvaldība",
            "funding_source": "ESF",
            "deliveries": 6,
            "costed_deliveries": 0,
            "cost_eur": "0.00",
        },
    ]
    bad = kopiena("export", "deliveries", "--month", "marts", "--db", db_url)
    assert bad.returncode == 1 and "INVALID_VALUE (month)" in bad.stderr


@pytest.mark.timeout(900)  # about a minute alone on two cores; more while other suites share them
def test_ten_thousand_rows_import_with_an_accurate_report_and_again_write_nothing(sqlite_dbs, tmp_path):
    """The issue's bar: a 10,000-row municipal sheet, generated here with known mistakes planted."""
    db_url = sqlite_dbs.fresh()
    sheet = tmp_path / "zemgale-2016-2021.csv"
    expected = generate(sheet, 10_000)
    out = tmp_path / "atteikti.csv"
    result = kopiena("import", "spreadsheet", str(sheet), "--db", db_url, "--reject-file", str(out))
    assert result.returncode == 0, result.stderr
    assert "10001/10001 lines" in result.stderr
    rows = rejects(out)
    root = {}
    for r in rows:
        root.setdefault(int(r["line"]), r["code"])  # the first record refused on a line says why
    assert set(root) == expected.rejected_lines
    assert Counter(root.values()) == expected.rejected_rows
    found = counts(db_url)
    assert found["episodes"] == expected.episodes and found["deliveries"] == expected.deliveries
    assert found["clients"] == len(expected.persons)
    assert row(result.stdout, "written") == (
        f"{len(expected.persons)} clients, {expected.episodes} episodes, {expected.deliveries} deliveries"
    )
    assert (
        row(result.stdout, "read") == f"10000 lines: 10000 clients, 10000 episodes, "
        f"{expected.delivery_records} deliveries"
    )

    again = kopiena("import", "spreadsheet", str(sheet), "--db", db_url, "--quiet", "--reject-file", str(out))
    assert again.returncode == 0 and row(again.stdout, "written") == "nothing"
    assert counts(db_url) == found
    assert {int(r["line"]) for r in rejects(out)} == expected.rejected_lines


@pytest.mark.parametrize("args", [("plugins",), ("plugins", "--json")])
def test_kopiena_plugins_lists_the_integration_plugins_and_their_hooks(args):
    result = kopiena(*args)
    assert result.returncode == 0, result.stderr
    if "--json" in args:
        hooks = {p["name"]: p["hooks"] for p in json.loads(result.stdout)}
        assert hooks["spreadsheet"] == ["importers"] and hooks["webhook"] == ["on_event"]
        assert "exporters" in hooks["core.builtins"]
    else:
        assert "spreadsheet" in result.stdout and "plugins.webhook" in result.stdout


def test_an_importer_plugin_that_raises_midway_exits_non_zero_after_writing_what_it_read(
    db_url, register_plugin, capsys, tmp_path
):
    from core.cli import main

    from .helpers import ImporterPlugin, ListImporter, client, episode

    records = [client(1), episode(1, 1), client(2), episode(2, 2), client(3)]
    register_plugin(ImporterPlugin(ListImporter(records, name="socis", fail_at=3)))
    with pytest.raises(SystemExit) as exited:
        main(
            [
                "import",
                "socis",
                "https://socis.example/export",
                "--db",
                db_url,
                "--region",
                "zemgale",
                "--quiet",
                "--batch-size",
                "2",
                "--reject-file",
                str(tmp_path / "r.csv"),
            ]
        )
    assert exited.value.code == 1
    out, err = capsys.readouterr()
    assert (
        "error: import stopped: the importer 'socis' failed after line 2: ConnectionError: the municipal "
        "system stopped answering" in " ".join(err.split())
    )
    assert row(out, "written") == "2 clients, 1 episode"
    assert counts(db_url) == {"clients": 2, "episodes": 1, "deliveries": 0, "refs": 3}
