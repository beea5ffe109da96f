"""What the demo reads back from the national hub, over its GraphQL API, as any client would.

The figures printed and emitted as JSON come from the hub only (never from the
nodes' databases): each region's figures are rebuilt into the indicator-block
shape :func:`federation.demo.compare.region_figures` reads, and the national
figures are the hub's own ``nationalTotals``.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import httpx

from .compare import region_figures
from .processes import DemoError

REGIONS_QUERY = "{ regions { code name asOf sequence lastSnapshotAt } }"
DECLARATIONS_QUERY = "{ indicators { code unit dimensions } }"
FIGURES_QUERY = """query($asOf: Date!, $region: String!) {
  nationalIndicators(asOf: $asOf, region: $region, nonZero: true) {
    indicator unit municipality targetGroup service recipient residence fundingSource value ratio
  }
}"""
TOTALS_QUERY = """query($asOf: Date!) {
  nationalTotals(asOf: $asOf, indicator: "unique_persons_received") {
    regionsReporting totals { targetGroup recipient residence value }
  }
}"""
PROGRESS_QUERY = """query($asOf: Date!, $region: String) {
  progress(asOf: $asOf, region: $region) { region targetGroup service recipient received target onDemand percent }
}"""

FIELD_OF = {"target_group": "targetGroup", "funding_source": "fundingSource"}
"""GraphQL field of an indicator dimension (the rest are spelled the same)."""


class HubClient:
    """A small synchronous GraphQL client for the hub (the token is sent when there is one)."""

    def __init__(self, url: str, token: str | None = None, timeout: float = 10.0) -> None:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        self.url = url
        self.http = httpx.Client(headers=headers, timeout=timeout)

    def query(self, query: str, **variables: Any) -> dict[str, Any]:
        try:
            answer = self.http.post(self.url, json={"query": query, "variables": variables})
        except httpx.HTTPError as exc:
            raise DemoError(f"the hub at {self.url} did not answer: {exc}") from None
        body = answer.json() if answer.headers.get("content-type", "").startswith("application/json") else {}
        if body.get("errors") or answer.status_code != 200:
            raise DemoError(f"the hub at {self.url} answered {answer.status_code}: {body.get('errors') or answer.text}")
        return body["data"]

    def regions(self) -> list[dict[str, Any]]:
        return self.query(REGIONS_QUERY)["regions"]

    def reported(self, as_of: date) -> set[str]:
        """Regions whose last snapshot at the hub is of ``as_of``."""
        return {r["code"] for r in self.regions() if r["asOf"] == as_of.isoformat()}

    def close(self) -> None:
        self.http.close()


def _value(figure: dict[str, Any]) -> Any:
    """A figure's value as the node sent it: an exact ``received/target`` for a ratio, an int for a count."""
    if figure["unit"] == "ratio":
        return figure["ratio"]
    if figure["unit"] in ("persons", "plans") and figure["value"] is not None:
        return int(figure["value"])
    return figure["value"]


def region_payload(client: HubClient, region: str, as_of: date) -> list[dict[str, Any]]:
    """The region's non-zero figures at the hub, as indicator blocks ``{code, dimensions, rows}``."""
    dims = {d["code"]: d["dimensions"] for d in client.query(DECLARATIONS_QUERY)["indicators"]}
    blocks: dict[str, dict[str, Any]] = {code: {"code": code, "dimensions": d, "rows": []} for code, d in dims.items()}
    for f in client.query(FIGURES_QUERY, asOf=as_of.isoformat(), region=region)["nationalIndicators"]:
        block = blocks[f["indicator"]]
        block["rows"].append([f[FIELD_OF.get(d, d)] for d in block["dimensions"]] + [_value(f)])
    return list(blocks.values())


def national_figures(client: HubClient, as_of: date) -> dict[str, Any]:
    """The nation's unique persons as the hub sums the regions' totals (shape of ``figures.published()``)."""
    answer = client.query(TOTALS_QUERY, asOf=as_of.isoformat())["nationalTotals"]

    def total(group: str, recipient: str, residence: str | None = None) -> int:
        return sum(int(t["value"] or 0) for t in answer["totals"] if t["targetGroup"] == group
                   and t["recipient"] == recipient and (residence is None or t["residence"] == residence))

    return {
        "regions_reporting": answer["regionsReporting"],
        "adults_community": total("ADULT_GRT", "PERSON", "COMMUNITY"),
        "adults_left_institution": total("ADULT_GRT", "PERSON", "LEFT_INSTITUTION"),
        "adults": total("ADULT_GRT", "PERSON"),
        "children": total("CHILD_FT", "PERSON"),
        "representatives": total("CHILD_FT", "FAMILY"),
    }


def progress(client: HubClient, as_of: date, region: str | None = None) -> list[dict[str, Any]]:
    """Persons received against the DI plan (service empty = unique persons), the region's or the nation's."""
    return client.query(PROGRESS_QUERY, asOf=as_of.isoformat(), region=region)["progress"]


def collect(client: HubClient, as_of: date, regions: list[str]) -> dict[str, Any]:
    """Everything the demo shows and emits, read from the hub."""
    return {
        "regions": {r: region_figures(region_payload(client, r, as_of)) for r in regions},
        "progress": {r: progress(client, as_of, r) for r in regions},
        "national": {**national_figures(client, as_of), "progress": progress(client, as_of)},
    }
