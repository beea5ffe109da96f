"""Benchmark 2 (and 5): GraphQL over HTTP on ``kopiena node`` vs a plain Starlette endpoint, same SQL, same JSON.

Three processes: the node (``kopiena node``, uvicorn), the plain app
(:mod:`bench.baseline_app`, uvicorn) and the load generator
(:mod:`bench.loadgen`, httpx), all on loopback. Before anything is timed the
two servers must answer the same JSON to the same requests. SQL statements
per request are counted in a separate, in-process measurement (a SQLAlchemy
``before_cursor_execute`` listener), not under load. The node's peak RSS
(``VmHWM``) is read from /proc after each run: that is benchmark 5.
"""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx

from core.api import create_app
from core.auth.domains import DomainCatalogue
from core.auth.tokens import mint_dev_token
from core.node import Node
from core.settings import Settings
from core.store.engine import create_engine

from . import ROOT
from .baseline_app import build_app
from .databases import Database
from .indicators import StatementCounter
from .queries import workload
from .servers import Server, baseline_server, node_server
from .stats import ratio

GOALS = {"page": 0.25, "client": 0.40}
"""The node's throughput as a share of the plain endpoint's, at least."""
RSS_GOAL_MB = 300


class AnswersDiffer(AssertionError):
    pass


@dataclass(frozen=True)
class Load:
    page_requests: int
    client_requests: int
    concurrency: int
    warmup: int = 10
    seed: int = 7


def dev_token(region: str) -> str:
    """A development token of a regional coordinator of ``region`` (what ``kopiena token`` mints)."""
    domain = DomainCatalogue.from_plugins().parse(f"lv/{region}")
    return mint_dev_token(Settings(), sub="bench-coordinator", role="regional_coordinator", domain=domain,
                          ttl=timedelta(hours=12))


async def _count(app, engine, requests: list[tuple[str, dict | None]], token: str) -> tuple[list[int], list[Any]]:
    counts, answers = [], []
    transport = httpx.ASGITransport(app=app)
    headers = {"Authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(transport=transport, base_url="http://bench") as http:
        for path, body in requests:
            with StatementCounter(engine) as counter:
                response = (await http.post(path, json=body, headers=headers) if body is not None
                            else await http.get(path, headers=headers))
            counts.append(counter.count)
            answers.append(response.json())
    return counts, answers


async def count_statements(db: Database, n: int, region: str, token: str) -> dict[str, dict[str, int]]:
    """SQL statements of one request of each kind, on the node and on the plain app (in process)."""
    (page_gql, page_plain), (one_gql, one_plain) = workload("page", n, 1, 1)[0], workload("client", n, 1, 1)[0]
    node = Node.open(Settings(db=db.url, region=region))
    try:
        mine, node_answers = await _count(create_app(node), node.engine,
                                          [("/graphql", page_gql), ("/graphql", one_gql)], token)
    finally:
        await node.close()
    engine = create_engine(db.url)
    try:
        plain, plain_answers = await _count(build_app(engine), engine, [(page_plain, None), (one_plain, None)], token)
    finally:
        await engine.dispose()
    _same(node_answers, plain_answers, "in process")
    return {"page": {"platform": mine[0], "raw": plain[0]}, "client": {"platform": mine[1], "raw": plain[1]}}


def _same(node_answers: list[Any], plain_answers: list[Any], where: str) -> None:
    for got, want in zip(node_answers, plain_answers, strict=True):
        if got != want:
            raise AnswersDiffer(f"{where}: the node and the plain endpoint answer differently:\n"
                                f"node:  {json.dumps(got)[:600]}\nplain: {json.dumps(want)[:600]}")


def auth_state(node: Server, body: dict) -> str:
    """Whether the node refuses a request without a token (access control wired into the API)."""
    answer = httpx.post(node.base_url + "/graphql", json=body, timeout=30).json()
    codes = {(e.get("extensions") or {}).get("code") for e in answer.get("errors") or []}
    return "enforced" if codes & {"UNAUTHENTICATED", "FORBIDDEN"} else "not enforced by the API"


def check_same_json(node: Server, plain: Server, pairs: list[tuple[dict, str]], token: str) -> None:
    headers = {"Authorization": f"Bearer {token}"}
    for body, path in pairs:
        got = httpx.post(node.base_url + "/graphql", json=body, headers=headers, timeout=60).json()
        want = httpx.get(plain.base_url + path, headers=headers, timeout=60).json()
        _same([got], [want], f"over HTTP ({path})")


def _specs(kind: str, pairs: list[tuple[dict, str]], node: Server, plain: Server, load: Load, count: int,
           token: str) -> list[dict]:
    headers = {"Authorization": f"Bearer {token}"}
    common = {"count": count, "concurrency": load.concurrency, "warmup": load.warmup, "headers": headers}
    return [
        {**common, "name": f"platform:{kind}", "base_url": node.base_url, "server_pid": node.pid,
         "requests": [{"path": "/graphql", "json": body} for body, _ in pairs]},
        {**common, "name": f"raw:{kind}", "base_url": plain.base_url, "server_pid": plain.pid,
         "requests": [{"path": path} for _, path in pairs]},
    ]


def run_load(runs: list[dict], servers: dict[str, Server]) -> list[dict]:
    """Run the plan in one load-generator process; after each run, read the server's memory."""
    proc = subprocess.Popen([sys.executable, "-m", "bench.loadgen"], cwd=ROOT, stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, text=True)
    assert proc.stdin is not None and proc.stdout is not None
    proc.stdin.write(json.dumps({"runs": runs}))
    proc.stdin.close()
    results = []
    for line in proc.stdout:
        result = json.loads(line)
        result["server_memory_mb"] = servers[result["name"].split(":")[0]].memory()
        results.append(result)
    if proc.wait() != 0 or len(results) != len(runs):
        raise RuntimeError(f"the load generator failed (exit {proc.returncode})")
    return results


def _summary(kind: str, platform: dict, raw: dict, statements: dict[str, int]) -> dict:
    share = ratio(platform["rps"], raw["rps"])
    cpu = ratio(platform["server_cpu_ms_per_request"] or 0.0, raw["server_cpu_ms_per_request"] or 0.0)
    keep = ("rps", "p50_ms", "p95_ms", "p99_ms", "max_ms", "errors", "mean_response_bytes", "loadgen_cpu_share",
            "server_cpu_ms_per_request")
    return {
        "query": kind, "requests": platform["requests"], "concurrency": platform["concurrency"],
        "platform": {**{k: platform[k] for k in keep}, "statements_per_request": statements["platform"],
                     "server_peak_rss_mb": platform["server_memory_mb"].get("VmHWM")},
        "raw": {**{k: raw[k] for k in keep}, "statements_per_request": statements["raw"],
                "server_peak_rss_mb": raw["server_memory_mb"].get("VmHWM")},
        "throughput_share": share, "server_cpu_ratio": cpu, "goal": f"platform req/s >= {GOALS[kind]:.0%} of raw",
        "met": share is not None and share >= GOALS[kind] and platform["errors"] == 0,
    }


async def bench_http(db: Database, n: int, load: Load, workdir: Path, region: str = "zemgale") -> dict:
    token = dev_token(region)
    statements = await count_statements(db, n, region, token)
    pages = workload("page", n, load.page_requests, load.seed)
    ones = workload("client", n, load.client_requests, load.seed)
    with node_server(db.url, region, workdir) as node, baseline_server(db.url, workdir) as plain:
        auth = auth_state(node, ones[0][0])
        check_same_json(node, plain, pages[:3] + ones[:5], token)
        runs = (_specs("page", pages, node, plain, load, load.page_requests, token)
                + _specs("client", ones, node, plain, load, load.client_requests, token))
        results = {r["name"]: r for r in run_load(runs, {"platform": node, "raw": plain})}
        node_memory = node.memory()
    return {
        "backend": db.backend, "n": n, "auth": auth,
        "queries": [_summary(kind, results[f"platform:{kind}"], results[f"raw:{kind}"], statements[kind])
                    for kind in ("page", "client")],
        "node_memory_mb": node_memory,
    }


def memory_result(http: dict) -> dict:
    """Benchmark 5 from a benchmark 2 run: the node's peak RSS while it served the load."""
    peak = http["node_memory_mb"].get("VmHWM")
    return {"backend": http["backend"], "n": http["n"], "peak_rss_mb": peak,
            "rss_after_load_mb": http["node_memory_mb"].get("VmRSS"),
            "plain_peak_rss_mb": max(q["raw"]["server_peak_rss_mb"] or 0 for q in http["queries"]),
            "goal": f"< {RSS_GOAL_MB} MB", "met": peak is not None and peak < RSS_GOAL_MB}
