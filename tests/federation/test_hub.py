"""The hub consumer: newest sequence wins; duplicates and stale ones change nothing; bad ones are dead-lettered."""

from __future__ import annotations

import asyncio
import gzip
import json

import nats
import pytest
import sqlalchemy as sa

from core.store.engine import create_engine, session_factory
from core.store.models import Outbox
from core.store.snapshots import pending
from federation.hub import models as t
from federation.hub.consumer import HEADER_REASON, HEADER_SUBJECT
from federation.messages import encode
from federation.relay import Relay, to_message
from federation.streams import DEADLETTER_STREAM
from tests.federation.helpers import D1, D2, FAST, add_people, assert_converged, hub_state, publish, wait_for

pytestmark = pytest.mark.anyio


async def _relay(url: str, nats_url: str) -> None:
    async with Relay(url, nats_url, backoff=FAST) as relay:
        await relay.run_once(timeout=30)


async def _resend_all(url: str) -> None:
    """As if the PubAcks had been lost: every row is unsent again."""
    engine = create_engine(url)
    async with engine.begin() as conn:
        await conn.execute(sa.update(Outbox).values(sent_at=None))
    await engine.dispose()


async def _counted(hub, outcome: str, n: int) -> bool:
    return hub.consumer.counts[outcome] >= n


async def test_the_same_snapshot_twice_and_after_the_duplicate_window(nats_server, node_url, hub_url, hubs):
    hub = await hubs(hub_url, nats_server.url, duplicate_window=1.0)
    url = node_url("zemgale")
    await add_people(url, "zemgale", 3)
    await publish(url, "zemgale")
    engine = create_engine(url)
    async with session_factory(engine)() as s:
        data, headers = encode(to_message((await pending(s))[0]))
    await engine.dispose()
    await _relay(url, nats_server.url)
    nc = await nats.connect(nats_server.url)
    again = await nc.jetstream().publish("kopiena.v1.indicators.zemgale", data, headers=headers)
    assert again.duplicate  # within the window JetStream drops the copy
    await wait_for(lambda: _counted(hub, "accepted", 1), what="the snapshot")
    await asyncio.sleep(1.5)  # let the duplicate window pass (this waits; nothing is timed)
    await _resend_all(url)  # as if the PubAck had been lost: the relay sends it again
    await _relay(url, nats_server.url)  # stored again; the hub sees the same sequence and changes nothing
    await wait_for(lambda: _counted(hub, "duplicate", 1), what="the late copy")
    assert hub.consumer.counts["accepted"] == 1
    assert (await nc.jetstream().stream_info("KOPIENA_INDICATORS")).state.messages == 2
    await nc.close()
    await assert_converged(hub_url, [url])


async def test_an_older_sequence_after_a_newer_one_changes_nothing(nats_server, node_url, hub_url, hubs):
    url = node_url("kurzeme")
    await add_people(url, "kurzeme", 2)
    await publish(url, "kurzeme")
    await add_people(url, "kurzeme", 5, serial=100)
    await publish(url, "kurzeme")  # sequence 2, same date, 7 people
    engine = create_engine(url)
    async with session_factory(engine)() as s:
        older, newer = [to_message(p) for p in await pending(s)]
    await engine.dispose()
    nc = await nats.connect(nats_server.url)
    hub = await hubs(hub_url, nats_server.url)
    await wait_for(lambda: _connected(hub), what="the hub's consumer")
    for message in (newer, older):  # delivered out of order
        data, headers = encode(message)
        await nc.jetstream().publish("kopiena.v1.indicators.kurzeme", data, headers=headers)
    await nc.close()
    await wait_for(lambda: _counted(hub, "stale", 1), what="the older one")
    state = await hub_state(hub_url)
    assert state[("kurzeme", D1)][:2] == (2, newer.snapshot_id)
    async with hub.store.sessions() as s:
        unique = await s.scalar(sa.select(sa.func.sum(t.figures.c.value)).where(
            t.figures.c.indicator == "unique_persons_received", t.figures.c.municipality.is_(None)))
    assert unique == 7


async def _connected(hub) -> bool:
    return hub.consumer.connected.is_set()


async def test_bad_messages_go_to_the_dead_letter_subject_and_the_hub_goes_on(nats_server, node_url, hub_url, hubs):
    url = node_url("latgale")
    await publish(url, "latgale")
    engine = create_engine(url)
    async with session_factory(engine)() as s:
        good = to_message((await pending(s))[0])
    await engine.dispose()
    hub = await hubs(hub_url, nats_server.url)
    await wait_for(lambda: _connected(hub), what="the hub's consumer")
    body = json.loads(good.model_dump_json(by_alias=True))
    v2 = {**body, "schemaVersion": "2.0", "snapshotId": "latgale-v2"}
    forged = {**body, "region": "zemgale"}
    bad = [(b"{not json", {}), (gzip.compress(json.dumps(v2).encode()), {"Content-Encoding": "gzip"}),
           (json.dumps(forged).encode(), {"Nats-Msg-Id": "forged"})]
    nc = await nats.connect(nats_server.url)
    js = nc.jetstream()
    for data, headers in bad:
        await js.publish("kopiena.v1.indicators.latgale", data, headers=headers)
    data, headers = encode(good)
    await js.publish("kopiena.v1.indicators.latgale", data, headers=headers)
    await wait_for(lambda: _counted(hub, "accepted", 1), what="the good message after the bad ones")
    assert hub.consumer.counts["rejected"] == 3
    dead = await js.pull_subscribe("kopiena.v1.deadletter", stream=DEADLETTER_STREAM)
    letters = await dead.fetch(10, timeout=2)
    reasons = [m.headers[HEADER_REASON] for m in letters]
    assert "not JSON" in reasons[0] and "unknown schema version '2.0'" in reasons[1]
    assert "does not match the subject" in reasons[2]
    assert {m.headers[HEADER_SUBJECT] for m in letters} == {"kopiena.v1.indicators.latgale"}
    assert letters[0].data == b"{not json"  # kept as it came, for inspection
    await nc.close()
    async with hub.store.sessions() as s:
        rows = (await s.execute(sa.select(t.rejections.c.reason, t.rejections.c.msg_id)
                                .order_by(t.rejections.c.id))).all()
    assert [r.msg_id for r in rows] == [None, None, "forged"] and "unknown schema version" in rows[1].reason
    await assert_converged(hub_url, [url])


async def test_the_hub_database_holds_no_personal_data(nats_server, zemgale_copy, zemgale_2018, hub_url, hubs):
    await hubs(hub_url, nats_server.url)
    await _relay(zemgale_copy, nats_server.url)
    await assert_converged(hub_url, [zemgale_copy])
    engine = create_engine(hub_url)
    text = []
    async with engine.connect() as conn:
        for table in t.metadata.sorted_tables:
            text += [repr(tuple(row)) for row in (await conn.execute(sa.select(table))).all()]
    await engine.dispose()
    dump = "\n".join(text)
    raw = open(hub_url.removeprefix("sqlite:///"), "rb").read().decode("utf-8", errors="replace")
    assert "zemgale" in dump and len(dump) > 100_000
    for code, given, family in zemgale_2018[1]:
        for where in (dump, raw):
            assert code not in where and code.replace("-", "") not in where
            assert family not in where and given not in where
    assert "Lielā iela" not in dump and "Lielā iela" not in raw


async def test_the_hub_on_postgresql(nats_server, pg_empty_url, node_url, hubs):
    from federation.hub.migrate import current_revision, drift, head_revision

    hub = await hubs(pg_empty_url, nats_server.url)
    assert await current_revision(hub.store.engine) == head_revision()
    assert await drift(hub.store.engine) == []
    url = node_url("riga")
    await add_people(url, "riga", 4)
    await publish(url, "riga", D1)
    await publish(url, "riga", D2)
    await _relay(url, nats_server.url)
    await assert_converged(pg_empty_url, [url])


async def test_hub_migrations_match_the_models_on_sqlite(hub_url, hubs):
    from federation.hub.migrate import drift

    hub = await hubs(hub_url, None)
    assert await drift(hub.store.engine) == []


async def test_a_database_failure_naks_and_the_message_comes_back(nats_server, node_url, hub_url, hubs):
    hub = await hubs(hub_url, nats_server.url)
    engine = create_engine(hub_url)
    async with engine.begin() as conn:  # the hub's database loses a table under it
        await conn.execute(sa.text("ALTER TABLE hub_figures RENAME TO hub_figures_away"))
    url = node_url("vidzeme")
    await add_people(url, "vidzeme", 2)
    await publish(url, "vidzeme")
    await _relay(url, nats_server.url)
    await wait_for(lambda: _counted(hub, "retried", 1), what="the failed commit")
    assert hub.consumer.counts["accepted"] == 0
    async with engine.begin() as conn:
        await conn.execute(sa.text("ALTER TABLE hub_figures_away RENAME TO hub_figures"))
    await engine.dispose()
    await wait_for(lambda: _counted(hub, "accepted", 1), what="the redelivered message")
    await assert_converged(hub_url, [url])
