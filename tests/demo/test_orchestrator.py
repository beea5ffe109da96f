"""``kopiena demo`` end to end, as a user runs it: a real subprocess starting real processes.

Two full runs (``--once --json``; the long-running mode stopped with SIGINT),
each about a minute on two cores, and one that stops at a taken port.
"""

from __future__ import annotations

import json
import os
import random
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import jwt
import pytest

from core.domain.regions import REGION_CODES
from core.settings import get_settings
from federation.demo import figures
from federation.demo.compare import differences
from federation.demo.processes import port_free

KOPIENA = str(Path(sys.executable).parent / "kopiena")
RUN_TIMEOUT = 420


def env() -> dict[str, str]:
    """The test's environment without a node's own settings (the demo passes its own)."""
    return {k: v for k, v in os.environ.items() if k not in ("KOPIENA_REGION", "KOPIENA_DB", "KOPIENA_PORT")}


def free_ports(count: int = 6) -> int:
    """A base port with ``count`` free ports from it (the hub, then the five nodes)."""
    for _ in range(200):
        base = random.randrange(20000, 60000)
        if all(port_free(base + i) for i in range(count)):
            return base
    raise AssertionError("no block of free ports")


def pid_alive(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(") ", 1)[1][:1] != "Z"


def processes_mentioning(text: str) -> list[str]:
    """Command lines of the running processes that name ``text`` (every demo process names its directory)."""
    found = []
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            line = cmdline.read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if text in line and pid_alive(int(cmdline.parent.name)):
            found.append(line)
    return found


def assert_nothing_left(var: Path, pids: dict[str, int]) -> None:
    assert len(pids) == 2 + 3 * len(REGION_CODES), pids  # nats, hub, and per region data, node, relay
    assert [name for name, pid in pids.items() if pid_alive(pid)] == []
    assert processes_mentioning(str(var)) == []
    assert not (var / "demo" / "pids").exists()


@pytest.mark.timeout(RUN_TIMEOUT + 60)
def test_once_json_reproduces_the_published_figures_from_the_hub_and_leaves_nothing(tmp_path):
    var = tmp_path / "var"
    (var / "demo").mkdir(parents=True)
    (var / "demo" / "stale.db").write_text("from an earlier run")  # rerunning starts from scratch
    port = free_ports()
    started = time.monotonic()
    done = subprocess.run([KOPIENA, "demo", "--once", "--json", "--var", str(var), "--port", str(port)],
                          capture_output=True, text=True, timeout=RUN_TIMEOUT, env=env())
    assert done.returncode == 0, done.stderr[-3000:]
    result = json.loads(done.stdout)
    seconds = time.monotonic() - started

    assert result["as_of"] == "2018-12-31" and result["hub"] == f"http://127.0.0.1:{port}/graphql"
    assert differences(result["regions"]) == [] and result["differences"] == []
    z = result["regions"]["zemgale"]
    assert z["adults"]["services"] == figures.ZEMGALE_ADULT_SERVICES
    assert z["adults"]["municipalities"] == figures.ZEMGALE_ADULT_MUNICIPALITIES
    assert z["adults"]["unique"] == figures.ZEMGALE_ADULTS and z["adults"]["achievement"] == "63/43"
    assert z["children"]["services"] == figures.ZEMGALE_CHILD_SERVICES
    assert z["children"]["unique"] == figures.ZEMGALE_CHILDREN
    assert z["children"]["achievement"]["unique"] == "154/331"
    assert z["representatives"] == {"services": figures.ZEMGALE_FAMILY_SERVICES,
                                    "unique": figures.ZEMGALE_REPRESENTATIVES}
    national = result["national"]
    assert {k: national[k] for k in figures.published()["national"]} == figures.published()["national"]
    assert national["regions_reporting"] == sorted(REGION_CODES)
    unique_adults = next(p for p in national["progress"] if p["targetGroup"] == "ADULT_GRT" and p["service"] is None)
    assert unique_adults["received"] == figures.NATIONAL.adults == national["adults"]

    endpoints = {e["name"]: e for e in result["endpoints"]}
    assert list(endpoints) == ["hub", *REGION_CODES]
    assert endpoints["zemgale"]["url"] == f"http://127.0.0.1:{port + 5}/graphql"
    settings = get_settings()
    claims = jwt.decode(endpoints["zemgale"]["token"], settings.jwt_secret.get_secret_value(), algorithms=["HS256"],
                        audience=settings.jwt_audience)
    assert (claims["role"], claims["domain"], claims["region"]) == ("regional_coordinator", "lv/zemgale", "zemgale")
    hub = jwt.decode(endpoints["hub"]["token"], options={"verify_signature": False})
    assert (hub["role"], hub["domain"]) == ("national_analyst", "lv")
    assert json.loads((var / "demo" / "tokens.json").read_text()) == result["endpoints"]

    assert_nothing_left(var, result["processes"])
    assert not (var / "demo" / "stale.db").exists()
    logs = {p.stem for p in (var / "demo" / "logs").glob("*.log")}
    assert logs == set(result["processes"])
    assert "published zemgale-" in (var / "demo" / "logs" / "relay-zemgale.log").read_text()
    assert "national table after" in done.stderr and "stopped every process the demo started" in done.stderr
    assert result["seconds_to_table"] < seconds


def test_a_taken_port_is_named_and_nothing_is_started(tmp_path):
    var = tmp_path / "var"
    port = free_ports()
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", port + 5))
        holder.listen()
        done = subprocess.run([KOPIENA, "demo", "--once", "--var", str(var), "--port", str(port)],
                              capture_output=True, text=True, timeout=60, env=env())
    assert done.returncode == 1
    output = " ".join((done.stdout + done.stderr).split())  # rich wraps long lines
    assert f"error: port {port + 5} (zemgale) on 127.0.0.1 is taken by another program" in output
    assert "--port N" in output
    assert processes_mentioning(str(var)) == []
    assert not (var / "demo" / "pids").exists()


def wait_for_line(path: Path, text: str, process: subprocess.Popen, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while text not in path.read_text():
        assert process.poll() is None, f"the demo ended ({process.returncode}):\n{path.read_text()[-3000:]}"
        assert time.monotonic() < deadline, f"no {text!r} within {timeout} s:\n{path.read_text()[-3000:]}"
        time.sleep(0.5)


@pytest.mark.timeout(RUN_TIMEOUT + 60)
def test_the_long_running_demo_serves_until_ctrl_c_and_then_stops_everything(tmp_path):
    var = tmp_path / "var"
    port = free_ports()
    out = tmp_path / "demo.out"
    with open(out, "w") as sink:
        demo = subprocess.Popen([KOPIENA, "demo", "--var", str(var), "--port", str(port)], stdout=sink,
                                stderr=subprocess.STDOUT, env=env() | {"COLUMNS": "120"})
    try:
        wait_for_line(out, "Ctrl-C stops every process", demo, RUN_TIMEOUT)
        pids = json.loads((var / "demo" / "pids").read_text())
        assert all(pid_alive(pid) for name, pid in pids.items() if not name.startswith("data-"))
        text = out.read_text()
        assert "Latvia" in text and "✓ Zemgale: both published tables" in text
        latvia = next(line for line in text.splitlines() if line.strip().startswith("Adults with GRT"))
        assert latvia.split()[-1] == "296"
        # the nodes and the hub really serve while the demo runs
        tokens = {e["name"]: e["token"] for e in json.loads((var / "demo" / "tokens.json").read_text())}
        node = httpx.post(f"http://127.0.0.1:{port + 5}/graphql", json={"query": "{ clients { totalCount } }"},
                          headers={"Authorization": f"Bearer {tokens['zemgale']}"}, timeout=10)
        assert node.json()["data"]["clients"]["totalCount"] == 597
        hub = httpx.post(f"http://127.0.0.1:{port}/graphql", json={"query": "{ regions { code sequence } }"},
                         headers={"Authorization": f"Bearer {tokens['hub']}"}, timeout=10)
        assert {r["code"]: r["sequence"] for r in hub.json()["data"]["regions"]} == dict.fromkeys(REGION_CODES, 1)

        demo.send_signal(signal.SIGINT)
        assert demo.wait(60) == 0
    finally:
        if demo.poll() is None:
            demo.kill()
    assert "SIGINT: stopping" in out.read_text()
    assert "stopped every process the demo started" in out.read_text()
    assert_nothing_left(var, pids)
