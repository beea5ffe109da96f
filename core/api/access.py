"""The API of access control itself: ``me``, ``auditEvents``, ``accessPolicy`` and the policy edits.

Every field here is checked by :class:`core.api.guard.AccessControl` like any
other (``auditEvents`` needs ``audit`` read, the edits ``policy`` write); the
edits are further limited to the editor's own domains, and an editor below
``lv`` may not touch audit or policy rights nor the national roles and
``auditor``. Each edit is written together with its audit event. There is no
mutation of audit events.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import strawberry
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.auth import audit
from core.auth.domains import NATIONAL, covers
from core.auth.errors import Forbidden
from core.auth.policy import OBJECTS, InvalidPolicyLine, PolicyLine, check_line
from core.auth.principal import USER_PREFIX
from core.domain.errors import DomainError
from core.store import models

from .errors import UserError, bad_input, user_errors
from .pagination import DEFAULT_PAGE_SIZE, Connection, Edge, PageInfo, decode_cursor, encode_cursor
from .scalars import lookup_id

RESERVED_ROLES = frozenset({"national_admin", "national_analyst", "auditor"})
RESERVED_OBJECTS = frozenset({"audit", "policy"})


@strawberry.type(description="A role granted on a domain (and everything under it).")
class Grant:
    role: str
    domain: str
    source: str = strawberry.field(
        description="token (the identity provider's claims) or policy (the node's)."
    )


@strawberry.type(description="Who the node takes the caller to be.")
class Viewer:
    subject: str = strawberry.field(description="The token's `sub`, as written in the audit log.")
    grants: list[Grant]


@strawberry.type(description="One entry of the audit log: who read or changed what, when.")
class AuditEvent:
    id: strawberry.ID
    at: dt.datetime = strawberry.field(description="UTC.")
    actor: str
    role: str
    domain: str
    action: str = strawberry.field(description="e.g. personal.read, client.register, policy.add.")
    object_type: str
    object_id: str | None
    client_id: strawberry.ID | None
    request_id: str | None
    detail: str = strawberry.field(
        description="JSON: fields read or changed, objects written (no personal data)."
    )

    @classmethod
    def from_row(cls, row: models.AuditEvent) -> AuditEvent:
        return cls(
            id=strawberry.ID(str(row.id)),
            at=row.at,
            actor=row.actor,
            role=row.role,
            domain=row.domain,
            action=row.action,
            object_type=row.object_type,
            object_id=row.object_id,
            client_id=strawberry.ID(str(row.client_id)) if row.client_id is not None else None,
            request_id=row.request_id,
            detail=row.detail,
        )


@strawberry.input(name="AuditEventFilter", description="Every field given must match.")
class AuditEventFilterInput:
    actor: str | None = None
    action: str | None = None
    client_id: strawberry.ID | None = None
    object_type: str | None = None
    object_id: str | None = None
    request_id: str | None = None
    since: dt.datetime | None = strawberry.field(default=None, description="At or after (UTC).")
    until: dt.datetime | None = strawberry.field(default=None, description="Before (UTC).")

    def to_filter(self) -> audit.AuditFilter:
        client_id = None
        if self.client_id is not None:
            client_id = lookup_id(self.client_id)
            if client_id is None:
                raise bad_input(f"{self.client_id!r} is not an id.", field="filter.clientId")
        return audit.AuditFilter(
            actor=self.actor,
            action=self.action,
            client_id=client_id,
            object_type=self.object_type,
            object_id=self.object_id,
            request_id=self.request_id,
            since=self.since,
            until=self.until,
        )


@strawberry.type(description="A line of the access policy.")
class PolicyRule:
    kind: str = strawberry.field(description="PERMISSION (p) or ROLE_GRANT (g).")
    role: str
    domain: str
    object: str | None
    action: str | None
    effect: str | None = strawberry.field(description="allow or deny (permissions).")
    subject: str | None = strawberry.field(
        description="The token subject a role is granted to (role grants)."
    )
    source: str = strawberry.field(description="database (editable) or plugin (the region's code).")

    @classmethod
    def from_line(cls, line: PolicyLine) -> PolicyRule:
        if line.ptype == "p":
            role, domain, obj, act, eft = line.values
            return cls(
                kind="PERMISSION",
                role=role,
                domain=domain,
                object=obj,
                action=act,
                effect=eft,
                subject=None,
                source=line.source,
            )
        subject, role, domain = line.values
        return cls(
            kind="ROLE_GRANT",
            role=role,
            domain=domain,
            object=None,
            action=None,
            effect=None,
            subject=subject.removeprefix(USER_PREFIX),
            source=line.source,
        )


@strawberry.input
class RoleGrantInput:
    subject: str = strawberry.field(description="The token `sub` of the person or system.")
    role: str
    domain: str


@strawberry.input
class PermissionInput:
    role: str
    domain: str
    object: str = strawberry.field(
        description="reference, indicator, client, episode, delivery, place, "
        "assessment, plan, audit, policy or personal.<field>."
    )
    action: str = strawberry.field(description="read, write or approve.")
    effect: str = strawberry.field(default="allow", description="allow or deny (deny wins).")


@strawberry.type
class PolicyPayload:
    rule: PolicyRule | None
    user_errors: list[UserError]


def _related(a: str, b: str) -> bool:
    return covers(a, b) or covers(b, a)


@strawberry.type
class AccessQuery:
    @strawberry.field(description="The caller as the node sees them: subject and grants.")
    def me(self, info: strawberry.Info) -> Viewer:
        p = info.context.principal
        return Viewer(
            subject=p.sub,
            grants=[Grant(role=g.role, domain=g.domain.path, source=g.source) for g in p.grants],
        )

    @strawberry.field(description="The audit log, newest first, within the caller's domains (auditor).")
    async def audit_events(
        self,
        info: strawberry.Info,
        first: int | None = None,
        after: str | None = None,
        filter: AuditEventFilterInput | None = None,
    ) -> Connection[AuditEvent]:
        ctx = info.context
        maximum = ctx.node.settings.max_page_size
        limit = min(DEFAULT_PAGE_SIZE, maximum) if first is None else first
        if not 0 <= limit <= maximum:
            raise bad_input(f"`first` must be between 0 and {maximum}, not {first}.", field="first")
        before_id = decode_cursor("audit", after)
        stmt = audit.filtered(filter.to_filter() if filter else None)
        where = ctx.scope(models.AuditEvent)
        if where is not None:
            stmt = stmt.where(where)
        page = stmt.where(models.AuditEvent.id < before_id) if before_id else stmt
        async with ctx.db() as session:
            rows = list((await session.scalars(page.limit(limit + 1))).all())

        async def count() -> int:
            async with ctx.db() as session:
                return await _count(session, stmt)

        edges = [Edge(node=AuditEvent.from_row(r), cursor=encode_cursor("audit", r.id)) for r in rows[:limit]]
        page_info = PageInfo(
            has_next_page=len(rows) > limit,
            end_cursor=edges[-1].cursor if edges else None,
            start_cursor=edges[0].cursor if edges else None,
        )
        return Connection[AuditEvent](edges=edges, page_info=page_info, _count=count)

    @strawberry.field(description="Policy lines that apply within the caller's domains (or one `domain`).")
    def access_policy(self, info: strawberry.Info, domain: str | None = None) -> list[PolicyRule]:
        ctx = info.context
        readable = ctx.access.require(ctx.principal, "policy", "read").domains
        if domain is not None:
            try:
                domain = ctx.access.catalogue.parse(domain).path
            except DomainError as exc:
                raise bad_input(exc.message, field="domain") from None
        lines = [
            line
            for line in ctx.access.policy.lines()
            if any(_related(d, line.domain) for d in readable)
            and (domain is None or _related(domain, line.domain))
        ]
        return [PolicyRule.from_line(line) for line in lines]


async def _count(session: AsyncSession, stmt: Any) -> int:
    return int(await session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0)


def _check_editor(ctx: Any, line: PolicyLine) -> None:
    """Raise :class:`Forbidden` unless the caller may edit ``line`` (see the module docstring)."""
    grants = ctx.access.permitted(ctx.principal, "policy", "write")
    covering = [g for g in grants if g.domain.covers(line.domain)]
    if not covering:
        raise Forbidden("The line's domain is outside the domains whose policy you may edit.")
    national = any(g.domain.path == NATIONAL for g in covering)
    obj = line.values[2] if line.ptype == "p" else None
    if not national and (line.role in RESERVED_ROLES or obj in RESERVED_OBJECTS):
        raise Forbidden("Only a national administrator edits audit and policy rights and the national roles.")


def _known(line: PolicyLine) -> None:
    if line.ptype == "p":
        _, _, obj, act, _ = line.values
        if act not in OBJECTS.get(obj, ()):
            raise InvalidPolicyLine(
                f"{obj!r} / {act!r} is not an object and action of the API.", field="object"
            )


async def _edit(info: strawberry.Info, line: PolicyLine, add: bool) -> PolicyPayload:
    ctx = info.context
    policy = ctx.access.policy
    try:
        check_line(line, ctx.access.catalogue)
        _known(line)
    except DomainError as exc:
        return PolicyPayload(rule=None, user_errors=user_errors(exc))
    _check_editor(ctx, line)
    try:
        async with ctx.node.sessions() as session, session.begin():
            await (policy.add(session, line) if add else policy.remove(session, line))
            grant = next(
                g
                for g in ctx.access.permitted(ctx.principal, "policy", "write")
                if g.domain.covers(line.domain)
            )
            await audit.record(
                session,
                ctx.principal,
                "policy.add" if add else "policy.remove",
                "policy",
                grant=grant,
                domain=line.domain,
                detail={"line": line.csv()},
            )
    except DomainError as exc:
        return PolicyPayload(rule=None, user_errors=user_errors(exc))
    await policy.load()
    return PolicyPayload(rule=PolicyRule.from_line(line), user_errors=[])


def _grant_line(data: RoleGrantInput) -> PolicyLine:
    return PolicyLine("g", (USER_PREFIX + data.subject, data.role, data.domain))


def _permission_line(data: PermissionInput) -> PolicyLine:
    return PolicyLine("p", (data.role, data.domain, data.object, data.action, data.effect))


@strawberry.type
class AccessMutation:
    @strawberry.mutation(
        description="Grant a role on a domain to a token subject (national_admin, "
        "regional_coordinator within their domain)."
    )
    async def grant_role(self, info: strawberry.Info, input: RoleGrantInput) -> PolicyPayload:
        return await _edit(info, _grant_line(input), add=True)

    @strawberry.mutation(description="Take back a role granted with grantRole.")
    async def revoke_role(self, info: strawberry.Info, input: RoleGrantInput) -> PolicyPayload:
        return await _edit(info, _grant_line(input), add=False)

    @strawberry.mutation(description="Add a permission line (allow or deny) for a role on a domain.")
    async def set_permission(self, info: strawberry.Info, input: PermissionInput) -> PolicyPayload:
        return await _edit(info, _permission_line(input), add=True)

    @strawberry.mutation(description="Remove a permission line stored in the node's policy.")
    async def remove_permission(self, info: strawberry.Info, input: PermissionInput) -> PolicyPayload:
        return await _edit(info, _permission_line(input), add=False)
