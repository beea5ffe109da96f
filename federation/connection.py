"""Connecting to NATS the same way everywhere: reconnect forever, log state changes, own inbox prefix.

A per-user inbox prefix (``_INBOX_<user>``) lets the generated server
configuration allow each user to subscribe only to its own replies (PubAcks,
consumer deliveries), so one region cannot read another's.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Iterator
from dataclasses import dataclass

import nats
from nats.aio.client import Client as NATS

log = logging.getLogger("kopiena.federation")


def inbox_prefix(user: str | None) -> str:
    return f"_INBOX_{user}" if user else "_INBOX"


async def connect(url: str, *, user: str | None = None, password: str | None = None, name: str = "kopiena",
                  connect_timeout: float = 2.0, reconnect_wait: float = 0.5, errors: list[str] | None = None
                  ) -> NATS:
    """A connection that keeps reconnecting; ``errors`` (if given) collects the server's error messages."""

    async def on_error(exc: Exception) -> None:
        if errors is not None:
            errors.append(str(exc))
        log.warning("%s: nats error: %s", name, exc)

    async def on_disconnect() -> None:
        log.info("%s: disconnected from NATS", name)

    async def on_reconnect() -> None:
        log.info("%s: reconnected to NATS", name)

    nc = await nats.connect(
        url, user=user, password=password, name=name, inbox_prefix=inbox_prefix(user),
        connect_timeout=connect_timeout, reconnect_time_wait=reconnect_wait, max_reconnect_attempts=1,
        allow_reconnect=True, error_cb=on_error, disconnected_cb=on_disconnect, reconnected_cb=on_reconnect,
    )
    # nats-py would retry the *first* connect forever too with -1; the caller retries that with its own
    # backoff instead. Once connected, reconnect forever: a server restart must not end the connection.
    nc.options["max_reconnect_attempts"] = -1
    return nc


@dataclass(frozen=True)
class Backoff:
    """Exponential backoff with jitter: ``initial``, doubling up to ``maximum`` seconds."""

    initial: float = 0.5
    maximum: float = 30.0
    factor: float = 2.0
    jitter: float = 0.1

    def delays(self) -> Iterator[float]:
        delay = self.initial
        while True:
            yield delay * (1 + random.uniform(-self.jitter, self.jitter))
            delay = min(self.maximum, delay * self.factor)
