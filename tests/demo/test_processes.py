"""The demo's process handling with real processes: groups, SIGTERM then SIGKILL, dead children, taken ports."""

from __future__ import annotations

import json
import os
import signal
import socket
import sys
import time
from pathlib import Path

import pytest

from federation.demo.processes import (
    Child,
    PortTaken,
    ProcessDied,
    Supervisor,
    check_ports,
    leftover_pids,
    port_free,
    stop_leftovers,
)


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return not Path(f"/proc/{pid}/stat").read_text().split(") ")[1].startswith("Z")  # a zombie is gone too


def python(code: str) -> list[str]:
    return [sys.executable, "-c", code]


STUBBORN = """
import os, signal, subprocess, sys, time
signal.signal(signal.SIGTERM, signal.SIG_IGN)
child = subprocess.Popen([sys.executable, "-c", "import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); "
                          "time.sleep(600)"])
print("grandchild", child.pid, flush=True)
time.sleep(600)
"""


def wait_for(predicate, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def test_stop_all_terminates_groups_and_kills_what_ignores_sigterm(tmp_path):
    sup = Supervisor(tmp_path, tmp_path)
    polite = sup.start(Child("polite", python("import time; time.sleep(600)"), tmp_path / "logs" / "polite.log",
                             tier=1))
    stubborn = sup.start(Child("stubborn", python(STUBBORN), tmp_path / "logs" / "stubborn.log"))
    wait_for(lambda: "grandchild" in (tmp_path / "logs" / "stubborn.log").read_text())
    grandchild = int((tmp_path / "logs" / "stubborn.log").read_text().split()[1])
    assert json.loads(sup.pids_file.read_text()) == {"polite": polite.pid, "stubborn": stubborn.pid}
    assert os.getpgid(stubborn.pid) == stubborn.pid != os.getpgid(0)  # its own group, not ours
    sup.check()  # both running: nothing to report

    started = time.monotonic()
    killed = sup.stop_all(grace=1.0)
    assert killed == ["stubborn"]
    assert time.monotonic() - started < 5
    for pid in (polite.pid, stubborn.pid, grandchild):
        assert not alive(pid)
    assert polite.poll() == -signal.SIGTERM and stubborn.poll() == -signal.SIGKILL
    assert not sup.pids_file.exists()


def test_a_server_that_dies_is_reported_with_its_log_and_the_taken_port(tmp_path):
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        port = holder.getsockname()[1]
        assert not port_free(port)
        sup = Supervisor(tmp_path, tmp_path)
        code = f"import socket; socket.socket().bind(('127.0.0.1', {port}))"
        child = Child("node-zemgale", python(code), tmp_path / "logs" / "node-zemgale.log", port=port)
        child.start(tmp_path)  # straight, not through the supervisor's own port check
        sup.children[child.name] = child
        wait_for(lambda: child.poll() is not None)
        with pytest.raises(ProcessDied) as died:
            sup.check()
    message = str(died.value)
    assert message.startswith(f"node-zemgale exited with code 1 because port {port} is taken by another program")
    assert str(tmp_path / "logs" / "node-zemgale.log") in message and "Address already in use" in message


def test_a_step_that_ends_well_is_not_an_error_but_one_that_fails_is(tmp_path):
    sup = Supervisor(tmp_path, tmp_path)
    ok = sup.start(Child("data-riga", python("print('done')"), tmp_path / "ok.log", lasting=False))
    wait_for(lambda: ok.poll() is not None)
    sup.check()
    bad = sup.start(Child("data-kurzeme", python("raise SystemExit('no such region')"), tmp_path / "bad.log",
                          lasting=False))
    wait_for(lambda: bad.poll() is not None)
    with pytest.raises(ProcessDied, match=r"data-kurzeme exited with code 1; its log is .*bad.log:\n.*no such region"):
        sup.check()


def test_taken_ports_are_named_with_who_would_have_used_them(tmp_path):
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        port = holder.getsockname()[1]
        with pytest.raises(PortTaken, match=rf"port {port} \(node-riga\) on 127.0.0.1 is taken by another program; "
                                            r"stop it, or start the demo on other ports with --port N"):
            check_ports({"hub": 0, "node-riga": port})
        sup = Supervisor(tmp_path, tmp_path)
        with pytest.raises(PortTaken):
            sup.start(Child("hub", python("pass"), tmp_path / "hub.log", port=port))
        assert sup.children == {}  # nothing was started


def test_what_a_killed_demo_left_behind_is_found_by_its_pids_file_and_stopped(tmp_path):
    root = tmp_path / "demo"
    root.mkdir()
    sup = Supervisor(root, tmp_path)
    # the command line names the demo's directory, as every demo process's does (its --db or -c)
    orphan = sup.start(Child("node-riga", python(f"import time; time.sleep(600)  # {root}"), root / "node.log"))
    stranger = sup.start(Child("other", python("import time; time.sleep(600)"), root / "other.log"))
    assert leftover_pids(root) == {"node-riga": orphan.pid}  # not a process that merely reuses a recorded pid
    assert stop_leftovers(root) == {"node-riga": orphan.pid}
    wait_for(lambda: orphan.poll() is not None)
    assert stranger.running
    sup.stop_all(grace=2.0)
