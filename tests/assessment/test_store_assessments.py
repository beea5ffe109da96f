"""Recording assessments on both databases: scores stored, care level to the client, bad input stores nothing."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from core import hookimpl
from core.domain.assessment import NormState, Rating, parse_norm_table_csv
from core.domain.errors import DomainError, DomainErrors
from core.domain.personal_code import make_personal_code
from core.store.assessments import (
    NewAssessment,
    comparison_with_previous,
    norms_of,
    ratings_of,
    record_assessment,
    scores_of,
)
from core.store.clients import NewClient, register_client
from core.store.deliveries import DeliveryInput, record_deliveries
from core.store.episodes import NewEpisode, start_episode
from core.store.models import Assessment, Client

from .examples import ANNA, JANIS, LIGA
from .helpers import MUNICIPALITY, adult, assess, assess_child, child

pytestmark = pytest.mark.anyio


async def test_hand_computed_examples_are_stored_with_their_scores(node):
    async with node.sessions() as s, s.begin():
        people = [await adult(s, node, n) for n in (1, 2, 3)]
        rows = [await assess(s, node, p.id, example) for p, example in zip(people, (ANNA, JANIS, LIGA), strict=True)]
    async with node.sessions() as s:
        for row, example in zip(rows, (ANNA, JANIS, LIGA), strict=True):
            stored = await s.get(Assessment, row.id)
            scores = scores_of(stored)
            assert {a.code: a.raw for a in scores.areas} == example.areas
            assert (stored.raw_total, stored.care_level, stored.complete) == (example.total, example.care_level, True)
            assert scores.flags == example.flags
            assert ratings_of(stored)["HL01"].keys() == {"type", "frequency", "time"}
        levels = (await s.execute(select(Client.care_level).order_by(Client.id))).scalars().all()
    assert levels == [2, 4, 2]


async def test_care_level_feeds_the_rate_tier(node):
    async with node.sessions() as s, s.begin():
        low, high = await adult(s, node, 1), await adult(s, node, 2)
        await assess(s, node, low.id, ANNA)  # care level 2: lower tier
        await assess(s, node, high.id, JANIS)  # care level 4: higher tier
        costs = []
        for person in (low, high):
            ep = await start_episode(s, node, NewEpisode(person.id, "DAY_CARE_CENTRE", MUNICIPALITY, date(2019, 2, 1)))
            costs += [r.cost for r in await record_deliveries(s, node, ep.id, [DeliveryInput(date(2019, 2, 4), 1)])]
    assert costs == [Decimal("16.24"), Decimal("19.28")]


async def test_a_late_record_of_an_older_assessment_keeps_the_newer_care_level(node):
    async with node.sessions() as s, s.begin():
        person = await adult(s, node)
        await assess(s, node, person.id, JANIS, on=date(2019, 6, 1))
        await assess(s, node, person.id, LIGA, on=date(2018, 6, 1))
        assert person.care_level == 4


async def test_a_draft_is_incomplete_without_care_level_and_can_be_completed(node):
    partial = [r for r in JANIS.ratings() if r.item.startswith("HL")]
    async with node.sessions() as s, s.begin():
        person = await adult(s, node)
        draft = await record_assessment(s, node, NewAssessment(person.id, "SIS_ADULT", "1", date(2019, 1, 10),
                                                               "Inese Ozola", partial, draft=True))
        assert (draft.complete, draft.care_level, draft.raw_total, person.care_level) == (False, None, 96, None)
        done = await assess(s, node, person.id, JANIS, replaces_draft=draft.id)
    assert done.id == draft.id and done.complete and done.care_level == 4
    async with node.sessions() as s:
        assert await s.scalar(select(func.count()).select_from(Assessment)) == 1
        assert (await s.get(Client, person.id)).care_level == 4


def _codes(exc) -> list[tuple[str, str | None]]:
    errors = exc.errors if isinstance(exc, DomainErrors) else [exc]
    return [(e.code, e.field) for e in errors]


async def _refused(node, make) -> list[tuple[str, str | None]]:
    async with node.sessions() as s:
        with pytest.raises((DomainError, DomainErrors)) as caught:
            async with s.begin():
                await make(s)
        assert await s.scalar(select(func.count()).select_from(Assessment)) == 0
        assert await s.scalar(select(func.count()).select_from(Client).where(Client.care_level.is_not(None))) == 0
    return _codes(caught.value)


async def test_bad_input_is_refused_and_nothing_is_stored(node):
    async with node.sessions() as s, s.begin():
        grown, kid = await adult(s, node), await child(s, node)
        parent = await register_client(s, node, NewClient(
            personal_code=make_personal_code(date(1980, 4, 12), 7), given_name="Ilze", family_name="Kalniņa",
            target_group="CHILD_FT", municipality_code=MUNICIPALITY, recipient_kind="LEGAL_REPRESENTATIVE",
            represents_client_id=kid.id))

    def new(client_id=grown.id, ratings=None, **kw):
        base = dict(client_id=client_id, instrument="SIS_ADULT", version="1", assessed_on=date(2019, 1, 10),
                    assessor="Inese Ozola", ratings=ANNA.ratings() if ratings is None else ratings)
        return NewAssessment(**{**base, **kw})

    missing = [r for r in ANNA.ratings() if r.item != "EM04"]
    assert await _refused(node, lambda s: record_assessment(s, node, new(ratings=missing))) == [
        ("ITEM_MISSING", "ratings.EM04")]
    wrong = [r if r.item != "HS02" or r.scale != "time" else Rating("HS02", 7, "time") for r in ANNA.ratings()]
    assert await _refused(node, lambda s: record_assessment(s, node, new(ratings=wrong))) == [
        ("RATING_OUT_OF_RANGE", f"ratings.{next(i for i, r in enumerate(wrong) if r.value == 7)}.value")]
    assert await _refused(node, lambda s: record_assessment(s, node, new(version="2"))) == [
        ("UNKNOWN_INSTRUMENT", "instrumentVersion")]
    assert await _refused(node, lambda s: record_assessment(s, node, new(client_id=kid.id))) == [
        ("INSTRUMENT_NOT_FOR_TARGET_GROUP", "instrument")]
    assert await _refused(node, lambda s: record_assessment(s, node, new(instrument="FT_CHILD"))) == [
        ("INSTRUMENT_NOT_FOR_TARGET_GROUP", "instrument")]
    assert await _refused(node, lambda s: record_assessment(s, node, new(client_id=parent.id, instrument="FT_CHILD",
                                                                         ratings=[]))) == [
        ("INSTRUMENT_NOT_FOR_TARGET_GROUP", "clientId")]
    assert await _refused(node, lambda s: record_assessment(s, node, new(assessed_on=date(2099, 1, 1)))) == [
        ("INVALID_VALUE", "assessedOn")]
    assert await _refused(node, lambda s: record_assessment(s, node, new(assessor="  "))) == [
        ("INVALID_VALUE", "assessor")]
    assert await _refused(node, lambda s: record_assessment(s, node, new(client_id=999999))) == [
        ("NOT_FOUND", "clientId")]


async def test_a_complete_assessment_is_never_replaced(node):
    async with node.sessions() as s, s.begin():
        person = await adult(s, node)
        first = await assess(s, node, person.id)
    async with node.sessions() as s:
        with pytest.raises(DomainError) as caught:
            async with s.begin():
                await assess(s, node, person.id, JANIS, replaces_draft=first.id)
        assert _codes(caught.value) == [("INVALID_VALUE", "replacesDraft")]
        assert (await s.get(Assessment, first.id)).raw_total == ANNA.total


# invented numbers: kopiena never ships a licensed norm table
TEST_NORMS = "table,key,raw_min,raw_max,value,percentile\n" + "".join(
    f"area,{area},0,40,8,25\narea,{area},41,120,12,75\n"
    for area in ("HOME_LIVING", "COMMUNITY_LIVING", "LIFELONG_LEARNING", "EMPLOYMENT", "HEALTH_SAFETY",
                 "SOCIAL_ACTIVITIES")) + "index,,0,59,85,16\nindex,,60,72,100,50\n"


class NormPlugin:
    @hookimpl
    def norm_table(self, instrument):
        if instrument.code != "SIS_ADULT":
            return None
        return parse_norm_table_csv(TEST_NORMS, instrument="SIS_ADULT", name="test norms", source="invented",
                                    versions=frozenset({"1"}))


async def test_norm_table_from_a_plugin(node, register_plugin):
    async with node.sessions() as s, s.begin():
        row = await assess(s, node, (await adult(s, node)).id, ANNA)
    assert norms_of(node, row).state is NormState.NO_NORM_TABLE
    register_plugin(NormPlugin(), "licensed-norms")
    result = norms_of(node, row)
    # Anna: 40, 48, 27, 0, 32, 32 -> 8, 12, 8, 8, 8, 8 = 52 -> index 85
    assert result.state is NormState.SCORED and result.table == "test norms"
    assert [a.standard_score for a in result.areas] == [8, 12, 8, 8, 8, 8]
    assert (result.index, result.index_percentile) == (85, Decimal(16))


class StricterCareLevel:
    @hookimpl(tryfirst=True)
    def care_level(self, instrument, scores, target_group):
        return 4 if scores.complete and scores.total >= 100 else None


async def test_a_region_replaces_the_care_level_rule(node, register_plugin):
    register_plugin(StricterCareLevel(), "stricter")
    async with node.sessions() as s, s.begin():
        anna = await assess(s, node, (await adult(s, node, 1)).id, ANNA)  # 179 -> 4 under this rule
        liga = await assess(s, node, (await adult(s, node, 2)).id, LIGA)  # 108 -> 4
    assert (anna.care_level, liga.care_level) == (4, 4)


class BrokenCareLevel:
    @hookimpl(tryfirst=True)
    def care_level(self, instrument, scores, target_group):
        return 7


async def test_a_broken_care_level_rule_is_said_loudly(node, register_plugin):
    register_plugin(BrokenCareLevel(), "broken")
    async with node.sessions() as s:
        with pytest.raises(ValueError, match="returned 7"):
            async with s.begin():
                await assess(s, node, (await adult(s, node)).id, ANNA)


async def test_reassessment_is_compared_with_the_previous_one(node):
    async with node.sessions() as s, s.begin():
        person = await adult(s, node)
        first = await assess(s, node, person.id, LIGA, on=date(2018, 1, 10))
        second = await assess(s, node, person.id, JANIS, on=date(2019, 1, 10))
        kid = await child(s, node)
        only = await assess_child(s, node, kid.id)
        rows = (await s.execute(select(Assessment).where(Assessment.client_id == person.id))).scalars().all()
    assert comparison_with_previous(list(rows), first) is None
    result = comparison_with_previous(list(rows), second)
    assert {a.area: a.change for a in result.changed}["HOME_LIVING"] == 84
    assert result.total_change == JANIS.total - LIGA.total
    assert comparison_with_previous([only], only) is None
