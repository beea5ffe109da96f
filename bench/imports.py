"""Benchmark 4: rows per second of the municipal spreadsheet importer vs a raw ``executemany`` of the same rows.

A seeded CSV in the spreadsheet layout (Latvian headers, DD.MM.YYYY, decimal
commas): each row one person-service episode with its delivery dates, about
three rows per person. The platform is ``kopiena import spreadsheet``'s runner
(:func:`core.store.imports.run_import`: parse, every record checked with the
API's rule functions on facts looked up per batch, bulk writes, external refs).
The baseline inserts the same clients,
episodes and deliveries (values computed beforehand, not timed) with one
``executemany`` per table in one transaction on the same engine. Both start
from a fresh migrated, seeded database; afterwards both must hold the same
numbers of rows and the same cost.
"""

from __future__ import annotations

import csv
import random
import time
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import sqlalchemy as sa

from core.domain.personal_code import make_personal_code
from core.imports import available_importers
from core.node import Node
from core.registry import Registry
from core.settings import Settings
from core.store.engine import create_engine
from core.store.imports import run_import
from core.store.models import Client, Delivery, ServiceEpisode

from .databases import Databases
from .stats import r

GOAL = 0.30
HEADER = ["Ieraksta Nr.", "Personas kods", "Vārds", "Uzvārds", "Mērķa grupa", "Pašvaldība", "Pakalpojums",
          "Sākuma datums", "Beigu datums", "Sniegšanas datumi", "Vienības"]
# services with one rate tier, so the baseline's cost is the importer's without a tier rule
SERVICES = (("Aprūpe mājās", "HOME_CARE", "2,5"), ("Speciālistu konsultācijas", "SPECIALIST_SUPPORT", "1"),
            ("Atbalsta grupas", "SUPPORT_GROUP", "1"))
DATES_PER_ROW = 4


@dataclass
class Sheet:
    path: Path
    rows: int
    clients: list[dict] = field(default_factory=list)
    episodes: list[dict] = field(default_factory=list)
    deliveries: list[dict] = field(default_factory=list)


def write_sheet(path: Path, rows: int, region: str, rate_ids: dict[str, tuple[int, Decimal]], seed: int = 11) -> Sheet:
    """The CSV and, for the baseline, the rows it stands for (ids as a fresh database gives them)."""
    registry = Registry.load(region)
    municipalities = sorted((m for m in registry.municipalities.values() if m.valid_to is None), key=lambda m: m.code)
    rng = random.Random(seed)
    sheet = Sheet(path, rows)
    now = datetime(2021, 1, 1, tzinfo=UTC)
    with open(path, "w", newline="", encoding="utf-8") as f:
        out = csv.writer(f, delimiter=";")
        out.writerow(HEADER)
        for i in range(rows):
            person = i // 3 + 1
            if i % 3 == 0:
                m = rng.choice(municipalities)
                sheet.clients.append({"id": person, "personal_code": make_personal_code(None, 7_000_000 + person),
                                      "given_name": rng.choice(("Anna", "Jānis", "Līga")), "family_name": "Bērziņa",
                                      "target_group": "ADULT_GRT", "municipality_code": m.code,
                                      "recipient_kind": "PERSON", "residence": "COMMUNITY",
                                      "created_at": now, "updated_at": now})
            client = sheet.clients[-1]
            label, code, units = SERVICES[i % 3]
            start = date(2019, 1, 1) + timedelta(rng.randrange(300))
            days = [start + timedelta(7 * k) for k in range(DATES_PER_ROW)]
            sheet.episodes.append({"id": i + 1, "client_id": client["id"], "service_code": code,
                                   "granted_by": client["municipality_code"], "start_date": start, "created_at": now})
            rate_id, amount = rate_ids[code]
            u = Decimal(units.replace(",", "."))
            for day in days:
                sheet.deliveries.append({"episode_id": i + 1, "date": day, "units": u, "rate_id": rate_id,
                                         "cost": (u * amount).quantize(Decimal("0.01"), ROUND_HALF_UP),
                                         "funding_source": "ESF"})
            name = next(m.short_name for m in municipalities if m.code == client["municipality_code"])
            out.writerow([f"B-{i + 1}", client["personal_code"], client["given_name"], client["family_name"], "GRT",
                          name, label, start.strftime("%d.%m.%Y"), "",
                          "; ".join(d.strftime("%d.%m.%Y") for d in days), units])
    for n, d in enumerate(sheet.deliveries, 1):
        d["id"] = n
    return sheet


async def _rate_ids(url: str) -> dict[str, tuple[int, Decimal]]:
    engine = create_engine(url)
    try:
        async with engine.connect() as conn:
            rows = (await conn.execute(sa.text("SELECT id, service_code, tier, amount FROM rates"))).all()
    finally:
        await engine.dispose()
    lowest: dict[str, tuple[int, int, Decimal]] = {}
    for rid, code, tier, cents in rows:
        if code not in lowest or tier < lowest[code][1]:
            lowest[code] = (rid, tier, Decimal(int(cents)) / 100)
    return {code: (rid, amount) for code, (rid, _, amount) in lowest.items()}


async def _totals(node: Node) -> dict:
    async with node.engine.connect() as conn:
        return {
            "clients": await conn.scalar(sa.select(sa.func.count()).select_from(Client)),
            "episodes": await conn.scalar(sa.select(sa.func.count()).select_from(ServiceEpisode)),
            "deliveries": await conn.scalar(sa.select(sa.func.count()).select_from(Delivery)),
            "cost": str(await conn.scalar(sa.select(sa.func.sum(Delivery.cost)))),
        }


async def _platform(url: str, sheet: Sheet, region: str) -> tuple[float, dict, dict]:
    node = Node.open(Settings(db=url, region=region))
    try:
        importer = available_importers(node.pm)["spreadsheet"]
        started = time.perf_counter()
        report = await run_import(node, importer, str(sheet.path))
        seconds = time.perf_counter() - started
        if not report.ok or report.rejected:
            raise RuntimeError(f"the import refused rows: {report.error or report.rejected[:3]}")
        return seconds, dict(report.written), await _totals(node)
    finally:
        await node.close()


async def _raw(url: str, sheet: Sheet, region: str) -> tuple[float, dict]:
    node = Node.open(Settings(db=url, region=region))
    try:
        started = time.perf_counter()
        async with node.engine.begin() as conn:
            for model, rows in ((Client, sheet.clients), (ServiceEpisode, sheet.episodes),
                                (Delivery, sheet.deliveries)):
                await conn.execute(sa.insert(model.__table__), rows)  # type: ignore[attr-defined]
        seconds = time.perf_counter() - started
        return seconds, await _totals(node)
    finally:
        await node.close()


async def bench_import(dbs: Databases, backend: str, rows: int, workdir: Path, region: str = "zemgale") -> dict:
    mine, theirs = await dbs.fresh(backend, "import"), await dbs.fresh(backend, "import_raw")
    sheet = write_sheet(workdir / f"import-{rows}.csv", rows, region, await _rate_ids(mine.url))
    platform_s, written, got = await _platform(mine.url, sheet, region)
    raw_s, want = await _raw(theirs.url, sheet, region)
    if got != want:
        raise AssertionError(f"the importer and the baseline wrote different data: {got} vs {want}")
    await dbs.drop(mine)
    await dbs.drop(theirs)
    share = r((rows / platform_s) / (rows / raw_s), 4)
    return {
        "backend": backend, "rows": rows, "records": sum(written.values()), "written": written,
        "platform": {"seconds": r(platform_s, 3), "rows_per_s": r(rows / platform_s, 1)},
        "raw": {"seconds": r(raw_s, 3), "rows_per_s": r(rows / raw_s, 1)},
        "rate_share": share, "goal": f"importer >= {GOAL:.0%} of raw executemany rows/s",
        "met": share is not None and share >= GOAL,
    }
