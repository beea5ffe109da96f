"""Reading a computed snapshot in tests: rows as dicts, sums over matching rows."""

from __future__ import annotations

from typing import Any

from core.domain.indicators import Snapshot


def rows(snapshot: Snapshot, code: str) -> list[dict[str, Any]]:
    block = snapshot.block(code)
    dims = [d.value for d in block.indicator.dimensions]
    return [{**dict(zip(dims, r[:-1], strict=True)), "value": r[-1]} for r in block.rows]


def total(snapshot: Snapshot, code: str, **match: Any) -> Any:
    """Sum of the values of the rows matching every given dimension (municipality=None: region rows)."""
    found = [r["value"] for r in rows(snapshot, code) if all(r.get(k) == v for k, v in match.items())]
    assert found, f"no {code} rows match {match}"
    return sum(found)
