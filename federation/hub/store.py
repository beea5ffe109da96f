"""Writing to the hub's database: one snapshot replaces the previous one of its region and date.

Only the newest sequence of a (region, as-of date) is kept: an older or equal
sequence arriving later (a duplicate, a late or out-of-order delivery) changes
nothing. Figures of a snapshot are replaced in the same transaction as its
snapshot row, so a reader never sees half of one.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from core.domain.regions import RegionInfo
from core.store.engine import create_engine, session_factory

from ..messages import IndicatorBlock, SnapshotMessage
from . import models as t
from .figures import insert_figures
from .migrate import upgrade_async

Key = tuple[str, date]
"""(region, as-of date): what a snapshot replaces."""


class Outcome(enum.StrEnum):
    ACCEPTED = "accepted"
    """Newer than what the hub had for the region and date: it replaced it."""
    DUPLICATE = "duplicate"
    """The same sequence again: nothing changed."""
    STALE = "stale"
    """An older sequence than the hub already has: nothing changed."""


def utcnow() -> datetime:
    return datetime.now(UTC)


def _key(message: SnapshotMessage) -> Key:
    return message.region, message.as_of


def decide(messages: Sequence[SnapshotMessage],
           current: dict[Key, int]) -> tuple[list[Outcome], dict[Key, SnapshotMessage]]:
    """Each message's outcome as if they came one after the other onto the sequences in ``current``, and the
    message that ends up kept per key (one accepted and then outdated in the same batch is never written)."""
    newest = dict(current)
    outcomes: list[Outcome] = []
    winners: dict[Key, SnapshotMessage] = {}
    for m in messages:
        have = newest.get(_key(m))
        if have is not None and have >= m.sequence:
            outcomes.append(Outcome.DUPLICATE if have == m.sequence else Outcome.STALE)
            continue
        newest[_key(m)] = m.sequence
        winners[_key(m)] = m
        outcomes.append(Outcome.ACCEPTED)
    return outcomes, winners


async def _upsert(session: AsyncSession, table: sa.Table, key: dict[str, Any], values: dict[str, Any]) -> None:
    where = sa.and_(*(table.c[k] == v for k, v in key.items()))
    updated = await session.execute(sa.update(table).where(where).values(**values))
    if updated.rowcount == 0:  # type: ignore[attr-defined]
        await session.execute(sa.insert(table).values(**key, **values))


def _declaration(block: IndicatorBlock) -> dict[str, str]:
    return {"description": block.description, "unit": block.unit, "dimensions": ",".join(block.dimensions)}


async def _current(session: AsyncSession, keys: set[Key]) -> dict[Key, int]:
    """The sequences the hub keeps for ``keys``, locking those rows (PostgreSQL; SQLite has one writer anyway)."""
    S = t.snapshots.c
    rows = await session.execute(sa.select(S.region_code, S.as_of, S.sequence)
                                 .where(sa.tuple_(S.region_code, S.as_of).in_(list(keys))).with_for_update())
    return {(region, as_of): sequence for region, as_of, sequence in rows}


def _snapshot_values(m: SnapshotMessage, received_at: datetime) -> dict[str, Any]:
    return {"sequence": m.sequence, "snapshot_id": m.snapshot_id, "content_hash": m.content_hash,
            "software_version": m.software_version, "schema_version": m.schema_version,
            "produced_at": m.created_at, "received_at": received_at}


async def _replace_snapshots(session: AsyncSession, winners: dict[Key, SnapshotMessage], existing: set[Key]) -> None:
    """Point each key at its new snapshot; the previous figures of replaced keys go (new ones are inserted next)."""
    S, now = t.snapshots.c, utcnow()
    replaced = [k for k in winners if k in existing]
    if replaced:  # an OR of equalities, which both databases match against the figures' index
        F = t.figures.c
        await session.execute(sa.delete(t.figures).where(
            sa.or_(*(sa.and_(F.region_code == region, F.as_of == as_of) for region, as_of in replaced))))
    for region, as_of in replaced:
        await session.execute(sa.update(t.snapshots).where(S.region_code == region, S.as_of == as_of)
                              .values(**_snapshot_values(winners[region, as_of], now)))
    new = [{"region_code": k[0], "as_of": k[1], **_snapshot_values(m, now)}
           for k, m in winners.items() if k not in existing]
    if new:
        await session.execute(sa.insert(t.snapshots), new)


@dataclass
class HubStore:
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    regions: dict[str, str] = field(default_factory=dict)
    """Region names as committed, so an unchanged name is not written again with every snapshot."""
    declared: dict[str, dict[str, str]] = field(default_factory=dict)
    """Indicator declarations as committed: only a new or changed one is written."""

    @classmethod
    def open(cls, url: str) -> HubStore:
        engine = create_engine(url)
        return cls(engine, session_factory(engine))

    async def migrate(self) -> None:
        await upgrade_async(self.engine)

    async def close(self) -> None:
        await self.engine.dispose()

    async def ingest(self, message: SnapshotMessage) -> Outcome:
        """Keep ``message`` if it is the newest of its region and date; commit before returning."""
        return (await self.ingest_many([message]))[0]

    async def ingest_many(self, messages: Sequence[SnapshotMessage]) -> list[Outcome]:
        """Ingest ``messages`` in one transaction, committed before returning; each outcome is what ingesting
        them one after the other would have given. Any error rolls all of them back."""
        if not messages:
            return []
        regions, declared = {}, {}
        async with self.sessions() as session, session.begin():
            current = await _current(session, {_key(m) for m in messages})
            outcomes, winners = decide(messages, current)
            if winners:
                regions = await self._name_regions(session, winners.values())
                await _replace_snapshots(session, winners, set(current))
                declared = await self._declare(session, winners.values())
                await insert_figures(session, list(winners.values()))
        self.regions.update(regions)  # committed: the caches may say so now
        self.declared.update(declared)
        return outcomes

    async def _name_regions(self, session: AsyncSession, messages: Iterable[SnapshotMessage]) -> dict[str, str]:
        names = {m.region: m.region_name for m in messages}
        changed = {code: name for code, name in names.items() if self.regions.get(code) != name}
        for code, name in changed.items():
            await _upsert(session, t.regions, {"code": code}, {"name": name})
        return changed

    async def _declare(self, session: AsyncSession, messages: Iterable[SnapshotMessage]) -> dict[str, dict[str, str]]:
        blocks = {b.code: _declaration(b) for m in messages for b in m.indicators}
        changed = {code: d for code, d in blocks.items() if self.declared.get(code) != d}
        for code, d in changed.items():
            await _upsert(session, t.indicators, {"code": code}, d)
        return changed

    async def record_rejection(self, *, subject: str, msg_id: str | None, stream_sequence: int | None,
                               reason: str) -> None:
        """Remember that a message was dead-lettered (why and which, never its content)."""
        async with self.sessions() as session, session.begin():
            await session.execute(sa.insert(t.rejections).values(
                received_at=utcnow(), subject=subject[:200], msg_id=(msg_id or None) and msg_id[:200],
                stream_sequence=stream_sequence, reason=reason[:500]))

    async def know_regions(self, regions: list[RegionInfo]) -> None:
        """List regions before they first report, so a silent region shows up as such."""
        async with self.sessions() as session, session.begin():
            for r in regions:
                exists = await session.scalar(sa.select(t.regions.c.code).where(t.regions.c.code == r.code))
                if exists is None:
                    await session.execute(sa.insert(t.regions).values(code=r.code, name=r.name_en))
