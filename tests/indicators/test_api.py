"""``indicators(asOf: Date!)`` on the node's GraphQL API, over HTTP, on SQLite and PostgreSQL."""

from __future__ import annotations

import httpx
import pytest

from core.api import create_app
from core.auth.principal import ROLES
from core.store.snapshots import take_snapshot
from tests.conftest import dev_token
from tests.indicators.published import ADULT_BY_MUNICIPALITY, AS_OF, PUBLISHED_PROGRESS, build_zemgale_2018

pytestmark = pytest.mark.anyio

QUERY = """query($asOf: Date!, $codes: [String!]) {
  indicators(asOf: $asOf) {
    region asOf contentHash
    progress { targetGroup service recipient received target onDemand percent ratio }
    indicators(codes: $codes) {
      code unit dimensions
      figures(nonZero: true) { municipality targetGroup service recipient residence fundingSource count amount ratio
                               percent }
    }
  }
}"""
READERS = {"national_admin", "national_analyst", "regional_coordinator", "municipal_social_worker"}


@pytest.fixture
async def http(node, auth_headers):
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=create_app(node)), base_url="http://node",
                                 headers=auth_headers) as c:
        yield c


async def _ask(http, **variables) -> dict:
    response = await http.post("/graphql", json={"query": QUERY, "variables": variables})
    assert response.status_code == 200
    return response.json()


async def test_the_regions_figures_as_published(node, http):
    async with node.sessions() as s, s.begin():
        await build_zemgale_2018(s, node)
    body = await _ask(http, asOf="2018-12-31", codes=["unique_persons_received", "achievement", "delivery_cost"])
    assert "errors" not in body, body
    report = body["data"]["indicators"]
    snapshot, _ = await take_snapshot(node, AS_OF)
    assert report["contentHash"] == snapshot.content_hash()  # the figures a published snapshot carries
    assert (report["region"], report["asOf"]) == ("zemgale", "2018-12-31")
    progress = {(p["targetGroup"], p["service"], p["recipient"]): p for p in report["progress"]}
    for key, (received, target, _) in PUBLISHED_PROGRESS.items():
        assert (progress[key]["received"], progress[key]["target"]) == (received, target), key
    assert progress[("CHILD_FT", None, "PERSON")]["percent"] == "46.5"
    assert progress[("CHILD_FT", "SOCIAL_REHAB_FAMILY", "FAMILY")]["onDemand"] is True
    blocks = {b["code"]: b for b in report["indicators"]}
    assert set(blocks) == {"unique_persons_received", "achievement", "delivery_cost"}
    adults: dict = {}
    for f in blocks["unique_persons_received"]["figures"]:
        if f["targetGroup"] == "ADULT_GRT":
            adults[f["municipality"]] = adults.get(f["municipality"], 0) + f["count"]
    assert adults.pop(None) == 63 and adults == ADULT_BY_MUNICIPALITY
    unique_children = next(f for f in blocks["achievement"]["figures"]
                           if f["targetGroup"] == "CHILD_FT" and f["service"] is None and f["recipient"] == "PERSON")
    assert (unique_children["ratio"], unique_children["percent"], unique_children["count"]) == ("154/331", "46.5",
                                                                                                None)


async def test_a_bad_date_is_a_bad_user_input(http):
    for bad in ("2018-13-01", "2999-01-01", "2014-12-31"):
        body = await _ask(http, asOf=bad)
        error = body["errors"][0]
        assert error["extensions"]["code"] == "BAD_USER_INPUT" and error["extensions"]["field"] == "asOf", bad


@pytest.mark.parametrize("backend", ["sqlite"])  # the decision is the policy's, the same on both databases
@pytest.mark.parametrize("role", ROLES)
async def test_which_roles_may_read_indicators(http, role):
    for domain in ("lv/zemgale",) if role in READERS else ("lv", "lv/zemgale/0003000"):
        token = dev_token(role=role, domain=domain, sub=f"{role}-user")
        response = await http.post("/graphql", json={"query": QUERY, "variables": {
            "asOf": "2018-12-31", "codes": ["persons_assessed"]}}, headers={"Authorization": f"Bearer {token}"})
        body = response.json()
        if role in READERS:
            assert "errors" not in body, (domain, body)
            assert body["data"]["indicators"]["indicators"][0]["code"] == "persons_assessed"
        else:
            assert body["data"] is None and body["errors"][0]["extensions"]["code"] == "FORBIDDEN", (domain, body)
    nobody = await http.post("/graphql", json={"query": QUERY, "variables": {"asOf": "2018-12-31"}},
                             headers={"Authorization": "Bearer not-a-token"})
    assert nobody.status_code == 401 and nobody.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
