"""The demo's child processes: each in its own process group, logging to its own file, stopped for sure.

Every child runs in a new session (its own process group), so Ctrl-C in the
terminal reaches only ``kopiena demo``, which then stops the children in order;
stopping a child signals its whole group (SIGTERM, a grace period, then
SIGKILL), so nothing a child started is left behind either. The pids are kept
in ``<root>/pids`` (JSON) while they run, which lets a later run find and stop
what a killed demo left over.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path


class DemoError(RuntimeError):
    """The demo cannot go on; the message says what happened and where to look."""


class PortTaken(DemoError):
    pass


class ProcessDied(DemoError):
    pass


def kopiena_command() -> list[str]:
    """How to run ``kopiena``: the script beside this Python (the venv's), else the one on PATH."""
    beside = Path(sys.executable).parent / "kopiena"
    if beside.exists():
        return [str(beside)]
    found = shutil.which("kopiena")
    if found:
        return [found]
    return [sys.executable, "-c", "import sys; from core.cli import main; main(sys.argv[1:])"]


def port_free(port: int, host: str = "127.0.0.1") -> bool:
    """Whether a server could listen on ``host:port`` now (nobody listens there)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # a port in TIME_WAIT is free for a server
        try:
            s.bind((host, port))
        except OSError:
            return False
    return True


def check_ports(ports: Mapping[str, int], host: str = "127.0.0.1") -> None:
    """Raise :class:`PortTaken` naming every port another program holds, and who would have used it."""
    taken = [f"{port} ({name})" for name, port in ports.items() if not port_free(port, host)]
    if taken:
        raise PortTaken(f"port{'s' if len(taken) > 1 else ''} {', '.join(taken)} on {host} "
                        f"{'are' if len(taken) > 1 else 'is'} taken by another program; stop it, or start the "
                        "demo on other ports with --port N (the hub on N, the nodes on N+1 to N+5)")


def log_tail(path: Path, lines: int = 12) -> str:
    if not path.exists():
        return "(no log)"
    text = path.read_text(encoding="utf-8", errors="replace").splitlines()
    return "\n".join(f"    {line}" for line in text[-lines:]) or "    (empty log)"


def _group_alive(pgid: int) -> bool:
    """Whether a live (not zombie) process is left in the group: from ``/proc`` on Linux, else ``killpg(0)``."""
    proc = Path("/proc")
    if (proc / "self" / "stat").exists():
        for stat in proc.glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(") ", 1)[1].split()
            except (OSError, IndexError):
                continue  # gone meanwhile
            if fields[2] == str(pgid) and fields[0] != "Z":
                return True
        return False
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _signal_group(pgid: int, sig: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, sig)


@dataclass
class Child:
    """One process the demo started: ``name`` (also its log's name), what it runs, whether it should live on."""

    name: str
    argv: list[str]
    log: Path
    env: dict[str, str] = field(default_factory=dict)
    port: int | None = None
    lasting: bool = True
    """A server that must keep running (a death is an error), not a step that ends when done."""
    tier: int = 2
    """Stopping order: higher tiers first (NATS 0, the hub 1, the rest 2)."""
    proc: subprocess.Popen | None = None

    @property
    def pid(self) -> int | None:
        return self.proc.pid if self.proc else None

    def start(self, cwd: Path) -> Child:
        self.log.parent.mkdir(parents=True, exist_ok=True)
        env = {**os.environ, "PYTHONUNBUFFERED": "1", **self.env}
        with open(self.log, "ab") as out:
            self.proc = subprocess.Popen(self.argv, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                         cwd=cwd, env=env, start_new_session=True)
        return self

    def poll(self) -> int | None:
        return None if self.proc is None else self.proc.poll()

    @property
    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def died(self) -> ProcessDied:
        """The error to report when this child exited although it should not have (or failed)."""
        code = self.poll()
        how = f"was killed by signal {-code}" if code is not None and code < 0 else f"exited with code {code}"
        text = self.log.read_text(encoding="utf-8", errors="replace") if self.log.exists() else ""
        hint = ""
        if self.port is not None and "address already in use" in text.lower():
            hint = f" because port {self.port} is taken by another program (use --port to move the demo)"
        return ProcessDied(f"{self.name} {how}{hint}; its log is {self.log}:\n{log_tail(self.log)}")

    def terminate(self) -> None:
        if self.proc is not None:
            _signal_group(self.proc.pid, signal.SIGTERM)

    def gone(self) -> bool:
        """The process has exited (and is reaped) and nothing is left in its process group."""
        if self.proc is None:
            return True
        if self.proc.poll() is None:
            return False
        return not _group_alive(self.proc.pid)

    def kill(self) -> None:
        """SIGKILL the whole group and wait (a little) until it is empty."""
        if self.proc is not None:
            _signal_group(self.proc.pid, signal.SIGKILL)
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.proc.wait(5)
            _wait_gone([self], 5.0)


class Supervisor:
    """Starts children and stops them all, newest first, whatever happens."""

    def __init__(self, root: Path, cwd: Path) -> None:
        self.root, self.cwd = root, cwd
        self.pids_file = root / "pids"
        self.children: dict[str, Child] = {}

    def start(self, child: Child) -> Child:
        if child.port is not None:
            check_ports({child.name: child.port})
        self.children[child.name] = child.start(self.cwd)
        self._write_pids()
        return child

    def _write_pids(self) -> None:
        pids = {name: c.pid for name, c in self.children.items() if c.pid is not None}
        self.pids_file.write_text(json.dumps(pids, indent=2) + "\n", encoding="utf-8")

    @property
    def pids(self) -> dict[str, int]:
        return {name: c.pid for name, c in self.children.items() if c.pid is not None}

    def check(self) -> None:
        """Raise :class:`ProcessDied` for a server that stopped, or a step that failed."""
        for child in self.children.values():
            code = child.poll()
            if code is not None and (child.lasting or code != 0):
                raise child.died()

    def stop_all(self, grace: float = 10.0, on_stop=None) -> list[str]:
        """SIGTERM the children's groups, newest tier first (a tier at once), SIGKILL what is left after ``grace``.

        Tiers let the nodes and relays see NATS and the hub until they are gone themselves. Returns the names
        of the children that had to be killed.
        """
        killed = []
        for tier in sorted({c.tier for c in self.children.values()}, reverse=True):
            group = [c for c in reversed(self.children.values()) if c.tier == tier and c.running]
            for child in group:
                if on_stop:
                    on_stop(child)
                child.terminate()
            _wait_gone(group, grace)
            killed += [c.name for c in group if not c.gone()]
        for child in self.children.values():
            child.kill()  # stragglers in a group, if any; a no-op for groups that are gone
        with contextlib.suppress(OSError):
            self.pids_file.unlink()
        return killed


def _wait_gone(children: Iterable[Child], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    children = list(children)
    while time.monotonic() < deadline and not all(c.gone() for c in children):
        time.sleep(0.05)


def leftover_pids(root: Path) -> dict[str, int]:
    """Processes a previous demo in ``root`` recorded and that still run it (checked by their command line)."""
    try:
        recorded = json.loads((root / "pids").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    alive = {}
    for name, pid in recorded.items():
        try:
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if str(root) in cmdline:
            alive[name] = int(pid)
    return alive


def stop_leftovers(root: Path, grace: float = 10.0) -> dict[str, int]:
    """Stop what a killed demo left running in ``root`` (its recorded process groups); returns what it found."""
    found = leftover_pids(root)
    for pid in found.values():
        _signal_group(pid, signal.SIGTERM)
    deadline = time.monotonic() + grace
    while time.monotonic() < deadline and any(_group_alive(p) for p in found.values()):
        time.sleep(0.1)
    for pid in found.values():
        _signal_group(pid, signal.SIGKILL)  # the leader is gone; anything left in its group goes too
    return found
