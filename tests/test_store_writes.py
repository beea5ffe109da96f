from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from core.domain.errors import DomainError, DomainErrors
from core.domain.personal_code import make_personal_code
from core.store.clients import NewClient, register_client
from core.store.deliveries import DeliveryInput, record_deliveries
from core.store.episodes import NewEpisode, start_episode
from core.store.models import Delivery

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
