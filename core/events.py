"""Events of the programme, told to plugins after the change is committed.

A listener (the ``on_event`` hook) can never break or slow the request that
caused the event: each listener runs as its own task with a timeout, and an
exception or a timeout is logged with the listener's name and otherwise
ignored. Callers fire events only after their transaction committed.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

import pluggy

log = logging.getLogger("kopiena.events")

CLIENT_REGISTERED = "client.registered"
ASSESSMENT_RECORDED = "assessment.recorded"
PLAN_APPROVED = "plan.approved"
EPISODE_STARTED = "episode.started"
EPISODE_ENDED = "episode.ended"
DELIVERIES_RECORDED = "deliveries.recorded"
EVENT_TYPES = (CLIENT_REGISTERED, ASSESSMENT_RECORDED, PLAN_APPROVED, EPISODE_STARTED, EPISODE_ENDED,
               DELIVERIES_RECORDED)

LISTENER_TIMEOUT = 5.0


@dataclass(frozen=True)
class Event:
    """Something that happened on a node. ``data`` holds ids and codes, never personal data."""

    type: str
    region: str
    data: dict[str, Any]
    at: datetime = field(default_factory=lambda: datetime.now(timezone.utc))

    def as_dict(self) -> dict[str, Any]:
        return {"type": self.type, "region": self.region, "at": self.at.isoformat(), "data": self.data}


async def _call(name: str, impl, event: Event, timeout: float) -> None:
    try:
        result = impl.function(event=event)
        if inspect.isawaitable(result):
            await asyncio.wait_for(result, timeout)
    except asyncio.TimeoutError:
        log.warning("event listener %s timed out after %.1fs on %s", name, timeout, event.type)
    except Exception:
        log.exception("event listener %s failed on %s", name, event.type)


_background: set[asyncio.Task] = set()


def dispatch(pm: pluggy.PluginManager, event: Event, *, timeout: float = LISTENER_TIMEOUT) -> list[asyncio.Task]:
    """Start every listener of ``event`` in the background and return at once.

    A listener may be a plain function (it should be quick) or a coroutine
    function (it runs under ``timeout``). The returned tasks let tests wait.
    """
    tasks = []
    for impl in pm.hook.on_event.get_hookimpls():
        if inspect.iscoroutinefunction(impl.function):
            task = asyncio.get_running_loop().create_task(_call(impl.plugin_name, impl, event, timeout))
            _background.add(task)
            task.add_done_callback(_background.discard)
            tasks.append(task)
        else:
            try:
                impl.function(event=event)
            except Exception:
                log.exception("event listener %s failed on %s", impl.plugin_name, event.type)
    return tasks


async def drain(timeout: float = LISTENER_TIMEOUT + 1) -> None:
    """Wait for listeners still running (used at shutdown and in tests)."""
    if _background:
        await asyncio.wait(list(_background), timeout=timeout)
