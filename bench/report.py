"""Markdown tables of a results file (what docs/benchmarks.md shows): ``python -m bench report FILE``."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

DB = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}


def _n(n: int) -> str:
    return f"{n // 1000}k" if n >= 1000 and n % 1000 == 0 else str(n)


def _x(value: Any, digits: int = 2) -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{value:,.{digits}f}"
    return f"{value:,}" if isinstance(value, int) else str(value)


def _met(ok: bool | None) -> str:
    return "met" if ok else "**missed**"


def table(head: list[str], rows: Iterable[list[Any]]) -> str:
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def indicators(res: dict) -> str:
    return table(
        ["N", "DB", "snapshot rows", "platform s (median)", "raw SQL s (median)", "ratio", "goal <= 1.2",
         "statements"],
        [[_n(i["n"]), DB[i["backend"]], _x(i["snapshot_rows"]), _x(i["platform"]["median_s"], 3),
          _x(i["raw"]["median_s"], 3), _x(i["ratio"]), _met(i["met"]),
          f"{i['platform']['statements']} vs {i['raw']['statements']}"] for i in res["indicators"]])


def _lat(side: dict) -> str:
    return f"{side['p50_ms']:.0f} / {side['p95_ms']:.0f} / {side['p99_ms']:.0f}"


def http(res: dict) -> str:
    rows = []
    for h in res["http"]:
        for q in h["queries"]:
            p, b = q["platform"], q["raw"]
            rows.append([_n(h["n"]), DB[h["backend"]], "page of 100" if q["query"] == "page" else "one client",
                         _x(p["rps"], 1), _lat(p), _x(b["rps"], 1), _lat(b), f"{q['throughput_share']:.0%}",
                         f"{_x(p.get('server_cpu_ms_per_request'), 1)} vs {_x(b.get('server_cpu_ms_per_request'), 1)}",
                         f"{q['goal'].split('>= ')[1].split(' ')[0]} {_met(q['met'])}",
                         f"{p['statements_per_request']} vs {b['statements_per_request']}"])
    return table(["N", "DB", "query", "GraphQL req/s", "p50 / p95 / p99 ms", "plain req/s", "p50 / p95 / p99 ms",
                  "share", "server CPU ms/request", "goal", "SQL statements"], rows)


def memory(res: dict) -> str:
    return table(["N", "DB", "node peak RSS MB", "plain app peak RSS MB", "goal < 300 MB"],
                 [[_n(m["n"]), DB[m["backend"]], _x(m["peak_rss_mb"], 1), _x(m["plain_peak_rss_mb"], 1),
                   _met(m["met"])] for m in res["memory"]])


def sync(res: dict) -> str:
    rows = []
    for s in res["sync"]:
        p, b, size = s["platform"], s["raw"], s["mean_snapshot"]
        rows.append([DB[s["hub_backend"]], f"{s['regions']} x {s['snapshots_per_region']}",
                     f"{size['figures']:,} rows / {size['values']:,} values / {size['gzip_bytes'] // 1024} kB gz",
                     _x(p["snapshots_per_s"]), f"{p['latency_p50_ms']:.0f} / {p['latency_p95_ms']:.0f}",
                     _x(b["snapshots_per_s"], 1), f"{b['latency_p50_ms']:.1f} / {b['latency_p95_ms']:.1f}",
                     f"{s['rate_share']:.2%}", _met(s["met"])])
    main = table(["hub DB", "regions x snapshots", "mean snapshot", "hub commits/s",
                  "publish->commit p50 / p95 ms", "raw publishes/s", "raw PubAck p50 / p95 ms", "share",
                  "goal >= 50%"], rows)
    alone = [[DB[s["hub_backend"]], _x(a["decode_cpu_ms"], 1), _x(a["store_ms"], 1), _x(a["snapshots_per_s"], 1),
              f"{a['snapshots_per_s'] / s['raw']['snapshots_per_s']:.2%}"]
             for s in res["sync"] if (a := s.get("hub_alone"))]
    if not alone:
        return main
    return main + "\n\nThe hub's own work per snapshot, in process, without NATS:\n\n" + table(
        ["hub DB", "decode + check CPU ms", "store ms (batches of 10)", "snapshots/s", "share of raw publish"], alone)


def imports(res: dict) -> str:
    return table(["DB", "rows (records)", "importer rows/s", "raw executemany rows/s", "share", "goal >= 30%"],
                 [[DB[i["backend"]], f"{i['rows']:,} ({i['records']:,})", _x(i["platform"]["rows_per_s"], 1),
                   _x(i["raw"]["rows_per_s"], 1), f"{i['rate_share']:.1%}", _met(i["met"])] for i in res["imports"]])


def growth(res: dict) -> str:
    """How each figure changes from one N to the next, per database."""
    lines = []
    for backend in DB:
        ind = sorted((i for i in res["indicators"] if i["backend"] == backend), key=lambda i: i["n"])
        for a, b in zip(ind, ind[1:], strict=False):
            lines.append(f"- {DB[backend]} indicator snapshot {_n(a['n'])} -> {_n(b['n'])}: platform x"
                         f"{b['platform']['median_s'] / a['platform']['median_s']:.1f}, raw SQL x"
                         f"{b['raw']['median_s'] / a['raw']['median_s']:.1f}")
        hs = sorted((h for h in res["http"] if h["backend"] == backend), key=lambda h: h["n"])
        for a, b in zip(hs, hs[1:], strict=False):
            for qa, qb in zip(a["queries"], b["queries"], strict=True):
                lines.append(f"- {DB[backend]} {qa['query']} req/s {_n(a['n'])} -> {_n(b['n'])}: GraphQL "
                             f"{qa['platform']['rps']:.1f} -> {qb['platform']['rps']:.1f}, plain "
                             f"{qa['raw']['rps']:.1f} -> {qb['raw']['rps']:.1f}")
    return "\n".join(lines) or "(one size only in this run)"


def render(res: dict) -> str:
    m, v = res["machine"], res["versions"]
    head = (f"Run {res['started_at']} ({'quick' if res['config'].get('quick') else 'full'}, {res['seconds']} s) on "
            f"{m['cpu']}, {m['cores']} cores, {m['ram_gb']} GB RAM; load average before {m['load_before']}, "
            f"after {m.get('load_after')}.\n\nVersions: " + ", ".join(f"{k} {val}" for k, val in v.items()) + ".")
    parts = [head]
    for title, fn, key in (("1. Indicator snapshot vs one hand-written SQL statement", indicators, "indicators"),
                           ("2. GraphQL over HTTP vs a plain Starlette endpoint", http, "http"),
                           ("3. Sync: relay -> JetStream -> hub commit vs raw JetStream publish", sync, "sync"),
                           ("4. Spreadsheet import vs raw executemany", imports, "imports"),
                           ("5. Peak RSS of the node under the load of benchmark 2", memory, "memory")):
        if res.get(key):
            parts.append(f"### {title}\n\n{fn(res)}")
    if res.get("indicators") or res.get("http"):
        parts.append("### Growth with N\n\n" + growth(res))
    for note in res.get("notes", []):
        parts.append(f"Note: {note}")
    for err in res.get("errors", []):
        parts.append(f"**Error** in {err['benchmark']}: {err['error']}")
    return "\n\n".join(parts) + "\n"
