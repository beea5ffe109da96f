"""The node's relay: publishes the outbox to JetStream, marks a row sent only after the PubAck.

The outbox is the only state: a relay that is stopped, killed or restarted
simply resumes with the rows not yet marked sent. A row published but not
marked (the PubAck was lost, or the node stopped just after it) is published
again with the same ``Nats-Msg-Id``; JetStream drops the copy within its
duplicate window and the hub ignores it after that (same sequence). So
delivery is at least once and the effect exactly once.

While NATS or the stream is unreachable the relay retries with exponential
backoff; each failure is written to the row (``attempts``, ``last_error``).
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import UTC

from nats.aio.client import Client as NATS
from nats.js.api import PubAck
from pydantic import ValidationError

from core.store.engine import create_engine, session_factory
from core.store.snapshots import PendingSnapshot, count_pending, mark_failed, mark_sent, pending

from .connection import Backoff, connect
from .messages import SCHEMA_VERSION, SnapshotMessage, encode
from .streams import STREAM

log = logging.getLogger("kopiena.relay")


class RelayError(RuntimeError):
    """Publishing failed (NATS down, no stream, no PubAck in time); the row stays unsent."""


class RelayTimeout(RelayError):
    """``run_once`` gave up before the outbox was empty."""


@dataclass(frozen=True)
class RelayReport:
    sent: int
    pending: int


def to_message(p: PendingSnapshot) -> SnapshotMessage:
    return SnapshotMessage(
        schema_version=SCHEMA_VERSION, snapshot_id=p.snapshot_id, region=p.region, region_name=p.region_name,
        as_of=p.as_of, sequence=p.sequence, software_version=p.software_version, content_hash=p.content_hash,
        created_at=p.created_at if p.created_at.tzinfo else p.created_at.replace(tzinfo=UTC),
        indicators=p.indicators,  # type: ignore[arg-type]
    )


class Relay:
    """Publishes one node's outbox (``db_url``) to NATS (``nats_url``)."""

    def __init__(self, db_url: str, nats_url: str, *, user: str | None = None, password: str | None = None,
                 batch: int = 50, ack_timeout: float = 5.0, poll_interval: float = 1.0,
                 backoff: Backoff = Backoff(), name: str = "kopiena-relay") -> None:
        self.nats_url, self.user, self.password, self.name = nats_url, user, password, name
        self.batch, self.ack_timeout, self.poll_interval, self.backoff = batch, ack_timeout, poll_interval, backoff
        self.engine = create_engine(db_url)
        self.sessions = session_factory(self.engine)
        self.errors: list[str] = []
        self._nc: NATS | None = None
        self._invalid: set[int] = set()

    async def _connection(self) -> NATS:
        if self._nc is None or self._nc.is_closed:
            try:
                self._nc = await connect(self.nats_url, user=self.user, password=self.password, name=self.name,
                                         errors=self.errors)
            except Exception as exc:  # no server, refused, auth: all mean "try again later"
                self._nc = None
                raise RelayError(f"cannot connect to NATS at {self.nats_url}: {exc or type(exc).__name__}") from exc
        return self._nc

    async def _publish(self, nc: NATS, p: PendingSnapshot) -> bool:
        """Publish one row; False when the row is invalid (kept unsent, skipped until restart)."""
        try:
            body, headers = encode(to_message(p))
        except ValidationError as exc:
            self._invalid.add(p.outbox_id)
            await self._failed(p, f"invalid snapshot, not published: {exc.errors()[0]['msg']}")
            log.error("snapshot %s is invalid and stays unsent: %s", p.snapshot_id, exc)
            return False
        try:
            ack = await self._send(nc, p.subject, body, headers)
        except Exception as exc:
            reason = f"{type(exc).__name__}: {exc}".strip(": ")
            await self._failed(p, reason)
            raise RelayError(f"publishing {p.snapshot_id} failed: {reason}") from exc
        async with self.sessions() as s, s.begin():
            await mark_sent(s, p.outbox_id)
        log.info("published %s (seq %s%s)", p.snapshot_id, ack.seq, ", duplicate" if ack.duplicate else "")
        return True

    async def _send(self, nc: NATS, subject: str, body: bytes, headers: dict[str, str]) -> PubAck:
        """One JetStream publish, waiting for the PubAck (``Nats-Expected-Stream`` guards the stream)."""
        return await nc.jetstream().publish(subject, body, timeout=self.ack_timeout, stream=STREAM, headers=headers)

    async def _failed(self, p: PendingSnapshot, reason: str) -> None:
        async with self.sessions() as s, s.begin():
            await mark_failed(s, p.outbox_id, reason)

    async def publish_pending(self) -> int:
        """Publish every unsent snapshot, oldest first; raises :class:`RelayError` at the first failure."""
        sent = 0
        while True:
            async with self.sessions() as s:
                rows = [p for p in await pending(s, self.batch + len(self._invalid))
                        if p.outbox_id not in self._invalid]
            if not rows:
                return sent
            try:
                nc = await self._connection()
            except RelayError as exc:
                await self._failed(rows[0], str(exc))  # the operator sees why the oldest row waits
                raise
            for p in rows:
                sent += await self._publish(nc, p)

    async def pending_count(self) -> int:
        async with self.sessions() as s:
            return await count_pending(s)

    async def run_once(self, timeout: float | None = None) -> RelayReport:
        """Publish until the outbox is empty, retrying with backoff; :class:`RelayTimeout` after ``timeout``."""
        loop = asyncio.get_running_loop()
        deadline = None if timeout is None else loop.time() + timeout
        delays = self.backoff.delays()
        sent = 0
        while True:
            try:
                sent += await self.publish_pending()
                return RelayReport(sent, await self.pending_count())
            except RelayError as exc:
                delay = next(delays)
                if deadline is not None and loop.time() + delay > deadline:
                    raise RelayTimeout(f"{exc}; {await self.pending_count()} snapshot(s) still unsent") from exc
                log.warning("%s; retrying in %.1fs", exc, delay)
                await asyncio.sleep(delay)

    async def run(self, stop: asyncio.Event | None = None) -> None:
        """Relay until ``stop`` is set: publish what is pending, then look again every ``poll_interval``."""
        stop = stop or asyncio.Event()
        delays = self.backoff.delays()
        while not stop.is_set():
            try:
                await self.publish_pending()
                delays, wait = self.backoff.delays(), self.poll_interval
            except RelayError as exc:
                wait = next(delays)
                log.warning("%s; retrying in %.1fs", exc, wait)
            try:
                await asyncio.wait_for(stop.wait(), wait)
            except TimeoutError:
                pass

    async def close(self) -> None:
        if self._nc is not None and not self._nc.is_closed:
            await self._nc.close()
        self._nc = None
        await self.engine.dispose()

    async def __aenter__(self) -> Relay:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()
