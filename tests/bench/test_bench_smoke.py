"""A tiny run of the benchmark harness (N=50): every code path, the shape of the results, never a timing.

The figures of a benchmark are only meaningful in ``make bench``; here the
point is that the harness runs end to end on real databases, a real uvicorn,
a real nats-server and the real importer, that platform and baseline agreed
(the harness refuses to time them otherwise), and that the results file and
its report have every field docs/benchmarks.md relies on.
"""

from __future__ import annotations

import json

from bench.report import render
from bench.runner import Config, run
from tests.support.databases import require_pg


def tiny(tmp_path, backends: tuple[str, ...]) -> Config:
    return Config(sizes=(50,), backends=backends, indicator_runs=1, page_requests=4, client_requests=8,
                  concurrency=2, warmup=1, sync_clients=20, sync_snapshots=1, sync_regions=2, import_rows=9,
                  out=tmp_path / "results.json", workdir=tmp_path / "work")


def _platform_and_raw(entry: dict, *keys: str) -> None:
    for side in ("platform", "raw"):
        for key in keys:
            assert isinstance(entry[side][key], int | float), (side, key, entry[side])


def test_a_tiny_run_covers_every_benchmark_and_writes_the_results_file(tmp_path):
    require_pg()
    results, path = run(tiny(tmp_path, ("sqlite", "postgresql")))
    assert results.errors == [], results.errors
    saved = json.loads(path.read_text(encoding="utf-8"))

    assert {"cpu", "cores", "ram_gb", "load_before", "load_after"} <= saved["machine"].keys()
    for key in ("python", "sqlite", "postgresql", "strawberry", "sqlalchemy", "nats_server"):
        assert saved["versions"][key], key
    assert [(d["backend"], d["clients"]) for d in saved["datasets"]] == [("sqlite", 50), ("postgresql", 50)]
    assert all(d["episodes"] > 50 and d["deliveries"] > d["episodes"] for d in saved["datasets"])

    assert [i["backend"] for i in saved["indicators"]] == ["sqlite", "postgresql"]
    for i in saved["indicators"]:
        _platform_and_raw(i, "median_s", "min_s", "statements")
        assert i["compared_figures"] > 0 and i["snapshot_rows"] >= i["compared_figures"]
        assert isinstance(i["ratio"], float) and isinstance(i["met"], bool)

    for h in saved["http"]:
        assert [q["query"] for q in h["queries"]] == ["page", "client"]
        for q in h["queries"]:
            _platform_and_raw(q, "rps", "p50_ms", "p95_ms", "p99_ms", "statements_per_request", "server_peak_rss_mb",
                              "server_cpu_ms_per_request")
            assert q["platform"]["errors"] == 0 and q["raw"]["errors"] == 0
            assert q["platform"]["mean_response_bytes"] == q["raw"]["mean_response_bytes"]
    assert [(m["backend"], m["n"]) for m in saved["memory"]] == [("sqlite", 50), ("postgresql", 50)]
    assert all(m["peak_rss_mb"] > 0 for m in saved["memory"])

    assert [s["hub_backend"] for s in saved["sync"]] == ["sqlite", "postgresql"]
    for s in saved["sync"]:
        assert s["regions"] == 2 and s["platform"]["snapshots"] == 2 and s["raw"]["snapshots"] == 20
        _platform_and_raw(s, "snapshots_per_s", "latency_p50_ms", "latency_p95_ms")
        assert s["mean_snapshot"]["figures"] > 0
        alone = s["hub_alone"]
        assert alone["snapshots"] == 2 and alone["decode_cpu_ms"] > 0 and alone["store_ms"] > 0

    assert [i["backend"] for i in saved["imports"]] == ["sqlite", "postgresql"]
    for i in saved["imports"]:
        assert i["written"] == {"client": 3, "episode": 9, "delivery": 36}
        _platform_and_raw(i, "rows_per_s", "seconds")

    report = render(saved)
    for title in ("1. Indicator", "2. GraphQL", "3. Sync", "4. Spreadsheet", "5. Peak RSS"):
        assert title in report
    assert "The hub's own work per snapshot" in report
    assert not list((tmp_path / "work").glob("*.db")), "the run leaves no database behind"
