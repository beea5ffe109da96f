"""Service places, episodes and deliveries through the API: the happy path, costs, filters, events."""

from __future__ import annotations

import pytest

from core.events import DELIVERIES_RECORDED, EPISODE_ENDED, EPISODE_STARTED

from .conftest import RECORD

pytestmark = pytest.mark.anyio

END = """
mutation($input: EndServiceEpisodeInput!) {
  endServiceEpisode(input: $input) { episode { id startDate endDate } userErrors { code field message } }
}"""
EPISODE = """
query($id: ID!) {
  serviceEpisode(id: $id) {
    id clientId client { id familyName } serviceCode service { code unit } place { id name }
    grantedBy grantingMunicipality { shortName } startDate endDate
    deliveries { id date units cost fundingSource } totalCost costs { fundingSource amount deliveries }
  }
}"""
EPISODES = """
query($filter: ServiceEpisodeFilter) {
  serviceEpisodes(first: 50, filter: $filter) { totalCount edges { node { id } } }
}"""
DELIVERIES = """
query($filter: DeliveryFilter) {
  deliveries(first: 50, filter: $filter) { totalCount totalCost edges { node { id date cost } } }
}"""


async def test_place_episode_deliveries_and_costs(api, events):
    client = await api.register()
    place = await api.place("DAY_CARE_CENTRE", capacity=10, erdfFunded=True)
    assert (place["serviceCode"], place["capacity"], place["erdfFunded"]) == ("DAY_CARE_CENTRE", 10, True)
    episode = await api.start(client["id"], "DAY_CARE_CENTRE", "2018-03-01", placeId=place["id"])
    assert (episode["placeId"], episode["grantedBy"], episode["endDate"]) == (place["id"], "0003000", None)
    payload = (await api.data(RECORD, input={"episodeId": episode["id"], "deliveries": [
        {"date": "2018-03-01", "units": 1}, {"date": "2018-03-02", "units": "0.5"}, {"date": "2020-03-02", "units": 1},
    ]}))["recordDeliveries"]
    assert payload["userErrors"] == []
    rows = [(d["date"], d["units"], d["cost"], d["fundingSource"], d["rate"]) for d in payload["deliveries"]]
    # care level unknown: the lower tier of the day care centre rate (16.24 EUR a day); ESF pays the first 2 years
    tier1 = {"amount": "16.24", "tier": 1}
    assert rows == [("2018-03-01", "1.00", "16.24", "ESF", tier1), ("2018-03-02", "0.50", "8.12", "ESF", tier1),
                    ("2020-03-02", "1.00", "16.24", "MUNICIPALITY", tier1)]
    assert payload["episode"] == {"id": episode["id"], "totalCost": "40.60"}
    read = (await api.data(EPISODE, id=episode["id"]))["serviceEpisode"]
    assert read["client"] == {"id": client["id"], "familyName": "Bērziņa"}
    assert (read["service"], read["place"]["id"]) == ({"code": "DAY_CARE_CENTRE", "unit": "DAY"}, place["id"])
    assert read["grantingMunicipality"] == {"shortName": "Jelgava"}
    assert [d["cost"] for d in read["deliveries"]] == ["16.24", "8.12", "16.24"]
    assert read["costs"] == [{"fundingSource": "ESF", "amount": "24.36", "deliveries": 2},
                             {"fundingSource": "MUNICIPALITY", "amount": "16.24", "deliveries": 1}]
    ended = (await api.mutate(END, "endServiceEpisode", episodeId=episode["id"], endDate="2020-03-31"))["episode"]
    assert ended["endDate"] == "2020-03-31"
    seen = await events()
    assert [e.type for e in seen][1:] == [EPISODE_STARTED, DELIVERIES_RECORDED, EPISODE_ENDED]
    recorded = seen[2].data
    assert recorded == {"episodeId": int(episode["id"]), "clientId": int(client["id"]),
                        "serviceCode": "DAY_CARE_CENTRE", "deliveryIds": [int(d["id"]) for d in payload["deliveries"]]}
    personal = {client["personalCode"], "Anna", "Bērziņa", "1980-05-17"}
    assert not any(value in str(e.as_dict()) for e in seen for value in personal)


async def test_place_occupancy_counts_people_on_a_date(api):
    place = await api.place("GROUP_HOME", capacity=3)
    a, b = await api.register(), await api.register()
    await api.start(a["id"], "GROUP_HOME", "2018-03-01", placeId=place["id"], endDate="2018-12-31")
    await api.start(b["id"], "GROUP_HOME", "2018-06-01", placeId=place["id"])
    data = await api.data("""query($id: ID!) {
        servicePlace(id: $id) { a: occupancy(on: "2018-04-01") b: occupancy(on: "2018-07-01")
                                c: occupancy(on: "2019-01-01") service { code } municipality { code } }
        servicePlaces(serviceCode: "GROUP_HOME") { id name }
        none: servicePlaces(municipalityCode: "0025000") { id }
        missing: servicePlace(id: "nope") { id }
    }""", id=place["id"])
    assert (data["servicePlace"]["a"], data["servicePlace"]["b"], data["servicePlace"]["c"]) == (1, 2, 1)
    assert data["servicePlaces"] == [{"id": place["id"], "name": "Grupu māja Lielupe"}]
    assert (data["none"], data["missing"]) == ([], None)


async def test_episode_filters(api):
    a, b = await api.register(), await api.register(municipalityCode="0025000")
    e1 = await api.start(a["id"], "HOME_CARE", "2018-03-01", endDate="2018-05-31")
    e2 = await api.start(a["id"], "DAY_CARE_CENTRE", "2018-06-01")
    e3 = await api.start(b["id"], "HOME_CARE", "2019-01-01", grantedBy="0025000")

    async def ids(**f):
        connection = (await api.data(EPISODES, filter=f))["serviceEpisodes"]
        found = [e["node"]["id"] for e in connection["edges"]]
        assert connection["totalCount"] == len(found)
        return found

    assert await ids() == [e1["id"], e2["id"], e3["id"]]
    assert await ids(clientId=a["id"]) == [e1["id"], e2["id"]]
    assert await ids(serviceCode="HOME_CARE") == [e1["id"], e3["id"]]
    assert await ids(municipalityCode="0025000") == [e3["id"]]
    assert await ids(open=True) == [e2["id"], e3["id"]]
    assert await ids(open=False) == [e1["id"]]
    assert await ids(**{"from": "2018-06-01", "to": "2018-12-31"}) == [e2["id"]]
    assert await ids(to="2018-03-01") == [e1["id"]]
    body = await api(EPISODES, filter={"clientId": "x"})
    assert body["errors"][0]["extensions"] == {"code": "BAD_USER_INPUT", "field": "filter.clientId"}


async def test_delivery_filters_and_total_cost(api):
    a, b = await api.register(), await api.register(municipalityCode="0025000")
    home = await api.start(a["id"], "HOME_CARE", "2018-03-01")
    day = await api.start(b["id"], "DAY_CARE_CENTRE", "2018-03-01", grantedBy="0025000")
    await api.record(home["id"], [("2018-03-01", 2), ("2018-04-01", "1.5"), ("2020-03-02", 1)])
    await api.record(day["id"], [("2018-03-01", 1), ("2018-03-02", 1)])

    async def found(**f):
        connection = (await api.data(DELIVERIES, filter=f))["deliveries"]
        assert connection["totalCount"] == len(connection["edges"])
        return [e["node"]["date"] for e in connection["edges"]], connection["totalCost"]

    assert await found() == (["2018-03-01", "2018-04-01", "2020-03-02", "2018-03-01", "2018-03-02"], "49.72")
    assert await found(episodeId=home["id"]) == (["2018-03-01", "2018-04-01", "2020-03-02"], "17.24")
    assert await found(clientId=b["id"]) == (["2018-03-01", "2018-03-02"], "32.48")
    assert await found(serviceCode="HOME_CARE", fundingSource="MUNICIPALITY") == (["2020-03-02"], "3.83")
    assert await found(municipalityCode="0025000", to="2018-03-01") == (["2018-03-01"], "16.24")
    assert await found(**{"from": "2018-03-02", "to": "2018-12-31"}) == (["2018-04-01", "2018-03-02"], "21.99")
    assert await found(clientId="999") == ([], "0.00")
    data = await api.data("""query($id: ID!) { client(id: $id) {
        totalCost costs { fundingSource amount deliveries }
        all: deliveries { date } march: deliveries(from: "2018-03-01", to: "2018-03-31") { date cost }
        services { code } episodes { id totalCost } } }""", id=a["id"])
    client = data["client"]
    assert client["totalCost"] == "17.24"
    assert client["costs"] == [{"fundingSource": "ESF", "amount": "13.41", "deliveries": 2},
                               {"fundingSource": "MUNICIPALITY", "amount": "3.83", "deliveries": 1}]
    assert [d["date"] for d in client["all"]] == ["2018-03-01", "2018-04-01", "2020-03-02"]
    assert client["march"] == [{"date": "2018-03-01", "cost": "7.66"}]
    assert client["services"] == [{"code": "HOME_CARE"}]


async def test_single_delivery_and_its_episode(api):
    client = await api.register()
    episode = await api.start(client["id"])
    [row] = await api.record(episode["id"], [("2018-03-05", "24")])
    data = await api.data("""query($id: ID!) { delivery(id: $id) { id units cost episode { id client { id } } }
                             none: delivery(id: "0") { id } }""", id=row["id"])
    assert data["delivery"] == {"id": row["id"], "units": "24.00", "cost": "91.92",
                                "episode": {"id": episode["id"], "client": {"id": client["id"]}}}
    assert data["none"] is None
