"""The webhook notifier against real local HTTP servers: signatures, retries with backoff, isolation."""

from __future__ import annotations

import http.server
import json
import logging
import threading
import time

import anyio
import pytest

from core.events import Event, dispatch, drain
from core.plugins import get_plugin_manager
from plugins.webhook import sign, verify

pytestmark = pytest.mark.anyio
SECRET = "municipality-shared-secret"


class Receiver:
    """A municipal system's endpoint: records every POST; can fail the first ones, or hang until released."""

    def __init__(self, fail_first: int = 0, status: int = 503, hang: bool = False) -> None:
        self.requests: list[dict] = []
        self.fail_first, self.status, self.hang = fail_first, status, hang
        self.release = threading.Event()
        self.arrived = threading.Event()
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.requests.append(
                    {"at": time.monotonic(), "headers": dict(self.headers), "body": body}
                )
                receiver.arrived.set()
                if receiver.hang:
                    receiver.release.wait(30)
                failing = len(receiver.requests) <= receiver.fail_first
                self.send_response(receiver.status if failing else 204)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/kopiena"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.release.set()
        self.server.shutdown()
        self.server.server_close()

    def events(self) -> list[dict]:
        return [json.loads(r["body"]) for r in self.requests]


@pytest.fixture
def receivers():
    made: list[Receiver] = []

    def make(**kw) -> Receiver:
        made.append(Receiver(**kw))
        return made[-1]

    yield make
    for r in made:
        r.close()


@pytest.fixture
def configure(monkeypatch):
    def set_(*urls: str, **values: str) -> None:
        monkeypatch.setenv("KOPIENA_WEBHOOK_URLS", ",".join(urls))
        monkeypatch.setenv("KOPIENA_WEBHOOK_SECRET", values.pop("secret", SECRET))
        monkeypatch.setenv("KOPIENA_WEBHOOK_BACKOFF", values.pop("backoff", "0.05"))
        for key, value in values.items():
            monkeypatch.setenv(f"KOPIENA_WEBHOOK_{key.upper()}", value)

    return set_


def fire(type_: str = "client.registered", **data) -> None:
    dispatch(get_plugin_manager(), Event(type_, "zemgale", data or {"client_id": 7}))


async def test_events_are_posted_as_signed_json(receivers, configure):
    receiver = receivers()
    configure(receiver.url)
    fire("episode.started", episode_id=3, service_code="HOME_CARE")
    await drain()
    [request] = receiver.requests
    headers, body = request["headers"], request["body"]
    assert headers["X-Kopiena-Event"] == "episode.started"
    assert headers["Content-Type"] == "application/json"
    assert verify(SECRET, body, headers["X-Kopiena-Timestamp"], headers["X-Kopiena-Signature"])
    assert headers["X-Kopiena-Signature"] == sign(SECRET, int(headers["X-Kopiena-Timestamp"]), body)
    event = json.loads(body)
    assert (event["type"], event["region"], event["data"]) == (
        "episode.started",
        "zemgale",
        {"episode_id": 3, "service_code": "HOME_CARE"},
    )
    assert event["id"] == headers["X-Kopiena-Delivery"]


async def test_a_receiver_that_fails_first_gets_the_same_event_again_after_a_growing_pause(
    receivers, configure
):
    receiver = receivers(fail_first=2, status=503)
    configure(receiver.url, backoff="0.2")
    fire()
    await drain()
    assert len(receiver.requests) == 3
    deliveries = {r["headers"]["X-Kopiena-Delivery"] for r in receiver.requests}
    assert len(deliveries) == 1  # one event, retried: the receiver can de-duplicate
    first, second, third = (r["at"] for r in receiver.requests)
    assert second - first >= 0.18 and third - second >= 0.38  # 0.2 s, then doubled (lower bounds only)
    for r in receiver.requests:  # each try signed afresh with its own timestamp
        assert verify(
            SECRET, r["body"], r["headers"]["X-Kopiena-Timestamp"], r["headers"]["X-Kopiena-Signature"]
        )


async def test_a_refusal_is_not_retried_and_a_dead_receiver_is_given_up(receivers, configure, caplog):
    refusing = receivers(fail_first=99, status=400)
    broken = receivers(fail_first=99, status=500)
    configure(refusing.url, broken.url, attempts="3", backoff="0.01")
    with caplog.at_level(logging.WARNING, logger="kopiena.webhook"):
        fire()
        await drain()
    assert len(refusing.requests) == 1 and len(broken.requests) == 3
    assert "refused client.registered (HTTP 400); not retried" in caplog.text
    assert "given up after 3 tries (HTTP 500)" in caplog.text


async def test_events_reach_a_receiver_in_the_order_they_happened(receivers, configure):
    receiver = receivers()
    configure(receiver.url)
    for n in range(5):
        fire("deliveries.recorded", episode_id=n, count=1)
    await drain()
    assert [e["data"]["episode_id"] for e in receiver.events()] == [0, 1, 2, 3, 4]


async def test_a_hanging_receiver_holds_up_neither_the_node_nor_the_other_receivers(receivers, configure):
    hanging, healthy = receivers(hang=True), receivers()
    configure(hanging.url, healthy.url)
    fire()  # returns at once: the listener only queues
    with anyio.fail_after(20):
        while not healthy.requests or not hanging.arrived.is_set():
            await anyio.sleep(0.01)
    assert not hanging.release.is_set()  # the healthy receiver got its event while the other one still hangs
    hanging.release.set()
    await drain()
    assert len(hanging.requests) == 1


async def test_only_the_chosen_event_types_are_sent(receivers, configure):
    receiver = receivers()
    configure(receiver.url, events="plan.approved, episode.ended")
    fire("client.registered")
    fire("episode.ended", episode_id=1)
    await drain()
    assert [e["type"] for e in receiver.events()] == ["episode.ended"]


async def test_without_a_secret_nothing_is_sent(receivers, configure, caplog):
    receiver = receivers()
    configure(receiver.url, secret="")
    with caplog.at_level(logging.ERROR, logger="kopiena.webhook"):
        fire()
        await drain()
    assert receiver.requests == []


def test_verify_refuses_a_changed_body_a_wrong_secret_and_an_old_timestamp():
    body, now = b'{"type":"client.registered"}', 1_700_000_000
    signature = sign(SECRET, now, body)
    assert verify(SECRET, body, str(now), signature, now=now + 10)
    assert not verify(SECRET, body + b" ", str(now), signature, now=now)
    assert not verify("other", body, str(now), signature, now=now)
    assert not verify(SECRET, body, str(now), signature, now=now + 301)
    assert not verify(SECRET, body, "yesterday", signature, now=now)
