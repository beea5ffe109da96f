"""Benchmark 3: publish-to-hub-commit for 5 regions vs raw nats-py JetStream publish of the same bytes.

Five regional nodes (SQLite, each seeded with its own region and a generated
population) each store ``snapshots`` indicator snapshots with their outbox rows
(not timed). Then, timed: five :class:`federation.relay.Relay` s publish their
outboxes at once to an embedded ``nats-server`` (a free port, never 4222), and
the hub, in its own process (:mod:`bench.hub_process`), consumes, commits and
acks. Latency of a snapshot = hub commit time - the moment its relay began to
publish it; throughput = snapshots / (last commit - first publish).

The baseline publishes exactly the bytes and headers the relays sent (gzip
JSON), five publishers at once, each awaiting every PubAck, to a stream of
its own on the same server, ten rounds of them.

Beside both, the hub's own work is measured in this process without NATS
(:func:`hub_alone`): decoding and checking every message (CPU time) and
storing them with :meth:`HubStore.ingest_many` in batches as the consumer
fetches them, into a database of its own. Its rate is the ceiling of a hub
that stores the figures, whatever the transport.
"""

from __future__ import annotations

import asyncio
import gzip
import json
import subprocess
import sys
import time
from datetime import date

import nats
import sqlalchemy as sa
from nats.js.api import StreamConfig

from core.heap import collector_paused
from core.node import Node
from core.settings import Settings
from core.store.engine import create_engine, session_factory
from core.store.snapshots import pending, take_snapshot
from federation.embedded import EmbeddedNats
from federation.hub.store import HubStore, Outcome
from federation.messages import HEADER_MSG_ID, decode, encode
from federation.relay import Relay, to_message

from . import ROOT
from .databases import Database, Databases
from .generator import Shape, generate
from .stats import percentile, r

REGIONS = ("kurzeme", "latgale", "riga", "vidzeme", "zemgale")
GOAL = 0.5
"""Hub ingest rate at least half the raw publish rate."""


class TimedRelay(Relay):
    """The federation's relay, noting when it began to publish each snapshot."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.started: dict[str, float] = {}

    async def _publish(self, nc, p):  # type: ignore[override]
        self.started[p.snapshot_id] = time.time()
        return await super()._publish(nc, p)


def as_of_dates(count: int) -> list[date]:
    return [date(2020, month, 28) for month in range(12, 12 - count, -1)]


async def prepare_nodes(dbs: Databases, regions: tuple[str, ...], clients: int, snapshots: int
                        ) -> list[tuple[str, Database]]:
    nodes = []
    for region in regions:
        db = await dbs.fresh("sqlite", f"sync_{region}", region=region)
        await generate(db, Shape(clients), region=region)
        node = Node.open(Settings(db=db.url, region=region))
        try:
            for day in as_of_dates(snapshots):
                await take_snapshot(node, day, publish=True)
        finally:
            await node.close()
        nodes.append((region, db))
    return nodes


async def outgoing(db: Database) -> list[tuple[str, bytes, dict[str, str], dict]]:
    """What the relay of ``db`` will send: (subject, body, headers, size facts) per pending snapshot."""
    engine = create_engine(db.url)
    try:
        async with session_factory(engine)() as s:
            rows = await pending(s, limit=1000)
    finally:
        await engine.dispose()
    out = []
    for p in rows:
        body, headers = encode(to_message(p))
        figures = sum(len(block["rows"]) for block in p.indicators)
        values = sum(len(row) for block in p.indicators for row in block["rows"])
        out.append((p.subject, body, headers, {"figures": figures, "values": values, "gzip_bytes": len(body),
                                               "json_bytes": len(gzip.decompress(body))}))
    return out


async def raw_publish(url: str, messages: dict[str, list[tuple[bytes, dict[str, str]]]], rounds: int = 10) -> dict:
    """Each publisher sends its region's messages ``rounds`` times (a new Nats-Msg-Id each round, so nothing
    is dropped as a duplicate): a rate measured over a handful of 1 ms publishes would be noise."""
    nc = await nats.connect(url)
    try:
        js = nc.jetstream()
        await js.add_stream(StreamConfig(name="BENCH_RAW", subjects=["bench.raw.>"]))
        latencies: list[float] = []

        async def publisher(region: str, items: list[tuple[bytes, dict[str, str]]]) -> None:
            for k in range(rounds):
                for body, headers in items:
                    sent = {**headers, HEADER_MSG_ID: f"{headers[HEADER_MSG_ID]}-{k}"}
                    t = time.perf_counter()
                    await js.publish(f"bench.raw.{region}", body, headers=sent, timeout=30)
                    latencies.append(time.perf_counter() - t)

        started = time.perf_counter()
        await asyncio.gather(*(publisher(region, items) for region, items in messages.items()))
        elapsed = time.perf_counter() - started
    finally:
        await nc.close()
    total = rounds * sum(len(items) for items in messages.values())
    return _rates(total, elapsed, latencies)


def _rates(total: int, elapsed: float, latencies: list[float]) -> dict:
    ms = [x * 1000 for x in latencies]
    return {"snapshots": total, "seconds": r(elapsed, 3), "snapshots_per_s": r(total / elapsed, 2),
            "latency_p50_ms": r(percentile(ms, 50), 1), "latency_p95_ms": r(percentile(ms, 95), 1),
            "latency_max_ms": r(max(ms), 1)}


async def hub_alone(messages: list[tuple[str, bytes, dict[str, str]]], hub_db: Database, batch: int = 10) -> dict:
    """The hub's work per snapshot without NATS: decode and check (CPU, collector paused as the consumer
    does), then store in batches of ``batch`` (wall clock: the database's time counts too)."""
    with collector_paused():
        started = time.process_time()
        decoded = [decode(body, headers, subject) for subject, body, headers in messages]
        decode_s = time.process_time() - started
    store = HubStore.open(hub_db.url)
    try:
        await store.migrate()
        started = time.perf_counter()
        outcomes = [o for i in range(0, len(decoded), batch) for o in await store.ingest_many(decoded[i:i + batch])]
        store_s = time.perf_counter() - started
    finally:
        await store.close()
    if any(o is not Outcome.ACCEPTED for o in outcomes):
        raise RuntimeError(f"the hub alone did not accept every snapshot: {outcomes}")
    n = len(decoded)
    return {"snapshots": n, "decode_cpu_ms": r(decode_s / n * 1000, 2), "store_ms": r(store_s / n * 1000, 2),
            "snapshots_per_s": r(n / (decode_s + store_s), 1)}


async def platform_sync(nodes: list[tuple[str, Database]], hub_db: Database, url: str, total: int) -> dict:
    hub = subprocess.Popen([sys.executable, "-m", "bench.hub_process", "--db", hub_db.url, "--nats", url,
                            "--expect", str(total)], cwd=ROOT, stdout=subprocess.PIPE, text=True)
    assert hub.stdout is not None
    try:
        line = await asyncio.to_thread(hub.stdout.readline)
        if line.strip() != "ready":
            raise RuntimeError(f"the hub process did not start: {line!r}")
        relays = [TimedRelay(db.url, url, name=f"relay-{region}") for region, db in nodes]
        first = time.time()
        try:
            sent = await asyncio.gather(*(relay.publish_pending() for relay in relays))
        finally:
            for relay in relays:
                await relay.close()
        report = json.loads(await asyncio.to_thread(hub.stdout.readline))
    finally:
        if hub.wait(60) != 0:
            raise RuntimeError(f"the hub process failed (exit {hub.returncode})")
    started = {k: v for relay in relays for k, v in relay.started.items()}
    committed: dict[str, float] = report["committed"]
    if sum(sent) != total or set(committed) != set(started):
        raise RuntimeError(f"sent {sum(sent)} of {total}; the hub committed {len(committed)}: {report['counts']}")
    latencies = [committed[k] - started[k] for k in started]
    return _rates(total, max(committed.values()) - first, latencies)


async def bench_sync(dbs: Databases, hub_backends: list[str], *, clients: int, snapshots: int,
                     regions: int = len(REGIONS)) -> list[dict]:
    nodes = await prepare_nodes(dbs, REGIONS[:regions], clients, snapshots)
    messages = {region: await outgoing(db) for region, db in nodes}
    facts = [f for items in messages.values() for *_, f in items]
    total = len(facts)
    size = {k: round(sum(f[k] for f in facts) / total) for k in ("figures", "values", "json_bytes", "gzip_bytes")}
    results = []
    for backend in hub_backends:
        server = EmbeddedNats().start()
        try:
            raw = await raw_publish(server.url, {region: [(b, h) for _, b, h, _ in items]
                                                 for region, items in messages.items()})
            hub_db = await dbs.empty(backend, "hub")
            platform = await platform_sync(nodes, hub_db, server.url, total)
        finally:
            server.close()
        alone = await hub_alone([(s, b, h) for items in messages.values() for s, b, h, _ in items],
                                await dbs.empty(backend, "hub_alone"))
        await _reset_outboxes(nodes)
        share = r(platform["snapshots_per_s"] / raw["snapshots_per_s"], 4)
        results.append({
            "hub_backend": backend, "node_backend": "sqlite", "regions": len(nodes), "clients_per_region": clients,
            "snapshots_per_region": snapshots, "mean_snapshot": size, "platform": platform, "raw": raw,
            "hub_alone": alone,
            "rate_share": share, "goal": f"hub ingest >= {GOAL:.0%} of raw publish rate",
            "met": share is not None and share >= GOAL,
        })
    return results


async def _reset_outboxes(nodes: list[tuple[str, Database]]) -> None:
    """Mark every snapshot unsent again, so the next hub backend gets the same messages."""
    for _, db in nodes:
        engine = create_engine(db.url)
        try:
            async with engine.begin() as conn:
                await conn.execute(sa.text("UPDATE outbox SET sent_at = NULL, attempts = 0, last_error = NULL"))
        finally:
            await engine.dispose()
