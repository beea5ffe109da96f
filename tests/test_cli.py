"""The ``kopiena`` console script as an operator runs it: real processes, real databases."""

import asyncio
import os
import subprocess
import sys
from pathlib import Path

from sqlalchemy import func, select

from core.store.engine import create_engine
from core.store.models import MunicipalityRow, RateRow

KOPIENA = str(Path(sys.executable).parent / "kopiena")


def kopiena(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([KOPIENA, *args], capture_output=True, text=True, timeout=120,
                          env={**os.environ, "COLUMNS": "200", **(env or {})})


async def _counts(url: str) -> tuple[int, int, int]:
    engine = create_engine(url)
    try:
        async with engine.connect() as conn:
            current = await conn.scalar(select(func.count()).where(MunicipalityRow.valid_to.is_(None)))
            historic = await conn.scalar(select(func.count()).where(MunicipalityRow.valid_to.is_not(None)))
            rates = await conn.scalar(select(func.count()).select_from(RateRow))
            return current, historic, rates
    finally:
        await engine.dispose()


def test_db_upgrade_and_seed_give_zemgale_its_reference_data(empty_db_url):
    up = kopiena("db", "upgrade", "--db", empty_db_url)
    assert up.returncode == 0, up.stderr
    seeded = kopiena("seed", "--region", "zemgale", "--db", empty_db_url)
    assert seeded.returncode == 0, seeded.stderr
    assert "6 municipalities (+22 historic)" in seeded.stdout
    again = kopiena("seed", "--db", empty_db_url, env={"KOPIENA_REGION": "zemgale"})
    assert again.returncode == 0, again.stderr
    assert asyncio.run(_counts(empty_db_url)) == (6, 22, 9)


def test_errors_are_one_clear_line_without_traceback(tmp_path):
    db = f"sqlite:///{tmp_path}/x.db"
    cases = [
        (("seed", "--region", "atlantis", "--db", db), "UNKNOWN_REGION"),
        (("db", "upgrade", "--db", "mysql://u@h/d"), "SQLite or PostgreSQL"),
        (("seed", "--db", db), "region"),
    ]
    for args, fragment in cases:
        result = kopiena(*args, env={"KOPIENA_REGION": ""} if "--region" not in args else None)
        assert result.returncode != 0, args
        assert fragment in result.stderr, (args, result.stderr)
        assert "Traceback" not in result.stderr + result.stdout


def test_plugins_command_lists_regions_and_hooks():
    result = kopiena("plugins", "--json")
    assert result.returncode == 0, result.stderr
    assert '"zemgale"' in result.stdout and "region_info" in result.stdout
