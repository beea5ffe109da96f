"""``kopiena demo``: the national programme on one machine, every part a real process.

What it does, in the order a newcomer could do it by hand (each step is a
``kopiena`` command, logged to ``<var>/demo/logs/<name>.log``):

1. wipe ``<var>/demo``; write a nats-server configuration with a user per
   region and one for the hub (``federation.natsconf``); start ``nats-server``
   with JetStream on a free port;
2. ``kopiena hub``: the national hub on its own SQLite database;
3. per region, one per CPU at a time: ``kopiena demo-data --publish`` (a fresh
   SQLite database with the region's synthetic people, then the snapshot of its
   indicators as of 31.12.2018 into the outbox, as ``kopiena indicators
   --publish`` does), then ``kopiena node`` (the region's GraphQL API) and
   ``kopiena relay`` (outbox to NATS);
4. wait until the hub's GraphQL ``regions`` shows a snapshot of every region;
   read the figures back from the hub and print the national table.

Then it keeps running until Ctrl-C (or, with ``--once``, stops at once) and
stops every process it started.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import httpx
from rich.console import Console

from core.domain.regions import REGION_CODES

from .. import natsconf
from ..embedded import READY_LINE, free_port, nats_server_binary
from .board import Board
from .compare import differences
from .figures import AS_OF, published
from .national import HubClient, collect
from .processes import Child, DemoError, Supervisor, check_ports, kopiena_command, log_tail, stop_leftovers
from .table import check_lines, endpoints_table, national_table, targets_note, token_lines

HOST = "127.0.0.1"
HUB_PORT = 8100
REGION_NAMES = {"kurzeme": "Kurzeme", "latgale": "Latgale", "riga": "Rīga", "vidzeme": "Vidzeme",
                "zemgale": "Zemgale"}
PROBE_EVERY = 1.0
"""Seconds between two HTTP probes of the same thing while starting."""
LOAD_ORDER = ("zemgale", "riga", "latgale", "vidzeme", "kurzeme")
"""Zemgale has the most people: it starts first so it does not finish last."""


class Interrupted(Exception):
    """Ctrl-C, SIGTERM or SIGHUP: stop everything."""


@dataclass
class Options:
    var: Path = Path("var")
    as_of: date = AS_OF
    seed: int = 1
    port: int = HUB_PORT
    """The hub's HTTP port; the nodes get the next five (in the order of ``REGION_CODES``)."""
    timeout: float = 300.0
    """Give up when not everything is up and reported after this many seconds."""


@dataclass
class Layout:
    """Where everything of one demo run lives and listens."""

    root: Path
    ports: dict[str, int]
    nats_port: int
    creds: dict[str, str] = field(default_factory=dict)

    @classmethod
    def plan(cls, options: Options) -> Layout:
        root = options.var.resolve() / "demo"
        ports = {"hub": options.port} | {r: options.port + 1 + i for i, r in enumerate(REGION_CODES)}
        nats_port = free_port(HOST)
        while nats_port in ports.values():
            nats_port = free_port(HOST)
        return cls(root, ports, nats_port)

    @property
    def logs(self) -> Path:
        return self.root / "logs"

    def log(self, name: str) -> Path:
        return self.logs / f"{name}.log"

    def db(self, name: str) -> str:
        return f"sqlite:///{self.root / f'{name}.db'}"

    def url(self, name: str) -> str:
        return f"http://{HOST}:{self.ports[name]}"

    @property
    def nats_url(self) -> str:
        return f"nats://{HOST}:{self.nats_port}"


@dataclass
class Region:
    """One region's way through the start-up: waiting, load (and publish), serve; node up; reported."""

    code: str
    step: str = "waiting"
    node_up: bool = False
    reported: bool = False


class Demo:
    def __init__(self, options: Options, console: Console) -> None:
        self.options, self.console = options, console
        self.layout = Layout.plan(options)
        self.cwd = Path.cwd()
        self.supervisor = Supervisor(self.layout.root, self.cwd)
        self.kopiena = kopiena_command()
        self.regions = {r: Region(r) for r in REGION_CODES}
        self.hub_up = False
        self.load_slots = max(2, os.cpu_count() or 2)
        self._probed: dict[str, float] = {}
        self.board: Board | None = None
        self.seconds_to_table: float | None = None

    # --- preparing -----------------------------------------------------------------------------------------

    def prepare(self) -> None:
        """Stop what a killed earlier demo left running here, check the ports, start from an empty directory."""
        root = self.layout.root
        found = stop_leftovers(root)
        if found:
            self.console.print(f"stopped what an earlier demo left running in {root}: "
                               + ", ".join(f"{n} (pid {p})" for n, p in found.items()), highlight=False)
        check_ports(self.layout.ports, HOST)
        if root.exists():
            shutil.rmtree(root)
        self.layout.logs.mkdir(parents=True)
        self.layout.creds = natsconf.generate_credentials(REGION_CODES)
        natsconf.write_single(root / "nats", regions=REGION_CODES, listen=natsconf.Listen(self.layout.nats_port, HOST),
                              store_dir=root / "nats" / "jetstream", creds=self.layout.creds)

    def _nats_env(self, user: str) -> dict[str, str]:
        return {"KOPIENA_NATS_URL": self.layout.nats_url, "KOPIENA_NATS_USER": user,
                "KOPIENA_NATS_PASSWORD": self.layout.creds[user]}

    def _kopiena(self, name: str, *args: str, port: int | None = None, lasting: bool = True,
                 env: dict[str, str] | None = None, tier: int = 2) -> Child:
        child = Child(name, [*self.kopiena, *args], self.layout.log(name), env=env or {}, port=port, lasting=lasting,
                      tier=tier)
        return self.supervisor.start(child)

    # --- starting --------------------------------------------------------------------------------------------

    def start_nats(self) -> None:
        conf = self.layout.root / "nats" / "nats-server.conf"
        self.supervisor.start(Child("nats", [nats_server_binary(), "-c", str(conf)], self.layout.log("nats"),
                                    port=self.layout.nats_port, tier=0))
        self._set("nats", "process", "starting")
        deadline = time.monotonic() + 20
        while READY_LINE not in self.layout.log("nats").read_text(errors="replace"):
            self.supervisor.check()
            if time.monotonic() > deadline:
                raise DemoError(f"nats-server was not ready within 20 s; its log is {self.layout.log('nats')}:\n"
                                f"{log_tail(self.layout.log('nats'))}")
            time.sleep(0.05)
        self._set("nats", "process", f"[green]up[/] :{self.layout.nats_port}, JetStream")

    def start_hub(self) -> None:
        self._kopiena("hub", "hub", "--db", self.layout.db("hub"), "--nats", self.layout.nats_url, "--host", HOST,
                      "--port", str(self.layout.ports["hub"]), port=self.layout.ports["hub"],
                      env=self._nats_env(natsconf.HUB_USER), tier=1)
        self._set("hub", "process", "starting")

    def start_load(self, r: str) -> None:
        self._kopiena(f"data-{r}", "demo-data", "--region", r, "--db", self.layout.db(r), "--as-of",
                      self.options.as_of.isoformat(), "--seed", str(self.options.seed), "--publish", lasting=False)
        self.regions[r].step = "load"
        self._set(r, "data", "loading people")

    def _start_loads(self) -> None:
        """Load at most one region per CPU at a time: the heaviest (first) one then is not slowed down by all
        the others, and its node is not the last to come up."""
        busy = sum(x.step == "load" for x in self.regions.values())
        for r in [r for r in LOAD_ORDER if self.regions[r].step == "waiting"][:max(0, self.load_slots - busy)]:
            self.start_load(r)

    def start_serving(self, r: str) -> None:
        port = self.layout.ports[r]
        self._kopiena(f"node-{r}", "node", "--region", r, "--db", self.layout.db(r), "--host", HOST, "--port",
                      str(port), port=port, env={"KOPIENA_NATS_URL": self.layout.nats_url})
        self._kopiena(f"relay-{r}", "relay", "--db", self.layout.db(r), env=self._nats_env(r))
        self.regions[r].step = "serve"
        self._set(r, "data", f"{self._loaded(r)}, published")
        self._set(r, "process", "node starting, relay on")

    def _loaded(self, r: str) -> str:
        text = self.layout.log(f"data-{r}").read_text(errors="replace")
        clients = next((w for w, nxt in zip(text.split(), text.split()[1:], strict=False) if nxt == "clients,"), "")
        return f"[green]{clients} people[/]" if clients else "[green]loaded[/]"

    def _set(self, row: str, column: str, text: str) -> None:
        if self.board is not None:
            self.board.set(row, column, text)

    # --- waiting ---------------------------------------------------------------------------------------------

    def _step_done(self, name: str) -> bool:
        child = self.supervisor.children[name]
        code = child.poll()
        if code is not None and code != 0:
            raise child.died()
        return code == 0

    def _due(self, what: str) -> bool:
        """Whether to ask ``what`` again now: HTTP probes once a second (a node's /readyz reads its schema
        revision; the processes are busy enough starting)."""
        now = time.monotonic()
        if self._probed.get(what, 0.0) > now - PROBE_EVERY:
            return False
        self._probed[what] = now
        return True

    def _ready(self, url: str) -> bool:
        if not self._due(url):
            return False
        try:
            return httpx.get(url, timeout=1.0).status_code == 200
        except httpx.HTTPError:
            return False

    def advance(self, hub: HubClient) -> bool:
        """One look at everything; True when every node is up and every region has reported."""
        self.supervisor.check()
        if not self.hub_up and self._ready(self.layout.url("hub") + "/healthz"):
            self.hub_up = True
            self._set("hub", "process", f"[green]up[/] :{self.layout.ports['hub']}, consuming")
        self._start_loads()
        for r, region in self.regions.items():
            if region.step == "load" and self._step_done(f"data-{r}"):
                self.start_serving(r)
            elif region.step == "serve" and not region.node_up and self._ready(self.layout.url(r) + "/readyz"):
                region.node_up = True
                self._set(r, "process", f"[green]node up[/] :{self.layout.ports[r]}, relay on")
        if self.hub_up and self._due("regions"):
            for r in hub.reported(self.options.as_of) - {r for r, x in self.regions.items() if x.reported}:
                self.regions[r].reported = True
                self._set(r, "at the hub", "[green]✓ reported[/]")
        return self.hub_up and all(x.node_up and x.reported for x in self.regions.values())

    def waiting_for(self) -> str:
        parts = [] if self.hub_up else ["the hub"]
        for r, x in self.regions.items():
            if not x.node_up:
                parts.append(f"{r} ({'node' if x.step == 'serve' else x.step})")
            elif not x.reported:
                parts.append(f"{r}'s snapshot at the hub")
        return ", ".join(parts)

    def start(self, hub: HubClient) -> None:
        """Everything up, every region reported, or :class:`DemoError` saying what is missing."""
        self.start_nats()
        self.start_hub()
        for r in LOAD_ORDER:
            self._set(r, "data", "queued")
            self._set(r, "at the hub", "waiting")
        self._start_loads()
        deadline = time.monotonic() + self.options.timeout
        while not self.advance(hub):
            if time.monotonic() > deadline:
                logs = self.layout.logs
                raise DemoError(f"not up after {self.options.timeout:.0f} s, still waiting for "
                                f"{self.waiting_for()}; the logs are in {logs}")
            time.sleep(0.25)

    # --- the result ------------------------------------------------------------------------------------------

    def endpoints(self) -> list[dict[str, Any]]:
        from .tokens import endpoints

        out = endpoints({name: f"{self.layout.url(name)}/graphql" for name in ["hub", *REGION_CODES]})
        (self.layout.root / "tokens.json").write_text(json.dumps(out, indent=2) + "\n", encoding="utf-8")
        return out

    def result(self, hub: HubClient) -> dict[str, Any]:
        out: dict[str, Any] = {"as_of": self.options.as_of.isoformat(), "seed": self.options.seed,
                               "hub": f"{self.layout.url('hub')}/graphql", "nats": self.layout.nats_url}
        out |= collect(hub, self.options.as_of, list(REGION_CODES))
        out["differences"] = differences(out["regions"])
        national = {k: out["national"][k] for k in published()["national"]}
        out["differences"] += [f"hub national {k}: {v} != published {published()['national'][k]}"
                               for k, v in national.items() if v != published()["national"][k]]
        out["published"] = published()
        out["endpoints"] = self.endpoints()
        out["processes"] = self.supervisor.pids
        out["var"] = str(self.layout.root)
        return out

    def show(self, result: dict[str, Any], out: Console) -> None:
        out.print(national_table(result, REGION_NAMES))
        note = targets_note(result, REGION_NAMES)
        if note is not None:
            out.print(note)
        out.print(check_lines(result))
        out.print()
        out.print(endpoints_table(result["endpoints"]))
        out.print(token_lines(result["endpoints"], str(self.layout.root / "tokens.json")), soft_wrap=True)

    # --- running and stopping --------------------------------------------------------------------------------

    def watch(self) -> None:
        """Keep running until interrupted; a process that dies ends the demo with an error."""
        while True:
            self.supervisor.check()
            time.sleep(0.5)

    def stop(self) -> None:
        def stopping(child: Child) -> None:
            self.console.print(f"  stopping {child.name} (pid {child.pid})", highlight=False)

        with _no_interrupts():
            killed = self.supervisor.stop_all(on_stop=stopping)
        if killed:
            self.console.print(f"[yellow]killed (did not stop within 10 s):[/] {', '.join(killed)}")
        self.console.print(f"stopped every process the demo started; logs and databases stay in {self.layout.root}",
                           highlight=False)


def _raise_interrupted(signum: int, _frame: object) -> None:
    raise Interrupted(signal.Signals(signum).name)


@contextlib.contextmanager
def interruptible() -> Iterator[None]:
    """SIGINT, SIGTERM and SIGHUP all mean: stop everything cleanly."""
    previous = {s: signal.signal(s, _raise_interrupted) for s in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)}
    try:
        yield
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)


@contextlib.contextmanager
def _no_interrupts() -> Iterator[None]:
    """While stopping, another Ctrl-C must not leave processes behind: it is ignored."""
    previous = {s: signal.signal(s, signal.SIG_IGN) for s in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)}
    try:
        yield
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)


def run(options: Options, *, once: bool, as_json: bool) -> int:
    """The whole demo; the exit code (0, 1 on an error, 130 when interrupted while starting)."""
    from .tokens import mint

    out = Console()
    console = Console(stderr=True) if as_json else out
    demo = Demo(options, console)
    started = False
    try:
        with interruptible():
            demo.prepare()
            hub = HubClient(f"{demo.layout.url('hub')}/graphql", mint("hub"))
            with Board(console, ["nats", "hub", *REGION_CODES]) as board:
                demo.board = board
                demo.start(hub)
            started = True
            result = demo.result(hub) | {"seconds_to_table": round(board.elapsed, 1)}
            if as_json:
                print(json.dumps(result, indent=2, ensure_ascii=False), flush=True)
            else:
                demo.show(result, out)
            console.print(f"national table after {board.elapsed:.0f} s; logs and databases in {demo.layout.root}",
                          highlight=False)
            if not once:
                console.print("[bold]Running.[/] Ctrl-C stops every process the demo started.")
                demo.watch()
        return 0
    except Interrupted as exc:
        console.print(f"\n{exc}: stopping")
        return 0 if started and not once else 130
    except DemoError as exc:
        console.print(f"[bold red]error:[/] {exc}", highlight=False)
        return 1
    finally:
        demo.stop()
