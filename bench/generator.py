"""A seeded synthetic region of N clients, written with bulk SQL (``executemany`` / ``COPY``).

The benchmarks measure reads, so the data is written the fast way, after
``kopiena db upgrade`` and ``kopiena seed`` (the import benchmark measures the
write path). The rows still obey the programme's rules, as the write path
would have written them:

- each client has a target group, a municipality of the region, a residence on
  the deinstitutionalisation pathway (with an institution when needed), and
  for CHILD_FT children sometimes a legal representative or foster family as a
  client of their own;
- ``episodes_per_year`` episodes per client per year over ``years`` years, of
  services the catalogue allows for the client's target group and recipient
  kind, some ended, some still open;
- ``deliveries_per_year`` deliveries per client per year on distinct days
  inside the episodes, units within the service's daily maximum, costed at the
  lowest tier's rate valid that day (cents half-up), funded by ESF during the
  first 24 months of the person's services and by the state budget
  (left an institution) or the municipality afterwards;
- most clients have an assessment, many an approved support plan.

The same ``seed`` and sizes give the same rows on SQLite and PostgreSQL.
"""

from __future__ import annotations

import random
import sqlite3
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

import asyncpg

from core.domain.funding import FundingPolicy
from core.domain.people import RecipientKind, TargetGroup
from core.domain.personal_code import make_personal_code
from core.registry import Registry

from .databases import Database

START = date(2018, 1, 1)
CHUNK = 2000
"""Clients generated (and written) at a time; part of the seed's meaning, so fixed."""
STAMP = datetime(2021, 1, 1, tzinfo=UTC)

GIVEN = ("Anna", "Jānis", "Līga", "Pēteris", "Ilze", "Andris", "Inese", "Māris", "Kristīne", "Edgars",
         "Dace", "Aivars", "Laura", "Roberts", "Zane", "Artūrs")
FAMILY = ("Bērziņa", "Ozoliņš", "Kalniņa", "Jansons", "Liepiņa", "Krūmiņš", "Vītola", "Eglītis", "Zariņa",
          "Kļaviņš", "Balode", "Pētersons")
UNITS = {"DAY": (100,), "PLACEMENT": (100,), "HOUR": (100, 150, 200, 250, 300, 400), "SESSION": (100, 100, 200)}

COLUMNS = {
    "institutions": ("id", "code", "name", "kind", "municipality_code", "places"),
    "clients": ("id", "personal_code", "given_name", "family_name", "birth_date", "address", "diagnosis",
                "target_group", "recipient_kind", "represents_client_id", "municipality_code", "residence",
                "institution_id", "preparing_since", "left_institution_on", "care_level", "created_at",
                "updated_at"),
    "service_episodes": ("id", "client_id", "service_code", "place_id", "granted_by", "start_date", "end_date",
                         "plan_item_id", "created_at"),
    "deliveries": ("id", "episode_id", "date", "units", "rate_id", "cost", "funding_source"),
    "assessments": ("id", "client_id", "instrument_code", "instrument_version", "assessed_on", "assessor",
                    "complete", "ratings", "scores", "raw_total", "care_level", "created_at"),
    "support_plans": ("id", "client_id", "assessment_id", "status", "goals", "valid_from", "valid_to",
                      "created_by", "created_at", "approved_by", "approved_on", "closed_by", "closed_on"),
}
TABLES = tuple(COLUMNS)


@dataclass(frozen=True)
class Shape:
    """How big a region is and how busy its clients are."""

    clients: int
    episodes_per_year: float = 3.0
    deliveries_per_year: float = 20.0
    years: int = 3
    seed: int = 20180101

    @property
    def days(self) -> int:
        return (date(START.year + self.years, 1, 1) - START).days


@dataclass
class Generated:
    backend: str
    clients: int = 0
    episodes: int = 0
    deliveries: int = 0
    assessments: int = 0
    plans: int = 0
    seconds: float = 0.0
    db_bytes: int | None = None
    counts: dict[str, int] = field(default_factory=dict)

    def as_dict(self) -> dict:
        return {"backend": self.backend, "clients": self.clients, "episodes": self.episodes,
                "deliveries": self.deliveries, "assessments": self.assessments, "support_plans": self.plans,
                "generate_seconds": round(self.seconds, 2), "db_bytes": self.db_bytes}


@dataclass(frozen=True)
class Rate:
    id: int
    first: int
    last: int
    cents: int


class Region:
    """What the generator needs of a region: municipalities, services per group, rates, funding."""

    def __init__(self, registry: Registry, rates: list[tuple[int, str, int, date, date | None, int]]) -> None:
        self.code = registry.region.code
        self.municipalities = sorted(m.code for m in registry.municipalities.values() if m.valid_to is None)
        self.services: dict[tuple[str, bool], list[tuple[str, str]]] = {}
        for s in registry.catalogue:
            for group in s.target_groups:
                family = any(k is not RecipientKind.PERSON for k in s.recipients)
                person = RecipientKind.PERSON in s.recipients
                for is_family in (False, True):
                    if (is_family and family) or (not is_family and person):
                        self.services.setdefault((str(group), is_family), []).append((s.code, str(s.unit)))
        for codes in self.services.values():
            codes.sort()
        # the lowest tier valid on a day is what record_deliveries charges when no plugin picks a tier
        lowest: dict[str, int] = {}
        for _id, code, tier, *_ in rates:
            lowest[code] = min(tier, lowest.get(code, tier))
        self.rates: dict[str, list[Rate]] = {}
        for rid, code, tier, first, last, cents in rates:
            if tier == lowest[code]:
                self.rates.setdefault(code, []).append(Rate(
                    rid, (first - START).days, (last - START).days if last else 10**6, cents))

    def rate(self, code: str, day: int) -> Rate | None:
        for r in self.rates.get(code, ()):
            if r.first <= day <= r.last:
                return r
        return None


class Chunk:
    """Rows of one chunk of clients, per table, in the backend's value format."""

    def __init__(self) -> None:
        self.rows: dict[str, list[tuple]] = {t: [] for t in TABLES}


class Writer:
    """Turns dates and flags into what a backend's bulk path takes."""

    def __init__(self, backend: str, days: int) -> None:
        self.backend = backend
        span = days + 800  # plans and assessments may reach a little past the period
        if backend == "sqlite":
            # what SQLAlchemy's SQLite Date/DateTime types store
            self.day = [(START + timedelta(d)).isoformat() for d in range(-800, span)]
            self.stamp: object = STAMP.strftime("%Y-%m-%d %H:%M:%S.%f")
            self.true: object = 1
        else:
            self.day = [START + timedelta(d) for d in range(-800, span)]  # type: ignore[misc]
            self.stamp = STAMP
            self.true = True

    def date(self, offset: int | None):
        return None if offset is None else self.day[offset + 800]

    def calendar(self, day: date):
        return day.isoformat() if self.backend == "sqlite" else day


class Generator:
    def __init__(self, shape: Shape, region: Region, writer: Writer) -> None:
        self.shape, self.region, self.w = shape, region, writer
        self.policy = FundingPolicy()
        self.institutions = [(i + 1, f"BENCH-VSAC-{i + 1}", f"VSAC filiāle {i + 1}", "VSAC_BRANCH",
                              region.municipalities[i % len(region.municipalities)], 200) for i in range(3)]
        self.episode_id = self.delivery_id = self.assessment_id = self.plan_id = 0
        self.esf_end = {d: (self._esf(d)) for d in range(-1, shape.days + 1)}

    def _esf(self, offset: int) -> int:
        first = START + timedelta(offset)
        return (self.policy.esf_ends(first) - START).days

    def chunks(self) -> Iterator[Chunk]:
        for start in range(0, self.shape.clients, CHUNK):
            rng = random.Random(self.shape.seed * 1_000_003 + start)
            chunk = Chunk()
            if start == 0:
                chunk.rows["institutions"] = list(self.institutions)
            last_child: int | None = None
            for cid in range(start + 1, min(start + CHUNK, self.shape.clients) + 1):
                last_child = self._client(rng, chunk, cid, last_child)
            yield chunk

    def _client(self, rng: random.Random, chunk: Chunk, cid: int, last_child: int | None) -> int | None:
        """Add client ``cid`` with their episodes, deliveries, assessment and plan; returns the last child."""
        w, days = self.w, self.shape.days
        roll = rng.random()
        group = TargetGroup.ADULT_GRT if roll < 0.6 else TargetGroup.CHILD_FT if roll < 0.9 else TargetGroup.CHILD_OOHC
        kind, represents = RecipientKind.PERSON, None
        if group is TargetGroup.CHILD_FT and last_child is not None and rng.random() < 0.2:
            kind = RecipientKind.LEGAL_REPRESENTATIVE if rng.random() < 0.7 else RecipientKind.FOSTER_FAMILY
            represents = last_child
        municipality = rng.choice(self.region.municipalities)
        residence, institution, preparing, left = "COMMUNITY", None, None, None
        if group is TargetGroup.ADULT_GRT and kind is RecipientKind.PERSON:
            r = rng.random()
            if r < 0.35:
                institution = rng.randint(1, len(self.institutions))
                if r < 0.15:
                    residence, left = "LEFT_INSTITUTION", rng.randrange(days)
                elif r < 0.2:
                    residence, preparing = "PREPARING_TO_LEAVE", rng.randrange(days)
                else:
                    residence = "INSTITUTION"
        adult = group is TargetGroup.ADULT_GRT
        born = date(1940 if adult else 2004, 1, 1) + timedelta(rng.randrange((60 if adult else 14) * 365))
        care = rng.randint(1, 4) if group is TargetGroup.ADULT_GRT else None
        chunk.rows["clients"].append((
            cid, make_personal_code(None, cid), rng.choice(GIVEN), rng.choice(FAMILY),
            w.calendar(born), f"Iela {cid % 97 + 1}, {municipality}", "F70" if care else None,
            str(group), str(kind), represents, municipality, residence, institution, w.date(preparing),
            w.date(left), care, w.stamp, w.stamp))
        self._episodes(rng, chunk, cid, str(group), kind is not RecipientKind.PERSON, municipality,
                       residence == "LEFT_INSTITUTION")
        self._assessment(rng, chunk, cid, care)
        is_child = group is TargetGroup.CHILD_FT and kind is RecipientKind.PERSON
        return cid if is_child else last_child

    def _episodes(self, rng: random.Random, chunk: Chunk, cid: int, group: str, family: bool, municipality: str,
                  left: bool) -> None:
        w, shape, days = self.w, self.shape, self.shape.days
        services = self.region.services[(group, family)]
        count = max(1, round(shape.episodes_per_year * shape.years * rng.uniform(0.7, 1.3)))
        spans = []
        for _ in range(count):
            start = rng.randrange(days - 30)
            end = None if rng.random() < 0.45 else min(days - 1, start + rng.randint(30, 400))
            spans.append((start, end, rng.choice(services)))
        spans.sort(key=lambda s: (s[0], s[2]))
        first = spans[0][0]
        esf_end = self.esf_end[first]
        late = "STATE_BUDGET" if left else "MUNICIPALITY"
        wanted = max(1, round(shape.deliveries_per_year * shape.years * rng.uniform(0.8, 1.2)))
        lengths = [((days - 1) if e is None else e) - s + 1 for s, e, _ in spans]
        total = sum(lengths)
        episodes, deliveries = chunk.rows["service_episodes"], chunk.rows["deliveries"]
        for (start, end, (code, unit)), length in zip(spans, lengths, strict=True):
            self.episode_id += 1
            granted = municipality if rng.random() < 0.9 else rng.choice(self.region.municipalities)
            episodes.append((self.episode_id, cid, code, None, granted, w.date(start), w.date(end), None, w.stamp))
            n = min(length, max(1, round(wanted * length / total)))
            choices = UNITS[unit]
            for day in sorted(rng.sample(range(start, start + length), n)):
                units = choices[rng.randrange(len(choices))]
                rate = self.region.rate(code, day)
                self.delivery_id += 1
                deliveries.append((
                    self.delivery_id, self.episode_id, w.date(day), units, rate.id if rate else None,
                    (units * rate.cents + 50) // 100 if rate else None, "ESF" if day < esf_end else late))

    def _assessment(self, rng: random.Random, chunk: Chunk, cid: int, care: int | None) -> None:
        w, days = self.w, self.shape.days
        if rng.random() >= 0.8:
            return
        self.assessment_id += 1
        on = rng.randrange(-90, days - 60)
        chunk.rows["assessments"].append((
            self.assessment_id, cid, "SIS-A" if care else "CHILD_FT", "1", w.date(on), "Bench Assessor", w.true,
            "{}", "{}", None, care, w.stamp))
        if rng.random() < 0.75:
            self.plan_id += 1
            valid_from = on + rng.randint(1, 45)
            chunk.rows["support_plans"].append((
                self.plan_id, cid, self.assessment_id, "ACTIVE", "[]", w.date(valid_from), w.date(valid_from + 365),
                "bench", w.stamp, "bench", w.date(valid_from), None, None))


async def _rates(db: Database) -> list[tuple[int, str, int, date, date | None, int]]:
    """The seeded rates with their ids (amounts as cents, as ``Hundredths`` stores them)."""
    sql = "SELECT id, service_code, tier, valid_from, valid_to, amount FROM rates ORDER BY id"
    if db.backend == "sqlite":
        assert db.path is not None
        with sqlite3.connect(db.path) as conn:
            return [(i, c, t, date.fromisoformat(f), date.fromisoformat(u) if u else None, a)
                    for i, c, t, f, u, a in conn.execute(sql)]
    conn = await asyncpg.connect(db.dsn)
    try:
        return [tuple(r) for r in await conn.fetch(sql)]  # type: ignore[misc]
    finally:
        await conn.close()


def _insert_sql(table: str) -> str:
    cols = COLUMNS[table]
    return f"INSERT INTO {table} ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})"


def _write_sqlite(db: Database, chunks: Iterator[Chunk], done: Generated) -> None:
    assert db.path is not None
    conn = sqlite3.connect(db.path, isolation_level=None)
    try:
        conn.execute("PRAGMA synchronous=OFF")  # a benchmark database: losing it on a crash costs nothing
        conn.execute("PRAGMA foreign_keys=ON")
        for chunk in chunks:
            conn.execute("BEGIN")
            for table in TABLES:
                if chunk.rows[table]:
                    conn.executemany(_insert_sql(table), chunk.rows[table])
                    done.counts[table] = done.counts.get(table, 0) + len(chunk.rows[table])
            conn.execute("COMMIT")
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        conn.close()


async def _write_postgresql(db: Database, chunks: Iterator[Chunk], done: Generated) -> None:
    conn = await asyncpg.connect(db.dsn)
    try:
        for chunk in chunks:
            async with conn.transaction():
                for table in TABLES:
                    if chunk.rows[table]:
                        await conn.copy_records_to_table(table, records=chunk.rows[table], columns=COLUMNS[table])
                        done.counts[table] = done.counts.get(table, 0) + len(chunk.rows[table])
        for table in TABLES:  # later inserts through the write path must not collide with our ids
            await conn.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                               f"GREATEST((SELECT max(id) FROM {table}), 1))")
        await conn.execute("ANALYZE")  # what autovacuum does to any table that grew this much
    finally:
        await conn.close()


async def generate(db: Database, shape: Shape, region: str = "zemgale") -> Generated:
    """Fill the migrated, seeded database ``db`` with a region of ``shape.clients`` clients."""
    started = time.perf_counter()
    registry = Registry.load(region)
    gen = Generator(shape, Region(registry, await _rates(db)), Writer(db.backend, shape.days))
    done = Generated(db.backend)
    if db.backend == "sqlite":
        _write_sqlite(db, gen.chunks(), done)
    else:
        await _write_postgresql(db, gen.chunks(), done)
    done.clients = done.counts.get("clients", 0)
    done.episodes = done.counts.get("service_episodes", 0)
    done.deliveries = done.counts.get("deliveries", 0)
    done.assessments = done.counts.get("assessments", 0)
    done.plans = done.counts.get("support_plans", 0)
    done.seconds = time.perf_counter() - started
    done.db_bytes = db.size_bytes()
    return done
