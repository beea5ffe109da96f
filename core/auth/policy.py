"""The node's access policy: a casbin RBAC-with-domains enforcer over the ``casbin_rule`` table.

* The model is ``model.conf`` beside this file; domains match hierarchically
  through :func:`within` (a grant on ``lv/zemgale`` falls under a policy line on ``lv``).
* The policy is stored in the database (``casbin_rule``, created by alembic, never by
  the adapter) through the casbin async SQLAlchemy adapter. When the table is empty
  at start-up it is seeded from ``policy.csv``.
* Regions add lines with the ``access_policy(region)`` hook; those are added at every
  load and are not stored, so they cannot be edited through the API.
* Edits (:meth:`AccessPolicy.add` / :meth:`AccessPolicy.remove`) are written in the
  caller's transaction, next to their audit event; call :meth:`AccessPolicy.load`
  after the commit. Other processes pick edits up within ``reload_after`` seconds.
"""

from __future__ import annotations

import asyncio
import logging
import re
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import casbin
import pluggy
from casbin import persist
from casbin_async_sqlalchemy_adapter import Adapter, create_casbin_rule_model
from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession
from sqlalchemy.orm import declarative_base

from core.domain.errors import DomainError, UnknownObject

from .domains import NATIONAL, DomainCatalogue, _syntax_error, covers
from .errors import InvalidDomain
from .principal import USER_PREFIX, Grant, valid_role_name

log = logging.getLogger("kopiena.auth")

HERE = Path(__file__).parent
MODEL_PATH = HERE / "model.conf"
DEFAULT_POLICY_PATH = HERE / "policy.csv"
MAX_CACHED = 50_000  # decisions and subjects' grants kept between loads

PERSONAL_FIELDS = ("name", "personal_code", "birth_date", "address", "diagnosis")
OBJECTS: dict[str, tuple[str, ...]] = {
    "reference": ("read",),
    "indicator": ("read",),
    "client": ("read", "write"),
    "episode": ("read", "write"),
    "delivery": ("read", "write"),
    "place": ("read", "write"),
    "assessment": ("read", "write"),
    "plan": ("read", "write", "approve"),
    "audit": ("read",),
    "policy": ("read", "write"),
    **{f"personal.{name}": ("read",) for name in PERSONAL_FIELDS},
}
"""What the core's API asks about; a plugin's own schema extension may ask about more."""
EFFECTS = ("allow", "deny")

_NAME = re.compile(r"[a-z][a-z0-9_.-]{0,63}\Z")
_USER = re.compile(r"user:[A-Za-z0-9._@:|+-]{1,190}\Z")

# casbin keeps its own rule class; a private declarative base keeps it out of the node's metadata
RuleRow = create_casbin_rule_model(declarative_base())


class InvalidPolicyLine(DomainError):
    code = "INVALID_POLICY_LINE"


@dataclass(frozen=True)
class PolicyLine:
    """``p, role, domain, object, action, effect`` or ``g, subject, role, domain``."""

    ptype: str
    values: tuple[str, ...]
    source: str = field(default="database", compare=False)

    @property
    def domain(self) -> str:
        return self.values[1] if self.ptype == "p" else self.values[2]

    @property
    def role(self) -> str:
        return self.values[0] if self.ptype == "p" else self.values[1]

    def csv(self) -> str:
        return ", ".join((self.ptype, *self.values))


def parse_line(text_line: str, catalogue: DomainCatalogue, *, source: str = "database") -> PolicyLine:
    parts = [part.strip() for part in text_line.split(",")]
    return check_line(PolicyLine(parts[0], tuple(parts[1:]), source), catalogue)


def check_line(line: PolicyLine, catalogue: DomainCatalogue) -> PolicyLine:
    """``line`` if every value is well-formed, else :class:`InvalidPolicyLine` / :class:`InvalidDomain`."""
    v = line.values
    if line.ptype == "p":
        if len(v) != 5:
            raise InvalidPolicyLine(
                "A permission line is: p, role, domain, object, action, effect.", field="line"
            )
        role, domain, obj, act, eft = v
        if not valid_role_name(role):
            raise InvalidPolicyLine(f"{role!r} is not a role name.", field="role")
        catalogue.parse(domain)
        if not _NAME.match(obj):
            raise InvalidPolicyLine(f"{obj!r} is not an object name.", field="object")
        if not _NAME.match(act):
            raise InvalidPolicyLine(f"{act!r} is not an action name.", field="action")
        if eft not in EFFECTS:
            raise InvalidPolicyLine("The effect is allow or deny.", field="effect")
    elif line.ptype == "g":
        if len(v) != 3:
            raise InvalidPolicyLine("A role grant line is: g, user:<subject>, role, domain.", field="line")
        subject, role, domain = v
        if not (_USER.match(subject) or valid_role_name(subject)):
            raise InvalidPolicyLine(f"{subject!r} is not a subject (user:<sub>) or a role.", field="subject")
        if not valid_role_name(role):
            raise InvalidPolicyLine(f"{role!r} is not a role name.", field="role")
        catalogue.parse(domain)
    else:
        raise InvalidPolicyLine("A policy line starts with p or g.", field="line")
    return line


def read_policy_file(path: Path, catalogue: DomainCatalogue, *, source: str) -> list[PolicyLine]:
    out = []
    for raw in path.read_text(encoding="utf-8").splitlines():
        raw = raw.strip()
        if raw and not raw.startswith("#"):
            out.append(parse_line(raw, catalogue, source=source))
    return out


def default_policy(catalogue: DomainCatalogue) -> list[PolicyLine]:
    return read_policy_file(DEFAULT_POLICY_PATH, catalogue, source="default")


def plugin_policy(
    pm: pluggy.PluginManager, region: str | None, catalogue: DomainCatalogue
) -> list[PolicyLine]:
    """The ``access_policy`` hook's lines for ``region``; each must stay inside ``lv/<region>``."""
    if region is None:
        return []
    own = f"{NATIONAL}/{region}"
    out: list[PolicyLine] = []
    for result in pm.hook.access_policy(region=region):
        for raw in result or []:
            try:
                line = parse_line(raw, catalogue, source="plugin")
            except DomainError as exc:
                raise ValueError(f"access_policy line {raw!r}: {exc.message}") from None
            if not covers(own, line.domain):
                raise ValueError(f"access_policy line {raw!r}: its domain must lie within {own}")
            out.append(line)
    return out


@lru_cache(maxsize=4096)
def within(request_domain: object, policy_domain: object) -> bool:
    """casbin's domain matcher: is ``request_domain`` the policy's domain or under it?

    Only canonical paths match; anything else (``lv/zemgale/../kurzeme``, ``lv/*``,
    ``LV``) never matches, so a malformed domain can widen nothing.
    """
    if not isinstance(request_domain, str) or not isinstance(policy_domain, str):
        return False
    if _syntax_error(request_domain) or _syntax_error(policy_domain):
        return False
    return covers(policy_domain, request_domain)


class _NodeAdapter(Adapter):
    """The database's lines, plus the plugins' lines (in memory only)."""

    def __init__(self, engine: AsyncEngine, extra: list[PolicyLine], **kw) -> None:
        super().__init__(engine, db_class=RuleRow, **kw)
        self.extra = extra

    async def load_policy(self, model) -> None:
        await super().load_policy(model)
        for line in self.extra:
            persist.load_policy_line(line.csv(), model)


class AccessPolicy:
    def __init__(
        self,
        engine: AsyncEngine,
        catalogue: DomainCatalogue,
        extra: Iterable[PolicyLine] = (),
        *,
        reload_after: float = 30.0,
    ) -> None:
        self.engine = engine
        self.catalogue = catalogue
        self.extra = list(extra)
        self.reload_after = reload_after
        self.enforcer = casbin.AsyncEnforcer(str(MODEL_PATH), _NodeAdapter(engine, self.extra))
        self.enforcer.enable_auto_save(False)  # edits go through add()/remove() in the caller's transaction
        self.enforcer.add_function("within", within)
        self.enforcer.add_named_domain_matching_func("g", within)
        self._decisions: dict[tuple[str, str, str, str], bool] = {}
        self._grants: dict[tuple[str, str | None], tuple[Grant, ...]] = {}
        self.generation = 0
        """Counts the loads: what was derived from the policy (decisions, grants) holds while it is unchanged."""
        self._loaded_at = float("-inf")
        self._lock = asyncio.Lock()

    @classmethod
    async def open(
        cls,
        engine: AsyncEngine,
        catalogue: DomainCatalogue,
        *,
        region: str | None,
        pm: pluggy.PluginManager,
        reload_after: float = 30.0,
    ) -> AccessPolicy:
        """Seed the table if it is empty, then load the policy (database + the region's plugins)."""
        policy = cls(engine, catalogue, plugin_policy(pm, region, catalogue), reload_after=reload_after)
        await policy.seed_if_empty()
        await policy.load()
        return policy

    async def seed_if_empty(self) -> int:
        """Write the default policy into an empty ``casbin_rule`` table; the number of lines written."""
        async with AsyncSession(self.engine) as session, session.begin():
            if session.bind.dialect.name == "postgresql":  # two workers starting at once seed once
                await session.execute(text("LOCK TABLE casbin_rule IN SHARE ROW EXCLUSIVE MODE"))
            if await session.scalar(select(func.count()).select_from(RuleRow)):
                return 0
            lines = default_policy(self.catalogue)
            adapter = Adapter(self.engine, db_class=RuleRow, db_session=session)
            for ptype in ("p", "g"):
                rules = [list(line.values) for line in lines if line.ptype == ptype]
                await adapter.add_policies(ptype, ptype, rules)
            return len(lines)

    async def load(self) -> None:
        async with self._lock:
            await self.enforcer.load_policy()
            self._decisions, self._grants = {}, {}
            self.generation += 1
            self._loaded_at = time.monotonic()

    async def refresh(self) -> None:
        """Reload when the policy is older than ``reload_after`` seconds (edits of other processes)."""
        if time.monotonic() - self._loaded_at >= self.reload_after:
            await self.load()

    def allowed(self, role: str, domain: str, obj: str, act: str) -> bool:
        key = (role, domain, obj, act)
        decision = self._decisions.get(key)
        if decision is None:
            decision = bool(self.enforcer.enforce(role, domain, obj, act))
            if len(self._decisions) > MAX_CACHED:  # roles come from tokens: keep the cache bounded
                self._decisions.clear()
            self._decisions[key] = decision
        return decision

    def lines(self) -> list[PolicyLine]:
        """Every line in effect, each marked with where it comes from (database or plugin)."""
        plugin = set(self.extra)
        out = []
        for ptype, rules in (("p", self.enforcer.get_policy()), ("g", self.enforcer.get_grouping_policy())):
            for rule in rules:
                line = PolicyLine(ptype, tuple(rule))
                out.append(PolicyLine(ptype, tuple(rule), "plugin" if line in plugin else "database"))
        return out

    def grants_for(self, sub: str, region: str | None) -> tuple[Grant, ...]:
        """Roles the policy grants to ``sub`` (``g, user:<sub>, role, domain``) that apply on this node.

        Kept until the next load: finding them scans every ``g`` line, on every request of the subject.
        """
        key = (sub, region)
        found = self._grants.get(key)
        if found is None:
            if len(self._grants) > MAX_CACHED:  # subjects come from tokens: keep the cache bounded
                self._grants.clear()
            found = self._grants[key] = self._grants_of(sub, region)
        return found

    def _grants_of(self, sub: str, region: str | None) -> tuple[Grant, ...]:
        out = []
        for _, role, domain in self.enforcer.get_filtered_grouping_policy(0, USER_PREFIX + sub):
            try:
                parsed = self.catalogue.parse(domain)
            except InvalidDomain:
                continue
            if region is None or parsed.region in (None, region):
                out.append(Grant(role, parsed, source="policy"))
        return tuple(out)

    async def add(self, session: AsyncSession, line: PolicyLine) -> None:
        """Store ``line`` in the caller's transaction (call :meth:`load` after the commit)."""
        check_line(line, self.catalogue)
        if await self._stored(session, line):
            raise InvalidPolicyLine("This line is already in the policy.", field="line")
        await self._adapter(session).add_policy(line.ptype, line.ptype, list(line.values))
        await session.flush()

    async def remove(self, session: AsyncSession, line: PolicyLine) -> None:
        if not await self._stored(session, line):
            where = " (it comes from a plugin)" if line in set(self.extra) else ""
            raise UnknownObject(f"There is no such line in the stored policy{where}.", field="line")
        await self._adapter(session).remove_policy(line.ptype, line.ptype, list(line.values))

    async def _stored(self, session: AsyncSession, line: PolicyLine) -> bool:
        stmt = select(func.count()).select_from(RuleRow).where(RuleRow.ptype == line.ptype)
        for i, value in enumerate(line.values):
            stmt = stmt.where(getattr(RuleRow, f"v{i}") == value)
        return bool(await session.scalar(stmt))

    def _adapter(self, session: AsyncSession) -> Adapter:
        return Adapter(self.engine, db_class=RuleRow, db_session=session)
