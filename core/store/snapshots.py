"""Indicator snapshots and the outbox: a snapshot and its outbox row are written in one transaction.

The relay (``federation.relay``) later publishes each unsent outbox row and
marks it sent only after JetStream acknowledged it, so a snapshot is never lost
between the node's database and NATS, whatever stops when.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

import core
from core.domain.errors import DomainError
from core.domain.indicators import SUBJECT_PREFIX, Snapshot
from core.node import Node

from .engine import is_sqlite
from .indicators import compute_snapshot
from .migrate import optimize
from .models import IndicatorSnapshot, Outbox, Region, utcnow

LAST_ERROR_MAX = 500


class SnapshotConflict(DomainError):
    code = "SNAPSHOT_CONFLICT"


def subject_for(region: str) -> str:
    return f"{SUBJECT_PREFIX}.{region}"


def new_snapshot_id(region: str, sequence: int) -> str:
    """Readable and unique: ``zemgale-000042-3f9c2a1b`` (the suffix keeps ids unique if a node is rebuilt)."""
    return f"{region}-{sequence:06d}-{uuid.uuid4().hex[:8]}"


async def next_sequence(session: AsyncSession, region: str) -> int:
    last = await session.scalar(sa.select(sa.func.max(IndicatorSnapshot.sequence))
                                .where(IndicatorSnapshot.region_code == region))
    return int(last or 0) + 1


async def write_snapshot(session: AsyncSession, snapshot: Snapshot, *, software_version: str | None = None
                         ) -> IndicatorSnapshot:
    """Add the snapshot with the region's next sequence number and its outbox row (caller commits)."""
    sequence = await next_sequence(session, snapshot.region)
    payload = snapshot.payload()
    row = IndicatorSnapshot(
        id=new_snapshot_id(snapshot.region, sequence), region_code=snapshot.region, as_of=snapshot.as_of,
        sequence=sequence, software_version=software_version or core.__version__,
        content_hash=snapshot.content_hash(), payload=json.dumps(payload, separators=(",", ":"), ensure_ascii=False),
    )
    session.add(row)
    await session.flush()
    session.add(Outbox(snapshot_id=row.id, subject=subject_for(snapshot.region)))
    await session.flush()
    return row


async def take_snapshot(node: Node, as_of: date, *, publish: bool = False
                        ) -> tuple[Snapshot, IndicatorSnapshot | None]:
    """Compute every indicator as of ``as_of``; with ``publish`` also store it and queue it for the relay.

    All figures are read in one transaction (REPEATABLE READ on PostgreSQL) so
    they agree with each other, and the snapshot is written in that same
    transaction. Publishing (say, nightly) is also when a SQLite node refreshes
    the planner's statistics its snapshot query would use (``PRAGMA optimize``).
    """
    async with node.sessions() as session:
        if not is_sqlite(node.settings.db):
            await session.connection(execution_options={"isolation_level": "REPEATABLE READ"})
        snapshot = await compute_snapshot(session, region=node.region, as_of=as_of,
                                          catalogue=node.registry.catalogue, pm=node.pm)
        if not publish:
            await session.rollback()
            return snapshot, None
        try:
            row = await write_snapshot(session, snapshot)
            await optimize(session)
            await session.commit()
        except IntegrityError:
            await session.rollback()
            raise SnapshotConflict("Another snapshot of this region was written at the same time; try again.",
                                   field="asOf") from None
        return snapshot, row


# ---------------------------------------------------------------------------------------------------------------
# the outbox, as the relay sees it


@dataclass(frozen=True)
class PendingSnapshot:
    """An unsent outbox row with everything the relay needs to build the message."""

    outbox_id: int
    subject: str
    snapshot_id: str
    region: str
    region_name: str
    as_of: date
    sequence: int
    software_version: str
    content_hash: str
    created_at: datetime
    attempts: int
    indicators: list[dict[str, Any]]


async def pending(session: AsyncSession, limit: int = 100) -> list[PendingSnapshot]:
    """Unsent snapshots, oldest first."""
    S, O = IndicatorSnapshot, Outbox  # noqa: E741
    stmt = (
        sa.select(O.id, O.subject, S.id, S.region_code, sa.func.coalesce(Region.name_en, S.region_code), S.as_of,
                  S.sequence, S.software_version, S.content_hash, S.created_at, O.attempts, S.payload)
        .select_from(O).join(S, S.id == O.snapshot_id).outerjoin(Region, Region.code == S.region_code)
        .where(O.sent_at.is_(None)).order_by(O.id).limit(limit)  # type: ignore[union-attr]
    )
    rows = (await session.execute(stmt)).all()
    return [PendingSnapshot(*row[:-1], indicators=json.loads(row[-1])) for row in rows]


async def count_pending(session: AsyncSession) -> int:
    return int(await session.scalar(sa.select(sa.func.count()).select_from(Outbox)
                                     .where(Outbox.sent_at.is_(None))) or 0)  # type: ignore[union-attr]


async def mark_sent(session: AsyncSession, outbox_id: int) -> None:
    await session.execute(sa.update(Outbox).where(Outbox.id == outbox_id).values(
        sent_at=utcnow(), attempts=Outbox.attempts + 1, last_error=None))


async def mark_failed(session: AsyncSession, outbox_id: int, error: str) -> None:
    await session.execute(sa.update(Outbox).where(Outbox.id == outbox_id).values(
        attempts=Outbox.attempts + 1, last_error=error[:LAST_ERROR_MAX]))
