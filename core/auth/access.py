"""Access control of one node in one object: tokens -> principal -> policy decisions -> SQL scope.

``Access.open(node)`` builds it at start-up (loading and, if needed, seeding the
policy). Per request: :meth:`Access.authenticate` turns the ``Authorization``
header into a :class:`Principal`; :meth:`Access.require` says which of its grants
allow an action (or raises :class:`Forbidden`); :meth:`Access.scope` gives the
``WHERE`` builder the read queries apply; :meth:`Access.fields` gives field masking.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy import ColumnElement, event
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from sqlalchemy.pool import NullPool

from core.settings import Settings
from core.store.engine import async_url, is_sqlite

from . import audit
from .domains import DomainCatalogue
from .errors import Forbidden
from .fields import PERSONAL_FIELDS, FieldAccess
from .policy import AccessPolicy
from .principal import Grant, Principal
from .scoping import TABLES, Coverage
from .tokens import TokenVerifier

if TYPE_CHECKING:
    from core.node import Node

log = logging.getLogger("kopiena.auth")

MAX_DERIVED = 10_000  # distinct sets of grants whose scope and field access are kept
AGGREGATES_ONLY = {"national_analyst": frozenset({"reference", "indicator"})}
"""Roles limited to these objects whatever the policy says (DESIGN.md: aggregates only,
never personal data)."""


def _wait_for_writers(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.close()


def policy_engine(url: str) -> AsyncEngine:
    """An engine without a pool for loading the policy (see :meth:`Access.open`)."""
    full = async_url(url)
    engine = create_async_engine(full, poolclass=NullPool)
    if is_sqlite(full):
        event.listen(engine.sync_engine, "connect", _wait_for_writers)
    return engine


class Access:
    def __init__(
        self,
        settings: Settings,
        *,
        region: str | None,
        catalogue: DomainCatalogue,
        policy: AccessPolicy,
        verifier: TokenVerifier,
    ) -> None:
        self.settings = settings
        self.region = region
        self.catalogue = catalogue
        self.policy = policy
        self.verifier = verifier
        self._derived: dict[tuple[Any, ...], Any] = {}
        self._generation = -1

    @classmethod
    async def open(cls, node: Node, *, reload_after: float = 30.0) -> Access:
        """Access control of ``node``: its settings and plugins, the policy seeded and loaded.

        The policy is loaded through an engine of its own without a pool: a reload
        is a short, rare read that should neither take one of the node's
        connections nor show up among the statements of the request it happens in.
        """
        catalogue = DomainCatalogue.from_plugins(node.pm)
        verifier = TokenVerifier(node.settings, region=node.region, catalogue=catalogue)
        engine = policy_engine(node.settings.db)
        try:
            policy = await AccessPolicy.open(
                engine, catalogue, region=node.region, pm=node.pm, reload_after=reload_after
            )
        except BaseException:
            await engine.dispose()
            raise
        return cls(node.settings, region=node.region, catalogue=catalogue, policy=policy, verifier=verifier)

    async def close(self) -> None:
        await self.policy.engine.dispose()

    async def authenticate(self, authorization: str | None, *, request_id: str | None = None) -> Principal:
        """The caller of a request (raises :class:`Unauthenticated`), with the policy's grants added."""
        principal = await self.verifier.authenticate(authorization, request_id=request_id)
        await self.policy.refresh()
        return principal.with_grants(self.policy.grants_for(principal.sub, self.region))

    def permitted(self, principal: Principal, obj: str, act: str) -> tuple[Grant, ...]:
        """The caller's grants that allow ``act`` on ``obj`` (in their own domain and below)."""
        return tuple(g for g in principal.grants if self.permitted_grant(g, obj, act))

    def coverage(self, principal: Principal, obj: str, act: str) -> Coverage:
        return Coverage.of(self.permitted(principal, obj, act), self.catalogue)

    def require(self, principal: Principal, obj: str, act: str) -> Coverage:
        """What ``act`` on ``obj`` is allowed on, or :class:`Forbidden` when it is allowed nowhere."""
        coverage = self.coverage(principal, obj, act)
        if not coverage.domains:
            raise Forbidden(f"Your role may not {act} {obj} data here.")
        return coverage

    def grant_for(
        self, principal: Principal, obj: str, act: str, municipality_code: str | None
    ) -> Grant | None:
        """The most specific grant allowing ``act`` on ``obj`` for a record of ``municipality_code``."""
        best: Grant | None = None
        for grant in self.permitted(principal, obj, act):
            if Coverage.of([grant], self.catalogue).covers_municipality(municipality_code):
                if best is None or len(grant.domain.parts) > len(best.domain.parts):
                    best = grant
        return best

    def _kept(self, key: tuple[Any, ...], make: Callable[[], Any]) -> Any:
        """What ``make()`` derives from the policy for ``key``, made once per load of the policy.

        Keyed by the caller's grants (every request of a client carries the same ones): the scope's clauses
        and the field access are the same for all of them until the policy changes.
        """
        if self._generation != self.policy.generation:
            self._derived, self._generation = {}, self.policy.generation
        found = self._derived.get(key)
        if found is None:
            if len(self._derived) > MAX_DERIVED:  # grants come from tokens: keep it bounded
                self._derived.clear()
            found = self._derived[key] = make()
        return found

    def scope(self, principal: Principal, act: str = "read", *, also: str | None = None):
        """``scope(model) -> WHERE clause | None`` for the read queries (unknown tables: no rows).

        ``also``: count only grants that may read this object too (a search on names must
        only reach clients whose names the caller may see).
        """
        clauses: dict[type[Any], ColumnElement[bool] | None] = self._kept(("scope", principal.grants, act, also), dict)

        def where(model: type[Any]) -> ColumnElement[bool] | None:
            if model in clauses:
                return clauses[model]
            table = TABLES.get(model)
            if table is None:
                log.warning("no scoping rule for %s: it reads as empty", getattr(model, "__name__", model))
                return sa.false()
            grants = [
                g
                for g in self.permitted(principal, table.object, act)
                if also is None or self.permitted_grant(g, also, "read")
            ]
            clauses[model] = clause = table.where(Coverage.of(grants, self.catalogue))
            return clause

        return where

    def fields(self, principal: Principal) -> FieldAccess:
        return self._kept(("fields", principal.grants), lambda: self._fields(principal.grants))

    def _fields(self, grants: tuple[Grant, ...]) -> FieldAccess:
        rules = []
        for grant in grants:
            names = frozenset(
                f for f in PERSONAL_FIELDS if self.permitted_grant(grant, f"personal.{f}", "read")
            )
            rules.append((Coverage.of([grant], self.catalogue), names))
        return FieldAccess(tuple(rules))

    def permitted_grant(self, grant: Grant, obj: str, act: str) -> bool:
        limit = AGGREGATES_ONLY.get(grant.role)
        if limit is not None and obj not in limit:
            return False
        return self.policy.allowed(grant.role, grant.domain.path, obj, act)

    def personal_reads(
        self, principal: Principal, reads: Iterable[tuple[int, str, Iterable[str]]]
    ) -> list[dict[str, Any]]:
        """Audit rows for personal data shown: ``(client_id, municipality_code, fields shown)`` each."""
        rows = []
        for client_id, municipality, shown in reads:
            shown = sorted(set(shown))
            if not shown:
                continue
            grant = self.grant_for(principal, "client", "read", municipality)
            rows.append(
                audit.event(
                    principal,
                    audit.PERSONAL_READ,
                    "client",
                    client_id,
                    grant=grant,
                    domain=self.catalogue.municipality_domain(municipality),
                    client_id=client_id,
                    detail={"fields": shown},
                )
            )
        return rows
