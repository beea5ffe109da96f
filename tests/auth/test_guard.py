"""Guarded write sessions with the real write path: foreign ids are not found, foreign targets forbidden."""

from datetime import date

import pytest
from sqlalchemy import func, select

from core.auth.access import Access
from core.auth.errors import Forbidden
from core.auth.guard import WriteGuard, guarded
from core.auth.principal import Grant, Principal
from core.domain.errors import DuplicatePersonalCode, UnknownObject
from core.domain.personal_code import make_personal_code
from core.store.clients import ClientChanges, NewClient, register_client, update_client
from core.store.deliveries import DeliveryInput, record_deliveries
from core.store.episodes import NewEpisode, end_episode, start_episode
from core.store.models import AuditEvent, Client, Delivery, ServiceEpisode

from . import world

pytestmark = pytest.mark.anyio


@pytest.fixture
async def setup(node):
    w = await world.build(node)
    access = await Access.open(node)
    return w, access


def guard_for(access, role, domain, obj, act) -> WriteGuard:
    principal = Principal("anna", (Grant(role, access.catalogue.parse(domain)),))
    return WriteGuard(access.coverage(principal, obj, act))


async def count(node, model, *where) -> int:
    async with node.sessions() as s:
        return await s.scalar(select(func.count()).select_from(model).where(*where))


def new_client(serial, municipality):
    return NewClient(
        personal_code=make_personal_code(date(1990, 1, 9), serial),
        given_name="Jana",
        family_name="Jauna",
        target_group="ADULT_GRT",
        municipality_code=municipality,
    )


async def test_a_foreign_client_is_not_found(node, setup):
    w, access = setup
    guard = guard_for(access, "municipal_social_worker", "lv/zemgale/0003000", "client", "write")
    async with guarded(node.engine, guard) as s:
        with pytest.raises(UnknownObject) as caught:
            async with s.begin():
                await update_client(s, node, w.clients["dobele"], ClientChanges(address="Cita iela 2"))
    assert caught.value.field == "clientId"
    assert str(w.clients["dobele"]) in caught.value.message  # the same words as for an id that does not exist
    assert await count(node, Client, Client.address == "Cita iela 2") == 0
    async with guarded(node.engine, guard) as s, s.begin():  # its own predecessor's client is found
        await update_client(s, node, w.clients["jelgava_old"], ClientChanges(address="Cita iela 2"))
    assert [t.kind for t in guard.touched] == ["client"] and guard.touched[0].changed[:1] == ("address",)


async def test_a_foreign_episode_is_not_found_for_deliveries(node, setup):
    w, access = setup
    guard = guard_for(access, "service_provider", "lv/zemgale/0003000", "delivery", "write")
    before = await count(node, Delivery)
    async with guarded(node.engine, guard) as s:
        with pytest.raises(UnknownObject) as caught:
            async with s.begin():
                await record_deliveries(s, node, w.episodes["bauska"], [DeliveryInput(date(2018, 3, 5), 1)])
    assert caught.value.field == "episodeId" and await count(node, Delivery) == before
    async with guarded(node.engine, guard) as s, s.begin():
        await record_deliveries(s, node, w.episodes["jelgava"], [DeliveryInput(date(2018, 3, 5), 1)])
    assert await count(node, Delivery) == before + 1


async def test_nothing_is_created_in_a_foreign_municipality(node, setup):
    w, access = setup
    guard = guard_for(access, "municipal_social_worker", "lv/zemgale/0003000", "client", "write")
    async with guarded(node.engine, guard) as s:
        with pytest.raises(Forbidden, match="0028000"):
            async with s.begin():
                await register_client(s, node, new_client(1, "0028000"))
    async with guarded(node.engine, guard) as s:
        with pytest.raises(Forbidden):
            async with s.begin():
                await update_client(s, node, w.clients["jelgava"], ClientChanges(municipality_code="0028000"))
    assert await count(node, Client, Client.given_name == "Jana") == 0
    assert await count(node, Client, Client.municipality_code == "0028000") == 1


async def test_another_municipality_cannot_be_made_to_pay(node, setup):
    w, access = setup
    guard = guard_for(access, "municipal_social_worker", "lv/zemgale/0003000", "episode", "write")
    async with guarded(node.engine, guard) as s:
        with pytest.raises(Forbidden):
            async with s.begin():
                await start_episode(
                    s, node, NewEpisode(w.clients["jelgava"], "DAY_CARE_CENTRE", "0028000", date(2018, 4, 1))
                )
    assert await count(node, ServiceEpisode) == len(world.CLIENTS)


async def test_a_duplicate_personal_code_elsewhere_is_still_a_duplicate(node, setup):
    """Uniqueness is checked over the whole node: the person exists, even if the caller cannot see them."""
    _, access = setup
    guard = guard_for(access, "municipal_social_worker", "lv/zemgale/0003000", "client", "write")
    async with node.sessions() as s:
        dobele_code = await s.scalar(
            select(Client.personal_code).where(Client.municipality_code == "0028000")
        )
    data = new_client(1, "0003000")
    data.personal_code = dobele_code
    async with guarded(node.engine, guard) as s:
        with pytest.raises(DuplicatePersonalCode):
            async with s.begin():
                await register_client(s, node, data)


async def test_the_region_reaches_everything_and_nothing_foreign_needs_a_guess(node, setup):
    w, access = setup
    guard = guard_for(access, "regional_coordinator", "lv/zemgale", "episode", "write")
    async with guarded(node.engine, guard) as s, s.begin():
        await end_episode(s, node, w.episodes["dobele"], date(2018, 6, 30))
        await register_client(s, node, new_client(2, "0025000"))
    assert sorted(t.kind for t in guard.touched) == ["client", "episode"]


async def test_audit_events_cannot_be_changed_or_deleted(node, setup):
    w, access = setup
    guard = guard_for(access, "regional_coordinator", "lv/zemgale", "client", "write")
    async with guarded(node.engine, guard) as s:
        with pytest.raises(Forbidden, match="Audit events"):
            async with s.begin():
                event = await s.get(AuditEvent, w.audit["lv/zemgale"])
                event.action = "nothing.happened"
        with pytest.raises(Forbidden, match="Audit events"):
            async with s.begin():
                await s.delete(await s.get(AuditEvent, w.audit["lv/zemgale"]))
    assert await count(node, AuditEvent, AuditEvent.action == "test.event") == len(world.AUDIT_DOMAINS)
