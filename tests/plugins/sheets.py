"""Municipal spreadsheets for the import tests: written here, so that no large file is committed.

:func:`generate` writes N rows of the spreadsheet layout and plants known
mistakes at known rows, returning what an accurate import report must say.
"""

from __future__ import annotations

import csv
import random
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

from core.domain.personal_code import make_personal_code

HEADERS = [
    "Ieraksta Nr.",
    "Personas kods",
    "Vārds",
    "Uzvārds",
    "Mērķa grupa",
    "Pašvaldība",
    "Pakalpojums",
    "Sākuma datums",
    "Beigu datums",
    "Sniegšanas datumi",
    "Vienības",
]
ADULT_SERVICES = [
    "Aprūpes pakalpojums mājās",
    "Dienas aprūpes centra pakalpojums",
    "SPECIALIST_SUPPORT",
    "Atbalsta grupas un grupu nodarbības",
    "Specializētās darbnīcas pakalpojums",
]
CHILD_SERVICES = ["Sociālā rehabilitācija bērnam", "Aprūpes pakalpojums", "Dienas aprūpes centra pakalpojums"]
MUNICIPALITIES = ["Jelgava", "Dobeles novads", "Bauskas novads", "Aizkraukles novads", "Jelgavas novads"]
GIVEN = ["Anna", "Jānis", "Līga", "Mārtiņš", "Ilze", "Pēteris", "Zane", "Andris", "Inese", "Roberts"]
FAMILY = [
    "Bērziņa",
    "Ozoliņš",
    "Kalniņa",
    "Liepiņš",
    "Zariņa",
    "Krūmiņš",
    "Vītola",
    "Šmits",
    "Ēķis",
    "Žagars",
]
PLANTED = {  # every n-th row (counted from 0) carries one known mistake; the steps share no multiples below N
    97: ("PERSONAL_CODE_INVALID", "bad_code"),
    89: ("UNKNOWN_MUNICIPALITY", "bad_municipality"),
    83: ("UNKNOWN_SERVICE", "bad_service"),
    79: ("INVALID_VALUE", "future_start"),
    73: ("INVALID_VALUE", "before_2015"),
}


def fmt(day: date) -> str:
    return day.strftime("%d.%m.%Y")


@dataclass
class Expected:
    """What an accurate import of the generated sheet reports."""

    rows: int = 0
    rejected_rows: Counter = field(default_factory=Counter)
    """Planted mistakes by the reason the row is refused for."""
    rejected_lines: set[int] = field(default_factory=set)
    episodes: int = 0
    deliveries: int = 0
    delivery_records: int = 0
    persons: set[str] = field(default_factory=set)
    """Personal codes registered: a person with at least one row whose person columns are right."""


def _mistake(i: int) -> str | None:
    for step, (_code, name) in PLANTED.items():
        if i and i % step == 0:
            return name
    return None


def generate(path: Path, n: int, *, seed: int = 7, today: date | None = None) -> Expected:
    """Write ``n`` rows to ``path`` (UTF-8, ``;``, decimal commas) and say what a correct import does."""
    rng = random.Random(seed)
    today = today or date.today()
    expected = Expected(rows=n)
    rows = []
    person = 0
    services: list[str] = []
    for i in range(n):
        if not services:  # a new person with two or three services, each on its own row
            person += 1
            adult = rng.random() < 0.6
            birth = (
                date(1960, 1, 1) + timedelta(days=rng.randrange(40 * 365))
                if adult
                else date(2006, 1, 1) + timedelta(days=rng.randrange(8 * 365))
            )
            code = make_personal_code(birth, person)
            group = "GRT" if adult else "FT"
            services = rng.sample(ADULT_SERVICES if adult else CHILD_SERVICES, rng.choice((2, 3)))
            name = (rng.choice(GIVEN), rng.choice(FAMILY))
            municipality = rng.choice(MUNICIPALITIES)
        service = services.pop()
        start = date(2016, 1, 4) + timedelta(days=rng.randrange(6 * 365))
        # about half the rows also list the days delivered so far; the others only grant the service
        days = [start, start + timedelta(days=7)][: rng.choice((0, 1, 2, 2))]
        units = (
            "1"
            if service in ("Dienas aprūpes centra pakalpojums", "Specializētās darbnīcas pakalpojums")
            else rng.choice(["1,5", "2", "2,25", "0,75"])
        )
        row = [
            f"R{i:06d}",
            code,
            *name,
            group,
            municipality,
            service,
            fmt(start),
            "",
            "; ".join(fmt(d) for d in days),
            units if days else "",
        ]
        mistake = _mistake(i)
        if mistake == "bad_code":
            row[1] = code[:-1] + str((int(code[-1]) + 1) % 10)
        elif mistake == "bad_municipality":
            row[5] = "Rīgas pilsēta"
        elif mistake == "bad_service":
            row[6] = "Zirgu terapija"
        elif mistake == "future_start":
            row[7] = fmt(today + timedelta(days=30))
            row[9] = ""
            row[10] = ""
        elif mistake == "before_2015":
            row[7] = "31.12.2014"
            row[9] = ""
            row[10] = ""
        expected.delivery_records += len(days) if row[9] else 0
        if mistake not in ("bad_code", "bad_municipality"):
            expected.persons.add(code)
        if mistake:
            expected.rejected_rows[next(c for c, m in PLANTED.values() if m == mistake)] += 1
            expected.rejected_lines.add(i + 2)  # the header is line 1
        else:
            expected.episodes += 1
            expected.deliveries += len(days)
        rows.append(row)
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f, delimiter=";")
        writer.writerow(HEADERS)
        writer.writerows(rows)
    return expected
