"""The hub side of benchmark 3, in its own process: ``python -m bench.hub_process --db URL --nats URL --expect K``.

It runs the federation's own :class:`~federation.hub.consumer.HubConsumer`
(durable pull consumer, decode and check, commit, then ack) on a
:class:`~federation.hub.store.HubStore` that notes the wall-clock time each
snapshot's transaction committed. It prints ``ready`` when it consumes, and,
once ``K`` snapshots were accepted, one JSON line: snapshot id -> commit time.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time

from federation.hub.consumer import HubConsumer
from federation.hub.store import HubStore, Outcome


class TimedStore(HubStore):
    committed: dict[str, float]

    async def ingest_many(self, messages):  # type: ignore[override]
        outcomes = await super().ingest_many(messages)  # returns after the commit (what the consumer calls)
        now = time.time()
        for message, outcome in zip(messages, outcomes, strict=True):
            if outcome is Outcome.ACCEPTED:
                self.committed[message.snapshot_id] = now
        return outcomes


async def main(db: str, nats_url: str, expect: int, timeout: float) -> None:
    store = TimedStore.open(db)
    store.committed = {}
    await store.migrate()
    consumer = HubConsumer(store, nats_url, fetch_timeout=0.2, batch=10)
    stop = asyncio.Event()
    task = asyncio.create_task(consumer.run(stop))
    await asyncio.wait_for(consumer.connected.wait(), 30)
    print("ready", flush=True)
    deadline = time.monotonic() + timeout
    while len(store.committed) < expect and time.monotonic() < deadline:
        await asyncio.sleep(0.01)
    stop.set()
    await task
    await consumer.close()
    await store.close()
    print(json.dumps({"committed": store.committed, "counts": dict(consumer.counts)}), flush=True)


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", required=True)
    parser.add_argument("--nats", required=True)
    parser.add_argument("--expect", type=int, required=True)
    parser.add_argument("--timeout", type=float, default=600)
    args = parser.parse_args()
    asyncio.run(main(args.db, args.nats, args.expect, args.timeout))
    sys.exit(0)
