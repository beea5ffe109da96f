"""The JetStream streams of the federation and how to create them (idempotently).

- ``KOPIENA_INDICATORS``: snapshots on ``kopiena.v1.indicators.<region>``. On a
  single server (or cluster) it captures the subjects; in the leaf-node
  topology each region's leaf server has its own ``KOPIENA_INDICATORS`` in its
  JetStream domain, and the hub's stream of that name *sources* them all.
- ``KOPIENA_DEADLETTER``: messages the hub rejected, on ``kopiena.v1.deadletter``.

Duplicates are dropped by JetStream within ``duplicate_window`` (same
``Nats-Msg-Id``); beyond it the hub itself ignores what it already has.
"""

from __future__ import annotations

from nats.js import JetStreamContext
from nats.js.api import ExternalStream, RetentionPolicy, StorageType, StreamConfig, StreamSource
from nats.js.errors import NotFoundError

from core.domain.indicators import SUBJECT_PREFIX

STREAM = "KOPIENA_INDICATORS"
SUBJECTS = f"{SUBJECT_PREFIX}.>"
DEADLETTER_STREAM = "KOPIENA_DEADLETTER"
DEADLETTER_SUBJECT = "kopiena.v1.deadletter"
DURABLE = "kopiena-hub"
DUPLICATE_WINDOW = 120.0
MAX_AGE = 90 * 24 * 3600.0
"""Snapshots stay in the stream 90 days, so a rebuilt hub can replay them."""


def region_subject(region: str) -> str:
    return f"{SUBJECT_PREFIX}.{region}"


async def _ensure(js: JetStreamContext, config: StreamConfig) -> None:
    try:
        info = await js.stream_info(config.name)  # type: ignore[arg-type]
    except NotFoundError:
        await js.add_stream(config)
        return
    current = info.config
    same_sources = {(s.name, s.external.api if s.external else None) for s in current.sources or []} == {
        (s.name, s.external.api if s.external else None) for s in config.sources or []}
    if (set(current.subjects or []) != set(config.subjects or []) or not same_sources
            or current.duplicate_window != config.duplicate_window):
        await js.update_stream(config)


def _config(name: str, *, subjects: list[str] | None = None, sources: list[StreamSource] | None = None,
            duplicate_window: float = DUPLICATE_WINDOW, max_age: float = MAX_AGE) -> StreamConfig:
    return StreamConfig(name=name, subjects=subjects, sources=sources, retention=RetentionPolicy.LIMITS,
                        storage=StorageType.FILE, duplicate_window=duplicate_window, max_age=max_age)


async def ensure_indicator_stream(js: JetStreamContext, *, subjects: list[str] | None = None,
                                  duplicate_window: float = DUPLICATE_WINDOW, max_age: float = MAX_AGE) -> None:
    """The stream that captures snapshots: all regions' subjects (single server) or one region's (leaf)."""
    await _ensure(js, _config(STREAM, subjects=subjects or [SUBJECTS], duplicate_window=duplicate_window,
                              max_age=max_age))


async def ensure_hub_stream(js: JetStreamContext, *, source_domains: list[str] | None = None,
                            duplicate_window: float = DUPLICATE_WINDOW, max_age: float = MAX_AGE) -> None:
    """The hub's stream: captures the subjects itself, or sources each region's leaf domain."""
    if not source_domains:
        await ensure_indicator_stream(js, duplicate_window=duplicate_window, max_age=max_age)
        return
    sources = [StreamSource(name=STREAM, external=ExternalStream(api=f"$JS.{domain}.API"))
               for domain in sorted(source_domains)]
    await _ensure(js, _config(STREAM, sources=sources, duplicate_window=duplicate_window, max_age=max_age))


async def ensure_deadletter_stream(js: JetStreamContext, *, max_age: float = MAX_AGE) -> None:
    await _ensure(js, _config(DEADLETTER_STREAM, subjects=[DEADLETTER_SUBJECT], duplicate_window=0,
                              max_age=max_age))
