"""Commands of the federation: ``hub``, ``relay``, ``natsconf``, ``streams`` and ``nats``.

Added to the ``kopiena`` CLI by :mod:`federation.plugin` (``register_commands``).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import time
from pathlib import Path

import typer

from core.cli.app import CommandError, console, run
from core.domain.regions import REGION_CODES

from . import natsconf
from .settings import FederationSettings
from .streams import DURABLE

NATS = typer.Option(None, "--nats", help="NATS URL (default: KOPIENA_NATS_URL).")
USER = typer.Option(None, "--nats-user", help="NATS user (default: KOPIENA_NATS_USER).")
PASSWORD = typer.Option(None, "--nats-password", help="NATS password (default: KOPIENA_NATS_PASSWORD).")


def _logging() -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")


def hub_command(
    db: str = typer.Option(None, "--db", help="Hub database URL (default: KOPIENA_HUB_DB)."),
    nats: str = NATS, nats_user: str = USER, nats_password: str = PASSWORD,
    host: str = typer.Option(None, "--host", help="Listen address (default: KOPIENA_HUB_HOST)."),
    port: int = typer.Option(None, "--port", help="HTTP port (default: KOPIENA_HUB_PORT, 8100)."),
    source_domains: str = typer.Option(None, "--source-domains",
                                       help="Leaf topology: regions' JetStream domains to source, comma separated."),
    consume: bool = typer.Option(True, "--consume/--no-consume", help="Consume snapshots from NATS."),
    durable: str = typer.Option(DURABLE, "--durable", help="Name of the durable consumer (a new name replays "
                                "the stream into a new database)."),
) -> None:
    """Run the national hub: consume regional snapshots and serve the national GraphQL API."""
    import uvicorn

    from .hub.service import Hub

    s = FederationSettings().with_overrides(hub_db=db, nats_url=nats, nats_user=nats_user,
                                            nats_password=nats_password, hub_host=host, hub_port=port,
                                            hub_source_domains=source_domains)
    _logging()
    hub = Hub(s.hub_db, s.nats_url if consume else None, nats_user=s.nats_user, nats_password=s.password,
              source_domains=s.source_domains, durable=durable)
    console.print(f"hub: database {s.hub_db}, NATS {s.nats_url if consume else '(not consuming)'}, "
                  f"GraphQL at http://{s.hub_host}:{s.hub_port}/graphql")
    uvicorn.run(hub.app(manage=True, graphiql=not s.production), host=s.hub_host, port=s.hub_port,
                log_level="info")


async def _relay(s: FederationSettings, once: bool, timeout: float | None) -> None:
    from .relay import Relay

    relay = Relay(s.db, s.nats_url, user=s.nats_user, password=s.password)
    try:
        if once:
            report = await relay.run_once(timeout)
            console.print(f"relay: {report.sent} snapshot(s) published, {report.pending} unsent")
            return
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        console.print(f"relay: publishing the outbox of {s.db} to {s.nats_url} (Ctrl-C stops)")
        await relay.run(stop)
    finally:
        await relay.close()


def relay_command(
    db: str = typer.Option(None, "--db", help="The node's database URL (default: KOPIENA_DB)."),
    nats: str = NATS, nats_user: str = USER, nats_password: str = PASSWORD,
    once: bool = typer.Option(False, "--once", help="Publish what is pending, then exit."),
    timeout: float = typer.Option(None, "--timeout", help="With --once: give up after this many seconds."),
) -> None:
    """Publish the node's unsent indicator snapshots to NATS JetStream (runs until stopped, or --once)."""
    from .relay import RelayError

    s = FederationSettings().with_overrides(db=db, nats_url=nats, nats_user=nats_user, nats_password=nats_password)
    _logging()
    try:
        run(_relay(s, once, timeout))
    except RelayError as exc:
        raise CommandError(str(exc)) from None


def natsconf_command(
    out: Path = typer.Option(Path("var/nats"), "--out", help="Directory for the configuration files."),
    topology: str = typer.Option("single", "--topology", help="single (one server) or leaf (hub + a leaf "
                                 "server per region)."),
    regions: str = typer.Option(",".join(REGION_CODES), "--regions", help="Regions, comma separated."),
    host: str = typer.Option("127.0.0.1", "--host", help="Address the servers listen on."),
    port: int = typer.Option(4222, "--port", help="Client port (the hub's, in the leaf topology)."),
    leaf_port: int = typer.Option(7422, "--leaf-port", help="Leaf topology: the hub's leaf-node port."),
    first_region_port: int = typer.Option(4223, "--first-region-port",
                                          help="Leaf topology: client port of the first region's leaf server."),
    store: Path = typer.Option(None, "--store", help="JetStream store directory (default: OUT/jetstream)."),
) -> None:
    """Write nats-server configurations: a user per region (own subject only), the hub user, leaf topology."""
    names = [r.strip() for r in regions.split(",") if r.strip()]
    if not names:
        raise CommandError("give at least one region")
    if topology == "single":
        paths = natsconf.write_single(out, regions=names, listen=natsconf.Listen(port, host), store_dir=store)
    elif topology == "leaf":
        leaves = {r: natsconf.Listen(first_region_port + i, host) for i, r in enumerate(names)}
        paths = natsconf.write_topology(out, regions=names, hub=natsconf.Listen(port, host, leaf_port=leaf_port),
                                        leaves=leaves, store_dir=store)
    else:
        raise CommandError(f"--topology is single or leaf, not {topology!r}")
    for path in paths:
        console.print(f"wrote {path}")


async def _streams(s: FederationSettings, region: str | None, source_domains: list[str] | None) -> str:
    from .connection import connect
    from .streams import ensure_deadletter_stream, ensure_hub_stream, ensure_indicator_stream, region_subject

    nc = await connect(s.nats_url, user=s.nats_user, password=s.password, name="kopiena-streams")
    try:
        js = nc.jetstream()
        if region:
            await ensure_indicator_stream(js, subjects=[region_subject(region)])
            return f"stream for {region} ready"
        await ensure_hub_stream(js, source_domains=source_domains)
        await ensure_deadletter_stream(js)
        return "hub streams ready"
    finally:
        await nc.close()


def streams_command(
    nats: str = NATS, nats_user: str = USER, nats_password: str = PASSWORD,
    region: str = typer.Option(None, "--region", help="Leaf topology: create this region's stream on its leaf."),
    source_domains: str = typer.Option(None, "--source-domains", help="Hub stream sourcing these domains."),
) -> None:
    """Create (or update) the federation's JetStream streams."""
    s = FederationSettings().with_overrides(nats_url=nats, nats_user=nats_user, nats_password=nats_password,
                                            hub_source_domains=source_domains)
    console.print(run(_streams(s, region, s.source_domains)))


def nats_command(
    port: int = typer.Option(None, "--port", help="Port (default: a free one, never 4222)."),
    store: Path = typer.Option(None, "--store", help="JetStream store directory (default: temporary)."),
    config: Path = typer.Option(None, "--config", help="Run this configuration file instead (give --port too)."),
) -> None:
    """Run an embedded nats-server with JetStream in the foreground (development and demo)."""
    from .embedded import EmbeddedNats

    if config is not None and port is None:
        raise CommandError("with --config say which --port the file listens on")

    def stop(*_: object) -> None:  # SIGTERM too (a background job ignores Ctrl-C): stop the server with us
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, stop)
    server = EmbeddedNats(port=port, store_dir=store, config_file=config)
    try:
        server.start()
        console.print(f"nats-server at {server.url}, store {server.store_dir} (Ctrl-C stops)")
        while server.running:
            time.sleep(0.5)
    except KeyboardInterrupt:
        pass
    finally:
        with contextlib.suppress(Exception):
            server.close()


def register(cli: typer.Typer) -> None:
    cli.command("hub")(hub_command)
    cli.command("relay")(relay_command)
    cli.command("natsconf")(natsconf_command)
    cli.command("streams")(streams_command)
    cli.command("nats")(nats_command)
