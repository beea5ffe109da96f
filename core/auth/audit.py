"""The audit log (*audita žurnāls*): who read or changed what, written in the caller's transaction.

Every change writes one event in the same transaction as the change, so an
event exists exactly when the change was committed. Every read of a person's
personal data writes one ``personal.read`` event per person, with the fields
shown, in the transaction of the request. There is no function that changes or
deletes an event: the API only ever inserts and reads them.

Columns: ``at`` (UTC), ``actor`` (the token's subject), ``role`` and ``domain``
(the grant that allowed the action; ``domain`` is narrowed to the person's
municipality when there is one, so a regional auditor sees what a national
role did in the region), ``action`` (e.g. ``client.register``, ``personal.read``,
``policy.add``), ``object_type`` / ``object_id``, ``client_id``, ``request_id``
and ``detail`` (JSON, never personal data).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, insert, select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession
from sqlmodel import col

from core.store.models import AuditEvent, utcnow

from .principal import Grant, Principal

PERSONAL_READ = "personal.read"


@dataclass(frozen=True)
class AuditFilter:
    actor: str | None = None
    action: str | None = None
    client_id: int | None = None
    object_type: str | None = None
    object_id: str | None = None
    request_id: str | None = None
    since: datetime | None = None
    until: datetime | None = None


def event(
    principal: Principal,
    action: str,
    object_type: str,
    object_id: object = None,
    *,
    grant: Grant | None = None,
    domain: str | None = None,
    client_id: int | None = None,
    detail: Mapping[str, Any] | None = None,
    at: datetime | None = None,
) -> dict[str, Any]:
    """One audit row as a dict (insert it with :func:`record_many` or :func:`record`)."""
    if grant is None and principal.grants:
        grant = principal.grants[0]
    return {
        "at": at or utcnow(),
        "actor": principal.sub[:200],
        "role": grant.role if grant else "",
        "domain": (domain or (grant.domain.path if grant else ""))[:200],
        "action": action[:64],
        "object_type": object_type[:64],
        "object_id": None if object_id is None else str(object_id)[:64],
        "client_id": client_id,
        "request_id": principal.request_id,
        "detail": json.dumps(dict(detail or {}), sort_keys=True, default=str),
    }


async def record_many(session: AsyncSession | AsyncConnection, rows: Iterable[Mapping[str, Any]]) -> int:
    """Insert the rows in one statement inside the caller's transaction (no commit here).

    A Core insert of the table: the rows are complete dicts (:func:`event`), so the ORM's bulk
    insert has nothing to add, and cost several times more per request.
    """
    rows = list(rows)
    if rows:
        await session.execute(insert(AuditEvent.__table__), rows)  # type: ignore[attr-defined]
    return len(rows)


async def record(
    session: AsyncSession,
    principal: Principal,
    action: str,
    object_type: str,
    object_id: object = None,
    **kw: Any,
) -> None:
    await record_many(session, [event(principal, action, object_type, object_id, **kw)])


def filtered(f: AuditFilter | None) -> Select:
    """Audit events matching ``f``, newest first (apply the caller's scope to it)."""
    stmt = select(AuditEvent)
    f = f or AuditFilter()
    for column, value in (
        (AuditEvent.actor, f.actor),
        (AuditEvent.action, f.action),
        (AuditEvent.client_id, f.client_id),
        (AuditEvent.object_type, f.object_type),
        (AuditEvent.object_id, f.object_id),
        (AuditEvent.request_id, f.request_id),
    ):
        if value is not None:
            stmt = stmt.where(column == value)
    if f.since is not None:
        stmt = stmt.where(AuditEvent.at >= f.since)
    if f.until is not None:
        stmt = stmt.where(AuditEvent.at < f.until)
    return stmt.order_by(col(AuditEvent.at).desc(), col(AuditEvent.id).desc())
