"""``python -m bench run [--quick] [--sizes 1000,10000] [--backends sqlite,postgresql] [--only ...]``
and ``python -m bench report FILE`` (the markdown tables of a results file)."""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import replace
from pathlib import Path

from .databases import BACKENDS
from .report import render
from .runner import BENCHMARKS, Config, run


def _list(text: str, allowed: tuple[str, ...] | None = None) -> tuple[str, ...]:
    items = tuple(x.strip() for x in text.split(",") if x.strip())
    if allowed is not None and (unknown := set(items) - set(allowed)):
        raise argparse.ArgumentTypeError(f"unknown: {', '.join(sorted(unknown))} (choose from {', '.join(allowed)})")
    return items


def _sizes(text: str) -> tuple[int, ...]:
    try:
        return tuple(int(x.replace("_", "").replace("k", "000")) for x in _list(text))
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r}: sizes are numbers like 1000,10000 or 1k,10k") from None


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    sub = p.add_subparsers(dest="command", required=True)
    r = sub.add_parser("run", help="run the benchmarks and write a results file")
    r.add_argument("--quick", action="store_true", help="small N and few requests: a smoke run under 2 minutes")
    r.add_argument("--sizes", type=_sizes, help="client counts, e.g. 1000,10000,100000 (default: those three)")
    r.add_argument("--backends", type=lambda t: _list(t, BACKENDS), help="sqlite,postgresql (default: both)")
    r.add_argument("--only", type=lambda t: _list(t, BENCHMARKS), help=f"some of {','.join(BENCHMARKS)}")
    r.add_argument("--pg-max-size", type=int, help="largest N also run on PostgreSQL (default: all)")
    r.add_argument("--out", type=Path, help="results file (default: bench/results/<date>.json; quick runs: "
                                            "bench/work/quick-<date>.json)")
    rep = sub.add_parser("report", help="print the markdown tables of a results file")
    rep.add_argument("file", type=Path)
    return p


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    if args.command == "report":
        print(render(json.loads(args.file.read_text(encoding="utf-8"))))
        return 0
    config = Config.quick_run() if args.quick else Config()
    given = {"sizes": args.sizes, "backends": args.backends, "only": args.only, "pg_max_size": args.pg_max_size,
             "out": args.out}
    config = replace(config, **{k: v for k, v in given.items() if v is not None})
    results, path = run(config)
    print()
    print(render(json.loads(path.read_text(encoding="utf-8"))))
    print(f"results: {path}")
    return 1 if results.errors else 0


if __name__ == "__main__":
    sys.exit(main())
