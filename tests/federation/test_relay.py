"""The relay: outbox to JetStream, sent only after the PubAck, retries while NATS is away, resumes after a stop."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import nats
import pytest
import sqlalchemy as sa

from core.store.engine import create_engine
from core.store.models import IndicatorSnapshot, Outbox
from federation.embedded import EmbeddedNats
from federation.messages import decode
from federation.relay import Relay, RelayTimeout
from federation.streams import STREAM, ensure_indicator_stream
from tests.federation.helpers import D1, D2, FAST, add_people, publish, unsent

pytestmark = pytest.mark.anyio


async def _stream(url: str) -> list:
    nc = await nats.connect(url)
    try:
        js = nc.jetstream()
        await ensure_indicator_stream(js)
        sub = await js.pull_subscribe("kopiena.v1.indicators.>", stream=STREAM)
        try:
            return await sub.fetch(100, timeout=1)
        except nats.errors.TimeoutError:
            return []
    finally:
        await nc.close()


async def _outbox(url: str) -> list:
    engine = create_engine(url)
    try:
        async with engine.connect() as conn:
            return list((await conn.execute(sa.select(Outbox.snapshot_id, Outbox.sent_at, Outbox.attempts,
                                                      Outbox.last_error).order_by(Outbox.id))).all())
    finally:
        await engine.dispose()


async def _make_stream(url: str) -> None:
    nc = await nats.connect(url)
    await ensure_indicator_stream(nc.jetstream())
    await nc.close()


async def test_publishes_in_order_with_the_snapshot_id_as_msg_id(nats_server, node_url):
    url = node_url("zemgale")
    await add_people(url, "zemgale", 2)
    rows = [await publish(url, "zemgale", D1), await publish(url, "zemgale", D2)]
    await _make_stream(nats_server.url)
    async with Relay(url, nats_server.url, backoff=FAST) as relay:
        report = await relay.run_once(timeout=30)
    assert (report.sent, report.pending) == (2, 0)
    assert all(sent_at is not None and attempts == 1 and error is None for _, sent_at, attempts, error in
               await _outbox(url))
    msgs = await _stream(nats_server.url)
    assert [m.headers["Nats-Msg-Id"] for m in msgs] == [r.id for r in rows]
    first = decode(msgs[0].data, msgs[0].headers, msgs[0].subject)
    assert (first.region, first.as_of, first.sequence, first.content_hash) == ("zemgale", D1, 1, rows[0].content_hash)


async def test_nats_down_keeps_rows_unsent_and_they_go_when_it_is_back(tmp_path, node_url):
    url = node_url("kurzeme")
    await publish(url, "kurzeme")
    server = EmbeddedNats(store_dir=tmp_path / "js")  # configured, not started yet
    try:
        async with Relay(url, server.url, backoff=FAST) as relay:
            with pytest.raises(RelayTimeout, match="1 snapshot"):
                await relay.run_once(timeout=1.0)
        [(_, sent_at, attempts, error)] = await _outbox(url)
        assert sent_at is None and attempts >= 1 and "connect" in error
        await server.astart()
        await _make_stream(server.url)
        async with Relay(url, server.url, backoff=FAST) as relay:
            assert (await relay.run_once(timeout=30)).sent == 1
        assert await unsent(url) == 0 and len(await _stream(server.url)) == 1
    finally:
        server.close()


async def test_no_stream_no_puback_nothing_marked_sent(nats_server, node_url):
    url = node_url("latgale")
    await publish(url, "latgale")
    async with Relay(url, nats_server.url, backoff=FAST, ack_timeout=0.5) as relay:
        with pytest.raises(RelayTimeout):
            await relay.run_once(timeout=1.0)
    [(_, sent_at, attempts, error)] = await _outbox(url)
    assert sent_at is None and attempts >= 1 and error


async def test_stopped_with_unsent_rows_a_new_relay_resumes(nats_server, node_url):
    url = node_url("vidzeme")
    await _make_stream(nats_server.url)
    await publish(url, "vidzeme", D1)
    async with Relay(url, nats_server.url, backoff=FAST) as relay:
        await relay.run_once(timeout=30)
    await add_people(url, "vidzeme", 3)
    later = [await publish(url, "vidzeme", D1), await publish(url, "vidzeme", D2)]
    assert await unsent(url) == 2  # the node stops here; a new process starts
    async with Relay(url, nats_server.url, backoff=FAST) as relay:
        assert (await relay.run_once(timeout=30)).sent == 2
    ids = [m.headers["Nats-Msg-Id"] for m in await _stream(nats_server.url)]
    assert ids[1:] == [r.id for r in later] and len(ids) == 3


async def test_an_invalid_snapshot_is_kept_and_skipped(nats_server, node_url):
    url = node_url("riga")
    bad = await publish(url, "riga", D1)
    good = await publish(url, "riga", D2)
    engine = create_engine(url)
    async with engine.begin() as conn:  # a bug wrote a name into the figures: it must never leave the node
        payload = json.loads(bad.payload)
        payload[0]["rows"][0][0] = "Anna Bērziņa"
        await conn.execute(sa.update(IndicatorSnapshot).where(IndicatorSnapshot.id == bad.id)
                           .values(payload=json.dumps(payload)))
    await engine.dispose()
    await _make_stream(nats_server.url)
    async with Relay(url, nats_server.url, backoff=FAST) as relay:
        assert (await relay.run_once(timeout=30)).sent == 1
    outbox = {sid: (sent_at, error) for sid, sent_at, _, error in await _outbox(url)}
    assert outbox[good.id][0] is not None
    assert outbox[bad.id][0] is None and "invalid snapshot" in outbox[bad.id][1]
    assert [m.headers["Nats-Msg-Id"] for m in await _stream(nats_server.url)] == [good.id]


def test_kopiena_relay_once(nats_server, node_url):
    import asyncio

    url = node_url("zemgale")
    asyncio.run(publish(url, "zemgale"))
    asyncio.run(_make_stream(nats_server.url))
    kopiena = str(Path(sys.executable).parent / "kopiena")
    result = subprocess.run([kopiena, "relay", "--once", "--db", url, "--nats", nats_server.url, "--timeout", "30"],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert "1 snapshot(s) published, 0 unsent" in result.stdout
    assert asyncio.run(unsent(url)) == 0
