"""The mutation helper: a unique key taken meanwhile is a CONFLICT; nothing is written either way."""

from __future__ import annotations

from datetime import date
from types import SimpleNamespace

import pytest
from sqlalchemy.exc import IntegrityError

from core.api.context import Context
from core.api.guard import authorise
from core.api.writes import write
from core.auth import Access
from core.domain.personal_code import make_personal_code
from core.store.models import Client, ServicePlace
from tests.conftest import dev_token

pytestmark = pytest.mark.anyio


async def coordinator(node, mutation: str) -> Context:
    """A context as access control leaves it for a regional coordinator of Zemgale running ``mutation``."""
    access = await Access.open(node)
    return authorise(Context(node), access, await access.authenticate(f"Bearer {dev_token()}"), mutation)


def _person(code: str) -> Client:
    return Client(personal_code=code, given_name="Anna", family_name="Bērziņa", target_group="ADULT_GRT",
                  municipality_code="0003000")


async def test_a_unique_key_taken_meanwhile_is_a_conflict_and_writes_nothing(api):
    info = SimpleNamespace(context=await coordinator(api.node, "registerClient"))
    before = await api.rows()
    code = make_personal_code(date(1980, 5, 17), 7)

    async def work(session):
        # what two simultaneous registrations of one person amount to: both passed the duplicate check
        session.add(_person(code))
        await session.flush()
        session.add(_person(code))
        await session.flush()

    outcome = await write(info, work)
    assert [(e.code, e.field) for e in outcome.errors] == [("CONFLICT", None)]
    assert await api.rows() == before
    await info.context.close()


async def test_other_integrity_errors_are_bugs_and_propagate(api):
    info = SimpleNamespace(context=await coordinator(api.node, "createServicePlace"))
    before = await api.rows()

    async def work(session):
        session.add(ServicePlace(name="x", service_code="GROUP_HOME", municipality_code="0003000", capacity=0))
        await session.flush()  # CHECK (capacity > 0): the write path should have refused it

    with pytest.raises(IntegrityError):
        await write(info, work)
    assert await api.rows() == before
    await info.context.close()
