"""The engine on both databases: savepoints nest inside the transaction that opened them."""

import pytest
from sqlalchemy import func, select

from core.store.models import Client

pytestmark = pytest.mark.anyio


def _client(code: str) -> Client:
    return Client(personal_code=code, given_name="A", family_name="B", target_group="ADULT_GRT",
                  municipality_code="0003000")


async def test_a_released_savepoint_is_rolled_back_with_its_transaction(node):
    """The first statement of a transaction is a SAVEPOINT: pysqlite would begin nothing before it, and
    releasing it would commit; the engine begins the transaction first."""
    async with node.sessions() as s:
        with pytest.raises(RuntimeError):
            async with s.begin():
                async with s.begin_nested():
                    s.add(_client("161175-19997"))
                    await s.flush()
                raise RuntimeError("the whole transaction is given up")
        assert await s.scalar(select(func.count()).select_from(Client)) == 0


async def test_a_rolled_back_savepoint_leaves_the_rest_of_its_transaction(node):
    async with node.sessions() as s:
        async with s.begin():
            async with s.begin_nested():
                s.add(_client("161175-19997"))
            nested = await s.begin_nested()
            s.add(_client("170580-11003"))
            await s.flush()
            await nested.rollback()
        assert await s.scalar(select(func.count()).select_from(Client)) == 1
