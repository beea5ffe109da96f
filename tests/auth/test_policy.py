"""The casbin policy on real databases: seeding, decisions, the access_policy hook, edits in a transaction."""

import pytest
from sqlalchemy import func, select

from core import hookimpl
from core.auth.access import Access
from core.auth.domains import DomainCatalogue
from core.auth.errors import InvalidDomain
from core.auth.policy import (
    DEFAULT_POLICY_PATH,
    AccessPolicy,
    InvalidPolicyLine,
    PolicyLine,
    RuleRow,
    plugin_policy,
)
from core.auth.principal import Grant, Principal
from core.domain.errors import UnknownObject
from core.plugins import get_plugin_manager

pytestmark = pytest.mark.anyio

DEFAULT_LINES = sum(
    1 for line in DEFAULT_POLICY_PATH.read_text().splitlines() if line.strip() and not line.startswith("#")
)


@pytest.fixture(scope="module")
def catalogue():
    return DomainCatalogue.from_plugins()


async def open_policy(node, catalogue, **kw) -> AccessPolicy:
    return await AccessPolicy.open(node.engine, catalogue, region="zemgale", pm=node.pm, **kw)


async def stored(node) -> int:
    async with node.sessions() as s:
        return await s.scalar(select(func.count()).select_from(RuleRow))


async def test_an_empty_table_is_seeded_once_from_the_default_policy(node, catalogue):
    assert await stored(node) == 0
    policy = await open_policy(node, catalogue)
    assert await stored(node) == DEFAULT_LINES
    assert {line.source for line in policy.lines()} == {"database"} and len(policy.lines()) == DEFAULT_LINES
    again = await open_policy(node, catalogue)
    assert await stored(node) == DEFAULT_LINES and await again.seed_if_empty() == 0


DECISIONS = [
    # role, grant domain, object, action, allowed
    ("municipal_social_worker", "lv/zemgale/0003000", "client", "write", True),
    ("municipal_social_worker", "lv/zemgale/0003000", "policy", "write", False),
    ("municipal_social_worker", "lv/zemgale/0003000", "audit", "read", False),
    ("assessor", "lv/zemgale", "assessment", "write", True),
    ("assessor", "lv/zemgale", "plan", "approve", False),
    ("assessor", "lv/zemgale", "personal.address", "read", False),
    ("assessor", "lv/zemgale", "personal.diagnosis", "read", True),
    ("service_provider", "lv/zemgale/0028000", "delivery", "write", True),
    ("service_provider", "lv/zemgale/0028000", "personal.personal_code", "read", False),
    ("regional_coordinator", "lv/zemgale", "policy", "write", True),
    ("national_admin", "lv", "personal.name", "read", False),
    ("national_admin", "lv", "policy", "write", True),
    ("national_analyst", "lv", "indicator", "read", True),
    ("national_analyst", "lv", "client", "read", False),
    ("national_analyst", "lv", "personal.name", "read", False),
    ("auditor", "lv", "audit", "read", True),
    ("auditor", "lv", "client", "read", False),
    ("integration", "lv/zemgale/0025000", "personal.personal_code", "read", True),
    ("integration", "lv/zemgale/0025000", "plan", "write", False),
    ("root", "lv", "client", "read", False),  # a role that is not in the policy
    ("assessor", "LV/ZEMGALE", "client", "read", False),
    ("assessor", "lv/zemgale/../kurzeme", "client", "read", False),
    ("assessor", "lv/zemgale/", "client", "read", False),
    ("assessor", "lv/*", "client", "read", False),
    ("assessor", "lv/zemgale", "client", "*", False),
    ("assessor", "lv/zemgale", "*", "read", False),
]


async def test_decisions(node, catalogue):
    policy = await open_policy(node, catalogue)
    got = [(r, d, o, a, policy.allowed(r, d, o, a)) for r, d, o, a, _ in DECISIONS]
    assert got == DECISIONS


class RegionalPolicy:
    """A region lets its integration accounts draft plans and forbids assessors Dobele's diagnoses."""

    @hookimpl
    def access_policy(self, region):
        if region != "zemgale":
            return None
        return [
            "p, integration, lv/zemgale, plan, write, allow",
            "p, assessor, lv/zemgale/0028000, personal.diagnosis, read, deny",
            "g, user:janis, assessor, lv/zemgale/0030000",
        ]


async def test_access_policy_hook_extends_the_regions_policy(node, catalogue, register_plugin):
    register_plugin(RegionalPolicy())
    policy = await open_policy(node, catalogue)
    assert policy.allowed("integration", "lv/zemgale/0003000", "plan", "write")
    assert not policy.allowed("assessor", "lv/zemgale/0028000", "personal.diagnosis", "read")
    assert policy.allowed("assessor", "lv/zemgale/0003000", "personal.diagnosis", "read")
    assert [str(g) for g in policy.grants_for("janis", "zemgale")] == ["assessor@lv/zemgale/0030000"]
    assert await stored(node) == DEFAULT_LINES  # plugin lines are not stored...
    assert sum(line.source == "plugin" for line in policy.lines()) == 3
    async with node.sessions() as s, s.begin():
        with pytest.raises(UnknownObject, match="comes from a plugin"):  # ...and cannot be removed
            await policy.remove(s, PolicyLine("p", ("integration", "lv/zemgale", "plan", "write", "allow")))
    other = await AccessPolicy.open(node.engine, catalogue, region="kurzeme", pm=node.pm)
    assert not other.allowed("integration", "lv/kurzeme", "plan", "write")  # only for Zemgale's node


@pytest.mark.parametrize(
    "line, problem",
    [
        ("p, integration, lv, plan, write, allow", "within lv/zemgale"),
        ("p, integration, lv/kurzeme, plan, write, allow", "within lv/zemgale"),
        ("p, integration, lv/zemgale/../kurzeme, plan, write, allow", "'..'"),
        ("p, integration, lv/zemgale, plan, write", "p, role, domain"),
        ("p, integration, lv/zemgale, plan, write, maybe", "allow or deny"),
        ("x, integration, lv/zemgale", "starts with p or g"),
    ],
)
def test_access_policy_hook_lines_are_checked(catalogue, register_plugin, line, problem):
    class Bad:
        @hookimpl
        def access_policy(self, region):
            return [line]

    register_plugin(Bad())
    with pytest.raises(ValueError, match="access_policy line") as caught:
        plugin_policy(get_plugin_manager(), "zemgale", catalogue)  # what AccessPolicy.open reads first
    assert problem in str(caught.value)


async def test_edits_are_written_in_the_callers_transaction(node, catalogue):
    policy = await open_policy(node, catalogue)
    line = PolicyLine("g", ("user:maris", "municipal_social_worker", "lv/zemgale/0025000"))
    async with node.sessions() as s:
        async with s.begin():
            await policy.add(s, line)
            await s.rollback()
    assert await stored(node) == DEFAULT_LINES
    async with node.sessions() as s, s.begin():
        await policy.add(s, line)
    assert policy.grants_for("maris", "zemgale") == ()  # not before the reload
    await policy.load()
    assert [str(g) for g in policy.grants_for("maris", "zemgale")] == [
        "municipal_social_worker@lv/zemgale/0025000"
    ]
    async with node.sessions() as s, s.begin():
        with pytest.raises(InvalidPolicyLine, match="already"):
            await policy.add(s, line)
    async with node.sessions() as s, s.begin():
        await policy.remove(s, line)
    await policy.load()
    assert policy.grants_for("maris", "zemgale") == () and await stored(node) == DEFAULT_LINES


MALFORMED = (
    (PolicyLine("p", ("assessor", "lv/zemgale*", "client", "read", "allow")), InvalidDomain),
    (PolicyLine("p", ("assessor", "lv/zemgale", "client", "read")), InvalidPolicyLine),
    (PolicyLine("p", ("Assessor", "lv/zemgale", "client", "read", "allow")), InvalidPolicyLine),
    (PolicyLine("p", ("assessor", "lv/zemgale", "client, x", "read", "allow")), InvalidPolicyLine),
    (PolicyLine("g", ("user:a,b", "assessor", "lv/zemgale")), InvalidPolicyLine),
    (PolicyLine("g", ("user:anna", "assessor", "lv/zemgale/")), InvalidDomain),
)


async def test_malformed_edits_change_nothing(node, catalogue):
    policy = await open_policy(node, catalogue)
    for line, error in MALFORMED:
        async with node.sessions() as s, s.begin():
            with pytest.raises(error):
                await policy.add(s, line)
    assert await stored(node) == DEFAULT_LINES


async def test_another_process_sees_an_edit_after_its_reload_interval(node, catalogue):
    editor = await open_policy(node, catalogue)
    reader = await open_policy(node, catalogue, reload_after=0)
    stale = await open_policy(node, catalogue, reload_after=3600)
    async with node.sessions() as s, s.begin():
        await editor.add(s, PolicyLine("p", ("assessor", "lv/zemgale", "delivery", "read", "allow")))
    await reader.refresh()
    await stale.refresh()
    assert reader.allowed("assessor", "lv/zemgale/0003000", "delivery", "read")
    assert not stale.allowed("assessor", "lv/zemgale/0003000", "delivery", "read")


async def test_national_analyst_never_gets_personal_data_whatever_the_policy_says(node):
    access = await Access.open(node)
    async with node.sessions() as s, s.begin():  # someone removes the deny lines and allows everything
        await s.execute(
            RuleRow.__table__.delete().where(RuleRow.v0 == "national_analyst", RuleRow.v4 == "deny")
        )
        for obj in ("client", "personal.name", "personal.personal_code", "audit"):
            await access.policy.add(s, PolicyLine("p", ("national_analyst", "lv", obj, "read", "allow")))
    await access.policy.load()
    assert access.policy.allowed("national_analyst", "lv", "personal.name", "read")  # the policy says yes
    analyst = Principal("ilze", (Grant("national_analyst", access.catalogue.parse("lv")),))
    for obj in ("client", "personal.name", "personal.personal_code", "audit"):
        assert access.permitted(analyst, obj, "read") == ()
    assert access.fields(analyst).visible("0003000") == frozenset()
    assert access.permitted(analyst, "indicator", "read") == analyst.grants
