"""Benchmarks of kopiena against the raw baseline, measured in the same run: ``python -m bench run``.

Each benchmark runs the platform and a hand-written baseline on the same data
and reports both figures and their ratio (see docs/benchmarks.md):

1. ``indicators``: an indicator snapshot vs one hand-written SQL statement;
2. ``http``: GraphQL over uvicorn vs a plain Starlette endpoint with the same SQL;
3. ``sync``: relay -> JetStream -> hub commit vs raw nats-py JetStream publish;
4. ``imports``: the spreadsheet importer vs a raw ``executemany`` of the same rows;
5. ``memory``: peak RSS of a node serving a large region under load.
"""

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WORK = ROOT / "bench" / "work"
RESULTS = ROOT / "bench" / "results"
