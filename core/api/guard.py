"""Access control wired into the API: token -> principal -> casbin checks, SQL scope, masking, audit.

* :class:`RequireToken` wraps ``/graphql``: every request except the GraphiQL
  page (a browser's ``GET`` asking for HTML) needs a valid bearer token, else
  401 with a GraphQL error ``UNAUTHENTICATED``. It opens the node's
  :class:`~core.auth.Access` on the first request.
* :func:`attach` (a context hook) puts the principal, the SQL scope and the
  field access into the request's context.
* :func:`guard_root_fields` checks every root field against :data:`QUERIES` /
  :data:`MUTATIONS` (``FORBIDDEN`` when no grant allows it) and runs every
  mutation in a guarded session (:func:`write_session`) whose audit event is
  written in the same transaction (:func:`audit_change`); :class:`AccessControl`
  (a schema extension) writes the audit events of the personal data a response
  shows before the response leaves.
* :func:`personal` is how the ``Client`` type shows a personal field: the value
  when a grant covering the client allows it (the read is noted for the audit
  log), else ``null``.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from graphql import GraphQLError, GraphQLField, GraphQLSchema, default_field_resolver
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Receive, Scope, Send
from strawberry.extensions import SchemaExtension

from core.auth import Access, AuthError, Forbidden, Unauthenticated
from core.auth import audit as audit_log
from core.auth.fields import FIELD_OF_ATTRIBUTE, GRAPHQL_NAMES
from core.auth.guard import GUARD_KEY, WriteGuard, guarded
from core.auth.principal import Principal
from core.node import Node
from core.store import models as m

from .context import CONTEXT_HOOKS, Context, request_id_from
from .errors import UNEXPECTED

log = logging.getLogger("kopiena.api")


@dataclass(frozen=True)
class Operation:
    """What a root field needs: ``act`` on ``obj`` (casbin); ``audit`` names the change it records."""

    obj: str
    act: str
    audit: str | None = None


def _ops(obj: str, act: str, *names: str) -> dict[str, Operation]:
    return {name: Operation(obj, act) for name in names}


QUERIES: dict[str, Operation | None] = {
    **_ops(
        "reference",
        "read",
        "municipalities",
        "serviceTypes",
        "rates",
        "institutions",
        "targets",
        "assessmentInstruments",
    ),
    **_ops("place", "read", "servicePlaces", "servicePlace"),
    **_ops("client", "read", "clients", "client"),
    **_ops("episode", "read", "serviceEpisodes", "serviceEpisode"),
    **_ops("delivery", "read", "deliveries", "delivery"),
    **_ops("assessment", "read", "assessment"),
    **_ops("plan", "read", "supportPlan", "plannedVersusDelivered"),
    **_ops("indicator", "read", "indicators"),
    **_ops("audit", "read", "auditEvents"),
    **_ops("policy", "read", "accessPolicy"),
    "me": None,  # any authenticated caller: who the node thinks you are
    "__typename": None,
    "__schema": None,
    "__type": None,
}
MUTATIONS: dict[str, Operation] = {
    "registerClient": Operation("client", "write", "client.register"),
    "updateClient": Operation("client", "write", "client.update"),
    "recordInstitutionExit": Operation("client", "write", "client.exit"),
    "createServicePlace": Operation("place", "write", "place.create"),
    "startServiceEpisode": Operation("episode", "write", "episode.start"),
    "endServiceEpisode": Operation("episode", "write", "episode.end"),
    "recordDeliveries": Operation("delivery", "write", "deliveries.record"),
    "recordAssessment": Operation("assessment", "write", "assessment.record"),
    "proposeSupportPlan": Operation("plan", "write", "plan.propose"),
    "createSupportPlan": Operation("plan", "write", "plan.create"),
    "approveSupportPlan": Operation("plan", "approve", "plan.approve"),
    "closeSupportPlan": Operation("plan", "approve", "plan.close"),
    "grantRole": Operation("policy", "write", "policy.add"),
    "revokeRole": Operation("policy", "write", "policy.remove"),
    "setPermission": Operation("policy", "write", "policy.add"),
    "removePermission": Operation("policy", "write", "policy.remove"),
}
ACCESS_METADATA = "kopiena.access"
"""A plugin's root field says what it needs with ``strawberry.field(metadata={"kopiena.access": ("client",
"read")})``; a plugin query without it needs ``reference`` read, a plugin mutation without it is refused."""


def operation_of(parent: str, name: str, field: GraphQLField) -> Operation | None:
    """What root field ``parent.name`` needs (raises :class:`Forbidden` for an undeclared mutation)."""
    known = MUTATIONS if parent == "Mutation" else QUERIES
    if name in known:
        return known[name]
    definition = field.extensions.get("strawberry-definition")
    declared = (getattr(definition, "metadata", None) or {}).get(ACCESS_METADATA)
    if declared:
        return Operation(*declared)
    if parent == "Mutation":
        log.warning("mutation %s declares no access (%s metadata): refused", name, ACCESS_METADATA)
        raise Forbidden(f"{name} is not open to any role.")
    return Operation("reference", "read")


def graphql_error(exc: AuthError) -> GraphQLError:
    return GraphQLError(exc.message, extensions={"code": exc.code})


# --- HTTP: the token --------------------------------------------------------------------------------------


class RequireToken:
    """``/graphql`` behind a bearer token; the GraphiQL page itself stays open."""

    def __init__(self, app: ASGIApp, node: Node) -> None:
        self.app = app
        self.node = node
        self._access: Access | None = None
        self._lock = asyncio.Lock()

    async def access(self) -> Access:
        if self._access is None:
            async with self._lock:
                if self._access is None:
                    self._access = await Access.open(self.node)
        return self._access

    async def close(self) -> None:
        if self._access is not None:
            await self._access.close()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request = Request(scope)
        if request.method == "GET" and "text/html" in request.headers.get("accept", ""):
            await self.app(scope, receive, send)  # the GraphiQL page: no data in it
            return
        access = await self.access()
        try:
            principal = await access.authenticate(
                request.headers.get("authorization"), request_id=request_id_from(request)
            )
        except Unauthenticated as exc:
            body = {"data": None, "errors": [{"message": exc.message, "extensions": {"code": exc.code}}]}
            await JSONResponse(body, status_code=401, headers={"WWW-Authenticate": 'Bearer realm="kopiena"'})(
                scope, receive, send
            )
            return
        state = scope.setdefault("state", {})
        state["access"], state["principal"] = access, principal
        await self.app(scope, receive, send)


# --- the context ------------------------------------------------------------------------------------------


def attach(ctx: Context) -> None:
    """Context hook: the caller, their scope and field access (nothing when no token was checked)."""
    state = getattr(ctx.request, "state", None)
    authorise(ctx, getattr(state, "access", None), getattr(state, "principal", None))


def authorise(
    ctx: Context, access: Access | None, principal: Principal | None, mutation: str | None = None
) -> Context:
    """Fill ``ctx`` for ``principal`` (None: nobody, every read is empty); ``mutation``: about to run it."""
    ctx.access = access
    ctx.operation, ctx.operation_name = (MUTATIONS[mutation], mutation) if mutation else (None, None)
    ctx.personal_reads = {}
    if principal is None or access is None:
        ctx.principal, ctx.scope, ctx.fields = None, _nothing, None
        return ctx
    if principal.request_id != ctx.request_id:
        principal = Principal(principal.sub, principal.grants, principal.token_id, ctx.request_id)
    ctx.principal = principal
    ctx.scope = access.scope(principal)
    ctx.fields = access.fields(principal)
    return ctx


def _nothing(_model: type) -> Any:
    return sa.false()


CONTEXT_HOOKS.append(attach)


def name_search_scope(ctx: Context) -> Any:
    """The scope of a search on names: only clients whose names the caller may see can match."""
    if getattr(ctx, "access", None) is None or ctx.principal is None:
        return _nothing
    return ctx.access.scope(ctx.principal, also="personal.name")


# --- reading personal fields ------------------------------------------------------------------------------


def personal(info: Any, row: Any, attribute: str) -> Any:
    """``row.<attribute>`` (a client's personal field) when the caller may see it, else None."""
    ctx = info.context
    field = FIELD_OF_ATTRIBUTE[attribute]
    fields = getattr(ctx, "fields", None)
    if fields is None or field not in fields.visible(row.municipality_code):
        return None
    value = getattr(row, attribute)
    if value is not None:
        _, seen = ctx.personal_reads.setdefault(row.id, (row.municipality_code, set()))
        seen.add(field)
    return value


def masked(info: Any, row: Any) -> list[str]:
    fields = getattr(info.context, "fields", None)
    if fields is None:
        return [name for names in GRAPHQL_NAMES.values() for name in names]
    return fields.masked(row.municipality_code)


# --- writing ----------------------------------------------------------------------------------------------


def write_session(ctx: Context) -> AsyncSession:
    """The session of one change: guarded by the grants that allow the current mutation."""
    op: Operation | None = getattr(ctx, "operation", None)
    access: Access | None = getattr(ctx, "access", None)
    if op is None or access is None or ctx.principal is None:
        raise Forbidden("Changes need an authorised mutation.")
    guard = WriteGuard(access.require(ctx.principal, op.obj, op.act))
    return guarded(ctx.node.engine, guard)


async def audit_change(session: AsyncSession, ctx: Context) -> None:
    """The audit event of the change just made in ``session`` (before its commit)."""
    await session.flush()
    guard: WriteGuard = session.sync_session.info[GUARD_KEY]
    op: Operation = ctx.operation
    if not guard.touched:
        return
    primary = next((t for t in guard.touched if t.kind == op.obj), guard.touched[0])
    client_id = _client_of(primary.obj)
    objects: dict[str, list] = {}
    for t in guard.touched:
        objects.setdefault(t.kind, []).append(t.id)
    detail: dict[str, Any] = {"mutation": ctx.operation_name, "objects": objects}
    if primary.changed:
        detail["changed"] = sorted(primary.changed)
    access: Access = ctx.access
    municipality = await _municipality_of(session, primary.obj)
    grant = access.grant_for(ctx.principal, op.obj, op.act, municipality)
    domain = access.catalogue.municipality_domain(municipality) if municipality else None
    await audit_log.record(
        session,
        ctx.principal,
        op.audit or f"{op.obj}.{op.act}",
        primary.kind,
        primary.id,
        grant=grant,
        domain=domain,
        client_id=client_id,
        detail=detail,
    )


def _client_of(obj: Any) -> int | None:
    if isinstance(obj, m.Client):
        return obj.id
    return getattr(obj, "client_id", None)


async def _municipality_of(session: AsyncSession, obj: Any) -> str | None:
    if isinstance(obj, m.Client | m.ServicePlace):
        return obj.municipality_code
    client_id = _client_of(obj)
    if client_id is None and isinstance(obj, m.Delivery):
        episode = await session.get(m.ServiceEpisode, obj.episode_id)
        client_id = episode.client_id if episode else None
    if client_id is None:
        return None
    client = await session.get(m.Client, client_id)
    return client.municipality_code if client else None


# --- the schema extension ---------------------------------------------------------------------------------


def guard_root_fields(schema: GraphQLSchema) -> None:
    """Put the access check in front of each root field's resolver, and nowhere else.

    Nested fields need no check of their own (what they read is scoped in SQL), so the check is not a
    schema extension's ``resolve`` hook: that would run for every one of the ~7,000 fields of a page of
    clients. Root introspection fields (``__typename``, ``__schema``) need no right; a request without
    a valid token never gets this far (:class:`RequireToken` answers 401).
    """
    for root in (schema.query_type, schema.mutation_type):
        for name, field in (root.fields.items() if root is not None else ()):
            field.resolve = _guarded(root.name, name, field)


def _guarded(parent: str, name: str, field: GraphQLField) -> Callable[..., Any]:
    resolve = field.resolve or default_field_resolver
    try:
        op, refused = operation_of(parent, name, field), None
    except Forbidden as exc:
        op, refused = None, exc
    mutation = parent == "Mutation"

    def guarded(root: Any, info: Any, **kwargs: Any) -> Any:
        ctx = info.context
        if getattr(ctx, "principal", None) is None:
            raise graphql_error(Unauthenticated("A bearer token is required."))
        try:
            if refused is not None:
                raise refused
            if op is not None:
                ctx.access.require(ctx.principal, op.obj, op.act)
        except AuthError as exc:
            raise graphql_error(exc) from None
        if not mutation:
            return resolve(root, info, **kwargs)
        return _mutation(ctx, op, name, lambda: resolve(root, info, **kwargs))

    return guarded


async def _mutation(ctx: Any, op: Operation | None, name: str, call: Any) -> Any:
    """Run one mutation field knowing what it is (its guarded session and audit event need it)."""
    ctx.operation, ctx.operation_name = op, name
    try:
        result = call()
        return await result if inspect.isawaitable(result) else result
    finally:
        ctx.operation = ctx.operation_name = None


class AccessControl(SchemaExtension):
    """Audits the personal data of the response (the root fields are checked by :func:`guard_root_fields`)."""

    async def on_execute(self) -> AsyncIterator[None]:  # type: ignore[override]
        yield
        ctx = self.execution_context.context
        reads = getattr(ctx, "personal_reads", None)
        if not reads:
            return
        rows = ctx.access.personal_reads(ctx.principal, [(cid, muni, f) for cid, (muni, f) in reads.items()])
        try:
            # in the request's own transaction: its reads are done (this runs after the execution), and one
            # transaction saves a connection and a BEGIN (SQLite reads take no snapshot: pysqlite begins
            # before the first write)
            async with ctx.db() as session:
                try:
                    await audit_log.record_many(session, rows)
                    await session.commit()
                except BaseException:
                    await session.rollback()
                    raise
        except Exception:  # never hand out personal data whose reading is not on record
            log.exception(
                "request %s: the audit events of personal data could not be written", ctx.request_id
            )
            result = self.execution_context.result
            result.data = None
            result.errors = [
                GraphQLError(
                    UNEXPECTED, extensions={"code": "INTERNAL_SERVER_ERROR", "requestId": ctx.request_id}
                )
            ]
