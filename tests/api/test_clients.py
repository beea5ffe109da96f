"""Clients through the API: register, update, leave an institution, read back, list with filters."""

from __future__ import annotations

from datetime import date

import pytest

from core.events import CLIENT_REGISTERED

pytestmark = pytest.mark.anyio

CLIENT = """
query($id: ID!) {
  client(id: $id) {
    id personalCode givenName familyName birthDate address diagnosis targetGroup recipientKind
    municipalityCode municipality { code shortName } residence institutionId institution { code }
    preparingSince leftInstitutionOn careLevel represents { id } createdAt updatedAt
    episodes { id serviceCode } services { code } deliveries { date } totalCost costs { fundingSource amount }
    assessments { id } latestAssessment { id } supportPlans { id }
  }
}"""
UPDATE = """
mutation($input: UpdateClientInput!) {
  updateClient(input: $input) {
    client { id givenName familyName address diagnosis municipalityCode residence institutionId careLevel }
    userErrors { code field message }
  }
}"""
EXIT = """
mutation($input: RecordInstitutionExitInput!) {
  recordInstitutionExit(input: $input) {
    client { id residence leftInstitutionOn }
    userErrors { code field message }
  }
}"""
LIST = """
query($first: Int, $filter: ClientFilter) {
  clients(first: $first, filter: $filter) { totalCount edges { node { id familyName } } }
}"""


async def test_register_client_and_read_it_back(api, events):
    client = await api.register(address="Lielā iela 1, Jelgava", diagnosis="F70")
    assert client["birthDate"] == "1980-05-17"
    assert (client["targetGroup"], client["recipientKind"], client["residence"]) == ("ADULT_GRT", "PERSON", "COMMUNITY")
    read = (await api.data(CLIENT, id=client["id"]))["client"]
    assert read["personalCode"] == client["personalCode"]
    assert (read["address"], read["diagnosis"]) == ("Lielā iela 1, Jelgava", "F70")
    assert read["municipality"] == {"code": "0003000", "shortName": "Jelgava"}
    assert (read["episodes"], read["deliveries"], read["totalCost"], read["costs"]) == ([], [], "0.00", [])
    assert (read["assessments"], read["latestAssessment"], read["supportPlans"]) == ([], None, [])
    [event] = [e for e in await events() if e.type == CLIENT_REGISTERED]
    assert event.data == {"clientId": int(client["id"]), "targetGroup": "ADULT_GRT", "recipientKind": "PERSON",
                          "municipalityCode": "0003000"}
    assert event.region == "zemgale"


async def test_register_a_representative_of_a_child(api):
    child = await api.register(targetGroup="CHILD_FT", born=date(2012, 1, 5))
    parent = await api.register(targetGroup="CHILD_FT", recipientKind="LEGAL_REPRESENTATIVE",
                                representsClientId=child["id"])
    read = (await api.data(CLIENT, id=parent["id"]))["client"]
    assert read["represents"] == {"id": child["id"]}
    assert read["recipientKind"] == "LEGAL_REPRESENTATIVE"


async def test_update_client_changes_only_the_given_fields(api):
    client = await api.register(address="Old street 1")
    payload = await api.mutate(UPDATE, "updateClient", clientId=client["id"], givenName="Ance",
                               municipalityCode="0025000", careLevel=3)
    assert payload["client"]["givenName"] == "Ance"
    assert (payload["client"]["familyName"], payload["client"]["address"]) == ("Bērziņa", "Old street 1")
    read = (await api.data(CLIENT, id=client["id"]))["client"]
    assert (read["givenName"], read["municipalityCode"], read["careLevel"]) == ("Ance", "0025000", 3)


async def test_record_institution_exit(api):
    institution = await api.institution()
    client = await api.register(residence="PREPARING_TO_LEAVE", institutionId=str(institution),
                                preparingSince="2018-01-10")
    read = (await api.data(CLIENT, id=client["id"]))["client"]
    assert read["institution"] == {"code": "VSAC-JELGAVA"}
    payload = await api.mutate(EXIT, "recordInstitutionExit", clientId=client["id"], date="2018-09-30")
    assert payload["client"] == {"id": client["id"], "residence": "LEFT_INSTITUTION",
                                 "leftInstitutionOn": "2018-09-30"}
    read = (await api.data(CLIENT, id=client["id"]))["client"]
    assert (read["residence"], read["leftInstitutionOn"]) == ("LEFT_INSTITUTION", "2018-09-30")


async def test_single_client_lookups_answer_null_for_missing_or_malformed_ids(api):
    await api.register()
    data = await api.data("""{ a: client(id: "999") { id } b: client(id: "abc") { id } c: client(id: "-1") { id }
                             d: client(id: "99999999999") { id } e: client(id: "") { id } }""")
    assert data == {"a": None, "b": None, "c": None, "d": None, "e": None}


async def test_client_filters(api):
    a = await api.register(familyName="Ozoliņa")
    b = await api.register(familyName="Kalniņš", municipalityCode="0025000")
    c = await api.register(familyName="Liepa", targetGroup="CHILD_FT", born=date(2012, 3, 4))
    institution = await api.institution()
    d = await api.register(familyName="Egle", residence="INSTITUTION", institutionId=str(institution))
    await api.start(a["id"], "HOME_CARE", "2018-03-01", endDate="2018-06-30")
    await api.start(b["id"], "DAY_CARE_CENTRE", "2018-05-01")
    await api.start(c["id"], "DAY_CARE_CENTRE", "2019-01-01")

    async def ids(**f):
        connection = (await api.data(LIST, first=50, filter=f))["clients"]
        found = [e["node"]["id"] for e in connection["edges"]]
        assert connection["totalCount"] == len(found)
        return found

    assert await ids() == [a["id"], b["id"], c["id"], d["id"]]
    assert await ids(municipalityCode="0025000") == [b["id"]]
    assert await ids(targetGroup="CHILD_FT") == [c["id"]]
    assert await ids(residence="INSTITUTION") == [d["id"]]
    assert await ids(serviceCode="DAY_CARE_CENTRE") == [b["id"], c["id"]]
    assert await ids(serviceCode="DAY_CARE_CENTRE", targetGroup="ADULT_GRT") == [b["id"]]
    assert await ids(activeOn="2018-07-01") == [b["id"]]
    assert await ids(activeOn="2018-04-01") == [a["id"]]
    assert await ids(serviceCode="HOME_CARE", activeOn="2019-01-01") == []
    assert await ids(search="ozol") == [a["id"]]
    assert await ids(search="Anna Kaln") == [b["id"]]
    assert await ids(search="LIEPA") == [c["id"]]
    assert await ids(search="%") == []
    assert await ids(search="_") == []
    assert await ids(municipalityCode="nowhere") == []


async def test_a_malformed_filter_date_is_a_clear_error(api):
    body = await api(LIST, filter={"activeOn": "01.07.2018"})
    [error] = body["errors"]
    assert error["extensions"] == {"code": "BAD_USER_INPUT", "field": "filter.activeOn"}
    assert "YYYY-MM-DD" in error["message"]
