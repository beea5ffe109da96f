"""nats-server configurations for the federation: who may publish and consume what, and where.

Two layouts, both written by ``kopiena natsconf``:

``single``
    One server (or cluster) for everybody. Account ``KOPIENA`` with JetStream;
    a user per region that may publish only to ``kopiena.v1.indicators.<region>``
    and receive only its own replies (``_INBOX_<region>.>``, where the PubAck
    arrives); a ``hub`` user that may manage the federation's streams, consume
    ``KOPIENA_INDICATORS`` with its durable consumer and publish to the
    dead-letter subject; an ``admin`` user for operators.

``leaf``
    A hub server (JetStream domain ``hub``) and one leaf server per region
    (JetStream domain ``<region>``) connected to the hub's leaf-node port with a
    per-region leaf credential. Regions publish to their own leaf, whose stream
    stores the snapshots even while the link to the hub is down; the hub's
    stream sources every region's stream (``$JS.<region>.API``) and catches up
    when the link returns.

Passwords are generated (``secrets``) and written beside the configurations in
``credentials.json`` (mode 0600). The functions return text, so tests run the
very configuration the command writes.
"""

from __future__ import annotations

import json
import os
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from core.domain.regions import REGION_CODES

from .streams import DEADLETTER_STREAM, DEADLETTER_SUBJECT, STREAM, region_subject

ACCOUNT = "KOPIENA"
HUB_USER = "hub"
ADMIN_USER = "admin"
SYS_USER = "sys"
HUB_DOMAIN = "hub"
MAX_PAYLOAD = "8MB"


def leaf_user(region: str) -> str:
    return f"leaf-{region}"


def admin_user(region: str | None = None) -> str:
    return ADMIN_USER if region is None else f"{ADMIN_USER}-{region}"


@dataclass(frozen=True)
class Listen:
    """Where one server listens: clients, and optionally monitoring (HTTP) and leaf nodes."""

    port: int
    host: str = "127.0.0.1"
    monitor_port: int | None = None
    leaf_port: int | None = None


def generate_credentials(regions: Iterable[str], *, leaf: bool = False) -> dict[str, str]:
    """A fresh password for every user the layout needs."""
    regions = list(regions)
    users = [HUB_USER, ADMIN_USER, SYS_USER, *regions]
    if leaf:
        users += [leaf_user(r) for r in regions] + [admin_user(r) for r in regions]
    return {u: secrets.token_urlsafe(24) for u in users}


def _q(value: str) -> str:
    return json.dumps(value)  # a JSON string is a valid quoted string in the NATS config syntax


def _list(values: Iterable[str]) -> str:
    return "[" + ", ".join(_q(v) for v in values) + "]"


def region_permissions(region: str) -> str:
    """Publish only its own subject; receive only its own replies (the PubAck comes to its inbox)."""
    return (f"{{ publish: {{ allow: {_list([region_subject(region)])} }}, "
            f"subscribe: {{ allow: {_list([f'_INBOX_{region}.>'])} }} }}")


def hub_permissions() -> str:
    """Manage the two federation streams, consume with a durable pull consumer, dead-letter; nothing else."""
    api = "$JS.API"
    publish = [f"{api}.INFO"]
    for stream in (STREAM, DEADLETTER_STREAM):
        publish += [f"{api}.STREAM.{verb}.{stream}" for verb in ("INFO", "CREATE", "UPDATE")]
    publish += [f"{api}.CONSUMER.*.{STREAM}.>", f"{api}.CONSUMER.DURABLE.CREATE.{STREAM}.>",
                f"{api}.CONSUMER.MSG.NEXT.{STREAM}.>", f"$JS.ACK.{STREAM}.>", DEADLETTER_SUBJECT]
    return (f"{{ publish: {{ allow: {_list(publish)} }}, "
            f"subscribe: {{ allow: {_list([f'_INBOX_{HUB_USER}.>'])} }} }}")


def _user(name: str, password: str, permissions: str | None = None) -> str:
    perms = f", permissions: {permissions}" if permissions else ""
    return f"      {{ user: {_q(name)}, password: {_q(password)}{perms} }}"


def _accounts(users: list[str], creds: dict[str, str]) -> str:
    return "\n".join([
        "accounts {",
        f"  {ACCOUNT} {{",
        "    jetstream: enabled",
        "    users: [",
        *users,
        "    ]",
        "  }",
        f"  SYS {{ users: [ {{ user: {_q(SYS_USER)}, password: {_q(creds[SYS_USER])} }} ] }}",
        "}",
        "system_account: SYS",
    ])


def _server(name: str, listen: Listen, store_dir: str | Path, domain: str | None) -> list[str]:
    lines = ["# written by `kopiena natsconf`; keep credentials.json secret", f"server_name: {_q(name)}",
             f"listen: {_q(f'{listen.host}:{listen.port}')}", f"max_payload: {MAX_PAYLOAD}"]
    if listen.monitor_port:
        lines.append(f"http: {_q(f'{listen.host}:{listen.monitor_port}')}")
    js = [f"  store_dir: {_q(str(store_dir))}"] + ([f"  domain: {_q(domain)}"] if domain else [])
    return lines + ["jetstream {", *js, "}"]


def single_server_conf(regions: Iterable[str], creds: dict[str, str], listen: Listen, store_dir: str | Path, *,
                       name: str = "kopiena") -> str:
    """One server for the hub and every region."""
    users = [_user(HUB_USER, creds[HUB_USER], hub_permissions()), _user(ADMIN_USER, creds[ADMIN_USER])]
    users += [_user(r, creds[r], region_permissions(r)) for r in regions]
    return "\n".join(_server(name, listen, store_dir, None) + [_accounts(users, creds)]) + "\n"


def hub_conf(regions: Iterable[str], creds: dict[str, str], listen: Listen, store_dir: str | Path, *,
             name: str = "kopiena-hub") -> str:
    """The hub server of the leaf-node topology: hub users, and a leaf credential per region."""
    if not listen.leaf_port:
        raise ValueError("the hub of a leaf-node topology needs a leaf port")
    users = [_user(HUB_USER, creds[HUB_USER], hub_permissions()), _user(ADMIN_USER, creds[ADMIN_USER])]
    leafs = [f"      {{ user: {_q(leaf_user(r))}, password: {_q(creds[leaf_user(r)])}, account: {ACCOUNT} }}"
             for r in regions]
    leafnodes = ["leafnodes {", f"  listen: {_q(f'{listen.host}:{listen.leaf_port}')}", "  authorization {",
                 "    users: [", *leafs, "    ]", "  }", "}"]
    return "\n".join(_server(name, listen, store_dir, HUB_DOMAIN) + [_accounts(users, creds)] + leafnodes) + "\n"


def leaf_conf(region: str, creds: dict[str, str], listen: Listen, store_dir: str | Path, hub_leaf_url: str, *,
              name: str | None = None, only_given_url: bool = False) -> str:
    """A region's leaf server: its own JetStream domain, its relay user, a link to the hub.

    ``only_given_url`` makes the leaf ignore the leaf-node addresses the hub advertises (when the
    link must go through ``hub_leaf_url`` only, e.g. a proxy or a VPN endpoint).
    """
    host = hub_leaf_url.split("://", 1)[-1]
    remote = f"nats-leaf://{leaf_user(region)}:{creds[leaf_user(region)]}@{host}"
    users = [_user(region, creds[region], region_permissions(region)),
             _user(admin_user(region), creds[admin_user(region)])]
    only = ", ignore_discovered_servers: true" if only_given_url else ""
    leafnodes = ["leafnodes {", "  reconnect: 1",
                 f"  remotes: [ {{ url: {_q(remote)}, account: {ACCOUNT}{only} }} ]", "}"]
    return "\n".join(_server(name or f"kopiena-{region}", listen, store_dir, region)
                     + [_accounts(users, creds)] + leafnodes) + "\n"


def _write(path: Path, text: str, mode: int = 0o600) -> Path:
    path.write_text(text, encoding="utf-8")
    os.chmod(path, mode)
    return path


def write_single(out: Path, *, regions: Iterable[str] = REGION_CODES, listen: Listen,
                 store_dir: str | Path | None = None, creds: dict[str, str] | None = None) -> list[Path]:
    regions = list(regions)
    creds = creds or generate_credentials(regions)
    out.mkdir(parents=True, exist_ok=True)
    store = store_dir or out / "jetstream"
    return [_write(out / "nats-server.conf", single_server_conf(regions, creds, listen, store)),
            _write(out / "credentials.json", json.dumps(creds, indent=2) + "\n")]


def write_topology(out: Path, *, regions: Iterable[str] = REGION_CODES, hub: Listen, leaves: dict[str, Listen],
                   store_dir: str | Path | None = None, hub_leaf_url: str | None = None,
                   creds: dict[str, str] | None = None) -> list[Path]:
    """``hub.conf`` + ``leaf-<region>.conf`` for every region + ``credentials.json``."""
    regions = list(regions)
    creds = creds or generate_credentials(regions, leaf=True)
    out.mkdir(parents=True, exist_ok=True)
    store = Path(store_dir or out / "jetstream")
    url = hub_leaf_url or f"nats-leaf://{hub.host}:{hub.leaf_port}"
    paths = [_write(out / "hub.conf", hub_conf(regions, creds, hub, store / "hub"))]
    for r in regions:
        paths.append(_write(out / f"leaf-{r}.conf", leaf_conf(r, creds, leaves[r], store / r, url)))
    paths.append(_write(out / "credentials.json", json.dumps(creds, indent=2) + "\n"))
    return paths
