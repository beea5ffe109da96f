"""The access matrix through real HTTP: every role x every query x own / parent / national / sibling / other
region, each allowed or refused as docs/security.md says and, for lists, exactly the rows it should see.

One database per backend for all queries (they change nothing but the audit log); mutations are in
test_matrix_mutations.py. The expectations are the hand-written tables of ``matrix.py``.
"""

from __future__ import annotations

import pytest

from core.auth.domains import covers

from . import matrix, world
from .site import open_site, outcome

pytestmark = pytest.mark.anyio


@pytest.fixture(scope="module")
def anyio_backend():
    return "asyncio"


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def site_db(request) -> str:
    """One fresh database per backend for the whole module (made outside the event loop)."""
    return request.getfixturevalue("sqlite_dbs" if request.param == "sqlite" else "pg_dbs").fresh()


@pytest.fixture(scope="module")
async def site(site_db):
    site, close = await open_site(site_db)
    yield site
    await close()


LISTS = {  # query field -> (object, world table, query)
    "clients": ("client", "clients", "{ clients(first: 100) { totalCount edges { node { id } } } }"),
    "serviceEpisodes": (
        "episode",
        "episodes",
        "{ serviceEpisodes(first: 100) { totalCount edges { node { id } } } }",
    ),
    "deliveries": (
        "delivery",
        "deliveries",
        "{ deliveries(first: 100) { totalCount edges { node { id } } } }",
    ),
}
SINGLES = {  # query field -> (object, world table)
    "client": ("client", "clients"),
    "serviceEpisode": ("episode", "episodes"),
    "delivery": ("delivery", "deliveries"),
    "assessment": ("assessment", "assessments"),
    "supportPlan": ("plan", "plans"),
    "servicePlace": ("place", "places"),
}
REFERENCE = ["municipalities", "serviceTypes", "rates", "institutions", "targets", "assessmentInstruments"]
CLIENTS_WITH_FIELDS = """{ clients(first: 100) { edges { node { id municipalityCode maskedFields
    givenName familyName personalCode birthDate address diagnosis } } } }"""


def expect_refusal(role: str, position: str, obj: str, act: str = "read") -> str | None:
    if position == "other_region":
        return "UNAUTHENTICATED"
    return None if matrix.may(role, obj, act) else "FORBIDDEN"


def rows_of(site, table: str, names: set[str]) -> set[int]:
    return site.world.ids(table, *names) if names else set()


class Check:
    """Collects every mismatch of one role and position, so one failure lists them all."""

    def __init__(self) -> None:
        self.wrong: list[str] = []

    def __call__(self, what: str, got, expected) -> None:
        if got != expected:
            self.wrong.append(f"{what}: got {got!r}, expected {expected!r}")


async def run(site, token, name: str, query: str, **variables):
    return outcome(*await site.ask(token, query, **variables), name)


@pytest.mark.parametrize("role, position", matrix.cases())
async def test_queries(site, role, position):
    token = site.token(role, matrix.POSITIONS[position])
    covered = matrix.COVERED[position]
    check = Check()

    for name, (obj, table, query) in LISTS.items():
        got = await run(site, token, name, query)
        refusal = expect_refusal(role, position, obj)
        if refusal or isinstance(got, str):
            check(name, got, refusal)
            continue
        ids = {int(e["node"]["id"]) for e in got["edges"]}
        check(name, ids, rows_of(site, table, covered))
        check(f"{name}.totalCount", got["totalCount"], len(ids))

    places = await run(site, token, "servicePlaces", "{ servicePlaces { id } }")
    refusal = expect_refusal(role, position, "place")
    check(
        "servicePlaces",
        places if refusal else {int(p["id"]) for p in places},
        refusal or set(site.world.places.values()),
    )

    for name, (obj, table) in SINGLES.items():
        for who in ("jelgava", "dobele"):
            target = getattr(site.world, table)[who]
            got = await run(
                site,
                token,
                name,
                f"query($id: ID!) {{ {name}(id: $id) {{ id }} }}",
                id=str(target[0] if isinstance(target, list) else target),
            )
            refusal = expect_refusal(role, position, obj)
            visible = obj == "place" or who in covered
            check(
                f"{name}({who})",
                got if refusal or got is None or isinstance(got, str) else "found",
                refusal or ("found" if visible else None),
            )

    for name in REFERENCE:
        got = await run(site, token, name, f"{{ {name} {{ __typename }} }}")
        refusal = expect_refusal(role, position, "reference")
        check(name, got if refusal or isinstance(got, str) else isinstance(got, list), refusal or True)

    for who in ("jelgava", "dobele"):
        got = await run(
            site,
            token,
            "plannedVersusDelivered",
            'query($id: ID!) { plannedVersusDelivered(clientId: $id, asOf: "2018-12-31") '
            "{ serviceCode planned } }",
            id=str(site.world.clients[who]),
        )
        refusal = expect_refusal(role, position, "plan")
        check(
            f"plannedVersusDelivered({who})",
            got if refusal or isinstance(got, str) else [p["serviceCode"] for p in got],
            refusal or (["HOME_CARE"] if who in covered else []),
        )

    got = await run(site, token, "indicators", '{ indicators(asOf: "2018-12-31") { region } }')
    check("indicators", got, expect_refusal(role, position, "indicator") or {"region": "zemgale"})

    got = await run(
        site,
        token,
        "auditEvents",
        '{ auditEvents(first: 100, filter: {action: "test.event"}) { edges { node { domain } } } }',
    )
    refusal = expect_refusal(role, position, "audit")
    domain = matrix.POSITIONS[position]
    check(
        "auditEvents",
        got if refusal or isinstance(got, str) else {e["node"]["domain"] for e in got["edges"]},
        refusal or {d for d in world.AUDIT_DOMAINS if covers(domain, d)},
    )

    got = await run(site, token, "accessPolicy", "{ accessPolicy { domain } }")
    refusal = expect_refusal(role, position, "policy")
    check(
        "accessPolicy",
        got
        if refusal or isinstance(got, str)
        else all(covers(p["domain"], domain) or covers(domain, p["domain"]) for p in got) and bool(got),
        refusal or True,
    )

    got = await run(site, token, "me", "{ me { subject grants { role domain } } }")
    check(
        "me",
        got,
        "UNAUTHENTICATED"
        if position == "other_region"
        else {"subject": f"{role}@{domain}", "grants": [{"role": role, "domain": domain}]},
    )

    await _personal_fields(site, token, role, position, covered, check)
    assert not check.wrong, "\n".join(check.wrong)


async def _personal_fields(site, token, role, position, covered, check) -> None:
    """Each visible client shows exactly the role's personal fields; the rest are null and masked."""
    got = await run(site, token, "clients", CLIENTS_WITH_FIELDS)
    refusal = expect_refusal(role, position, "client")
    if refusal or isinstance(got, str):
        check("clients (fields)", got, refusal)
        return
    shown = matrix.FIELDS[role]
    for edge in got["edges"]:
        node = edge["node"]
        check(f"client {node['id']} shown", {f for f in matrix.PERSONAL if node[f] is not None}, shown)
        check(f"client {node['id']} masked", set(node["maskedFields"]), set(matrix.PERSONAL) - shown)
