"""Reference data queries: municipalities, service types, rates, institutions, targets."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.anyio


async def test_municipalities_current_and_historic(api):
    data = await api.data("""{ all: municipalities { code validTo successorCode }
                              now: municipalities(on: "2023-01-01") { code shortName regionCode validFrom } }""")
    assert len(data["all"]) == 28
    assert [m["code"] for m in data["now"]] == ["0003000", "0020000", "0025000", "0028000", "0030000", "0031000"]
    assert {m["regionCode"] for m in data["now"]} == {"zemgale"}
    historic = [m for m in data["all"] if m["validTo"]]
    assert len(historic) == 22 and all(m["successorCode"] for m in historic)
    before = await api.data('{ municipalities(on: "2018-12-31") { code } }')
    assert len(before["municipalities"]) > 6


async def test_service_types(api):
    data = await api.data("""{ all: serviceTypes { code } child: serviceTypes(targetGroup: CHILD_FT) {
                                 code nameLv nameEn unit targetGroups recipients freeOfCharge } }""")
    assert len(data["all"]) == 21
    respite = next(s for s in data["child"] if s["code"] == "RESPITE_CARE")
    assert respite == {"code": "RESPITE_CARE", "nameLv": "Atelpas brīža pakalpojums", "nameEn": "Respite care",
                       "unit": "DAY", "targetGroups": ["CHILD_FT"], "recipients": ["PERSON"], "freeOfCharge": True}
    assert {s["code"] for s in data["child"]} == {"CARE_SERVICE", "DAY_CARE_CENTRE", "RESPITE_CARE",
                                                  "SOCIAL_REHAB_CHILD", "SOCIAL_REHAB_FAMILY"}


async def test_rates_as_of_a_date(api):
    data = await api.data("""{ rates(asOf: "2018-06-01") { serviceCode tier amount validFrom validTo indicative
                                                           source service { nameEn } }
                              old: rates(asOf: "2014-12-31") { id }
                              home: rates(serviceCode: "HOME_CARE") { amount } }""")
    assert len(data["rates"]) == 9
    day_care = [(r["tier"], r["amount"]) for r in data["rates"] if r["serviceCode"] == "DAY_CARE_CENTRE"]
    assert day_care == [(1, "16.24"), (2, "19.28")]
    first = data["rates"][0]
    assert (first["validFrom"], first["validTo"], first["indicative"]) == ("2015-01-01", None, True)
    assert data["old"] == [] and data["home"] == [{"amount": "3.83"}]
    body = await api('{ rates(asOf: "2018-02-30") { id } }')
    assert body["errors"][0]["extensions"] == {"code": "BAD_USER_INPUT", "field": "asOf"}


async def test_institutions_and_targets(api):
    await api.institution("VSAC-JELGAVA")
    data = await api.data("""{ institutions { code name kind places municipality { shortName } }
                              none: institutions(municipalityCode: "0025000") { code }
                              targets { targetGroup serviceCode recipient due target }
                              children: targets(targetGroup: CHILD_FT) { serviceCode target } }""")
    assert data["institutions"] == [{"code": "VSAC-JELGAVA", "name": "VSAC Zemgale, filiāle Jelgava",
                                     "kind": "VSAC_BRANCH", "places": 100, "municipality": {"shortName": "Jelgava"}}]
    assert data["none"] == []
    assert len(data["targets"]) == 8
    assert {"targetGroup": "ADULT_GRT", "serviceCode": None, "recipient": "PERSON", "due": "2023-12-31",
            "target": 328} in data["targets"]
    assert {"serviceCode": "RESPITE_CARE", "target": 44} in data["children"]
