"""`kopiena node` really serves the API: a subprocess on a free port, reached over TCP."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

KOPIENA = Path(sys.executable).with_name("kopiena")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_until_up(base: str, process: subprocess.Popen, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"kopiena node exited with {process.returncode}: {process.stderr.read()}")
        try:
            if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise AssertionError("kopiena node did not start in time")


def test_kopiena_node_serves_graphql_health_and_readiness(db_url, auth_headers):
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    env = {**os.environ, "KOPIENA_PORT": "1"}  # the flag wins over the environment
    process = subprocess.Popen([str(KOPIENA), "node", "--region", "zemgale", "--db", db_url, "--port", str(port),
                                "--host", "127.0.0.1", "--log-level", "warning"],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    try:
        _wait_until_up(base, process)
        assert httpx.get(f"{base}/healthz").json() == {"status": "ok", "region": "zemgale"}
        assert httpx.get(f"{base}/readyz").json()["status"] == "ready"
        assert "graphiql" in httpx.get(f"{base}/graphql", headers={"accept": "text/html"}).text.lower()
        registered = httpx.post(f"{base}/graphql", json={"query": """mutation {
            registerClient(input: {personalCode: "170580-10019", givenName: "Anna", familyName: "Bērziņa",
                                   targetGroup: ADULT_GRT, municipalityCode: "0003000"}) {
              client { id } userErrors { code } } }"""}, headers=auth_headers).json()
        client = registered["data"]["registerClient"]["client"]
        read = httpx.post(f"{base}/graphql", json={"query": "query($id: ID!) { client(id: $id) { familyName } }",
                                                   "variables": {"id": client["id"]}}, headers=auth_headers).json()
        assert read == {"data": {"client": {"familyName": "Bērziņa"}}}
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    assert process.returncode == 0, process.stderr.read()
