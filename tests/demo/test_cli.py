"""``kopiena demo-data`` through the installed entry point, as a user runs it."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from pathlib import Path

from sqlalchemy import func, select

from core.store.models import Client

from . import queries as q

KOPIENA = str(Path(sys.executable).parent / "kopiena")


def kopiena(*args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in ("KOPIENA_REGION", "KOPIENA_DB")}
    return subprocess.run([KOPIENA, *args], capture_output=True, text=True, timeout=120, env=env)


def clients(url: str) -> int:
    async def count() -> int:
        async with q.connect(url) as conn:
            return await conn.scalar(select(func.count()).select_from(Client))

    return asyncio.run(count())


def test_demo_data_fills_an_empty_database_and_refuses_to_do_it_twice(tmp_path):
    url = f"sqlite:///{tmp_path / 'node.db'}"
    done = kopiena("demo-data", "--region", "vidzeme", "--as-of", "2017-03-31", "--db", url, "--seed", "7", "--json")
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["region"] == "vidzeme" and report["as_of"] == "2017-03-31" and report["seed"] == 7
    assert report["clients"] == clients(url) > 0 and report["deliveries"] > 0
    again = kopiena("demo-data", "--region", "vidzeme", "--as-of", "2017-03-31", "--db", url)
    assert again.returncode == 1
    assert f"already holds {report['clients']} clients" in again.stderr
    assert clients(url) == report["clients"]
    other = kopiena("demo-data", "--region", "riga", "--db", url)
    assert other.returncode == 1 and "belongs to vidzeme, not to riga" in other.stderr
    assert clients(url) == report["clients"]


def test_bad_input_is_refused_before_anything_is_written(tmp_path):
    db = tmp_path / "node.db"
    url = f"sqlite:///{db}"
    for args, message in (
        (["--region", "narnia"], "no demo figures for the region 'narnia'"),
        (["--region", "riga", "--as-of", "2099-01-01"], "2099-01-01 is in the future"),
        (["--region", "riga", "--as-of", "2016-12-31"], "2016-12-31 is before that"),
        (["--region", "riga", "--as-of", "31.12.2018"], "'31.12.2018' is not a date"),
        ([], "say which region"),
    ):
        result = kopiena("demo-data", "--db", url, *args)
        assert result.returncode in (1, 2), args
        assert message in " ".join(result.stderr.split()), (args, result.stderr)
        assert "Traceback" not in result.stderr
        assert not db.exists(), args


def test_help_lists_the_command():
    result = kopiena("demo-data", "--help")
    assert result.returncode == 0 and "--as-of" in result.stdout and "--seed" in result.stdout


def test_publish_queues_the_snapshot_of_the_same_date_for_the_relay(tmp_path):
    from core.store.engine import create_engine, session_factory
    from core.store.snapshots import pending

    url = f"sqlite:///{tmp_path / 'node.db'}"
    done = kopiena("demo-data", "--region", "latgale", "--as-of", "2017-03-31", "--db", url, "--publish", "--json")
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)

    async def queued():
        engine = create_engine(url)
        try:
            async with session_factory(engine)() as session:
                return await pending(session)
        finally:
            await engine.dispose()

    rows = asyncio.run(queued())
    assert [(p.snapshot_id, p.region, p.as_of.isoformat(), p.sequence) for p in rows] == [
        (report["snapshot"], "latgale", "2017-03-31", 1)]
    unique = next(b for b in rows[0].indicators if b["code"] == "unique_persons_received")
    assert sum(row[-1] for row in unique["rows"] if row[0] is None) > 0  # people were served by then
