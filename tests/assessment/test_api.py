"""Assessments and support plans through GraphQL over HTTP, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import text

from core import hookimpl
from core.domain.assessment import parse_norm_table_csv
from core.events import ASSESSMENT_RECORDED, PLAN_APPROVED
from tests.api.conftest import user_errors
from tests.support.statements import statements_sent

from .examples import ANNA, EXAMPLES, JANIS, LIGA, child_ratings
from .test_store_assessments import TEST_NORMS

pytestmark = pytest.mark.anyio

INSTRUMENTS = """
query($group: TargetGroup) {
  assessmentInstruments(targetGroup: $group) {
    code version name nameLv targetGroups itemCount normTable careLevelThresholds
    scales { code min max values { value label labelLv } }
    sections { code kind inTotal maxScore items { code label labelLv scales } }
    flags { code section anyItemAtLeast totalAtLeast raisesCareLevel }
  }
}"""
RECORD = """
mutation($input: RecordAssessmentInput!) {
  recordAssessment(input: $input) {
    assessment { id complete rawTotal totalMax careLevel flags areaScores { area raw max ratedItems } }
    userErrors { code field message }
  }
}"""
CLIENT = """
query($id: ID!, $asOf: Date) {
  client(id: $id) {
    careLevel
    assessments {
      id instrumentCode complete careLevel flags rawTotal
      areaScores { area kind raw max percent inTotal }
      norms { state table index areas { area standardScore } }
      changesSincePrevious { changedAreas totalChange flagsGained flagsLost areas { area before after change } }
    }
    supportPlans {
      id status goals approvedBy approvedOn closedOn
      items(asOf: $asOf) { id serviceCode quantity per service { code } planned delivered }
    }
  }
}"""
PLAN_FIELDS = "plan { id status goals assessmentId validFrom validTo items { id serviceCode quantity per } }"
PROPOSE = f"""
mutation($input: ProposeSupportPlanInput!) {{
  proposeSupportPlan(input: $input) {{ {PLAN_FIELDS} userErrors {{ code field message }} }}
}}"""
CREATE = f"""
mutation($input: CreateSupportPlanInput!) {{
  createSupportPlan(input: $input) {{ {PLAN_FIELDS} userErrors {{ code field message }} }}
}}"""
APPROVE = f"""
mutation($input: ApproveSupportPlanInput!) {{
  approveSupportPlan(input: $input) {{ {PLAN_FIELDS} userErrors {{ code field message }} }}
}}"""
CLOSE = f"""
mutation($input: CloseSupportPlanInput!) {{
  closeSupportPlan(input: $input) {{ {PLAN_FIELDS} userErrors {{ code field message }} }}
}}"""
START = """
mutation($input: StartServiceEpisodeInput!) {
  startServiceEpisode(input: $input) { episode { id planItemId } userErrors { code field message } }
}"""
PROGRESS = """
query($id: ID!, $asOf: Date) { plannedVersusDelivered(clientId: $id, asOf: $asOf) { serviceCode planned delivered } }
"""


def _ratings(example) -> list[dict]:
    return [{"item": r.item, "value": r.value, **({"scale": r.scale} if r.scale else {})} for r in example.ratings()]


def _assessment(client_id: str, example=ANNA, **kw) -> dict:
    return {"clientId": client_id, "instrument": "SIS_ADULT", "version": "1", "assessedOn": "2019-01-10",
            "assessor": "Inese Ozola", "ratings": _ratings(example), **kw}


async def _rows(api) -> dict[str, list[tuple]]:
    out = {}
    async with api.node.engine.connect() as conn:
        for table in ("assessments", "support_plans", "support_plan_items", "service_episodes", "clients"):
            out[table] = [tuple(r) for r in await conn.execute(text(f"SELECT * FROM {table} ORDER BY id"))]
    return out


async def test_instruments_are_listed_from_their_data(api):
    every = (await api.data(INSTRUMENTS))["assessmentInstruments"]
    assert [(i["code"], i["version"]) for i in every] == [("FT_CHILD", "1"), ("SIS_ADULT", "1")]
    adult = (await api.data(INSTRUMENTS, group="ADULT_GRT"))["assessmentInstruments"]
    assert len(adult) == 1 and adult[0]["targetGroups"] == ["ADULT_GRT"] and adult[0]["normTable"] is None
    sections = adult[0]["sections"]
    assert [s["kind"] for s in sections].count("ACTIVITIES") == 7 and adult[0]["itemCount"] == 85
    assert sum(len(s["items"]) for s in sections if s["kind"] == "ACTIVITIES") == 57
    assert sections[0]["items"][0]["scales"] == ["type", "frequency", "time"] and sections[0]["maxScore"] == 96
    assert adult[0]["careLevelThresholds"] == [25, 50, 75]
    assert {f["code"] for f in adult[0]["flags"]} == {"MEDICAL_SUPPORT_NEEDS", "BEHAVIOURAL_SUPPORT_NEEDS"}


async def test_hand_computed_examples_through_graphql(api, events):
    for example in EXAMPLES:
        client = await api.register()
        got = (await api.mutate(RECORD, "recordAssessment", **_assessment(client["id"], example)))["assessment"]
        assert {a["area"]: a["raw"] for a in got["areaScores"]} == example.areas
        assert (got["rawTotal"], got["totalMax"], got["careLevel"], tuple(got["flags"])) == (
            example.total, 588, example.care_level, example.flags)
        assert (await api.data(CLIENT, id=client["id"]))["client"]["careLevel"] == example.care_level
    seen = [e for e in await events() if e.type == ASSESSMENT_RECORDED]
    assert [e.data["careLevel"] for e in seen] == [e.care_level for e in EXAMPLES]
    assert set(seen[0].data) == {"assessmentId", "clientId", "instrument", "version", "complete", "careLevel"}


async def test_assessed_proposed_approved_started_and_delivered(api, events):
    client = await api.register()
    assessment = (await api.mutate(RECORD, "recordAssessment", **_assessment(client["id"], JANIS)))["assessment"]
    plan = (await api.mutate(PROPOSE, "proposeSupportPlan", assessmentId=assessment["id"], validFrom="2019-02-01",
                             validTo="2019-12-31", createdBy="Dace Liepa"))["plan"]
    assert plan["status"] == "DRAFT" and {i["serviceCode"] for i in plan["items"]} == JANIS.proposed
    approved = (await api.mutate(APPROVE, "approveSupportPlan", planId=plan["id"], approvedOn="2019-01-20",
                                 approvedBy="Koordinatore"))["plan"]
    assert approved["status"] == "APPROVED"
    item = next(i for i in plan["items"] if i["serviceCode"] == "HOME_CARE")
    episode = (await api.mutate(START, "startServiceEpisode", clientId=client["id"], serviceCode="HOME_CARE",
                                grantedBy="0003000", startDate="2019-02-01", planItemId=item["id"]))["episode"]
    assert episode["planItemId"] == item["id"]
    await api.record(episode["id"], [(f"2019-02-{d:02d}", "2") for d in range(1, 11)])
    seen = (await api.data(CLIENT, id=client["id"], asOf="2019-02-28"))["client"]
    plans = seen["supportPlans"]
    assert plans[0]["status"] == "ACTIVE" and plans[0]["approvedBy"] == "Koordinatore"
    lines = {i["service"]["code"]: (i["planned"], i["delivered"]) for i in plans[0]["items"]}
    assert lines["HOME_CARE"] == ("32.00", "20.00") and lines["SOCIAL_MENTOR"] == ("4.00", "0.00")
    progress = (await api.data(PROGRESS, id=client["id"], asOf="2019-02-28"))["plannedVersusDelivered"]
    assert {"serviceCode": "HOME_CARE", "planned": "32.00", "delivered": "20.00"} in progress
    closed = (await api.mutate(CLOSE, "closeSupportPlan", planId=plan["id"], closedOn="2019-03-31",
                               closedBy="Koordinatore"))["plan"]
    assert closed["status"] == "CLOSED"
    approvals = [e for e in await events() if e.type == PLAN_APPROVED]
    assert len(approvals) == 1 and approvals[0].data["planId"] == int(plan["id"])


async def test_drafts_are_marked_incomplete(api):
    client = await api.register()
    partial = _ratings(JANIS)[:30]
    got = (await api.mutate(RECORD, "recordAssessment", **_assessment(client["id"], draft=True, ratings=partial)))
    assert (got["assessment"]["complete"], got["assessment"]["careLevel"]) == (False, None)
    done = await api.mutate(RECORD, "recordAssessment", **_assessment(client["id"], JANIS,
                                                                      replacesDraft=got["assessment"]["id"]))
    assert done["assessment"]["id"] == got["assessment"]["id"] and done["assessment"]["complete"]
    seen = (await api.data(CLIENT, id=client["id"]))["client"]
    assert len(seen["assessments"]) == 1 and seen["careLevel"] == 4


async def test_reassessment_comparison(api):
    client = await api.register()
    await api.mutate(RECORD, "recordAssessment", **_assessment(client["id"], LIGA, assessedOn="2018-01-10"))
    await api.mutate(RECORD, "recordAssessment", **_assessment(client["id"], JANIS, assessedOn="2019-01-10"))
    first, second = (await api.data(CLIENT, id=client["id"]))["client"]["assessments"]
    assert first["changesSincePrevious"] is None
    changes = second["changesSincePrevious"]
    assert changes["totalChange"] == JANIS.total - LIGA.total
    assert {a["area"]: a["change"] for a in changes["areas"]}["EMPLOYMENT"] == 80 - 16
    assert (changes["flagsGained"], changes["flagsLost"]) == (["MEDICAL_SUPPORT_NEEDS"], ["BEHAVIOURAL_SUPPORT_NEEDS"])
    assert "HOME_LIVING" in changes["changedAreas"]


class NormPlugin:
    @hookimpl
    def norm_table(self, instrument):
        return parse_norm_table_csv(TEST_NORMS, instrument="SIS_ADULT", name="test norms", source="invented") \
            if instrument.code == "SIS_ADULT" else None


async def test_norm_table_plugin(api, register_plugin):
    client = await api.register()
    await api.mutate(RECORD, "recordAssessment", **_assessment(client["id"], ANNA))
    before = (await api.data(CLIENT, id=client["id"]))["client"]["assessments"][0]["norms"]
    assert before == {"state": "NO_NORM_TABLE", "table": None, "index": None, "areas": []}
    register_plugin(NormPlugin(), "licensed-norms")
    after = (await api.data(CLIENT, id=client["id"]))["client"]["assessments"][0]["norms"]
    assert (after["state"], after["table"], after["index"]) == ("SCORED", "test norms", 85)
    listed = (await api.data(INSTRUMENTS, group="ADULT_GRT"))["assessmentInstruments"][0]
    assert listed["normTable"] == "test norms"


async def test_assessment_bad_input_changes_nothing(api):
    adult, child = await api.register(), await api.register(born=date(2012, 3, 4), targetGroup="CHILD_FT")
    before = await _rows(api)
    missing = [r for r in _ratings(ANNA) if r["item"] != "SA05"]
    out_of_range = [dict(r, value=9) if r["item"] == "MD03" else r for r in _ratings(ANNA)]
    at = next(n for n, r in enumerate(out_of_range) if r["value"] == 9)
    cases = [
        (_assessment(adult["id"], ratings=missing), [("ITEM_MISSING", "ratings.SA05")]),
        (_assessment(adult["id"], ratings=out_of_range), [("RATING_OUT_OF_RANGE", f"ratings.{at}.value")]),
        (_assessment(adult["id"], version="7"), [("UNKNOWN_INSTRUMENT", "instrumentVersion")]),
        (_assessment(adult["id"], instrument="NOPE"), [("UNKNOWN_INSTRUMENT", "instrument")]),
        (_assessment(child["id"]), [("INSTRUMENT_NOT_FOR_TARGET_GROUP", "instrument")]),
        (_assessment(adult["id"], instrument="FT_CHILD", ratings=[{"item": "MO1", "value": 1}]),
         [("INSTRUMENT_NOT_FOR_TARGET_GROUP", "instrument")]),
        (_assessment("abc", assessedOn="2019-13-01"), [("INVALID_VALUE", "clientId"), ("INVALID_VALUE", "assessedOn")]),
        (_assessment("999999"), [("NOT_FOUND", "clientId")]),
        (_assessment(adult["id"], assessedOn="2099-01-01"), [("INVALID_VALUE", "assessedOn")]),
        (_assessment(adult["id"], ratings=[{"item": "HL01", "value": 1}], draft=True),
         [("UNKNOWN_ITEM", "ratings.0.scale")]),
        (_assessment(adult["id"], assessor="   "), [("INVALID_VALUE", "assessor")]),  # none given: the caller
    ]
    for given, expected in cases:
        body = await api(RECORD, input=given)
        assert user_errors(body, "recordAssessment") == expected, given
        assert body["data"]["recordAssessment"]["assessment"] is None
    assert await _rows(api) == before
    ok = await api(RECORD, input={"clientId": child["id"], "instrument": "FT_CHILD", "version": "1",
                                  "assessedOn": "2019-01-10", "assessor": "I",
                                  "ratings": [{"item": r.item, "value": r.value} for r in child_ratings()]})
    assert user_errors(ok, "recordAssessment") == []


async def test_plan_bad_input_changes_nothing(api):
    client = await api.register()
    other = await api.register()
    assessment = (await api.mutate(RECORD, "recordAssessment", **_assessment(client["id"])))["assessment"]
    stale = (await api.mutate(RECORD, "recordAssessment", **_assessment(other["id"], assessedOn="2017-01-10")))
    item = {"serviceCode": "HOME_CARE", "quantity": "4", "per": "WEEK", "startDate": "2019-02-01"}
    plan = {"clientId": client["id"], "assessmentId": assessment["id"], "validFrom": "2019-02-01",
            "validTo": "2019-12-31", "goals": ["Live at home"], "items": [item], "createdBy": "Dace"}
    approved = (await api.mutate(CREATE, "createSupportPlan", **plan))["plan"]
    await api.mutate(APPROVE, "approveSupportPlan", planId=approved["id"], approvedOn="2019-01-20", approvedBy="C")
    no_basis = (await api.mutate(CREATE, "createSupportPlan", **dict(plan, assessmentId=None)))["plan"]
    overlapping = (await api.mutate(CREATE, "createSupportPlan", **dict(plan, validFrom="2019-06-01",
                                                                        items=[dict(item, startDate="2019-06-01")])))
    too_old = (await api.mutate(CREATE, "createSupportPlan", **dict(
        plan, clientId=other["id"], assessmentId=stale["assessment"]["id"])))["plan"]
    before = await _rows(api)
    approve = [
        ({"planId": approved["id"], "approvedOn": "2019-01-21"}, [("PLAN_STATUS_INVALID", "planId")]),
        ({"planId": no_basis["id"], "approvedOn": "2019-01-21"}, [("ASSESSMENT_REQUIRED", "assessmentId")]),
        ({"planId": overlapping["plan"]["id"], "approvedOn": "2019-05-01"}, [("PLANS_OVERLAP", "validFrom")]),
        ({"planId": too_old["id"], "approvedOn": "2019-01-20"}, [("ASSESSMENT_TOO_OLD", "assessmentId")]),
        ({"planId": "x1", "approvedOn": "yesterday"}, [("INVALID_VALUE", "planId"), ("INVALID_VALUE", "approvedOn")]),
        ({"planId": "424242"}, [("NOT_FOUND", "planId")]),
    ]
    for given, expected in approve:
        assert user_errors(await api(APPROVE, input=dict(given, approvedBy="C")), "approveSupportPlan") == expected
    create = [
        (dict(plan, items=[dict(item, serviceCode="RESPITE_CARE", per="MONTH")]),
         [("SERVICE_NOT_FOR_TARGET_GROUP", "items.0.serviceCode")]),
        (dict(plan, items=[item, dict(item, quantity="-1"), dict(item, quantity="abc"), dict(item, placeId="p")]),
         [("INVALID_VALUE", "items.2.quantity"), ("INVALID_VALUE", "items.3.placeId")]),
        (dict(plan, items=[dict(item, quantity="-1")]), [("INVALID_VALUE", "items.0.quantity")]),
        (dict(plan, assessmentId=stale["assessment"]["id"]), [("NOT_FOUND", "assessmentId")]),
        (dict(plan, validTo="2019-01-01"), [("END_BEFORE_START", "validTo")]),
        (dict(plan, goals=[""]), [("INVALID_VALUE", "goals.0")]),
    ]
    for given, expected in create:
        assert user_errors(await api(CREATE, input=given), "createSupportPlan") == expected, given
    assert user_errors(await api(PROPOSE, input={"assessmentId": "0"}), "proposeSupportPlan") == [
        ("INVALID_VALUE", "assessmentId")]
    assert user_errors(await api(CLOSE, input={"planId": no_basis["id"], "closedBy": "C"}), "closeSupportPlan") == [
        ("PLAN_STATUS_INVALID", "planId")]
    draft_item = no_basis["items"][0]["id"]
    started = await api(START, input={"clientId": client["id"], "serviceCode": "HOME_CARE", "grantedBy": "0003000",
                                      "startDate": "2019-02-01", "planItemId": draft_item})
    assert user_errors(started, "startServiceEpisode") == [("PLAN_STATUS_INVALID", "planItemId")]
    approved_item = approved["items"][0]["id"]
    foreign = await api(START, input={"clientId": other["id"], "serviceCode": "HOME_CARE", "grantedBy": "0003000",
                                      "startDate": "2019-02-01", "planItemId": approved_item})
    assert user_errors(foreign, "startServiceEpisode") == [("NOT_FOUND", "planItemId")]
    assert await _rows(api) == before


async def test_a_child_is_assessed_with_the_plugin_instrument_and_gets_respite(api):
    child = await api.register(born=date(2012, 3, 4), targetGroup="CHILD_FT")
    got = (await api.mutate(RECORD, "recordAssessment", clientId=child["id"], instrument="FT_CHILD", version="1",
                            assessedOn="2019-01-10", assessor="I",
                            ratings=[{"item": r.item, "value": r.value} for r in child_ratings()]))["assessment"]
    assert (got["careLevel"], got["flags"], got["totalMax"]) == (3, ["FAMILY_UNDER_STRAIN"], 100)
    plan = (await api.mutate(PROPOSE, "proposeSupportPlan", assessmentId=got["id"], validFrom="2019-02-01",
                             createdBy="D"))["plan"]
    assert sorted(i["serviceCode"] for i in plan["items"]) == ["CARE_SERVICE", "RESPITE_CARE"]
    await api.mutate(APPROVE, "approveSupportPlan", planId=plan["id"], approvedOn="2019-01-20", approvedBy="C")


PAGE = """
query($first: Int!) {
  clients(first: $first) { edges { node {
    id careLevel
    assessments { id flags areaScores { area raw } norms { state } changesSincePrevious { totalChange } }
    supportPlans { status goals items(asOf: "2019-03-31") { serviceCode planned delivered } }
  } } }
}"""


async def _statements(api, first: int) -> tuple[int, dict]:
    with statements_sent(api.node.engine) as seen:
        data = await api.data(PAGE, first=first)
    return len(seen), data


async def test_nested_assessments_and_plans_use_dataloaders(api):
    for _ in range(6):
        client = await api.register()
        await api.mutate(RECORD, "recordAssessment", **_assessment(client["id"], LIGA, assessedOn="2018-01-10"))
        a = (await api.mutate(RECORD, "recordAssessment", **_assessment(client["id"], JANIS)))["assessment"]
        plan = (await api.mutate(PROPOSE, "proposeSupportPlan", assessmentId=a["id"], validFrom="2019-02-01",
                                 createdBy="D"))["plan"]
        await api.mutate(APPROVE, "approveSupportPlan", planId=plan["id"], approvedOn="2019-01-20", approvedBy="C")
    few, small = await _statements(api, 2)
    many, large = await _statements(api, 6)
    assert few == many, (few, many)
    last = large["clients"]["edges"][5]["node"]
    assert last["assessments"][1]["changesSincePrevious"]["totalChange"] == JANIS.total - LIGA.total
    assert len(last["supportPlans"][0]["items"]) == 7
    assert {i["serviceCode"]: i["planned"] for i in last["supportPlans"][0]["items"]}["HOME_CARE"] == "67.43"


async def test_care_level_thresholds_through_graphql(api):
    from .examples import adult_with_total

    for total, level in ((146, 1), (147, 2), (293, 2), (294, 3), (440, 3), (441, 4)):
        client = await api.register()
        ratings = [{"item": r.item, "value": r.value, **({"scale": r.scale} if r.scale else {})}
                   for r in adult_with_total(total)]
        got = (await api.mutate(RECORD, "recordAssessment", **_assessment(client["id"], ratings=ratings)))
        assert (got["assessment"]["rawTotal"], got["assessment"]["careLevel"]) == (total, level)
