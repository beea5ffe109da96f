"""Read the published figures back out of indicator snapshots, and say where they differ.

Input is a snapshot's payload as the indicator engine makes it and the hub
stores it (a list of ``{"code", "dimensions", "rows"}`` blocks, each row its
dimension values then the value). Output is plain data the demo prints as
JSON and the tests compare: nothing here counts people itself, it only picks
the rows the engine computed in SQL.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from . import figures as f

Payload = Sequence[Mapping[str, Any]]


def _rows(payload: Payload, code: str) -> list[dict[str, Any]]:
    block = next((b for b in payload if b["code"] == code), None)
    if block is None:
        raise KeyError(f"the snapshot has no indicator {code!r}")
    dims = block["dimensions"]
    return [{**dict(zip(dims, row[:-1], strict=True)), "value": row[-1]} for row in block["rows"]]


def _sum(rows: list[dict[str, Any]], **match: Any) -> int:
    return sum(int(r["value"] or 0) for r in rows if all(r.get(k) == v for k, v in match.items()))


def _by(rows: list[dict[str, Any]], key: str, **match: Any) -> dict[str, int]:
    out: dict[str, int] = {}
    for r in rows:
        if all(r.get(k) == v for k, v in match.items()) and r["value"]:
            out[r[key]] = out.get(r[key], 0) + int(r["value"])
    return out


def region_figures(payload: Payload) -> dict[str, Any]:
    """The figures of one region's snapshot in the shape of :func:`federation.demo.figures.published`."""
    received, unique = _rows(payload, "persons_received"), _rows(payload, "unique_persons_received")
    region = {"municipality": None}
    adults = {**region, "target_group": "ADULT_GRT", "recipient": "PERSON"}
    children = {**region, "target_group": "CHILD_FT", "recipient": "PERSON"}
    families = {**region, "target_group": "CHILD_FT", "recipient": "FAMILY"}
    achievement = {(r["target_group"], r["service"] or "unique"): r["value"] for r in _rows(payload, "achievement")
                   if r["recipient"] == "PERSON" and r["value"]}
    return {
        "adults": {
            "services": _by(received, "service", **adults), "unique": _sum(unique, **adults),
            "community": _sum(unique, **adults, residence="COMMUNITY"),
            "left_institution": _sum(unique, **adults, residence="LEFT_INSTITUTION"),
            "municipalities": {m: n for m, n in _by(unique, "municipality", target_group="ADULT_GRT",
                                                    recipient="PERSON").items() if m is not None},
            "achievement": achievement.get(("ADULT_GRT", "unique")),
        },
        "children": {
            "services": _by(received, "service", **children), "unique": _sum(unique, **children),
            "achievement": {s: v for (g, s), v in achievement.items() if g == "CHILD_FT"},
        },
        "representatives": {"services": _by(received, "service", **families), "unique": _sum(unique, **families)},
        "assessed": _by(_rows(payload, "persons_assessed"), "target_group", municipality=None),
    }


def _percent(ratio: str | None) -> Any:
    if not ratio:
        return None
    received, target = (int(x) for x in ratio.split("/"))
    return f.percent(received, target)


def zemgale_differences(z: Mapping[str, Any]) -> list[str]:
    """How Zemgale's figures differ from its two published tables (empty when they agree)."""
    expected = [
        ("adults per service", z["adults"]["services"], f.ZEMGALE_ADULT_SERVICES),
        ("unique adults", z["adults"]["unique"], f.ZEMGALE_ADULTS),
        ("adults per municipality", z["adults"]["municipalities"], f.ZEMGALE_ADULT_MUNICIPALITIES),
        ("adults percent of plan", _percent(z["adults"]["achievement"]), f.ZEMGALE_ADULT_ACHIEVED),
        ("children per service", z["children"]["services"], f.ZEMGALE_CHILD_SERVICES),
        ("unique children", z["children"]["unique"], f.ZEMGALE_CHILDREN),
        ("representatives per service", z["representatives"]["services"], f.ZEMGALE_FAMILY_SERVICES),
        ("unique representatives", z["representatives"]["unique"], f.ZEMGALE_REPRESENTATIVES),
    ]
    for service, published in f.ZEMGALE_CHILD_ACHIEVED.items():
        got = _percent(z["children"]["achievement"].get(service or "unique"))
        expected.append((f"children percent of plan, {service or 'unique'}",
                         got if got is None else f.as_published(got, published), published))
    return [f"zemgale {what}: {got} != published {want}" for what, got, want in expected if got != want]


def national_differences(regions: Mapping[str, Mapping[str, Any]]) -> list[str]:
    """How the five regions' sums differ from the national figures of the end of 2018."""
    def total(group: str, key: str) -> int:
        return sum(r[group][key] for r in regions.values())

    got = {"adults_community": total("adults", "community"),
           "adults_left_institution": total("adults", "left_institution"),
           "children": total("children", "unique"), "representatives": total("representatives", "unique")}
    want = f.published()["national"]
    return [f"national {key}: {got[key]} != published {want[key]}" for key in want if got[key] != want[key]]


def differences(regions: Mapping[str, Mapping[str, Any]]) -> list[str]:
    """Everything that does not match the published figures, given each region's :func:`region_figures`."""
    out = zemgale_differences(regions["zemgale"]) if "zemgale" in regions else ["zemgale has not reported"]
    missing = sorted({"kurzeme", "latgale", "riga", "vidzeme", "zemgale"} - set(regions))
    return out + ([f"not reported: {', '.join(missing)}"] if missing else national_differences(regions))
