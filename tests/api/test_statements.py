"""Dataloaders: the SQL statements of a page of clients do not grow with the page size."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import event

from core.domain.personal_code import make_personal_code
from core.store.clients import NewClient, register_client
from core.store.deliveries import DeliveryInput, record_deliveries
from core.store.episodes import NewEpisode, start_episode
from core.store.models import Assessment

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


async def _statements(api, first: int) -> tuple[int, dict]:
    count = 0

    def counted(*_args) -> None:
        nonlocal count
        count += 1

    event.listen(api.node.engine.sync_engine, "before_cursor_execute", counted)
    try:
        data = await api.data(PAGE, first=first)
    finally:
        event.remove(api.node.engine.sync_engine, "before_cursor_execute", counted)
    return count, data


async def test_a_page_of_100_clients_takes_as_many_statements_as_a_page_of_10(api):
    await _people(api.node, 100)
    small, ten = await _statements(api, 10)
    large, hundred = await _statements(api, 100)
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
