"""The hub's consumer: a durable pull consumer on ``KOPIENA_INDICATORS`` that commits, then acks.

Each fetched batch: decode and check every message; keep each one that is the
newest of its region and date, all of the batch in one transaction
(:meth:`HubStore.ingest_many` commits); only then ack them. If that transaction
fails, the batch is taken again one message at a time, so one message the
database refuses cannot hold the others back. A message
that cannot be a snapshot (malformed, unknown major version, subject or hash
wrong) goes to the dead-letter subject with the reason in a header, is noted in
``hub_rejections`` and terminated, and the consumer goes on. When the database
fails the message is nak'ed and comes back later. When NATS is away the
consumer keeps retrying with backoff; the durable consumer remembers where it was.
"""

from __future__ import annotations

import asyncio
import logging
from collections import Counter
from typing import Any

from nats.aio.client import Client as NATS
from nats.aio.msg import Msg
from nats.errors import TimeoutError as NatsTimeout
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy

from core.heap import collector_paused, freeze_for_life

from ..connection import Backoff, connect
from ..messages import HEADER_MSG_ID, MessageRejected, SnapshotMessage, decode
from ..streams import (
    DEADLETTER_SUBJECT,
    DUPLICATE_WINDOW,
    DURABLE,
    STREAM,
    SUBJECTS,
    ensure_deadletter_stream,
    ensure_hub_stream,
)
from .store import HubStore

log = logging.getLogger("kopiena.hub")

HEADER_REASON = "Kopiena-Reason"
HEADER_SUBJECT = "Kopiena-Original-Subject"


class HubConsumer:
    """Consumes snapshots into a :class:`HubStore` until stopped (see the module docstring)."""

    def __init__(self, store: HubStore, nats_url: str, *, user: str | None = None, password: str | None = None,
                 durable: str = DURABLE, source_domains: list[str] | None = None,
                 duplicate_window: float = DUPLICATE_WINDOW, batch: int = 10, fetch_timeout: float = 1.0,
                 ack_wait: float = 30.0, backoff: Backoff = Backoff(), ensure_streams: bool = True) -> None:
        self.store, self.nats_url, self.user, self.password = store, nats_url, user, password
        self.durable, self.source_domains, self.duplicate_window = durable, source_domains, duplicate_window
        self.batch, self.fetch_timeout, self.ack_wait = batch, fetch_timeout, ack_wait
        self.backoff, self.ensure_streams = backoff, ensure_streams
        self.counts: Counter[str] = Counter()
        self.errors: list[str] = []
        self.connected = asyncio.Event()
        self._nc: NATS | None = None
        self._sub: Any = None

    async def _subscribe(self):
        if self._nc is None or self._nc.is_closed:
            self._nc = await connect(self.nats_url, user=self.user, password=self.password, name="kopiena-hub",
                                     errors=self.errors)
        js = self._nc.jetstream()
        if self.ensure_streams:
            await ensure_hub_stream(js, source_domains=self.source_domains, duplicate_window=self.duplicate_window)
            await ensure_deadletter_stream(js)
        config = ConsumerConfig(durable_name=self.durable, ack_policy=AckPolicy.EXPLICIT, ack_wait=self.ack_wait,
                                deliver_policy=DeliverPolicy.ALL, max_deliver=-1, max_ack_pending=1000)
        self._sub = await js.pull_subscribe(SUBJECTS, durable=self.durable, stream=STREAM, config=config)
        self.connected.set()
        log.info("hub consuming %s as %s", STREAM, self.durable)
        return self._sub

    async def _drop_subscription(self) -> None:
        self.connected.clear()
        sub, self._sub = self._sub, None
        if sub is not None:
            try:
                await sub.unsubscribe()
            except Exception:  # the connection may be gone already; nothing to clean up then
                pass

    async def run(self, stop: asyncio.Event) -> None:
        """Fetch and handle messages until ``stop`` is set, a batch at a time."""
        freeze_for_life()  # its start-up objects (~90,000) would be scanned by every full collection
        delays = self.backoff.delays()
        while not stop.is_set():
            try:
                sub = self._sub or await self._subscribe()
                messages = await sub.fetch(self.batch, timeout=self.fetch_timeout)
            except (TimeoutError, NatsTimeout):
                continue
            except Exception as exc:  # NATS down, stream or consumer missing, no permission: retry later
                wait = next(delays)
                log.warning("hub consumer: %s: %s; retrying in %.1fs", type(exc).__name__, exc, wait)
                await self._drop_subscription()
                await _sleep(stop, wait)
                continue
            delays = self.backoff.delays()
            await self.handle_batch(messages)

    async def handle(self, msg: Msg) -> str:
        """Commit the message's effect, then ack it; returns what happened."""
        return (await self.handle_batch([msg]))[0]

    async def handle_batch(self, msgs: list[Msg]) -> list[str]:
        """Commit the effect of every message in ``msgs``, then ack them; returns what happened to each."""
        return await self._settle(_decode_all(msgs))

    async def _settle(self, decoded: list[Decoded]) -> list[str]:
        """Dead-letter the rejected messages, store the others; returns what happened to each."""
        results: dict[int, str] = {}
        good: list[tuple[int, Msg, SnapshotMessage]] = []
        for i, (msg, item) in enumerate(decoded):
            if isinstance(item, MessageRejected):
                results[i] = await self._reject(msg, item.reason)
            else:
                good.append((i, msg, item))
        results.update(await self._store(good))
        return [results[i] for i in range(len(decoded))]

    async def _store(self, good: list[tuple[int, Msg, SnapshotMessage]]) -> dict[int, str]:
        if not good:
            return {}
        try:
            outcomes = await self.store.ingest_many([message for _, _, message in good])
        except Exception:
            if len(good) == 1:
                return {good[0][0]: await self._retry_later(good[0][1], good[0][2])}
            log.warning("hub: storing a batch of %d failed; storing them one by one", len(good), exc_info=True)
            return {i: outcome for item in good for i, outcome in (await self._store([item])).items()}
        await asyncio.gather(*(_quietly(msg.ack_sync()) for _, msg, _ in good))  # committed: now ack
        for (_, _, message), outcome in zip(good, outcomes, strict=True):
            self.counts[outcome] += 1
            log.info("hub: %s %s (%s, %s, sequence %s)", outcome, message.snapshot_id, message.region,
                     message.as_of, message.sequence)
        return {i: outcome.value for (i, _, _), outcome in zip(good, outcomes, strict=True)}

    async def _retry_later(self, msg: Msg, message: SnapshotMessage) -> str:
        log.exception("hub: storing %s failed; it will be redelivered", message.snapshot_id)
        self.counts["retried"] += 1
        await _quietly(msg.nak(delay=next(self.backoff.delays())))
        return "retried"

    async def _reject(self, msg: Msg, reason: str) -> str:
        headers = {HEADER_REASON: reason[:480], HEADER_SUBJECT: msg.subject}
        msg_id = (msg.headers or {}).get(HEADER_MSG_ID)
        try:
            assert self._nc is not None
            await self._nc.jetstream().publish(DEADLETTER_SUBJECT, msg.data, headers=headers)
            await self.store.record_rejection(subject=msg.subject, msg_id=msg_id, reason=reason,
                                              stream_sequence=_stream_sequence(msg))
        except Exception:
            log.exception("hub: dead-lettering a message failed; it will be redelivered")
            await _quietly(msg.nak(delay=next(self.backoff.delays())))
            return "retried"
        await _quietly(msg.term())
        self.counts["rejected"] += 1
        log.warning("hub: rejected a message on %s: %s", msg.subject, reason)
        return "rejected"

    async def close(self) -> None:
        await self._drop_subscription()
        if self._nc is not None and not self._nc.is_closed:
            await self._nc.close()
        self._nc = None


Decoded = tuple[Msg, SnapshotMessage | MessageRejected]


def _decode_all(msgs: list[Msg]) -> list[Decoded]:
    out: list[Decoded] = []
    for msg in msgs:
        try:
            with collector_paused():  # a JSON tree has no cycles; its ~8,000 lists would set off collections
                out.append((msg, decode(msg.data, msg.headers, msg.subject)))
        except MessageRejected as rejected:
            out.append((msg, rejected))
    return out


def _stream_sequence(msg: Msg) -> int | None:
    try:
        return msg.metadata.sequence.stream
    except Exception:  # a message not from JetStream has no metadata
        return None


async def _quietly(awaitable) -> None:
    """Acks and naks may fail when the connection just dropped; redelivery covers that."""
    try:
        await awaitable
    except Exception as exc:
        log.info("hub: ack/nak not delivered (%s); the message will come again", exc)


async def _sleep(stop: asyncio.Event, seconds: float) -> None:
    try:
        await asyncio.wait_for(stop.wait(), seconds)
    except TimeoutError:
        pass
