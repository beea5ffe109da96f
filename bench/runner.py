"""One benchmark run: which sizes and databases, what each benchmark does, where the results go."""

from __future__ import annotations

import asyncio
import json
import time
import traceback
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, date, datetime
from pathlib import Path

from . import RESULTS, WORK
from .databases import BACKENDS, Databases, pg_server_version, pg_unavailable
from .generator import Shape, generate
from .http import Load, bench_http, memory_result
from .imports import bench_import
from .indicators import bench_indicators
from .machine import load, machine, versions
from .sync import bench_sync

BENCHMARKS = ("indicators", "http", "sync", "imports", "memory")
AS_OF = date(2020, 6, 30)


@dataclass(frozen=True)
class Config:
    sizes: tuple[int, ...] = (1_000, 10_000, 100_000)
    backends: tuple[str, ...] = BACKENDS
    only: tuple[str, ...] = BENCHMARKS
    pg_max_size: int = 100_000
    """Largest N generated on PostgreSQL (generation there is the slow part)."""
    indicator_runs: int = 5
    page_requests: int = 300
    client_requests: int = 1_000
    concurrency: int = 8
    warmup: int = 10
    sync_clients: int = 1_000
    sync_snapshots: int = 12
    """Per region (at most 12: one as-of date a month). With 5 x 4 the relays' start-up (~0.4 s) was a fifth
    of a ~2 s timed span and the rate mostly noise."""
    sync_regions: int = 5
    import_rows: int = 2_000
    seed: int = 20180101
    quick: bool = False
    out: Path | None = None
    workdir: Path = WORK

    @classmethod
    def quick_run(cls) -> Config:
        return cls(sizes=(500,), indicator_runs=2, page_requests=20, client_requests=100, warmup=3,
                   sync_clients=100, sync_snapshots=1, import_rows=100, quick=True)

    def output(self) -> Path:
        if self.out is not None:
            return self.out
        day = datetime.now(UTC).date().isoformat()
        return self.workdir / f"quick-{day}.json" if self.quick else RESULTS / f"{day}.json"


@dataclass
class Results:
    config: dict
    started_at: str
    machine: dict
    versions: dict = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    datasets: list[dict] = field(default_factory=list)
    indicators: list[dict] = field(default_factory=list)
    http: list[dict] = field(default_factory=list)
    memory: list[dict] = field(default_factory=list)
    sync: list[dict] = field(default_factory=list)
    imports: list[dict] = field(default_factory=list)
    errors: list[dict] = field(default_factory=list)
    finished_at: str | None = None
    seconds: float | None = None


def say(text: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {text}", flush=True)


class Run:
    def __init__(self, config: Config) -> None:
        self.config = config
        self.dbs = Databases(config.workdir)
        plain = {k: (str(v) if isinstance(v, Path) else v) for k, v in asdict(config).items()}
        self.results = Results(config=plain, started_at=datetime.now(UTC).isoformat(timespec="seconds"),
                               machine=machine())

    async def guarded(self, what: str, coro) -> object | None:
        """Run one benchmark; a failure is recorded (and makes the run fail) but the others still run."""
        try:
            return await coro
        except Exception as exc:
            say(f"FAILED {what}: {type(exc).__name__}: {exc}")
            self.results.errors.append({"benchmark": what, "error": f"{type(exc).__name__}: {exc}",
                                        "traceback": traceback.format_exc(limit=8)})
            return None

    async def backends(self) -> list[str]:
        wanted = list(self.config.backends)
        if "postgresql" in wanted and (reason := await pg_unavailable()):
            wanted.remove("postgresql")
            self.results.notes.append(f"PostgreSQL skipped: {reason}")
            say(f"skipping PostgreSQL: {reason}")
        return wanted

    async def region(self, backend: str, n: int) -> None:
        c = self.config
        db = await self.dbs.fresh(backend, f"n{n}")
        try:
            say(f"{backend} N={n}: generating")
            made = await generate(db, Shape(n, seed=c.seed))
            self.results.datasets.append({"n": n, **made.as_dict()})
            say(f"{backend} N={n}: {made.episodes} episodes, {made.deliveries} deliveries in {made.seconds:.1f}s")
            if "indicators" in c.only:
                runs = c.indicator_runs if n < 100_000 else max(2, c.indicator_runs // 2)
                found = await self.guarded(f"indicators {backend} {n}", bench_indicators(db, n, AS_OF, runs=runs))
                if found:
                    self.results.indicators.append(found)  # type: ignore[arg-type]
                    say(f"{backend} N={n}: indicators ratio {found['ratio']}")  # type: ignore[index]
            if "http" in c.only or "memory" in c.only:
                load_ = Load(c.page_requests, c.client_requests, c.concurrency, c.warmup, seed=c.seed)
                found = await self.guarded(f"http {backend} {n}", bench_http(db, n, load_, c.workdir))
                if found:
                    self.results.http.append(found)  # type: ignore[arg-type]
                    self.results.memory.append(memory_result(found))  # type: ignore[arg-type]
                    shares = [(q["query"], q["throughput_share"]) for q in found["queries"]]  # type: ignore[index]
                    say(f"{backend} N={n}: http throughput shares {shares}")
        finally:
            await self.dbs.drop(db)

    async def run(self) -> Results:
        c, started = self.config, time.perf_counter()
        backends = await self.backends()
        self.results.versions = versions(await pg_server_version() if "postgresql" in backends else None)
        try:
            for n in c.sizes:
                for backend in backends:
                    if backend == "postgresql" and n > c.pg_max_size:
                        self.results.notes.append(f"PostgreSQL N={n} not run (pg_max_size={c.pg_max_size}).")
                        continue
                    await self.region(backend, n)
            if "sync" in c.only:
                say(f"sync: {c.sync_regions} regions, relay -> JetStream -> hub")
                found = await self.guarded("sync", bench_sync(self.dbs, backends, clients=c.sync_clients,
                                                              snapshots=c.sync_snapshots, regions=c.sync_regions))
                self.results.sync = found or []  # type: ignore[assignment]
            if "imports" in c.only:
                for backend in backends:
                    say(f"{backend}: importing {c.import_rows} spreadsheet rows")
                    found = await self.guarded(f"imports {backend}",
                                               bench_import(self.dbs, backend, c.import_rows, c.workdir))
                    if found:
                        self.results.imports.append(found)  # type: ignore[arg-type]
        finally:
            await self.dbs.drop_all()
        self.results.machine["load_after"] = load()
        self.results.finished_at = datetime.now(UTC).isoformat(timespec="seconds")
        self.results.seconds = round(time.perf_counter() - started, 1)
        return self.results


def save(results: Results, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(asdict(results), indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    return path


def run(config: Config) -> tuple[Results, Path]:
    results = asyncio.run(Run(config).run())
    return results, save(results, config.output())


__all__ = ["BENCHMARKS", "Config", "Results", "replace", "run"]
