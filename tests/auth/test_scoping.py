"""Object scoping in SQL on real databases: for each caller, exactly which rows of each table are visible."""

import pytest
from sqlalchemy import select

from core.auth.access import Access
from core.auth.principal import Grant, Principal
from core.store import models as m

from . import world

pytestmark = pytest.mark.anyio

ALL = set(world.CLIENTS)
JELGAVA = {"jelgava", "jelgava_old"}
KINDS = {
    "clients": m.Client,
    "episodes": m.ServiceEpisode,
    "deliveries": m.Delivery,
    "assessments": m.Assessment,
    "plans": m.SupportPlan,
    "plan_items": m.SupportPlanItem,
    "places": m.ServicePlace,
    "audit": m.AuditEvent,
}
PLACES = {"jelgava", "dobele", "bauska"}  # world.places is keyed by the first client of each place


def expect(person: set[str], places: set[str] = frozenset(), audit=(), **override) -> dict:
    """What a caller sees: the person-linked rows of ``person``, ``places`` and audit events of ``audit``."""
    out = {
        kind: person for kind in ("clients", "episodes", "deliveries", "assessments", "plans", "plan_items")
    }
    out.update(places=set(places), audit=set(audit), **override)
    return out


CASES = [
    (
        "social worker of Jelgava: Jelgava's clients, also those under its pre-2021 code",
        [("municipal_social_worker", "lv/zemgale/0003000")],
        expect(JELGAVA, PLACES),
    ),
    (
        "social worker of Dobele",
        [("municipal_social_worker", "lv/zemgale/0028000")],
        expect({"dobele"}, PLACES),
    ),
    (
        "social worker of two municipalities",
        [
            ("municipal_social_worker", "lv/zemgale/0028000"),
            ("municipal_social_worker", "lv/zemgale/0025000"),
        ],
        expect({"dobele", "bauska"}, PLACES),
    ),
    ("regional coordinator", [("regional_coordinator", "lv/zemgale")], expect(ALL, PLACES)),
    (
        "assessor of Bauska: no deliveries, no places",
        [("assessor", "lv/zemgale/0025000")],
        expect({"bauska"}, deliveries=set()),
    ),
    (
        "service provider of Dobele: no assessments or plans",
        [("service_provider", "lv/zemgale/0028000")],
        expect({"dobele"}, PLACES, assessments=set(), plans=set(), plan_items=set()),
    ),
    ("national admin: places, no case records", [("national_admin", "lv")], expect(set(), PLACES)),
    ("national analyst: nothing person-level", [("national_analyst", "lv")], expect(set())),
    (
        "auditor of the region: the region's events",
        [("auditor", "lv/zemgale")],
        expect(set(), audit=set(world.AUDIT_DOMAINS) - {"lv"}),
    ),
    ("auditor of Dobele", [("auditor", "lv/zemgale/0028000")], expect(set(), audit={"lv/zemgale/0028000"})),
    ("national auditor", [("auditor", "lv")], expect(set(), audit=set(world.AUDIT_DOMAINS))),
    ("a role not in the policy", [("root", "lv")], expect(set())),
    ("no grants at all", [], expect(set())),
    (
        "assessor of Jelgava and auditor of Bauska",
        [("assessor", "lv/zemgale/0003000"), ("auditor", "lv/zemgale/0025000")],
        expect(JELGAVA, deliveries=set(), audit={"lv/zemgale/0025000"}),
    ),
]


def names(w: world.World, kind: str, ids: set[int]) -> set[str]:
    table = getattr(w, kind if kind != "audit" else "audit")
    out = set()
    for name, value in table.items():
        if set(value if isinstance(value, list) else [value]) & ids:
            out.add(name)
    return out


async def test_each_caller_sees_exactly_its_rows(node):
    w = await world.build(node)
    access = await Access.open(node)
    async with node.sessions() as s:
        for label, grants, expected in CASES:
            principal = Principal("x", tuple(Grant(r, access.catalogue.parse(d)) for r, d in grants))
            scope = access.scope(principal)
            for kind, model in KINDS.items():
                stmt = select(model.id)
                clause = scope(model)
                if clause is not None:
                    stmt = stmt.where(clause)
                ids = set((await s.scalars(stmt)).all())
                if kind == "audit":
                    ids &= set(w.audit.values())
                assert names(w, kind, ids) == expected[kind], f"{label}: {kind}"


async def test_unknown_tables_read_as_empty(node):
    access = await Access.open(node)
    coordinator = Principal("x", (Grant("regional_coordinator", access.catalogue.parse("lv/zemgale")),))

    class Secret:
        pass

    clause = access.scope(coordinator)(Secret)
    assert clause is not None and str(clause) == "false"


async def test_the_where_clause_is_sql_not_python(node):
    """A municipal scope is one IN list in the statement: rows outside it never leave the database."""
    access = await Access.open(node)
    worker = Principal("x", (Grant("municipal_social_worker", access.catalogue.parse("lv/zemgale/0003000")),))
    sql = str(
        select(m.Delivery.id)
        .where(access.scope(worker)(m.Delivery))
        .compile(compile_kwargs={"literal_binds": True})
    )
    assert "IN ('0003000', 'jelgavas-pilseta-2009')" in sql and "service_episodes" in sql
