"""The one way mutations change data: one transaction through the write path, errors as ``userErrors``.

The write path (``core.store.clients``, ``episodes``, ``deliveries``) checks
every rule and raises before writing; :func:`write` runs it inside one
transaction and turns what it raises into payload errors, so a change either
commits whole or leaves nothing behind. Events are fired only after the commit.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any, TypeVar

import strawberry
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from core.domain.errors import DomainError, DomainErrors, InvalidValue, raise_if_any
from core.events import Event, dispatch

from .errors import UserError, user_errors
from .guard import audit_change, write_session
from .scalars import to_date, to_decimal, to_id

log = logging.getLogger("kopiena.api")
T = TypeVar("T")

CONFLICT = UserError(code="CONFLICT", field=None,
                     message="Someone changed the same data at the same time; nothing was saved, try again.")


@dataclass
class Outcome:
    value: Any = None
    errors: list[UserError] | None = None

    @property
    def ok(self) -> bool:
        return not self.errors


async def write(info: strawberry.Info, work: Callable[[AsyncSession], Awaitable[T]],
                rename: Mapping[str, str] | None = None) -> Outcome:
    """Run ``work`` in one transaction; a broken rule rolls everything back and becomes ``userErrors``."""
    ctx = info.context
    try:
        # guarded: ids outside the caller's domains are not found; the audit event commits with the change
        async with write_session(ctx) as session, session.begin():
            value = await work(session)
            await audit_change(session, ctx)
    except (DomainError, DomainErrors) as exc:
        return Outcome(errors=user_errors(exc, rename))
    except IntegrityError as exc:
        if not is_unique_violation(exc):
            raise  # the write path let through what the database forbids: a bug, masked and logged
        # the write path checked for duplicates first; only a concurrent change of the same data gets here
        log.warning("request %s: concurrent change, nothing written: %s", ctx.request_id, exc.orig)
        return Outcome(errors=[CONFLICT])
    await ctx.changed()
    return Outcome(value=value)


def is_unique_violation(exc: IntegrityError) -> bool:
    """A unique key taken by another transaction (SQLSTATE 23505 on PostgreSQL, "UNIQUE" on SQLite)."""
    orig = exc.orig
    return getattr(orig, "sqlstate", None) == "23505" or "UNIQUE constraint failed" in str(orig)


def fire(info: strawberry.Info, event_type: str, **data: Any) -> None:
    """Tell plugins after the commit; ``data`` holds ids and codes only, never personal data."""
    node = info.context.node
    dispatch(node.pm, Event(event_type, node.region, data))


class Checked:
    """Reads raw input (IDs, dates, numbers, text) and collects every malformed value with its field."""

    def __init__(self) -> None:
        self.errors: list[DomainError] = []

    def _try(self, convert: Callable[[Any, str], Any], raw: Any, field: str) -> Any:
        try:
            return convert(raw, field)
        except DomainError as exc:
            self.errors.append(exc)
            return None

    def id(self, raw: Any, field: str) -> int | None:
        return self._try(to_id, raw, field)

    def date(self, raw: Any, field: str) -> date | None:
        return self._try(to_date, raw, field)

    def decimal(self, raw: Any, field: str) -> Decimal | None:
        return self._try(to_decimal, raw, field)

    def text(self, raw: str | None, field: str, max_length: int) -> str | None:
        if raw is not None and len(raw) > max_length:
            self.errors.append(InvalidValue(f"At most {max_length} characters.", field=field))
            return None
        return raw

    def done(self) -> None:
        """Raise all collected problems at once (nothing has been read or written yet)."""
        raise_if_any(self.errors)


def column_length(model: type, column: str) -> int:
    return model.__table__.c[column].type.length  # type: ignore[attr-defined]
