"""The ``webhook`` notifier: POST every event, signed with HMAC-SHA256, to the URLs a municipality gives.

Configuration (environment):

| variable | default | meaning |
|---|---|---|
| ``KOPIENA_WEBHOOK_URLS`` | none (off) | comma-separated URLs to POST events to |
| ``KOPIENA_WEBHOOK_SECRET`` | none | shared secret; without it nothing is sent (no unsigned events) |
| ``KOPIENA_WEBHOOK_EVENTS`` | all | comma-separated event types to send (``client.registered``, ...) |
| ``KOPIENA_WEBHOOK_ATTEMPTS`` | ``5`` | tries per URL and event |
| ``KOPIENA_WEBHOOK_BACKOFF`` | ``0.5`` | seconds before the first retry; doubled each time (at most 60) |
| ``KOPIENA_WEBHOOK_TIMEOUT`` | ``10`` | seconds one request may take |

Each POST carries the event as JSON and the headers ``X-Kopiena-Event``,
``X-Kopiena-Delivery`` (the same on every retry of one event, for
de-duplication), ``X-Kopiena-Timestamp`` (Unix seconds) and
``X-Kopiena-Signature: sha256=<hex>``, the HMAC-SHA256 of
``<timestamp>.<body>`` with the secret (see :func:`verify`). A 2xx answer is
success; 408, 429, 5xx and network errors are retried with backoff; other
4xx are not. The listener only queues the event: a worker per URL sends
them in order, so a slow receiver never slows the node or the other URLs.
"""

from __future__ import annotations

import asyncio
import functools
import hashlib
import hmac
import json
import logging
import os
import time
import uuid
import weakref

import httpx
from pydantic import SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from core import hookimpl
from core.events import Event, spawn

log = logging.getLogger("kopiena.webhook")

QUEUE_SIZE = 10_000
MAX_DELAY = 60.0
SIGNATURE_TOLERANCE = 300


class WebhookSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="KOPIENA_WEBHOOK_", extra="ignore")

    urls: str = ""
    secret: SecretStr | None = None
    events: str = ""
    attempts: int = 5
    backoff: float = 0.5
    timeout: float = 10.0

    @property
    def url_list(self) -> list[str]:
        return [u.strip() for u in self.urls.split(",") if u.strip()]

    def wants(self, event_type: str) -> bool:
        wanted = {e.strip() for e in self.events.split(",") if e.strip()}
        return not wanted or event_type in wanted


def sign(secret: str, timestamp: int, body: bytes) -> str:
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


def verify(
    secret: str,
    body: bytes,
    timestamp: str,
    signature: str,
    *,
    tolerance: int = SIGNATURE_TOLERANCE,
    now: float | None = None,
) -> bool:
    """For receivers: is this POST from a node that knows ``secret``, and recent (no replay)?"""
    try:
        ts = int(timestamp)
    except (TypeError, ValueError):
        return False
    if abs((now if now is not None else time.time()) - ts) > tolerance:
        return False
    return hmac.compare_digest(sign(secret, ts, body), signature)


def retryable(status: int) -> bool:
    return status in (408, 429) or status >= 500


class Sender:
    """The queue of events for one URL in one event loop, and the worker that posts them in order."""

    def __init__(self, settings: WebhookSettings, url: str) -> None:
        self.settings = settings
        self.url = url
        self.queue: asyncio.Queue[Event] = asyncio.Queue(QUEUE_SIZE)
        self.worker: asyncio.Task | None = None

    def put(self, event: Event) -> None:
        try:
            self.queue.put_nowait(event)
        except asyncio.QueueFull:
            log.error("webhook %s: queue full (%d events), %s dropped", self.url, QUEUE_SIZE, event.type)
            return
        if self.worker is None or self.worker.done():
            self.worker = spawn(self.run(), name="webhook-sender")

    async def run(self) -> None:
        async with httpx.AsyncClient(timeout=self.settings.timeout) as client:
            while not self.queue.empty():  # the worker ends when idle, so that shutdown need not cancel it
                await self.deliver(client, self.queue.get_nowait())

    async def deliver(self, client: httpx.AsyncClient, event: Event) -> bool:
        s, url = self.settings, self.url
        delivery = str(uuid.uuid4())
        body = json.dumps({"id": delivery, **event.as_dict()}, ensure_ascii=False, default=str).encode()
        for attempt in range(1, s.attempts + 1):
            timestamp = int(time.time())
            headers = {
                "Content-Type": "application/json",
                "User-Agent": "kopiena-webhook",
                "X-Kopiena-Event": event.type,
                "X-Kopiena-Delivery": delivery,
                "X-Kopiena-Timestamp": str(timestamp),
                "X-Kopiena-Signature": sign(s.secret.get_secret_value(), timestamp, body),  # type: ignore[union-attr]
            }
            try:
                response = await client.post(url, content=body, headers=headers)
            except httpx.HTTPError as exc:
                problem = f"{type(exc).__name__}: {exc}"
            else:
                if response.is_success:
                    return True
                problem = f"HTTP {response.status_code}"
                if not retryable(response.status_code):
                    log.error("webhook %s refused %s (%s); not retried", url, event.type, problem)
                    return False
            if attempt < s.attempts:
                delay = min(s.backoff * 2 ** (attempt - 1), MAX_DELAY)
                log.warning(
                    "webhook %s: %s on %s (try %d of %d), next in %.2fs",
                    url,
                    problem,
                    event.type,
                    attempt,
                    s.attempts,
                    delay,
                )
                await asyncio.sleep(delay)
        log.error("webhook %s: %s given up after %d tries (%s)", url, event.type, s.attempts, problem)
        return False


# one sender per URL and event loop: a receiver that is down holds up only its own queue
_senders: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict[str, Sender]] = (
    weakref.WeakKeyDictionary()
)
_warned: set[str] = set()


def _settings() -> WebhookSettings | None:
    # read once per change of the environment, not once per event: an import tells thousands
    env = tuple(sorted((k, v) for k, v in os.environ.items() if k.upper().startswith("KOPIENA_WEBHOOK_")))
    return _settings_for(env)


@functools.lru_cache(maxsize=8)
def _settings_for(env: tuple[tuple[str, str], ...]) -> WebhookSettings | None:
    settings = WebhookSettings()
    if not settings.url_list:
        return None
    if settings.secret is None or not settings.secret.get_secret_value():
        if "secret" not in _warned:
            _warned.add("secret")
            log.error("KOPIENA_WEBHOOK_URLS is set but KOPIENA_WEBHOOK_SECRET is not: no events are sent")
        return None
    return settings


@hookimpl
async def on_event(event: Event) -> None:
    """Queue the event for each URL's sender and return at once."""
    settings = _settings()
    if settings is None or not settings.wants(event.type):
        return
    senders = _senders.setdefault(asyncio.get_running_loop(), {})
    for url in settings.url_list:
        sender = senders.get(url)
        if sender is None or sender.settings != settings:
            sender = senders[url] = Sender(settings, url)
        sender.put(event)
