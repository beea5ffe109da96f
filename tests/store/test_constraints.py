"""Invariants the database itself holds, even against a caller that skips the domain rules."""

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy.exc import IntegrityError

from core.store.models import Client, Delivery, ServiceEpisode, ServicePlace

pytestmark = pytest.mark.anyio


def _client(code="161175-19997", muni="0003000"):
    return Client(personal_code=code, given_name="A", family_name="B", target_group="ADULT_GRT",
                  municipality_code=muni)


async def _fails(node, *rows):
    async with node.sessions() as s:
        with pytest.raises(IntegrityError):
            async with s.begin():
                s.add_all(rows)
                await s.flush()


async def test_personal_code_is_unique(node):
    async with node.sessions() as s, s.begin():
        s.add(_client())
    await _fails(node, _client())


async def test_foreign_keys_hold(node):
    await _fails(node, _client(muni="9999999"))
    await _fails(node, ServiceEpisode(client_id=12345, service_code="HOME_CARE", granted_by="0003000",
                                      start_date=date(2018, 1, 1)))


async def test_period_units_and_capacity_checks(node):
    async with node.sessions() as s, s.begin():
        c = _client()
        s.add(c)
        await s.flush()
        ep = ServiceEpisode(client_id=c.id, service_code="HOME_CARE", granted_by="0003000",
                            start_date=date(2018, 1, 1))
        s.add(ep)
        await s.flush()
        ep_id, client_id = ep.id, c.id
    await _fails(node, ServiceEpisode(client_id=client_id, service_code="HOME_CARE", granted_by="0003000",
                                      start_date=date(2018, 1, 2), end_date=date(2018, 1, 1)))
    await _fails(node, Delivery(episode_id=ep_id, date=date(2018, 1, 1), units=Decimal("-1"), funding_source="ESF"))
    await _fails(node, ServicePlace(name="x", service_code="GROUP_HOME", municipality_code="0003000", capacity=0))
    async with node.sessions() as s, s.begin():
        s.add(Delivery(episode_id=ep_id, date=date(2018, 1, 1), units=Decimal("1"), funding_source="ESF"))
    await _fails(node, Delivery(episode_id=ep_id, date=date(2018, 1, 1), units=Decimal("2"), funding_source="ESF"))
