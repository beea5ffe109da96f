"""The embedded nats-server: a free port (never 4222), JetStream on disk, kill -9 and restart."""

from __future__ import annotations

import socket

import nats
import pytest

from federation.embedded import RESERVED_PORTS, EmbeddedNats, free_port, nats_server_binary

pytestmark = pytest.mark.anyio


def _listening(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) == 0


async def _count(url: str, stream: str) -> int:
    nc = await nats.connect(url)
    try:
        return (await nc.jetstream().stream_info(stream)).state.messages
    finally:
        await nc.close()


async def test_kill_minus_nine_and_restart_on_the_same_port_and_store(nats_server):
    assert nats_server.port not in RESERVED_PORTS and nats_server.url.endswith(f":{nats_server.port}")
    nc = await nats.connect(nats_server.url)
    js = nc.jetstream()
    await js.add_stream(name="T", subjects=["t.>"])
    ack = await js.publish("t.one", b"kept", headers={"Nats-Msg-Id": "1"})
    assert ack.seq == 1
    await nc.close()

    pid = nats_server.pid
    nats_server.kill()
    assert not nats_server.running and not _listening(nats_server.port)
    await nats_server.arestart()
    assert nats_server.pid != pid and _listening(nats_server.port)
    assert await _count(nats_server.url, "T") == 1

    nats_server.stop()
    assert not nats_server.running
    nats_server.start()
    assert await _count(nats_server.url, "T") == 1


def test_two_servers_get_different_free_ports(tmp_path):
    with EmbeddedNats(store_dir=tmp_path / "a") as a, EmbeddedNats(store_dir=tmp_path / "b") as b:
        assert a.port != b.port and a.running and b.running
        assert 4222 not in (a.port, b.port)
    assert not a.running and not b.running
    assert free_port() not in RESERVED_PORTS
    assert nats_server_binary().endswith("nats-server")


def test_a_broken_configuration_says_why(tmp_path):
    conf = tmp_path / "bad.conf"
    conf.write_text("listen: [this is not valid\n")
    server = EmbeddedNats(port=free_port(), config_file=conf)
    with pytest.raises(RuntimeError, match="exited at start"):
        server.start(timeout=10)
    server.close()


def test_kopiena_nats_runs_a_server_until_terminated(tmp_path):
    import subprocess
    import sys
    import time
    from pathlib import Path

    port = free_port()
    kopiena = str(Path(sys.executable).parent / "kopiena")
    proc = subprocess.Popen([kopiena, "nats", "--port", str(port), "--store", str(tmp_path / "js")],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        line = proc.stdout.readline()
        assert f"nats-server at nats://127.0.0.1:{port}" in line
        assert _listening(port)
    finally:
        proc.terminate()  # SIGTERM, as a service manager (or a background job's owner) stops it
        proc.wait(30)
    deadline = time.monotonic() + 10
    while _listening(port) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not _listening(port)  # the nats-server child went with it
