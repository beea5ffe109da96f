"""What the generator wrote obeys the programme's rules, read back with SQL on both databases."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import distinct, func, select, text

from core.domain.personal_code import parse_personal_code
from core.domain.rules import RESPITE_DAYS_PER_YEAR
from core.store.models import Client, Delivery, Institution, RateRow, ServiceEpisode, ServicePlace
from federation.demo.figures import AS_OF

from . import queries as q

pytestmark = pytest.mark.anyio


async def test_personal_codes_are_valid_and_match_birth_dates(five_regions):
    seen: set[str] = set()
    total = 0
    for url in five_regions.values():
        async with q.connect(url) as conn:
            rows = (await conn.execute(select(Client.personal_code, Client.birth_date))).all()
        for code, birth in rows:
            parsed = parse_personal_code(code)
            assert parsed.value == code
            assert parsed.birth_date in (None, birth)
            assert birth is not None and birth < AS_OF
        seen.update(code for code, _ in rows)
        total += len(rows)
        assert any(code.startswith("32") for code, _ in rows) and any(not c.startswith("32") for c, _ in rows)
    assert len(seen) == total > 1400  # no code appears twice, not even in two regions


async def test_representatives_represent_served_children(zemgale_url):
    async with q.connect(zemgale_url) as conn:
        child = Client.__table__.alias("child")
        rows = (await conn.execute(
            select(Client.recipient_kind, func.count(distinct(child.c.id)))
            .join(child, child.c.id == Client.represents_client_id)
            .join(ServiceEpisode, ServiceEpisode.client_id == child.c.id)
            .where(child.c.recipient_kind == "PERSON", child.c.target_group == "CHILD_FT")
            .group_by(Client.recipient_kind))).all()
    kinds = dict(rows)
    assert sum(kinds.values()) == 58 and kinds["FOSTER_FAMILY"] > 0 and kinds["LEGAL_REPRESENTATIVE"] > 0


async def test_deliveries_are_costed_at_the_seed_rates(zemgale_url):
    async with q.connect(zemgale_url) as conn:
        # cost = units x rate, cents half up; all three are stored as integer hundredths, so in plain SQL
        # (typed expressions would rescale the literals) the rule is cost = (units * amount + 50) / 100
        wrong = await conn.scalar(text(
            "SELECT COUNT(*) FROM deliveries d JOIN rates r ON r.id = d.rate_id"
            " WHERE d.cost <> (d.units * r.amount + 50) / 100"))
        costed = await conn.scalar(select(func.count()).select_from(Delivery).where(Delivery.rate_id.is_not(None)))
        uncosted_with_rate = await conn.scalar(
            select(func.count()).select_from(Delivery).join(ServiceEpisode)
            .where(Delivery.cost.is_(None), ServiceEpisode.service_code.in_(select(RateRow.service_code))))
        per_service = dict((await conn.execute(
            select(ServiceEpisode.service_code, func.count(Delivery.id)).join(Delivery)
            .group_by(ServiceEpisode.service_code))).all())
        sources = dict((await conn.execute(select(Delivery.funding_source, func.count()).group_by(
            Delivery.funding_source))).all())
        tiers = set((await conn.execute(select(RateRow.tier).distinct().join(Delivery).where(
            RateRow.service_code == "DAY_CARE_CENTRE"))).scalars())
        total = await conn.scalar(select(func.sum(Delivery.cost)))
    assert wrong == 0 and uncosted_with_rate == 0 and costed > 500
    assert set(per_service) == {"DAY_CARE_CENTRE", "SPECIALIST_SUPPORT", "SUPPORT_GROUP", "HOME_CARE",
                                "SPECIALISED_WORKSHOP", "GROUP_HOME", "SHORT_TERM_CARE", "SOCIAL_REHAB_CHILD",
                                "CARE_SERVICE", "RESPITE_CARE", "SOCIAL_REHAB_FAMILY"}
    assert sources == {"ESF": sum(per_service.values())}  # every 2017-2018 service is in its ESF years
    assert tiers == {1, 2}  # care levels pick both tiers of the day care centre rate
    assert total > 10000


async def test_rules_hold_in_the_data(zemgale_url):
    async with q.connect(zemgale_url) as conn:
        year = func.extract("year", Delivery.date)
        respite = (await conn.execute(
            select(ServiceEpisode.client_id, year, func.count()).join(Delivery)
            .where(ServiceEpisode.service_code == "RESPITE_CARE")
            .group_by(ServiceEpisode.client_id, year).having(func.count() > RESPITE_DAYS_PER_YEAR))).all()
        outside = await conn.scalar(
            select(func.count()).select_from(Delivery).join(ServiceEpisode)
            .where((Delivery.date < ServiceEpisode.start_date) | (Delivery.date > AS_OF)))
        starts = (await conn.execute(select(func.min(ServiceEpisode.start_date),
                                            func.max(ServiceEpisode.start_date)))).one()
        over = (await conn.execute(
            select(ServicePlace.id).join(ServiceEpisode, ServiceEpisode.place_id == ServicePlace.id)
            .group_by(ServicePlace.id, ServicePlace.capacity)
            .having(func.count(ServiceEpisode.id) > ServicePlace.capacity))).all()
        left = (await conn.execute(
            select(Client.left_institution_on, Institution.kind, func.min(ServiceEpisode.start_date))
            .join(Institution, Institution.id == Client.institution_id).join(ServiceEpisode)
            .where(Client.residence == "LEFT_INSTITUTION")
            .group_by(Client.id, Client.left_institution_on, Institution.kind))).all()
        waiting = await conn.scalar(
            select(func.count()).select_from(Client)
            .where(~select(ServiceEpisode.id).where(ServiceEpisode.client_id == Client.id).exists()))
    assert respite == [] and outside == 0 and over == []
    assert starts[0] >= date(2017, 1, 1) and starts[1] <= AS_OF
    assert len(left) == 1 and left[0][1] == "VSAC" and left[0][0] <= left[0][2]
    assert waiting == (242 - 63) + (297 - 154)  # assessed by the end of 2018, no service yet


async def test_assessed_people_have_an_assessment_before_their_first_service(zemgale_url):
    from core.store.models import Assessment

    async with q.connect(zemgale_url) as conn:
        assessed = dict((await conn.execute(
            select(Client.target_group, func.count(distinct(Assessment.client_id))).join(Assessment)
            .where(Assessment.complete.is_(True), Assessment.assessed_on <= AS_OF)
            .group_by(Client.target_group))).all())
        first = (select(ServiceEpisode.client_id, func.min(ServiceEpisode.start_date).label("first"))
                 .group_by(ServiceEpisode.client_id).subquery())
        late_or_missing = await conn.scalar(
            select(func.count()).select_from(first).join(Client, Client.id == first.c.client_id)
            .outerjoin(Assessment, (Assessment.client_id == Client.id) & (Assessment.assessed_on < first.c.first))
            .where(Client.recipient_kind == "PERSON", Assessment.id.is_(None)))
        families = await conn.scalar(select(func.count()).select_from(Assessment).join(Client)
                                     .where(Client.recipient_kind != "PERSON"))
        levels = dict((await conn.execute(
            select(Client.care_level, func.count()).join(Assessment)
            .where(Client.target_group == "ADULT_GRT", Client.care_level == Assessment.care_level)
            .group_by(Client.care_level))).all())
    assert assessed == {"ADULT_GRT": 242, "CHILD_FT": 297}  # published: assessed by the end of 2018
    assert late_or_missing == 0 and families == 0
    assert set(levels) == {1, 2, 3, 4} and sum(levels.values()) == 242
