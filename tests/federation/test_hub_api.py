"""The hub's GraphQL API over HTTP: regions, national figures, totals and progress (Zemgale as published)."""

from __future__ import annotations

from decimal import Decimal

import httpx
import pytest

from federation.hub.schema import SDL_FILE, sdl
from federation.relay import Relay
from tests.federation.helpers import D1, FAST, add_people, assert_converged, publish
from tests.indicators.published import ADULT_BY_MUNICIPALITY, PUBLISHED_PROGRESS

pytestmark = pytest.mark.anyio

PROGRESS = """query($asOf: Date!, $region: String, $group: TargetGroup) {
  progress(asOf: $asOf, region: $region, targetGroup: $group) {
    region targetGroup service recipient received target onDemand percent ratio } }"""


def test_the_checked_in_schema_is_current():
    assert SDL_FILE.read_text(encoding="utf-8") == sdl(), (
        "federation/hub/schema.graphql is out of date: run `python -m federation.hub.schema`")


@pytest.fixture
async def api(nats_server, zemgale_copy, node_url, hub_url, hubs):
    """A hub that consumed Zemgale (the published 2018 data) and Kurzeme (5 adults), and an HTTP client on it."""
    kurzeme = node_url("kurzeme")
    await add_people(kurzeme, "kurzeme", 5)
    await publish(kurzeme, "kurzeme", D1)
    hub = await hubs(hub_url, nats_server.url)
    for url in (zemgale_copy, kurzeme):
        async with Relay(url, nats_server.url, backoff=FAST) as relay:
            await relay.run_once(timeout=30)
    await assert_converged(hub_url, [zemgale_copy, kurzeme])
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=hub.app()), base_url="http://hub") as client:

        async def query(text: str, **variables):
            response = await client.post("/graphql", json={"query": text, "variables": variables})
            assert response.status_code == 200
            return response.json()

        yield query


async def test_progress_for_zemgale_equals_the_published_table(api):
    result = await api(PROGRESS, asOf="2018-12-31", region="zemgale")
    assert "errors" not in result, result
    got = {(p["targetGroup"], p["service"], p["recipient"]): p for p in result["data"]["progress"]}
    published_groups = {g for g, _, _ in PUBLISHED_PROGRESS}  # the seed publishes adults and children with FT
    assert {k for k in got if k[0] in published_groups} == set(PUBLISHED_PROGRESS)
    for key, (received, target, published) in PUBLISHED_PROGRESS.items():
        row = got[key]
        assert (row["received"], row["target"]) == (received, target), key
        assert row["region"] == "zemgale"
        if target is None:
            assert row["percent"] is None and row["ratio"] is None
        else:
            assert row["ratio"] == f"{received}/{target}"
        if isinstance(published, float):
            assert Decimal(row["percent"]) == Decimal(str(published))
        elif published is not None:
            assert round(Decimal(row["percent"])) == published
    assert got[("CHILD_FT", "SOCIAL_REHAB_FAMILY", "FAMILY")]["onDemand"] is True
    assert got[("CHILD_FT", None, "PERSON")]["percent"] == "46.5"
    assert got[("ADULT_GRT", None, "PERSON")]["percent"] == "146.5"
    children = await api(PROGRESS, asOf="2018-12-31", region="zemgale", group="CHILD_FT")
    assert {p["targetGroup"] for p in children["data"]["progress"]} == {"CHILD_FT"}


async def test_national_progress_adds_the_regions_up(api):
    result = await api(PROGRESS, asOf="2018-12-31", group="ADULT_GRT")
    got = {(p["service"], p["recipient"]): p for p in result["data"]["progress"]}
    assert got[(None, "PERSON")]["region"] is None
    assert (got[(None, "PERSON")]["received"], got[(None, "PERSON")]["target"]) == (63 + 5, 43)
    assert got[("HOME_CARE", "PERSON")]["received"] == 12 + 5
    assert got[(None, "PERSON")]["ratio"] == "68/43" and got[(None, "PERSON")]["percent"] == "158.1"


async def test_regions_and_snapshots(api):
    result = await api("{ regions { code name lastSnapshotAt asOf sequence } "
                       "snapshots { region asOf sequence contentHash softwareVersion } }")
    regions = {r["code"]: r for r in result["data"]["regions"]}
    assert set(regions) == {"kurzeme", "latgale", "riga", "vidzeme", "zemgale"}
    assert regions["zemgale"]["asOf"] == "2018-12-31" and regions["zemgale"]["sequence"] == 1
    assert regions["zemgale"]["lastSnapshotAt"].endswith("+00:00") and regions["zemgale"]["name"]
    assert regions["riga"]["lastSnapshotAt"] is None and regions["riga"]["sequence"] is None
    assert [s["region"] for s in result["data"]["snapshots"]] == ["kurzeme", "zemgale"]


async def test_national_indicators_filtered(api):
    q = """query($asOf: Date!, $indicator: String, $region: String, $municipality: String, $group: TargetGroup,
                 $service: String, $whole: Boolean, $nonZero: Boolean) {
      nationalIndicators(asOf: $asOf, indicator: $indicator, region: $region, municipality: $municipality,
                         targetGroup: $group, service: $service, wholeRegion: $whole, nonZero: $nonZero) {
        region indicator unit municipality targetGroup service recipient residence fundingSource value ratio } }"""
    by_muni = await api(q, asOf="2018-12-31", indicator="unique_persons_received", region="zemgale",
                        group="ADULT_GRT", nonZero=True)
    counts: dict = {}
    for f in by_muni["data"]["nationalIndicators"]:
        counts[f["municipality"]] = counts.get(f["municipality"], 0) + int(f["value"])
    assert counts.pop(None) == 63 and counts == ADULT_BY_MUNICIPALITY
    one = await api(q, asOf="2018-12-31", indicator="persons_received", municipality="dobeles-novads-2009",
                    service="DAY_CARE_CENTRE")
    assert {f["municipality"] for f in one["data"]["nationalIndicators"]} == {"dobeles-novads-2009"}
    achieved = await api(q, asOf="2018-12-31", indicator="achievement", region="zemgale", group="CHILD_FT")
    rows = {f["service"]: f for f in achieved["data"]["nationalIndicators"] if f["recipient"] == "PERSON"}
    assert rows[None]["ratio"] == "154/331" and rows[None]["value"] == "46.5" and rows[None]["unit"] == "ratio"
    nothing = await api(q, asOf="2017-12-31")
    assert nothing["data"]["nationalIndicators"] == []


async def test_national_totals(api):
    q = """query($asOf: Date!, $indicator: String, $group: TargetGroup) {
      nationalTotals(asOf: $asOf, indicator: $indicator, targetGroup: $group) {
        asOf regionsReporting totals { indicator unit targetGroup service recipient residence value regions } } }"""
    result = (await api(q, asOf="2018-12-31", indicator="unique_persons_received", group="ADULT_GRT"))["data"]
    totals = result["nationalTotals"]
    assert totals["regionsReporting"] == ["kurzeme", "zemgale"]
    by_residence = {t["residence"]: t for t in totals["totals"]}
    assert by_residence["COMMUNITY"]["value"] == "61" and by_residence["COMMUNITY"]["regions"] == 2
    assert by_residence["LEFT_INSTITUTION"]["value"] == "7"
    everything = (await api(q, asOf="2018-12-31"))["data"]["nationalTotals"]["totals"]
    assert "achievement" not in {t["indicator"] for t in everything}  # ratios are never added up
    assert {t["indicator"] for t in everything} >= {"delivery_cost", "di_plan_target", "persons_active"}


async def test_bad_arguments_are_named(api):
    unknown = await api(PROGRESS, asOf="2018-12-31", region="atlantis")
    assert unknown["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    assert "atlantis" in unknown["errors"][0]["message"]
    bad_date = await api(PROGRESS, asOf="2018-13-01")
    assert bad_date["errors"] and "data" not in bad_date or bad_date["data"] is None
    bad_group = await api(PROGRESS, asOf="2018-12-31", group="ELDERLY")
    assert "ELDERLY" in bad_group["errors"][0]["message"]
