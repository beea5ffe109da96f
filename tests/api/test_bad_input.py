"""The bad-input battery: each refused change names the input field at fault and leaves the database as it was.

Every case reads all rows of the tables mutations write before and after the
request and asserts they are identical.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from core.domain.personal_code import make_personal_code

from .conftest import CREATE_PLACE, RECORD, REGISTER, START
from .test_clients import CLIENT, EXIT, UPDATE
from .test_episodes_and_deliveries import END

pytestmark = pytest.mark.anyio

PAYLOAD_OBJECT = {"registerClient": "client", "updateClient": "client", "recordInstitutionExit": "client",
                  "createServicePlace": "place", "startServiceEpisode": "episode", "endServiceEpisode": "episode",
                  "recordDeliveries": "deliveries"}


async def refused(api, query: str, name: str, input: dict, *expected: tuple[str, str | None]) -> list[dict]:
    """Send a change that must be refused with exactly ``expected`` (code, field) errors and change nothing."""
    before = await api.rows()
    body = await api(query, input=input)
    assert "errors" not in body, body["errors"]
    payload = body["data"][name]
    assert [(e["code"], e["field"]) for e in payload["userErrors"]] == list(expected), payload["userErrors"]
    assert all(e["message"] for e in payload["userErrors"])
    assert payload[PAYLOAD_OBJECT[name]] is None
    assert await api.rows() == before
    return payload["userErrors"]


def adult(serial: int = 90, **fields) -> dict:
    return {"personalCode": make_personal_code(date(1980, 5, 17), serial), "givenName": "Anna",
            "familyName": "Bērziņa", "targetGroup": "ADULT_GRT", "municipalityCode": "0003000", **fields}


async def test_register_client_refusals(api):
    taken = await api.register()
    institution = await api.institution()
    cases = [
        (adult(personalCode="170580-10014"), ("PERSONAL_CODE_INVALID", "personalCode")),
        (adult(personalCode="17058010019x"), ("PERSONAL_CODE_INVALID", "personalCode")),
        (adult(personalCode="40003000000"), ("PERSONAL_CODE_INVALID", "personalCode")),
        (adult(personalCode=make_personal_code(date.today() + timedelta(days=40), 5)),
         ("PERSONAL_CODE_INVALID", "personalCode")),
        (adult(personalCode=taken["personalCode"]), ("DUPLICATE_PERSONAL_CODE", "personalCode")),
        (adult(personalCode=taken["personalCode"].replace("-", "")), ("DUPLICATE_PERSONAL_CODE", "personalCode")),
        (adult(municipalityCode="9999999"), ("UNKNOWN_MUNICIPALITY", "municipalityCode")),
        (adult(givenName="  "), ("INVALID_VALUE", "givenName")),
        (adult(familyName="x" * 101), ("INVALID_VALUE", "familyName")),
        (adult(address="x" * 301), ("INVALID_VALUE", "address")),
        (adult(birthDate="17.05.1980"), ("INVALID_VALUE", "birthDate")),
        (adult(birthDate="1980-05-18"), ("INVALID_VALUE", "birthDate")),
        (adult(institutionId="VSAC-1"), ("INVALID_VALUE", "institutionId")),
        (adult(residence="INSTITUTION"), ("INVALID_VALUE", "institutionId")),
        (adult(residence="INSTITUTION", institutionId="999"), ("NOT_FOUND", "institutionId")),
        (adult(residence="LEFT_INSTITUTION", institutionId=str(institution)), ("INVALID_VALUE", "leftInstitutionOn")),
        (adult(residence="PREPARING_TO_LEAVE", institutionId=str(institution), preparingSince="2014-12-31"),
         ("INVALID_VALUE", "preparingSince")),
        (adult(recipientKind="LEGAL_REPRESENTATIVE"), ("INVALID_VALUE", "recipientKind")),
        (adult(targetGroup="CHILD_FT", recipientKind="FOSTER_FAMILY", representsClientId=taken["id"]),
         ("INVALID_VALUE", "representsClientId")),
        (adult(targetGroup="CHILD_FT", recipientKind="FOSTER_FAMILY", representsClientId="abc"),
         ("INVALID_VALUE", "representsClientId")),
    ]
    for input, expected in cases:
        await refused(api, REGISTER, "registerClient", input, expected)
    # several malformed values are reported together
    await refused(api, REGISTER, "registerClient", adult(birthDate="x", preparingSince="2018-02-30", address="a" * 400),
                  ("INVALID_VALUE", "address"), ("INVALID_VALUE", "birthDate"), ("INVALID_VALUE", "preparingSince"))


async def test_update_client_refusals(api):
    client = await api.register(address="Lielā iela 1")
    before = (await api.data(CLIENT, id=client["id"]))["client"]
    cases = [
        ({"clientId": "abc", "givenName": "Ance"}, ("INVALID_VALUE", "clientId")),
        ({"clientId": "999", "givenName": "Ance"}, ("NOT_FOUND", "clientId")),
        ({"clientId": client["id"]}, ("INVALID_VALUE", "input")),
        ({"clientId": client["id"], "municipalityCode": "0000000"}, ("UNKNOWN_MUNICIPALITY", "municipalityCode")),
        ({"clientId": client["id"], "careLevel": 7}, ("INVALID_VALUE", "careLevel")),
        ({"clientId": client["id"], "givenName": ""}, ("INVALID_VALUE", "givenName")),
        ({"clientId": client["id"], "residence": "INSTITUTION"}, ("INVALID_VALUE", "institutionId")),
        ({"clientId": client["id"], "residence": "LEFT_INSTITUTION"}, ("INVALID_VALUE", "residence")),
        ({"clientId": client["id"], "diagnosis": "F" * 201}, ("INVALID_VALUE", "diagnosis")),
        ({"clientId": client["id"], "givenName": "Ance", "careLevel": 0}, ("INVALID_VALUE", "careLevel")),
    ]
    for input, expected in cases:
        await refused(api, UPDATE, "updateClient", input, expected)
    assert (await api.data(CLIENT, id=client["id"]))["client"] == before


async def test_record_institution_exit_refusals(api):
    institution = await api.institution()
    at_home = await api.register()
    preparing = await api.register(residence="PREPARING_TO_LEAVE", institutionId=str(institution),
                                   preparingSince="2018-01-10")
    cases = [
        ({"clientId": at_home["id"], "date": "2018-05-01"}, ("INVALID_VALUE", "residence")),
        ({"clientId": preparing["id"], "date": "2018-01-09"}, ("END_BEFORE_START", "date")),
        ({"clientId": preparing["id"], "date": "2018-1-9"}, ("INVALID_VALUE", "date")),
        ({"clientId": preparing["id"], "date": (date.today() + timedelta(days=2)).isoformat()},
         ("INVALID_VALUE", "date")),
        ({"clientId": "1.5", "date": "2018-05-01"}, ("INVALID_VALUE", "clientId")),
        ({"clientId": "12345", "date": "2018-05-01"}, ("NOT_FOUND", "clientId")),
    ]
    for input, expected in cases:
        await refused(api, EXIT, "recordInstitutionExit", input, expected)


def place(**fields) -> dict:
    return {"name": "Dienas centrs", "serviceCode": "DAY_CARE_CENTRE", "municipalityCode": "0003000", "capacity": 5,
            **fields}


async def test_create_service_place_refusals(api):
    cases = [
        (place(serviceCode="NO_SUCH_SERVICE"), ("UNKNOWN_SERVICE", "serviceCode")),
        (place(municipalityCode="0000000"), ("UNKNOWN_MUNICIPALITY", "municipalityCode")),
        (place(capacity=0), ("INVALID_VALUE", "capacity")),
        (place(capacity=-3), ("INVALID_VALUE", "capacity")),
        (place(serviceCode="FAMILY_LIKE_HOME", capacity=9), ("FAMILY_HOME_FULL", "capacity")),
        (place(name=" "), ("INVALID_VALUE", "name")),
        (place(name="x" * 201), ("INVALID_VALUE", "name")),
    ]
    for input, expected in cases:
        await refused(api, CREATE_PLACE, "createServicePlace", input, expected)


async def test_start_service_episode_refusals(api):
    client = await api.register()
    other = await api.register()
    full = await api.place("GROUP_HOME", capacity=1)
    await api.start(other["id"], "GROUP_HOME", "2018-01-01", placeId=full["id"])
    workshop = await api.place("SPECIALISED_WORKSHOP", capacity=5)

    def episode(**fields):
        return {"clientId": client["id"], "serviceCode": "HOME_CARE", "grantedBy": "0003000",
                "startDate": "2018-03-01", **fields}

    cases = [
        (episode(serviceCode="NO_SUCH_SERVICE"), ("UNKNOWN_SERVICE", "serviceCode")),
        (episode(serviceCode="RESPITE_CARE"), ("SERVICE_NOT_FOR_TARGET_GROUP", "serviceCode")),
        (episode(serviceCode="FOSTER_FAMILY"), ("SERVICE_NOT_FOR_TARGET_GROUP", "serviceCode")),
        (episode(endDate="2018-02-28"), ("END_BEFORE_START", "endDate")),
        (episode(grantedBy="0000000"), ("UNKNOWN_MUNICIPALITY", "grantedBy")),
        (episode(clientId="x1"), ("INVALID_VALUE", "clientId")),
        (episode(clientId="4000"), ("NOT_FOUND", "clientId")),
        (episode(startDate="2018-03-32"), ("INVALID_VALUE", "startDate")),
        (episode(startDate="March 2018"), ("INVALID_VALUE", "startDate")),
        (episode(startDate="2014-12-31"), ("INVALID_VALUE", "startDate")),
        (episode(startDate=(date.today() + timedelta(days=3)).isoformat()), ("INVALID_VALUE", "startDate")),
        (episode(endDate="31/12/2018"), ("INVALID_VALUE", "endDate")),
        (episode(serviceCode="GROUP_HOME", placeId=full["id"]), ("PLACE_FULL", "placeId")),
        (episode(serviceCode="GROUP_HOME", placeId=workshop["id"]), ("INVALID_VALUE", "placeId")),
        (episode(serviceCode="GROUP_HOME", placeId="-4"), ("INVALID_VALUE", "placeId")),
        (episode(serviceCode="GROUP_HOME", placeId="777"), ("NOT_FOUND", "placeId")),
    ]
    for input, expected in cases:
        await refused(api, START, "startServiceEpisode", input, expected)


async def test_end_service_episode_refusals(api):
    client = await api.register()
    episode = await api.start(client["id"], "HOME_CARE", "2018-03-01")
    await api.record(episode["id"], [("2018-04-10", 1)])
    cases = [
        ({"episodeId": episode["id"], "endDate": "2018-02-28"}, ("END_BEFORE_START", "endDate")),
        ({"episodeId": episode["id"], "endDate": "2018-04-09"}, ("DELIVERY_OUTSIDE_EPISODE", "endDate")),
        ({"episodeId": episode["id"], "endDate": (date.today() + timedelta(days=1)).isoformat()},
         ("INVALID_VALUE", "endDate")),
        ({"episodeId": episode["id"], "endDate": "2018-04-31"}, ("INVALID_VALUE", "endDate")),
        ({"episodeId": "episode-1", "endDate": "2018-05-01"}, ("INVALID_VALUE", "episodeId")),
        ({"episodeId": "31337", "endDate": "2018-05-01"}, ("NOT_FOUND", "episodeId")),
    ]
    for input, expected in cases:
        await refused(api, END, "endServiceEpisode", input, expected)


async def test_record_deliveries_refusals(api):
    client = await api.register()
    home = await api.start(client["id"], "HOME_CARE", "2018-03-01", endDate="2018-12-31")
    day = await api.start(client["id"], "DAY_CARE_CENTRE", "2018-03-01")
    await api.record(home["id"], [("2018-03-01", 1)])

    def batch(episode, *rows):
        return {"episodeId": episode["id"], "deliveries": [{"date": d, "units": u} for d, u in rows]}

    cases = [
        (batch(home, ("2018-02-28", 1)), [("DELIVERY_OUTSIDE_EPISODE", "deliveries.0.date")]),
        (batch(home, ("2018-03-02", 1), ("2019-01-01", 1)), [("DELIVERY_OUTSIDE_EPISODE", "deliveries.1.date")]),
        (batch(home, ("2018-03-02", -1)), [("UNITS_INVALID", "deliveries.0.units")]),
        (batch(home, ("2018-03-02", 0)), [("UNITS_INVALID", "deliveries.0.units")]),
        (batch(home, ("2018-03-02", 8), ("2018-03-03", "24.5")), [("UNITS_INVALID", "deliveries.1.units")]),
        (batch(home, ("2018-03-02", "1.005")), [("UNITS_INVALID", "deliveries.0.units")]),
        (batch(home, ("2018-03-02", "NaN")), [("UNITS_INVALID", "deliveries.0.units")]),
        (batch(home, ("2018-03-02", "1e9")), [("UNITS_INVALID", "deliveries.0.units")]),
        (batch(day, ("2018-03-02", 2)), [("UNITS_INVALID", "deliveries.0.units")]),
        (batch(day, ("2018-03-02", "1.5")), [("UNITS_INVALID", "deliveries.0.units")]),
        (batch(home, ("2018-03-02", "two")), [("INVALID_VALUE", "deliveries.0.units")]),
        (batch(home, ("2018-03-02", 1), ("2018-03-03", 1), ("2018/03/04", 1)),
         [("INVALID_VALUE", "deliveries.2.date")]),
        (batch(home, ("2018-03-02", 1), ("2018-03-02", 1)), [("DUPLICATE_DELIVERY", "deliveries.1.date")]),
        (batch(home, ("2018-03-01", 1)), [("DUPLICATE_DELIVERY", "deliveries")]),
        (batch(home), [("INVALID_VALUE", "deliveries")]),
        ({"episodeId": "abc", "deliveries": [{"date": "2018-03-02", "units": 1}]}, [("INVALID_VALUE", "episodeId")]),
        ({"episodeId": "2147483648", "deliveries": [{"date": "2018-03-02", "units": 1}]},
         [("INVALID_VALUE", "episodeId")]),
        ({"episodeId": "404", "deliveries": [{"date": "2018-03-02", "units": 1}]}, [("NOT_FOUND", "episodeId")]),
        # good rows beside bad ones: the whole batch is refused, every bad row is named
        (batch(home, ("2018-03-05", 2), ("2018-03-06", 25), ("2018-03-07", 1), ("2017-01-01", 1)),
         [("UNITS_INVALID", "deliveries.1.units"), ("DELIVERY_OUTSIDE_EPISODE", "deliveries.3.date")]),
    ]
    for input, expected in cases:
        await refused(api, RECORD, "recordDeliveries", input, *expected)


async def test_respite_care_over_thirty_days_a_year(api):
    child = await api.register(targetGroup="CHILD_FT", born=date(2012, 1, 5))
    respite = await api.start(child["id"], "RESPITE_CARE", "2018-01-01")
    await api.record(respite["id"], [((date(2018, 1, 1) + timedelta(days=i)).isoformat(), 1) for i in range(25)])
    too_many = {"episodeId": respite["id"], "deliveries": [
        {"date": (date(2018, 6, 1) + timedelta(days=i)).isoformat(), "units": 1} for i in range(6)]}
    [error] = await refused(api, RECORD, "recordDeliveries", too_many, ("RESPITE_LIMIT_EXCEEDED", "deliveries"))
    assert "2018" in error["message"]
    # five more fit into 2018, and the next year starts again from zero
    await api.record(respite["id"], [((date(2018, 6, 1) + timedelta(days=i)).isoformat(), 1) for i in range(5)])
    await api.record(respite["id"], [((date(2019, 1, 1) + timedelta(days=i)).isoformat(), 1) for i in range(30)])


async def test_text_with_nul_characters_is_refused_before_any_query(api):
    """PostgreSQL can neither store nor compare NUL; SQLite would store it. Refused on both, nothing written."""
    before = await api.rows()
    input = adult(givenName="An\x00na")
    response = await api.post(REGISTER, input=input)
    assert response.status_code == 400 and "NUL" in response.text
    response = await api.post("query($f: ClientFilter) { clients(filter: $f) { totalCount } }", f={"search": "a\x00"})
    assert response.status_code == 400
    body = await api('mutation { registerClient(input: {personalCode: "170580-10019", givenName: "An\\u0000na", '
                     'familyName: "B", targetGroup: ADULT_GRT, municipalityCode: "0003000"}) { client { id } } }')
    assert body["data"] is None and "NUL" in body["errors"][0]["message"]
    assert await api.rows() == before


async def test_absurd_numbers_and_batches_are_refused(api):
    client = await api.register()
    home = await api.start(client["id"], "HOME_CARE", "2018-03-01")
    huge = {"episodeId": home["id"], "deliveries": [{"date": "2018-03-02", "units": "1e999999999"}]}
    await refused(api, RECORD, "recordDeliveries", huge, ("INVALID_VALUE", "deliveries.0.units"))
    tiny = {"episodeId": home["id"], "deliveries": [{"date": "2018-03-02", "units": "1e-400"}]}
    await refused(api, RECORD, "recordDeliveries", tiny, ("INVALID_VALUE", "deliveries.0.units"))
    rows = [{"date": "2018-03-02", "units": 1}] * 1001
    await refused(api, RECORD, "recordDeliveries", {"episodeId": home["id"], "deliveries": rows},
                  ("INVALID_VALUE", "deliveries"))
    body = await api("query($f: ClientFilter) { clients(filter: $f) { totalCount } }", f={"search": "x" * 101})
    assert body["errors"][0]["extensions"] == {"code": "BAD_USER_INPUT", "field": "filter.search"}
