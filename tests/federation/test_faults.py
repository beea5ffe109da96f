"""Faults, with real nats-servers the tests start, kill and cut. In every case the hub ends with exactly the
newest snapshot of each region and date: nothing lost, nothing doubled."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from core.domain.regions import REGION_CODES
from federation.connection import connect
from federation.embedded import EmbeddedNats, free_port
from federation.messages import encode
from federation.natsconf import Listen, admin_user, generate_credentials, hub_conf, leaf_conf
from federation.relay import Relay
from federation.streams import ensure_deadletter_stream, ensure_hub_stream, ensure_indicator_stream, region_subject
from tests.federation.helpers import (
    D1,
    D2,
    FAST,
    add_people,
    assert_converged,
    hub_state,
    publish,
    unsent,
    wait_for,
)
from tests.federation.proxy import LinkProxy

pytestmark = pytest.mark.anyio
KOPIENA = str(Path(sys.executable).parent / "kopiena")


async def _relay_once(url: str, nats_url: str, **login) -> None:
    async with Relay(url, nats_url, backoff=FAST, ack_timeout=1.0, **login) as relay:
        await relay.run_once(timeout=60)


async def _hub_streams(nats_url: str, **login) -> None:
    nc = await connect(nats_url, **login)
    await ensure_hub_stream(nc.jetstream())
    await ensure_deadletter_stream(nc.jetstream())
    await nc.close()


def _start_hub_process(hub_db: str, nats_url: str, port: int, password: str) -> subprocess.Popen:
    env = {**os.environ, "KOPIENA_NATS_PASSWORD": password}
    return subprocess.Popen([KOPIENA, "hub", "--db", hub_db, "--nats", nats_url, "--nats-user", "hub",
                             "--port", str(port)], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


async def _healthy(port: int) -> bool:
    try:
        async with httpx.AsyncClient() as client:
            return (await client.get(f"http://127.0.0.1:{port}/healthz", timeout=1)).status_code == 200
    except httpx.HTTPError:
        return False


async def test_five_nodes_publish_while_the_hub_is_down(secure_nats, node_url, hub_url):
    """Five nodes, five databases, the hub a real `kopiena hub` process that starts late and restarts."""
    urls = {r: node_url(r) for r in REGION_CODES}
    for i, (region, url) in enumerate(urls.items()):
        await add_people(url, region, 2 + i)
        await publish(url, region, D1)
        await publish(url, region, D2)
    await add_people(urls["zemgale"], "zemgale", 4, serial=50)
    await publish(urls["zemgale"], "zemgale", D1)  # replaces zemgale's first one
    await _hub_streams(secure_nats.url, **secure_nats.login("admin"))
    for region, url in urls.items():  # the hub is down: the stream keeps everything
        await _relay_once(url, secure_nats.url, **secure_nats.login(region))
    # a region with its own credentials tries to pass a snapshot off as another region's: refused by NATS
    zemgale = await connect(secure_nats.url, **secure_nats.login("zemgale"))
    with pytest.raises(Exception):  # noqa: B017 - no PubAck ever comes: the server refused the publish
        await zemgale.jetstream().publish(region_subject("kurzeme"), b"{}", timeout=1)
    await zemgale.close()

    port = free_port()
    hub = _start_hub_process(hub_url, secure_nats.url, port, secure_nats.creds["hub"])
    try:
        await wait_for(lambda: _healthy(port), 60, "the hub process")
        await assert_converged(hub_url, list(urls.values()))
        async with httpx.AsyncClient() as client:
            answer = await client.post(f"http://127.0.0.1:{port}/graphql",
                                       json={"query": "{ regions { code asOf sequence } }"})
        assert {r["code"]: r["sequence"] for r in answer.json()["data"]["regions"]}["zemgale"] == 3
    finally:
        hub.send_signal(signal.SIGTERM)
        hub.wait(30)
    for region in ("kurzeme", "riga"):  # the hub is down again; nodes go on publishing
        await add_people(urls[region], region, 1, serial=80)
        await publish(urls[region], region, D2)
        await _relay_once(urls[region], secure_nats.url, **secure_nats.login(region))
    hub = _start_hub_process(hub_url, secure_nats.url, port, secure_nats.creds["hub"])
    try:  # the durable consumer resumes where it was
        await assert_converged(hub_url, list(urls.values()))
    finally:
        hub.send_signal(signal.SIGTERM)
        hub.wait(30)


async def test_nats_server_killed_mid_publish_and_restarted(nats_server, node_url, hub_url, hubs):
    regions = ("zemgale", "latgale", "vidzeme")
    urls = {r: node_url(r) for r in regions}
    for region, url in urls.items():
        await add_people(url, region, 3)
        for n in range(4):
            await publish(url, region, D1 if n % 2 else D2)
    await hubs(hub_url, nats_server.url)
    stop = asyncio.Event()
    killed = asyncio.Event()
    first, *others = urls.values()
    relays = [KillingRelay(first, nats_server.url, server=nats_server, on_publish=3, killed=killed,
                           backoff=FAST, ack_timeout=1.0, poll_interval=0.1)]
    relays += [Relay(url, nats_server.url, backoff=FAST, ack_timeout=1.0, poll_interval=0.1) for url in others]
    tasks = [asyncio.create_task(r.run(stop)) for r in relays]
    try:
        await wait_for(killed.wait, 60, "the kill during the third publish")
        assert await unsent(first) >= 1  # those after the one in flight (which may or may not be stored)
        for region, url in urls.items():
            await add_people(url, region, 2, serial=40)
            await publish(url, region, D1)
        await nats_server.arestart()  # same port, same store
        await wait_for(lambda: _all_sent(list(urls.values())), 60, "the outboxes to empty")
        await assert_converged(hub_url, list(urls.values()))
    finally:
        stop.set()
        await asyncio.gather(*tasks)
        for r in relays:
            await r.close()


class KillingRelay(Relay):
    """A relay during whose n-th publish the nats-server is killed (-9): the message is on its way, no PubAck."""

    def __init__(self, *args, server: EmbeddedNats, on_publish: int, killed: asyncio.Event, **kw) -> None:
        super().__init__(*args, **kw)
        self.server, self.on_publish, self.killed, self.calls = server, on_publish, killed, 0

    async def _send(self, nc, subject, body, headers):
        self.calls += 1
        if self.calls != self.on_publish:
            return await super()._send(nc, subject, body, headers)
        in_flight = asyncio.create_task(super()._send(nc, subject, body, headers))
        await nc.flush(timeout=1)  # the message has left for the server
        self.server.kill()
        self.killed.set()
        return await in_flight


async def _all_sent(urls: list[str]) -> bool:
    return sum([await unsent(u) for u in urls]) == 0


async def test_relay_process_killed_with_unsent_rows_and_restarted(nats_server, node_url, hub_url, hubs):
    url = node_url("latgale")
    await add_people(url, "latgale", 2)
    await publish(url, "latgale", D1)
    await hubs(hub_url, nats_server.url)

    def relay_process() -> subprocess.Popen:
        return subprocess.Popen([KOPIENA, "relay", "--db", url, "--nats", nats_server.url],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    relay = relay_process()
    try:
        await wait_for(lambda: _all_sent([url]), 60, "the relay process")
        relay.send_signal(signal.SIGKILL)
        relay.wait(10)
        await add_people(url, "latgale", 3, serial=20)
        await publish(url, "latgale", D1)
        await publish(url, "latgale", D2)
        assert await unsent(url) == 2  # left in the outbox while no relay runs
        relay = relay_process()
        await wait_for(lambda: _all_sent([url]), 60, "the restarted relay process")
        await assert_converged(hub_url, [url])
    finally:
        relay.kill()
        relay.wait(10)


@pytest.fixture
async def leaf_topology(tmp_path):
    """The hub server and a leaf server each for Zemgale and Kurzeme (own JetStream domains), written by
    natsconf; each leaf reaches the hub's leaf-node port through a proxy the test can cut."""
    regions = ["zemgale", "kurzeme"]
    creds = generate_credentials(regions, leaf=True)
    hub_listen = Listen(free_port(), leaf_port=free_port())
    conf = tmp_path / "conf"
    conf.mkdir()
    (conf / "hub.conf").write_text(hub_conf(regions, creds, hub_listen, tmp_path / "js" / "hub"))
    hub_server = EmbeddedNats(port=hub_listen.port, config_file=conf / "hub.conf").start()
    proxies, leaves = {}, {}
    for region in regions:
        proxies[region] = await LinkProxy(hub_listen.leaf_port).start()
        listen = Listen(free_port())
        path = conf / f"leaf-{region}.conf"
        path.write_text(leaf_conf(region, creds, listen, tmp_path / "js" / region, proxies[region].url,
                                  only_given_url=True))
        leaves[region] = EmbeddedNats(port=listen.port, config_file=path).start()
        nc = await connect(leaves[region].url, user=admin_user(region), password=creds[admin_user(region)])
        await ensure_indicator_stream(nc.jetstream(), subjects=[region_subject(region)])
        await nc.close()
    yield {"hub": hub_server, "leaves": leaves, "proxies": proxies, "creds": creds, "regions": regions}
    for proxy in proxies.values():
        await proxy.cut()
    for server in (*leaves.values(), hub_server):
        server.close()


async def test_leaf_node_link_cut_and_restored(leaf_topology, node_url, hub_url, hubs):
    t = leaf_topology
    creds = t["creds"]
    urls = {r: node_url(r) for r in t["regions"]}
    await hubs(hub_url, t["hub"].url, nats_user="hub", nats_password=creds["hub"], source_domains=t["regions"])
    for region, url in urls.items():
        await add_people(url, region, 2)
        await publish(url, region, D1)
        await _relay_once(url, t["leaves"][region].url, user=region, password=creds[region])
    await assert_converged(hub_url, list(urls.values()))

    await t["proxies"]["zemgale"].cut()
    await add_people(urls["zemgale"], "zemgale", 5, serial=30)
    await publish(urls["zemgale"], "zemgale", D1)
    await publish(urls["zemgale"], "zemgale", D2)
    # the region's own leaf acknowledges while the link is down: nothing waits in the node's outbox
    await _relay_once(urls["zemgale"], t["leaves"]["zemgale"].url, user="zemgale", password=creds["zemgale"])
    assert await unsent(urls["zemgale"]) == 0
    await add_people(urls["kurzeme"], "kurzeme", 1, serial=30)
    await publish(urls["kurzeme"], "kurzeme", D1)  # the other region's link is up all along
    await _relay_once(urls["kurzeme"], t["leaves"]["kurzeme"].url, user="kurzeme", password=creds["kurzeme"])

    # kurzeme's new snapshot reaches the hub during the cut; zemgale's wait in zemgale's leaf
    await wait_for(lambda: _hub_has(hub_url, ("kurzeme", D1), 2), 60, "kurzeme over its own link")
    state = await hub_state(hub_url)
    assert state[("zemgale", D1)][0] == 1 and ("zemgale", D2) not in state

    await t["proxies"]["zemgale"].restore()
    await assert_converged(hub_url, list(urls.values()), timeout=120)


async def _hub_has(hub_url: str, key, sequence: int) -> bool:
    return (await hub_state(hub_url)).get(key, (0,))[0] == sequence


async def test_a_forged_message_with_valid_form_cannot_replace_another_region(secure_nats, node_url, hub_url, hubs):
    """Even a well-formed kurzeme snapshot cannot come from zemgale's credentials, and the hub keeps kurzeme's own."""
    kurzeme = node_url("kurzeme")
    await add_people(kurzeme, "kurzeme", 2)
    row = await publish(kurzeme, "kurzeme")
    await _hub_streams(secure_nats.url, **secure_nats.login("admin"))
    await hubs(hub_url, secure_nats.url, nats_user="hub", nats_password=secure_nats.creds["hub"])
    await _relay_once(kurzeme, secure_nats.url, **secure_nats.login("kurzeme"))
    await assert_converged(hub_url, [kurzeme])
    from federation.messages import SnapshotMessage

    forged = json.loads(json.dumps({"schemaVersion": "1.0", "snapshotId": "kurzeme-999999-forged",
                                    "region": "kurzeme", "regionName": "x", "asOf": row.as_of.isoformat(),
                                    "sequence": 999999, "softwareVersion": "x", "contentHash": row.content_hash,
                                    "createdAt": "2019-01-01T00:00:00Z", "indicators": json.loads(row.payload)}))
    data, headers = encode(SnapshotMessage.model_validate(forged))
    errors: list[str] = []
    nc = await connect(secure_nats.url, errors=errors, **secure_nats.login("zemgale"))
    with pytest.raises(Exception):  # noqa: B017 - refused: no PubAck
        await nc.jetstream().publish(region_subject("kurzeme"), data, headers=headers, timeout=1)
    await nc.close()
    assert any("permissions violation" in e.lower() for e in errors)
    await assert_converged(hub_url, [kurzeme])
