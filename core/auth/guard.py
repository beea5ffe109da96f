"""Guarded write sessions: a change can only reach and create objects inside the caller's domains.

The write path (``core.store``) finds every object it is given an id of with
``session.get``. In a guarded session ``get`` adds the caller's scope to that
lookup in SQL, so an object of another municipality is "not found" exactly like
an id that does not exist: the write path's own ``NOT_FOUND`` error, with its
own field name, raised before any rule could say something about the object.

Before every flush the session also checks what is about to be written: a new
or changed client, place or episode must lie in a municipality the caller's
grant covers (registering a client in another municipality, moving one there or
making another municipality pay is :class:`Forbidden`), and audit events can
never be changed or deleted. What was written is remembered for the audit event
of the change (:attr:`WriteGuard.touched`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import event, inspect, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession
from sqlalchemy.orm import Session

from core.store import models as m

from .errors import Forbidden
from .scoping import TABLES, Coverage

GUARD_KEY = "kopiena.guard"
PERSON_TABLES = (m.Client, m.ServiceEpisode, m.Delivery, m.Assessment, m.SupportPlan, m.SupportPlanItem)


@dataclass
class Touched:
    obj: Any
    new: bool
    changed: tuple[str, ...]

    @property
    def kind(self) -> str:
        table = TABLES.get(type(self.obj))
        return table.object if table else type(self.obj).__tablename__

    @property
    def id(self) -> Any:
        return getattr(self.obj, "id", None)


@dataclass
class WriteGuard:
    """The coverage of the grants that allow this change (its object and action)."""

    coverage: Coverage
    touched: list[Touched] = field(default_factory=list)

    def where(self, model: type[Any]):
        table = TABLES.get(model)
        if table is None or table.object in ("reference", "indicator"):
            return None
        return table.where(self.coverage)

    def check(self, obj: Any, new: bool) -> None:
        """Refuse writing ``obj`` outside the coverage (only what the row itself says is checked here;
        the rows it hangs on were found through the guarded ``get``)."""
        if isinstance(obj, m.AuditEvent) and not new:
            raise Forbidden("Audit events cannot be changed or deleted.")
        for attr in _MUNICIPALITY_ATTRS.get(type(obj), ()):
            code = getattr(obj, attr, None)
            if code is not None and not self.coverage.covers_municipality(code):
                raise Forbidden(f"Your role does not cover the municipality {code!r}.")


_MUNICIPALITY_ATTRS: dict[type, tuple[str, ...]] = {
    m.Client: ("municipality_code",),
    m.ServicePlace: ("municipality_code",),
    m.ServiceEpisode: ("granted_by",),
}


class GuardedSession(Session):
    """A sync ORM session whose ``get`` applies the guard's scope in SQL (see the module docstring)."""

    def get(self, entity: Any, ident: Any, **kw: Any) -> Any:  # type: ignore[override]
        guard: WriteGuard | None = self.info.get(GUARD_KEY)
        clause = guard.where(entity) if guard is not None and isinstance(entity, type) else None
        if clause is None:
            return super().get(entity, ident, **kw)
        pk = inspect(entity).primary_key
        if len(pk) != 1 or kw:
            found = super().get(entity, ident, **kw)
            if found is None:
                return None
            ident = getattr(found, pk[0].key)
        stmt = select(entity).where(pk[0] == ident).where(clause)
        return self.execute(stmt).scalar_one_or_none()


@event.listens_for(GuardedSession, "before_flush")
def _check_before_flush(session: Session, _context: Any, _instances: Any) -> None:
    guard: WriteGuard | None = session.info.get(GUARD_KEY)
    if guard is None:
        return
    for obj in session.deleted:
        if isinstance(obj, m.AuditEvent):
            raise Forbidden("Audit events cannot be changed or deleted.")
    for obj, new in [(o, True) for o in session.new] + [(o, False) for o in session.dirty]:
        changed = () if new else _changed_attributes(obj)
        if not new and not changed:
            continue
        guard.check(obj, new)
        if not any(t.obj is obj for t in guard.touched):
            guard.touched.append(Touched(obj, new, changed))


def _changed_attributes(obj: Any) -> tuple[str, ...]:
    state = inspect(obj)
    return tuple(a.key for a in state.attrs if a.history.has_changes())


def guarded(engine: AsyncEngine, guard: WriteGuard) -> AsyncSession:
    """A new async session on ``engine`` whose lookups and writes are limited by ``guard``."""
    session = AsyncSession(engine, expire_on_commit=False, sync_session_class=GuardedSession)
    session.sync_session.info[GUARD_KEY] = guard
    return session
