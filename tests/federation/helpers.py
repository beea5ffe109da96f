"""Helpers of the federation tests: nodes that publish, waiting, and the convergence check."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import date, timedelta

import sqlalchemy as sa

from core.domain.personal_code import make_personal_code
from core.node import Node
from core.settings import Settings
from core.store.clients import NewClient, register_client
from core.store.engine import create_engine
from core.store.episodes import NewEpisode, start_episode
from core.store.models import IndicatorSnapshot, Outbox
from core.store.snapshots import take_snapshot
from federation.connection import Backoff
from federation.hub import models as hub_tables

FAST = Backoff(initial=0.05, maximum=0.5)
D1, D2 = date(2018, 12, 31), date(2019, 12, 31)


async def add_people(url: str, region: str, n: int, *, serial: int = 0, start: date = date(2018, 3, 1)) -> None:
    """``n`` adults receiving home care, granted by the region's first current municipality."""
    node = Node.open(Settings(db=url, region=region))
    try:
        muni = sorted(m.code for m in node.registry.municipalities.values() if m.valid_to is None)[0]
        async with node.sessions() as s, s.begin():
            for i in range(serial, serial + n):
                c = await register_client(s, node, NewClient(
                    make_personal_code(date(1970, 1, 1) + timedelta(days=i), i), "Ieva", "Kalniņa", "ADULT_GRT",
                    muni))
                await start_episode(s, node, NewEpisode(c.id, "HOME_CARE", muni, start))
    finally:
        await node.close()


async def publish(url: str, region: str, as_of: date = D1) -> IndicatorSnapshot:
    """``kopiena indicators --publish``: a snapshot and its outbox row."""
    node = Node.open(Settings(db=url, region=region))
    try:
        _, row = await take_snapshot(node, as_of, publish=True)
        assert row is not None
        return row
    finally:
        await node.close()


async def pending_messages(url: str) -> list:
    """The node's unsent snapshots as the relay would send them (:class:`SnapshotMessage`), oldest first."""
    from core.store.engine import session_factory
    from core.store.snapshots import pending
    from federation.relay import to_message

    engine = create_engine(url)
    try:
        async with session_factory(engine)() as s:
            return [to_message(p) for p in await pending(s)]
    finally:
        await engine.dispose()


async def wait_for(check: Callable[[], Awaitable[bool]], timeout: float = 60.0, what: str = "condition") -> None:
    """Poll ``check`` until it is true (no timing is asserted: the timeout only ends a hung test)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not await check():
        if loop.time() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.05)


async def _rows(url: str, stmt) -> list:
    engine = create_engine(url)
    try:
        async with engine.connect() as conn:
            return list((await conn.execute(stmt)).all())
    finally:
        await engine.dispose()


async def newest_snapshots(node_urls: list[str]) -> dict[tuple[str, date], tuple[int, str, str, int]]:
    """Per (region, as-of date): the newest snapshot the nodes wrote (sequence, id, hash, number of rows)."""
    import json

    S = IndicatorSnapshot
    newest: dict = {}
    for url in node_urls:
        for region, as_of, seq, sid, digest, payload in await _rows(url, sa.select(
                S.region_code, S.as_of, S.sequence, S.id, S.content_hash, S.payload)):
            key = (region, as_of if isinstance(as_of, date) else date.fromisoformat(as_of))
            if key not in newest or newest[key][0] < seq:
                newest[key] = (seq, sid, digest, sum(len(b["rows"]) for b in json.loads(payload)))
    return newest


async def hub_state(hub_url: str) -> dict[tuple[str, date], tuple[int, str, str, int]]:
    """Per (region, as-of date): what the hub keeps, with the number of figure rows it holds for it."""
    S, F = hub_tables.snapshots, hub_tables.figures
    counts = (sa.select(F.c.region_code, F.c.as_of, sa.func.count().label("n"))
              .group_by(F.c.region_code, F.c.as_of).subquery())
    stmt = (sa.select(S.c.region_code, S.c.as_of, S.c.sequence, S.c.snapshot_id, S.c.content_hash, counts.c.n)
            .outerjoin(counts, sa.and_(counts.c.region_code == S.c.region_code, counts.c.as_of == S.c.as_of)))
    return {(r, a if isinstance(a, date) else date.fromisoformat(a)): (seq, sid, h, n or 0)
            for r, a, seq, sid, h, n in await _rows(hub_url, stmt)}


async def converged(hub_url: str, node_urls: list[str]) -> bool:
    try:
        return await hub_state(hub_url) == await newest_snapshots(node_urls)
    except sa.exc.OperationalError:  # the hub's tables may not exist yet
        return False


async def assert_converged(hub_url: str, node_urls: list[str], timeout: float = 60.0) -> None:
    """The hub ends with exactly the newest snapshot of each region and date: nothing lost, nothing doubled."""
    try:
        await wait_for(lambda: converged(hub_url, node_urls), timeout, "the hub to converge")
    except AssertionError:
        assert await hub_state(hub_url) == await newest_snapshots(node_urls)
        raise


async def unsent(url: str) -> int:
    return (await _rows(url, sa.select(sa.func.count()).select_from(Outbox).where(Outbox.sent_at.is_(None))))[0][0]
