"""The consumer takes a fetched batch at once (real nats-server, real databases): a bad message is dead-lettered and
the good ones of its batch are stored; a snapshot the database refuses is nak'ed while the others of its batch
are stored; a database failure naks the whole batch and every message comes back."""

from __future__ import annotations

import nats
import pytest
import sqlalchemy as sa

from core.store.engine import create_engine, is_sqlite
from federation.hub.consumer import HubConsumer
from federation.hub.store import HubStore
from federation.messages import HEADER_MSG_ID, encode
from federation.streams import DEADLETTER_STREAM
from tests.federation.helpers import FAST, hub_state

pytestmark = pytest.mark.anyio


@pytest.fixture
async def consumer(nats_server, any_hub_url):
    """A consumer that is not running: the test fetches and hands it batches itself."""
    store = HubStore.open(any_hub_url)
    await store.migrate()
    consumer = HubConsumer(store, nats_server.url, backoff=FAST)
    consumer.sub = await consumer._subscribe()  # creates the streams and the durable consumer
    yield consumer
    await consumer.close()
    await store.close()


async def _publish(url: str, items) -> None:
    """Publish (subject, body, headers) items to JetStream, each awaited until stored."""
    nc = await nats.connect(url)
    for subject, body, headers in items:
        await nc.jetstream().publish(subject, body, headers=headers)
    await nc.close()


def _wire(message, *, msg_id: bool = True):
    body, headers = encode(message)
    if not msg_id:  # a copy JetStream does not drop as a duplicate (it has no Nats-Msg-Id)
        headers = {k: v for k, v in headers.items() if k != HEADER_MSG_ID}
    return f"kopiena.v1.indicators.{message.region}", body, headers


async def _fetch(consumer: HubConsumer, n: int) -> list:
    """The next ``n`` messages (redelivered ones come back after the nak delay)."""
    got: list = []
    while len(got) < n:
        got += await consumer.sub.fetch(n - len(got), timeout=10)
    return got


async def _sql(url: str, *statements: str) -> None:
    engine = create_engine(url)
    try:
        async with engine.begin() as conn:
            for statement in statements:
                await conn.execute(sa.text(statement))
    finally:
        await engine.dispose()


async def test_a_bad_message_and_the_same_region_twice_in_one_batch(nats_server, consumer, any_hub_url, snapshots):
    k1, k2, l1 = snapshots["k1"], snapshots["k2"], snapshots["l1"]
    bad = ("kopiena.v1.indicators.kurzeme", b"{not json", {})
    await _publish(nats_server.url, [_wire(k2), bad, _wire(k1), _wire(k2, msg_id=False), _wire(l1)])
    batch = await _fetch(consumer, 5)
    assert await consumer.handle_batch(batch) == ["accepted", "rejected", "stale", "duplicate", "accepted"]
    state = await hub_state(any_hub_url)
    assert {key: v[:2] for key, v in state.items()} == {
        ("kurzeme", k2.as_of): (2, k2.snapshot_id), ("latgale", l1.as_of): (1, l1.snapshot_id)}
    assert state[("kurzeme", k2.as_of)][3] == sum(len(b.rows) for b in k2.indicators)
    nc = await nats.connect(nats_server.url)
    dead = await nc.jetstream().pull_subscribe("kopiena.v1.deadletter", stream=DEADLETTER_STREAM)
    assert [m.data for m in await dead.fetch(10, timeout=2)] == [b"{not json"]
    await nc.close()
    assert (await consumer.sub.consumer_info()).num_ack_pending == 0  # all five acked or terminated


def _refuse_latgale(url: str) -> list[str]:
    if is_sqlite(url):
        return ["CREATE TRIGGER refuse BEFORE INSERT ON hub_snapshots WHEN NEW.region_code = 'latgale' "
                "BEGIN SELECT RAISE(ABORT, 'refused by the test'); END"]
    return ["CREATE FUNCTION refuse() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
            "IF NEW.region_code = 'latgale' THEN RAISE EXCEPTION 'refused by the test'; END IF; RETURN NEW; END $$",
            "CREATE TRIGGER refuse BEFORE INSERT ON hub_snapshots FOR EACH ROW EXECUTE FUNCTION refuse()"]


async def test_a_snapshot_the_database_refuses_does_not_hold_back_its_batch(nats_server, consumer, any_hub_url,
                                                                           snapshots):
    k1, k3, l1 = snapshots["k1"], snapshots["k3"], snapshots["l1"]
    await _sql(any_hub_url, *_refuse_latgale(any_hub_url))
    await _publish(nats_server.url, [_wire(k1), _wire(l1), _wire(k3)])
    assert await consumer.handle_batch(await _fetch(consumer, 3)) == ["accepted", "retried", "accepted"]
    assert set(await hub_state(any_hub_url)) == {("kurzeme", k1.as_of), ("kurzeme", k3.as_of)}
    await _sql(any_hub_url, "DROP TRIGGER refuse" + ("" if is_sqlite(any_hub_url) else " ON hub_snapshots"))
    assert await consumer.handle_batch(await _fetch(consumer, 1)) == ["accepted"]  # redelivered after the nak
    assert set(await hub_state(any_hub_url)) == {("kurzeme", k1.as_of), ("kurzeme", k3.as_of),
                                                 ("latgale", l1.as_of)}


async def test_a_database_failure_naks_the_whole_batch_and_every_message_comes_back(nats_server, consumer,
                                                                                   any_hub_url, snapshots):
    k1, k3, l1 = snapshots["k1"], snapshots["k3"], snapshots["l1"]
    await _sql(any_hub_url, "ALTER TABLE hub_figures RENAME TO hub_figures_away")
    await _publish(nats_server.url, [_wire(k1), _wire(l1), _wire(k3)])
    assert await consumer.handle_batch(await _fetch(consumer, 3)) == ["retried"] * 3
    assert consumer.counts["retried"] == 3 and consumer.counts["accepted"] == 0
    await _sql(any_hub_url, "ALTER TABLE hub_figures_away RENAME TO hub_figures")
    again = await _fetch(consumer, 3)
    assert sorted(m.metadata.num_delivered for m in again) == [2, 2, 2]
    assert await consumer.handle_batch(again) == ["accepted"] * 3
    state = await hub_state(any_hub_url)
    assert {key: v[0] for key, v in state.items()} == {("kurzeme", k1.as_of): 1, ("kurzeme", k3.as_of): 3,
                                                       ("latgale", l1.as_of): 1}
