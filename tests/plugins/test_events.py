"""core.events: listeners in the background, isolated, with a timeout; drain waits for what they started."""

from __future__ import annotations

import asyncio
import threading

import pytest

from core import hookimpl
from core.events import EVENT_TYPES, Event, dispatch, drain, spawn
from core.plugins import get_plugin_manager

EVENT = Event("episode.started", "zemgale", {"episodeId": 1})


@pytest.mark.anyio
async def test_dispatch_returns_before_any_listener_ran(register_plugin):
    ran: list[str] = []

    class Listener:
        @hookimpl
        async def on_event(self, event):
            ran.append("async")

    class Plain:
        @hookimpl
        def on_event(self, event):
            ran.append("plain")

    register_plugin(Listener())
    register_plugin(Plain())
    pm = get_plugin_manager()
    tasks = [t for t in dispatch(pm, EVENT) if t.get_name().startswith("on_event:test-plugin")]
    assert ran == [] and len(tasks) == 2  # both are tasks: not even a plain function runs in the caller
    assert await drain() == 0
    assert sorted(ran) == ["async", "plain"]


@pytest.mark.anyio
async def test_drain_waits_for_work_a_listener_spawned_and_says_what_is_left():
    done = asyncio.Event()

    async def worker():
        await asyncio.sleep(0.01)
        done.set()

    async def listener_like():
        spawn(worker())

    spawn(listener_like())
    assert await drain() == 0 and done.is_set()
    stuck = spawn(asyncio.sleep(30))
    assert await drain(timeout=0.05) == 1
    stuck.cancel()


def test_drain_in_a_new_loop_ignores_tasks_of_an_old_one():
    release = threading.Event()

    async def leave_one_running():
        spawn(asyncio.to_thread(release.wait, 30))

    old = asyncio.new_event_loop()
    old.run_until_complete(leave_one_running())  # its task is still pending in the old loop
    try:
        assert asyncio.run(drain(timeout=1)) == 0  # another loop: nothing of its own to wait for, no error
    finally:
        release.set()
        old.run_until_complete(asyncio.sleep(0.05))
        old.run_until_complete(drain(timeout=5))
        old.close()


def test_event_types_and_plain_data():
    assert len(set(EVENT_TYPES)) == 6
    data = EVENT.as_dict()
    assert (
        data["type"] == "episode.started"
        and data["at"].endswith("+00:00")
        and data["data"] == {"episodeId": 1}
    )
