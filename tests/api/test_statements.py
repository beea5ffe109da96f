"""Dataloaders: the SQL statements of a page of clients do not grow with the page size."""

from __future__ import annotations

import json
from datetime import date

import pytest
from sqlalchemy import text

from core.domain.personal_code import make_personal_code
from core.store.clients import NewClient, register_client
from core.store.deliveries import DeliveryInput, record_deliveries
from core.store.episodes import NewEpisode, start_episode
from core.store.models import Assessment
from tests.support.statements import statements_sent

pytestmark = pytest.mark.anyio

PAGE = """
query($first: Int!) {
  clients(first: $first) {
    totalCount
    pageInfo { hasNextPage endCursor }
    edges { node {
      id givenName municipality { shortName }
      episodes { id startDate service { code nameEn unit } deliveries { date cost rate { amount } } totalCost }
      services { code }
      latestAssessment { id assessedOn careLevel }
      totalCost costs { fundingSource amount }
    } }
  }
}"""


async def _people(node, n: int) -> None:
    """``n`` adults, each with two episodes, a delivery and two assessments (through the write path)."""
    async with node.sessions() as s, s.begin():
        for i in range(n):
            client = await register_client(s, node, NewClient(
                personal_code=make_personal_code(date(1970 + i % 30, 1 + i % 12, 1 + i % 28), i),
                given_name=f"Person {i}", family_name="Test", target_group="ADULT_GRT",
                municipality_code="0003000" if i % 2 else "0025000"))
            home = await start_episode(s, node, NewEpisode(client.id, "HOME_CARE", "0003000", date(2018, 3, 1)))
            await start_episode(s, node, NewEpisode(client.id, "DAY_CARE_CENTRE", "0003000", date(2018, 4, 1)))
            await record_deliveries(s, node, home.id, [DeliveryInput(date(2018, 3, 1), 2)])
            for day, level in ((date(2017, 6, 1), 2), (date(2018, 1, 15), 3)):
                s.add(Assessment(client_id=client.id, instrument_code="SIS-A", instrument_version="1",
                                 assessed_on=day, assessor="Assessor", care_level=level))


def _statements_of(api, query: str):
    async def run(first: int) -> tuple[int, dict]:
        with statements_sent(api.node.engine) as seen:
            data = await api.data(query, first=first)
        return len(seen), data

    return run


async def test_a_page_of_100_clients_takes_as_many_statements_as_a_page_of_10(api):
    await _people(api.node, 100)
    small, ten = await _statements_of(api, PAGE)(10)
    large, hundred = await _statements_of(api, PAGE)(100)
    assert len(ten["clients"]["edges"]) == 10 and len(hundred["clients"]["edges"]) == 100
    node = hundred["clients"]["edges"][99]["node"]
    assert [e["service"]["code"] for e in node["episodes"]] == ["HOME_CARE", "DAY_CARE_CENTRE"]
    assert node["episodes"][0]["deliveries"] == [{"date": "2018-03-01", "cost": "7.66", "rate": {"amount": "3.83"}}]
    assert node["latestAssessment"]["assessedOn"] == "2018-01-15" and node["latestAssessment"]["careLevel"] == 3
    assert (node["totalCost"], node["services"]) == ("7.66", [{"code": "HOME_CARE"}, {"code": "DAY_CARE_CENTRE"}])
    # page + count + one per relation: municipalities, episodes, assessments, costs per client,
    # services, deliveries, costs per episode, rates; + the audit events of the names shown (one INSERT)
    assert small == large, (small, large)
    assert large <= 11, large


BENCH_PAGE = """
query($first: Int!) {
  clients(first: $first) { edges { node {
    id givenName familyName birthDate targetGroup municipalityCode
    episodes { id serviceCode grantedBy startDate endDate }
    services { code nameEn unit }
  } } }
}"""
BENCH_PAGE_IN_FRAGMENTS = """
query($first: Int!) {
  clients(first: $first) { edges { ... on ClientEdge { node { ...Person ...Services } } } }
}
fragment Person on Client {
  id givenName familyName birthDate targetGroup municipalityCode
  history: episodes { id serviceCode grantedBy startDate endDate }
}
fragment Services on Client { services { code nameEn unit } }"""


async def test_the_relations_of_a_page_are_loaded_once_before_its_nodes_resolve(api):
    await _people(api.node, 30)
    page = _statements_of(api, BENCH_PAGE)
    small, ten = await page(10)
    large, thirty = await page(30)
    # the page, its episodes, their services, the audit events of the names and birth dates shown
    assert small == large == 4, (small, large)
    node = thirty["clients"]["edges"][29]["node"]
    assert [e["serviceCode"] for e in node["episodes"]] == ["HOME_CARE", "DAY_CARE_CENTRE"]
    assert [s["code"] for s in node["services"]] == ["HOME_CARE", "DAY_CARE_CENTRE"]
    # the same through fragments and an alias: the same statements, the same answer
    count, through_fragments = await _statements_of(api, BENCH_PAGE_IN_FRAGMENTS)(30)
    assert count == 4
    for plain, fragmented in zip(thirty["clients"]["edges"], through_fragments["clients"]["edges"], strict=True):
        history = fragmented["node"].pop("history")
        assert history == plain["node"].pop("episodes") and fragmented["node"] == plain["node"]


async def test_a_page_without_relations_loads_none(api):
    await _people(api.node, 3)
    ids_only = "query($first: Int!) { clients(first: $first) { edges { node { id } } } }"
    count, data = await _statements_of(api, ids_only)(3)
    assert count == 1 and len(data["clients"]["edges"]) == 3  # the page only: no episodes, no services, no names
    count, data = await _statements_of(
        api, "query($first: Int!) { clients(first: $first) { edges { node { id services { code } } } } }")(3)
    assert count == 3 and data["clients"]["edges"][0]["node"]["services"] == [{"code": "HOME_CARE"},
                                                                             {"code": "DAY_CARE_CENTRE"}]


async def test_a_page_writes_one_audit_event_per_person_shown(api):
    await _people(api.node, 12)
    async with api.node.engine.begin() as conn:  # one person without a birth date: only the name is read
        await conn.execute(text("UPDATE clients SET birth_date = NULL WHERE id = (SELECT min(id) FROM clients)"))
    data = await api.data(BENCH_PAGE, first=10)
    async with api.node.engine.connect() as conn:
        events = (await conn.execute(text(
            "SELECT client_id, object_id, domain, role, detail, request_id FROM audit_events "
            "WHERE action = 'personal.read' ORDER BY client_id"))).all()
        municipality = dict((await conn.execute(text("SELECT id, municipality_code FROM clients"))).all())
    shown = [int(e["node"]["id"]) for e in data["clients"]["edges"]]
    assert [e.client_id for e in events] == shown and [e.object_id for e in events] == [str(i) for i in shown]
    assert [e.domain for e in events] == [f"lv/zemgale/{municipality[i]}" for i in shown]
    assert {e.role for e in events} == {"regional_coordinator"} and len({e.request_id for e in events}) == 1
    assert [json.loads(e.detail)["fields"] for e in events] == [["name"]] + [["birth_date", "name"]] * 9
