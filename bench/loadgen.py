"""A bounded async load generator (httpx), run in its own process: ``python -m bench.loadgen < plan.json``.

The plan (JSON on stdin) lists runs; each run sends a fixed number of
requests (cycling through its request list) with a fixed number of concurrent
workers over keep-alive connections to one loopback server, after a few
warm-up requests that are not counted. For each run it prints, as one JSON
line: requests, errors, seconds, requests per second, latency percentiles
(ms), the CPU time the server process spent per request (from
/proc/<pid>/stat: robust on a shared machine, where wall-clock rates depend on
what else runs; a database server's own processes are not included) and how
much of one CPU the generator itself used (near 1.0 means the generator, not
the server, may have been the limit).
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
import time
from typing import Any

import httpx

from .stats import percentile

TICK = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int | None) -> float:
    """User + system CPU time of process ``pid`` so far."""
    if pid is None:
        return 0.0
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / TICK


async def _one(client: httpx.AsyncClient, spec: dict[str, Any], headers: dict[str, str]) -> tuple[float, int, int]:
    started = time.perf_counter()
    if spec.get("json") is not None:
        response = await client.post(spec["path"], json=spec["json"], headers=headers)
    else:
        response = await client.get(spec["path"], headers=headers)
    body = response.content
    failed = response.status_code != 200 or b'"errors":' in body or not body.startswith(b'{"data"')
    return time.perf_counter() - started, int(failed), len(body)


async def run(spec: dict[str, Any]) -> dict[str, Any]:
    requests, count, concurrency = spec["requests"], spec["count"], spec["concurrency"]
    headers = spec.get("headers") or {}
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(base_url=spec["base_url"], limits=limits, timeout=120.0) as client:
        for i in range(spec.get("warmup", 0)):
            await _one(client, requests[i % len(requests)], headers)
        latencies: list[float] = []
        errors = size = 0
        next_index = 0

        async def worker() -> None:
            nonlocal next_index, errors, size
            while next_index < count:
                i = next_index
                next_index += 1
                seconds, failed, length = await _one(client, requests[i % len(requests)], headers)
                latencies.append(seconds)
                errors += failed
                size += length

        server = spec.get("server_pid")
        cpu, wall, served = time.process_time(), time.perf_counter(), cpu_seconds(server)
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        wall = time.perf_counter() - wall
        cpu = time.process_time() - cpu
        served = cpu_seconds(server) - served
    ms = [s * 1000 for s in latencies]
    return {
        "name": spec["name"], "requests": count, "concurrency": concurrency, "errors": errors,
        "seconds": round(wall, 3), "rps": round(count / wall, 2),
        "p50_ms": round(percentile(ms, 50), 2), "p95_ms": round(percentile(ms, 95), 2),
        "p99_ms": round(percentile(ms, 99), 2), "max_ms": round(max(ms), 2),
        "mean_response_bytes": round(size / count), "loadgen_cpu_share": round(cpu / wall, 2),
        "server_cpu_ms_per_request": round(served * 1000 / count, 2) if server else None,
    }


async def main() -> None:
    plan = json.load(sys.stdin)
    for spec in plan["runs"]:
        result = await run(spec)
        print(json.dumps(result), flush=True)
        if plan.get("progress"):
            print(f"  loadgen {result['name']}: {result['rps']} req/s", file=sys.stderr, flush=True)


if __name__ == "__main__":
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    asyncio.run(main())
