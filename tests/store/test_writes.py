from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from core.domain.errors import DomainError, DomainErrors
from core.domain.personal_code import make_personal_code
from core.store.clients import NewClient, register_client
from core.store.deliveries import DeliveryInput, record_deliveries
from core.store.episodes import NewEpisode, start_episode
from core.store.models import Client, Delivery

pytestmark = pytest.mark.anyio


async def _adult(s, node, serial=1, **kw):
    data = NewClient(personal_code=make_personal_code(date(1980, 5, 17), serial), given_name="Anna",
                     family_name="Bērziņa", target_group="ADULT_GRT", municipality_code="0003000", **kw)
    return await register_client(s, node, data)


async def test_register_start_and_cost_deliveries(node):
    async with node.sessions() as s, s.begin():
        client = await _adult(s, node)
        ep = await start_episode(s, node, NewEpisode(client.id, "HOME_CARE", "0003000", date(2018, 3, 1)))
        rows = await record_deliveries(s, node, ep.id, [DeliveryInput(date(2018, 3, 1), "2.5"),
                                                        DeliveryInput(date(2020, 3, 1), 1)])
    assert [r.cost for r in rows] == [Decimal("9.58"), Decimal("3.83")]
    assert [r.funding_source for r in rows] == ["ESF", "MUNICIPALITY"]


async def test_a_bad_row_refuses_the_whole_batch(node):
    async with node.sessions() as s:
        async with s.begin():
            client = await _adult(s, node)
            ep = await start_episode(s, node, NewEpisode(client.id, "HOME_CARE", "0003000", date(2018, 3, 1)))
        with pytest.raises(DomainErrors) as caught:
            async with s.begin():
                await record_deliveries(s, node, ep.id, [DeliveryInput(date(2018, 3, 2), 25),
                                                         DeliveryInput(date(2018, 2, 1), 1),
                                                         DeliveryInput(date(2018, 3, 3), 1)])
        assert [e.code for e in caught.value.errors] == ["UNITS_INVALID", "DELIVERY_OUTSIDE_EPISODE"]
        assert await s.scalar(select(func.count()).select_from(Delivery)) == 0


async def test_service_not_for_target_group(node):
    async with node.sessions() as s, s.begin():
        client = await _adult(s, node)
        with pytest.raises(DomainError) as caught:
            await start_episode(s, node, NewEpisode(client.id, "RESPITE_CARE", "0003000", date(2018, 3, 1)))
    assert caught.value.code == "SERVICE_NOT_FOR_TARGET_GROUP"


async def _child(s, node, serial=1):
    data = NewClient(personal_code=make_personal_code(date(2012, 2, 3), serial), given_name="Jānis",
                     family_name="Ozols", target_group="CHILD_FT", municipality_code="0028000")
    return await register_client(s, node, data)


async def _count(s, model):
    return await s.scalar(select(func.count()).select_from(model))


async def test_respite_limit_counts_recorded_days_across_episodes(node):
    from datetime import timedelta

    async with node.sessions() as s:
        async with s.begin():
            child = await _child(s, node)
            first = await start_episode(s, node, NewEpisode(child.id, "RESPITE_CARE", "0028000", date(2018, 1, 1),
                                                            date(2018, 6, 30)))
            second = await start_episode(s, node, NewEpisode(child.id, "RESPITE_CARE", "0028000", date(2018, 7, 1)))
            await record_deliveries(s, node, first.id,
                                    [DeliveryInput(date(2018, 1, 1) + timedelta(days=i), 1) for i in range(20)])
            await record_deliveries(s, node, second.id,
                                    [DeliveryInput(date(2018, 7, 1) + timedelta(days=i), 1) for i in range(10)])
            second_id = second.id
        with pytest.raises(DomainError) as caught:
            async with s.begin():
                await record_deliveries(s, node, second_id, [DeliveryInput(date(2018, 12, 31), 1)])
        assert caught.value.code == "RESPITE_LIMIT_EXCEEDED"
        async with s.begin():
            rows = await record_deliveries(s, node, second_id, [DeliveryInput(date(2019, 1, 1), 1)])
        assert rows[0].cost is None  # respite has no seeded rate: no invented price
        assert await _count(s, Delivery) == 31


async def test_place_capacity_counts_people_in_the_place_on_the_start_date(node):
    from core.store.episodes import NewServicePlace, create_service_place, end_episode

    async with node.sessions() as s:
        async with s.begin():
            place = await create_service_place(s, node, NewServicePlace("Liepu māja", "GROUP_HOME", "0003000", 2))
            people = [await _adult(s, node, serial=i) for i in range(3)]
            a = await start_episode(s, node, NewEpisode(people[0].id, "GROUP_HOME", "0003000", date(2018, 1, 1),
                                                        place_id=place.id))
            await start_episode(s, node, NewEpisode(people[1].id, "GROUP_HOME", "0003000", date(2018, 1, 1),
                                                    place_id=place.id))
            ids = (place.id, a.id, people[2].id)
        with pytest.raises(DomainError) as caught:
            async with s.begin():
                await start_episode(s, node, NewEpisode(ids[2], "GROUP_HOME", "0003000", date(2018, 2, 1),
                                                        place_id=ids[0]))
        assert caught.value.code == "PLACE_FULL"
        async with s.begin():
            await end_episode(s, node, ids[1], date(2018, 1, 31))
            await start_episode(s, node, NewEpisode(ids[2], "GROUP_HOME", "0003000", date(2018, 2, 1),
                                                    place_id=ids[0]))


async def test_duplicate_personal_code_and_unknown_municipality_write_nothing(node):
    async with node.sessions() as s:
        async with s.begin():
            await _adult(s, node)
        for kwargs, code in (({}, "DUPLICATE_PERSONAL_CODE"),):
            with pytest.raises(DomainError) as caught:
                async with s.begin():
                    await _adult(s, node, **kwargs)
            assert caught.value.code == code
        with pytest.raises(DomainError) as caught:
            async with s.begin():
                await register_client(s, node, NewClient(make_personal_code(date(1990, 1, 1), 5), "A", "B",
                                                         "ADULT_GRT", "0001000"))
        assert caught.value.code == "UNKNOWN_MUNICIPALITY"  # Rīga is not in Zemgale
        assert await _count(s, Client) == 1


async def test_institution_exit_switches_funding_to_the_state_budget(node):
    from core.store.clients import record_institution_exit
    from core.store.models import Institution

    async with node.sessions() as s, s.begin():
        vsac = Institution(code="VSAC-ZEMGALE-1", name="VSAC Zemgale", kind="VSAC", municipality_code="0003000")
        s.add(vsac)
        await s.flush()
        client = await _adult(s, node, residence="PREPARING_TO_LEAVE", institution_id=vsac.id,
                              preparing_since=date(2017, 6, 1))
        await record_institution_exit(s, node, client.id, date(2018, 1, 15))
        ep = await start_episode(s, node, NewEpisode(client.id, "DAY_CARE_CENTRE", "0003000", date(2018, 1, 16)))
        rows = await record_deliveries(s, node, ep.id, [DeliveryInput(date(2020, 1, 16), 1)])
    assert client.residence == "LEFT_INSTITUTION"
    assert rows[0].funding_source == "STATE_BUDGET"


async def test_care_level_picks_the_higher_day_care_tier(node):
    from core.store.clients import ClientChanges, update_client

    async with node.sessions() as s, s.begin():
        client = await _adult(s, node)
        ep = await start_episode(s, node, NewEpisode(client.id, "DAY_CARE_CENTRE", "0003000", date(2018, 3, 1)))
        low = await record_deliveries(s, node, ep.id, [DeliveryInput(date(2018, 3, 1), 1)])
        await update_client(s, node, client.id, ClientChanges(care_level=4))
        high = await record_deliveries(s, node, ep.id, [DeliveryInput(date(2018, 3, 2), 1)])
    assert (low[0].cost, high[0].cost) == (Decimal("16.24"), Decimal("19.28"))


async def test_rate_change_mid_month_in_the_database(node):
    from core.store.models import RateRow

    async with node.sessions() as s, s.begin():
        old = await s.scalar(select(RateRow).where(RateRow.service_code == "HOME_CARE"))
        old.valid_to = date(2019, 6, 15)
        s.add(RateRow(service_code="HOME_CARE", tier=1, amount=Decimal("4.10"), valid_from=date(2019, 6, 16)))
        client = await _adult(s, node)
        ep = await start_episode(s, node, NewEpisode(client.id, "HOME_CARE", "0003000", date(2019, 6, 1)))
        rows = await record_deliveries(s, node, ep.id, [DeliveryInput(date(2019, 6, 15), 2),
                                                        DeliveryInput(date(2019, 6, 16), 2)])
    assert [r.cost for r in rows] == [Decimal("7.66"), Decimal("8.20")]


async def test_representative_must_represent_a_child_with_functional_impairments(node):
    async with node.sessions() as s:
        async with s.begin():
            child = await _child(s, node)
            adult = await _adult(s, node)
            rep = await register_client(s, node, NewClient(make_personal_code(date(1985, 1, 1), 7), "Ilze", "Ozola",
                                                           "CHILD_FT", "0028000", recipient_kind="LEGAL_REPRESENTATIVE",
                                                           represents_client_id=child.id))
            await start_episode(s, node, NewEpisode(rep.id, "SOCIAL_REHAB_FAMILY", "0028000", date(2018, 5, 1)))
            rep_id, adult_id = rep.id, adult.id
        with pytest.raises(DomainError) as caught:
            async with s.begin():
                await register_client(s, node, NewClient(make_personal_code(date(1985, 1, 1), 8), "X", "Y",
                                                         "CHILD_FT", "0028000", recipient_kind="FOSTER_FAMILY",
                                                         represents_client_id=adult_id))
        assert caught.value.field == "representsClientId"
        with pytest.raises(DomainError) as caught:
            async with s.begin():
                await start_episode(s, node, NewEpisode(rep_id, "RESPITE_CARE", "0028000", date(2018, 5, 1)))
        assert caught.value.code == "SERVICE_NOT_FOR_TARGET_GROUP"
