"""Benchmark 1: an indicator snapshot for one as-of date vs one hand-written SQL statement.

The platform is :func:`core.store.snapshots.take_snapshot` (every declared
indicator with its zero-filled frame, the DI plan figures, read in one
transaction). The baseline is :mod:`bench.raw_indicators` on the same engine.
Before anything is timed the figures of both must be equal.
"""

from __future__ import annotations

import time
from datetime import date

from sqlalchemy import event

from core.node import Node
from core.settings import Settings
from core.store.snapshots import take_snapshot

from . import raw_indicators as raw
from .databases import Database
from .stats import ratio, timing

GOAL = 1.2
"""The platform may take at most 1.2 x the time of the hand-written statement."""


class FiguresDiffer(AssertionError):
    pass


class StatementCounter:
    def __init__(self, engine) -> None:
        self.engine, self.count = engine.sync_engine, 0

    def _seen(self, *_args) -> None:
        self.count += 1

    def __enter__(self) -> StatementCounter:
        event.listen(self.engine, "before_cursor_execute", self._seen)
        return self

    def __exit__(self, *exc) -> None:
        event.remove(self.engine, "before_cursor_execute", self._seen)


async def _raw_once(node: Node, as_of: date) -> list:
    async with node.engine.connect() as conn:
        return await raw.run_raw(conn, as_of, node.region)


async def bench_indicators(db: Database, n: int, as_of: date, *, runs: int, region: str = "zemgale") -> dict:
    node = Node.open(Settings(db=db.url, region=region))
    try:
        # warm both (caches, compiled statements) and check they say the same before timing anything
        with StatementCounter(node.engine) as counted:
            snapshot, _ = await take_snapshot(node, as_of)
        rows = await _raw_once(node, as_of)
        mine, theirs = raw.platform_figures(snapshot), raw.raw_figures(rows)
        if mine != theirs:
            raise FiguresDiffer(f"{db.backend} N={n}: the snapshot and the hand-written SQL differ: "
                                + "; ".join(raw.differences(mine, theirs)))
        platform_s, raw_s = [], []
        for _ in range(runs):  # interleaved, so a burst of load on the shared machine hits both
            t = time.perf_counter()
            await take_snapshot(node, as_of)
            platform_s.append(time.perf_counter() - t)
            t = time.perf_counter()
            await _raw_once(node, as_of)
            raw_s.append(time.perf_counter() - t)
        p, b = timing(platform_s), timing(raw_s)
        q = ratio(p["median_s"], b["median_s"])
        return {
            "backend": db.backend, "n": n, "as_of": as_of.isoformat(),
            "snapshot_rows": sum(len(block.rows) for block in snapshot.indicators),
            "compared_figures": len(mine),
            "platform": {**p, "statements": counted.count},
            "raw": {**b, "statements": 1},
            "ratio": q, "goal": f"platform/raw <= {GOAL}", "met": q is not None and q <= GOAL,
        }
    finally:
        await node.close()
