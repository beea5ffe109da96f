"""Events of the programme, told to plugins after the change is committed.

A listener (the ``on_event`` hook) can never break or slow the request that
caused the event: each listener runs as its own task with a timeout (a plain
function in a worker thread, so that even a blocking one leaves the event
loop free), and an exception or a timeout is logged with the listener's name
and otherwise ignored. Callers fire events only after their transaction
committed.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import pluggy

log = logging.getLogger("kopiena.events")

CLIENT_REGISTERED = "client.registered"
ASSESSMENT_RECORDED = "assessment.recorded"
PLAN_APPROVED = "plan.approved"
EPISODE_STARTED = "episode.started"
EPISODE_ENDED = "episode.ended"
DELIVERIES_RECORDED = "deliveries.recorded"
EVENT_TYPES = (
    CLIENT_REGISTERED,
    ASSESSMENT_RECORDED,
    PLAN_APPROVED,
    EPISODE_STARTED,
    EPISODE_ENDED,
    DELIVERIES_RECORDED,
)

LISTENER_TIMEOUT = 5.0


@dataclass(frozen=True)
class Event:
    """Something that happened on a node. ``data`` holds ids and codes, never personal data."""

    type: str
    region: str
    data: dict[str, Any]
    at: datetime = field(default_factory=lambda: datetime.now(UTC))

    def as_dict(self) -> dict[str, Any]:
        return {"type": self.type, "region": self.region, "at": self.at.isoformat(), "data": self.data}


async def _call(name: str, impl, event: Event, timeout: float) -> None:
    """Run one listener: a coroutine function on the loop, a plain one in a worker thread, both under
    ``timeout``. A plain function that blocks keeps its thread, never the loop that serves requests."""
    try:
        if inspect.iscoroutinefunction(impl.function):
            await asyncio.wait_for(impl.function(event=event), timeout)
        else:
            await asyncio.wait_for(asyncio.to_thread(impl.function, event=event), timeout)
    except TimeoutError:
        log.warning("event listener %s timed out after %.1fs on %s", name, timeout, event.type)
    except Exception:
        log.exception("event listener %s failed on %s", name, event.type)


_background: set[asyncio.Task] = set()


def dispatch(
    pm: pluggy.PluginManager, event: Event, *, timeout: float = LISTENER_TIMEOUT
) -> list[asyncio.Task]:
    """Start every listener of ``event`` in the background and return at once (call it from async code).

    Each listener is its own task: one that raises, hangs or is slow is logged
    and never reaches the caller. The returned tasks let tests wait.
    """
    return [
        spawn(_call(impl.plugin_name, impl, event, timeout), name=f"on_event:{impl.plugin_name}")
        for impl in pm.hook.on_event.get_hookimpls()
    ]


def spawn(coro, *, name: str | None = None) -> asyncio.Task:
    """Run ``coro`` in the background like a listener, so that :func:`drain` waits for it too.

    For listeners that hand events to their own worker (a webhook queue): the
    listener returns at once, the worker's task is tracked and awaited at shutdown.
    """
    task = asyncio.get_running_loop().create_task(coro, name=name)
    _background.add(task)
    task.add_done_callback(_background.discard)
    return task


async def drain(timeout: float = LISTENER_TIMEOUT + 1) -> int:
    """Wait up to ``timeout`` for this loop's listeners, and the work they started, to finish
    (used at shutdown and in tests). Returns how many are still running."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        # a task of another loop (an earlier test, a finished server) cannot be awaited here
        mine = [t for t in _background if t.get_loop() is loop and not t.done()]
        left = deadline - loop.time()
        if not mine or left <= 0:
            return len(mine)
        await asyncio.wait(mine, timeout=left)  # a listener may have spawned more meanwhile: look again
