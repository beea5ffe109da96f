"""NATS security with the configuration ``kopiena natsconf`` writes: each region publishes only its own subject."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from pathlib import Path

import nats
import pytest
from nats.errors import TimeoutError as NatsTimeout

from federation.connection import connect
from federation.embedded import EmbeddedNats, free_port
from federation.hub.consumer import HubConsumer
from federation.hub.store import HubStore
from federation.streams import STREAM, ensure_deadletter_stream, ensure_hub_stream
from tests.federation.helpers import FAST, wait_for

pytestmark = pytest.mark.anyio


async def _messages(url: str, creds, stream: str = STREAM) -> int:
    nc = await connect(url, **creds)
    try:
        return (await nc.jetstream().stream_info(stream)).state.messages
    finally:
        await nc.close()


@pytest.fixture
async def streams(secure_nats):
    nc = await connect(secure_nats.url, **secure_nats.login("hub"))  # the hub may create its streams
    js = nc.jetstream()
    await ensure_hub_stream(js)
    await ensure_deadletter_stream(js)
    await nc.close()
    return secure_nats


async def test_a_region_publishes_to_its_own_subject_only(streams):
    errors: list[str] = []
    nc = await connect(streams.url, errors=errors, **streams.login("zemgale"))
    js = nc.jetstream()
    ack = await js.publish("kopiena.v1.indicators.zemgale", b"{}", timeout=2)
    assert ack.stream == STREAM
    with pytest.raises((NatsTimeout, TimeoutError)):
        await js.publish("kopiena.v1.indicators.kurzeme", b"{}", timeout=1)  # denied: no PubAck ever comes
    await wait_for(lambda: _has(errors, "permissions violation for publish"), 10, "the server's refusal")
    with pytest.raises((NatsTimeout, TimeoutError)):
        await js.publish("$JS.API.STREAM.DELETE.KOPIENA_INDICATORS", b"", timeout=1)
    await nc.close()
    assert await _messages(streams.url, streams.login("admin")) == 1  # only the allowed one is stored


async def test_a_region_cannot_read_other_regions_snapshots(streams):
    errors: list[str] = []
    nc = await connect(streams.url, errors=errors, **streams.login("kurzeme"))
    await nc.subscribe("kopiena.v1.indicators.>")
    await nc.subscribe("_INBOX_zemgale.>")
    await wait_for(lambda: _has(errors, "permissions violation for subscription"), 10, "the refusal")
    await nc.close()


async def test_a_wrong_password_is_refused(streams):
    with pytest.raises(Exception, match="[Aa]uthorization"):
        await nats.connect(streams.url, user="zemgale", password="wrong", allow_reconnect=False,
                           connect_timeout=2, max_reconnect_attempts=0)


async def test_the_hub_user_consumes_and_dead_letters_but_cannot_publish_snapshots(streams, hub_url):
    store = HubStore.open(hub_url)
    await store.migrate()
    consumer = HubConsumer(store, streams.url, backoff=FAST, fetch_timeout=0.2, **streams.login("hub"))
    zemgale = await connect(streams.url, **streams.login("zemgale"))
    await zemgale.jetstream().publish("kopiena.v1.indicators.zemgale", b"not a snapshot", timeout=2)
    stop = asyncio.Event()
    task = asyncio.create_task(consumer.run(stop))
    await wait_for(lambda: _count(consumer, "rejected", 1), 30, "the hub to dead-letter the message")
    assert await _messages(streams.url, streams.login("admin"), "KOPIENA_DEADLETTER") == 1
    errors: list[str] = []
    hub_nc = await connect(streams.url, errors=errors, **streams.login("hub"))
    with pytest.raises((NatsTimeout, TimeoutError)):
        await hub_nc.jetstream().publish("kopiena.v1.indicators.zemgale", b"{}", timeout=1)
    await wait_for(lambda: _has(errors, "permissions violation for publish"), 10, "the refusal")
    stop.set()
    await task
    for nc in (zemgale, hub_nc):
        await nc.close()
    await consumer.close()
    await store.close()


async def _has(errors: list[str], text: str) -> bool:
    return any(text in e.lower() for e in errors)


async def _count(consumer, outcome: str, n: int) -> bool:
    return consumer.counts[outcome] >= n


def test_kopiena_natsconf_writes_configurations_that_run(tmp_path):
    kopiena = str(Path(sys.executable).parent / "kopiena")
    port = free_port()
    result = subprocess.run([kopiena, "natsconf", "--out", str(tmp_path / "conf"), "--port", str(port),
                             "--regions", "zemgale,kurzeme"], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    creds = json.loads((tmp_path / "conf" / "credentials.json").read_text())
    assert set(creds) == {"hub", "admin", "sys", "zemgale", "kurzeme"}
    assert oct((tmp_path / "conf" / "credentials.json").stat().st_mode & 0o777) == "0o600"
    with EmbeddedNats(port=port, config_file=tmp_path / "conf" / "nats-server.conf") as server:
        assert server.running
    leaf = subprocess.run([kopiena, "natsconf", "--out", str(tmp_path / "leaf"), "--topology", "leaf",
                           "--regions", "zemgale,kurzeme"], capture_output=True, text=True, timeout=60)
    assert leaf.returncode == 0, leaf.stderr
    assert sorted(p.name for p in (tmp_path / "leaf").iterdir()) == [
        "credentials.json", "hub.conf", "leaf-kurzeme.conf", "leaf-zemgale.conf"]
    bad = subprocess.run([kopiena, "natsconf", "--out", str(tmp_path / "x"), "--topology", "mesh"],
                         capture_output=True, text=True, timeout=60)
    assert bad.returncode == 1 and "single or leaf" in bad.stderr
