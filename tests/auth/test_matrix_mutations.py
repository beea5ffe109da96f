"""The access matrix of mutations through real HTTP: every role x every mutation x own / parent /
national / sibling / other region. Allowed: the change is made and audited. Refused: FORBIDDEN (the role
may not do it, or not there), NOT_FOUND (an object of another municipality answers as absent) or
UNAUTHENTICATED (a token for another region's node), and nothing changes (every table is read back).

Each case gets its own fresh target in Jelgava (written through the store), so the cases do not depend on
each other; one database per backend for all of them.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

import pytest
from sqlalchemy import text

from core.auth.policy import PolicyLine
from core.domain.personal_code import make_personal_code
from core.store.clients import NewClient, register_client
from core.store.episodes import NewEpisode, start_episode
from core.store.plans import NewPlan, NewPlanItem, approve_support_plan, create_support_plan
from tests.assessment.examples import ANNA
from tests.assessment.helpers import assess

from . import matrix
from .site import open_site, outcome

pytestmark = pytest.mark.anyio

JELGAVA = "0003000"
TABLES = (
    "clients",
    "service_places",
    "service_episodes",
    "deliveries",
    "assessments",
    "support_plans",
    "support_plan_items",
    "casbin_rule",
)


@pytest.fixture(scope="module")
def anyio_backend():
    return "asyncio"


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def site_db(request) -> str:
    return request.getfixturevalue("sqlite_dbs" if request.param == "sqlite" else "pg_dbs").fresh()


@pytest.fixture(scope="module")
async def site(site_db):
    site, close = await open_site(site_db)
    async with site.node.engine.begin() as conn:
        await conn.execute(
            text(
                "INSERT INTO institutions (code, name, kind, municipality_code, places) "
                "VALUES ('VSAC-J', 'VSAC Jelgava', 'VSAC_BRANCH', '0003000', 50)"
            )
        )
        site.institution = await conn.scalar(text("SELECT id FROM institutions WHERE code = 'VSAC-J'"))
    site.serial = 0
    yield site
    await close()


# --- fresh targets in Jelgava, written through the store ----------------------------------------------------


async def _client(site, **kw) -> int:
    site.serial += 1
    async with site.node.sessions() as s, s.begin():
        client = await register_client(
            s,
            site.node,
            NewClient(
                personal_code=make_personal_code(date(1981, 2, 3), 100 + site.serial),
                given_name="Target",
                family_name="Person",
                target_group="ADULT_GRT",
                municipality_code=JELGAVA,
                **kw,
            ),
        )
        return client.id


async def _episode(site) -> int:
    client = await _client(site)
    async with site.node.sessions() as s, s.begin():
        return (
            await start_episode(s, site.node, NewEpisode(client, "HOME_CARE", JELGAVA, date(2018, 3, 1)))
        ).id


async def _assessment(site) -> int:
    client = await _client(site)
    async with site.node.sessions() as s, s.begin():
        return (await assess(s, site.node, client)).id


async def _plan(site, approved: bool = False) -> int:
    client = await _client(site)
    async with site.node.sessions() as s, s.begin():
        basis = await assess(s, site.node, client)
        plan = await create_support_plan(
            s,
            site.node,
            NewPlan(
                client_id=client,
                valid_from=date(2019, 2, 1),
                created_by="Test",
                assessment_id=basis.id,
                goals=["Dzīvot mājās"],
                items=[NewPlanItem("HOME_CARE", "4", "WEEK", date(2019, 2, 1))],
            ),
        )
        if approved:
            await approve_support_plan(s, site.node, plan.id, "Test", on=date(2019, 2, 5))
        return plan.id


async def _line(site, line: PolicyLine) -> None:
    access = await site.http._transport.app.state.access.access()
    async with site.node.sessions() as s, s.begin():
        await access.policy.add(s, line)


def _ratings() -> list[dict]:
    return [
        {"item": r.item, "value": r.value, **({"scale": r.scale} if r.scale else {})} for r in ANNA.ratings()
    ]


# --- the mutations ------------------------------------------------------------------------------------------

Make = Callable[[Any, int, bool], Awaitable[dict]]


@dataclass
class Mutation:
    name: str
    input_type: str
    obj: str
    act: str
    audit: str
    make: Make  # (site, serial, fresh target?) -> input
    creates: bool = False  # a foreign target is FORBIDDEN rather than NOT_FOUND

    @property
    def document(self) -> str:
        return (
            f"mutation($input: {self.input_type}!) {{ {self.name}(input: $input) "
            f"{{ userErrors {{ code field message }} }} }}"
        )


def _world(site, table: str) -> int:
    value = getattr(site.world, table)["jelgava"]
    return value[0] if isinstance(value, list) else value


async def register(site, n, fresh):
    return {
        "personalCode": make_personal_code(date(1985, 6, 7), 500 + n),
        "givenName": "Jauna",
        "familyName": "Persona",
        "targetGroup": "ADULT_GRT",
        "municipalityCode": JELGAVA,
    }


async def update(site, n, fresh):
    return {
        "clientId": str(await _client(site) if fresh else _world(site, "clients")),
        "address": f"Jaunā iela {n}",
    }


async def exit_(site, n, fresh):
    client = (
        await _client(site, residence="INSTITUTION", institution_id=site.institution)
        if fresh
        else _world(site, "clients")
    )
    return {"clientId": str(client), "date": "2018-06-01"}


async def place(site, n, fresh):
    return {
        "name": f"Dienas centrs {n}",
        "serviceCode": "DAY_CARE_CENTRE",
        "municipalityCode": JELGAVA,
        "capacity": 10,
    }


async def start(site, n, fresh):
    return {
        "clientId": str(await _client(site) if fresh else _world(site, "clients")),
        "serviceCode": "HOME_CARE",
        "grantedBy": JELGAVA,
        "startDate": "2018-03-01",
    }


async def end(site, n, fresh):
    return {
        "episodeId": str(await _episode(site) if fresh else _world(site, "episodes")),
        "endDate": "2018-06-30",
    }


async def deliveries(site, n, fresh):
    episode = await _episode(site) if fresh else _world(site, "episodes")
    return {"episodeId": str(episode), "deliveries": [{"date": "2018-03-05", "units": "1.5"}]}


async def assessment(site, n, fresh):
    return {
        "clientId": str(await _client(site) if fresh else _world(site, "clients")),
        "instrument": "SIS_ADULT",
        "version": "1",
        "assessedOn": "2019-01-10",
        "assessor": "Inese Ozola",
        "ratings": _ratings(),
    }


async def propose(site, n, fresh):
    return {
        "assessmentId": str(await _assessment(site) if fresh else _world(site, "assessments")),
        "validFrom": "2019-02-01",
    }


async def create_plan(site, n, fresh):
    return {
        "clientId": str(await _client(site) if fresh else _world(site, "clients")),
        "validFrom": "2019-02-01",
        "goals": ["Dzīvot mājās"],
        "items": [{"serviceCode": "HOME_CARE", "quantity": "4", "per": "WEEK", "startDate": "2019-02-01"}],
    }


async def approve(site, n, fresh):
    return {"planId": str(await _plan(site) if fresh else _world(site, "plans")), "approvedOn": "2019-02-05"}


async def close(site, n, fresh):
    return {
        "planId": str(await _plan(site, approved=True) if fresh else _world(site, "plans")),
        "closedOn": "2019-06-30",
    }


async def grant(site, n, fresh):
    return {"subject": f"person-{n}", "role": "assessor", "domain": "lv/zemgale/0003000"}


async def revoke(site, n, fresh):
    data = await grant(site, n, fresh)
    if fresh:
        await _line(site, PolicyLine("g", (f"user:{data['subject']}", data["role"], data["domain"])))
    return data


async def permit(site, n, fresh):
    return {
        "role": f"matrix_role_{n}",
        "domain": "lv/zemgale/0003000",
        "object": "delivery",
        "action": "read",
        "effect": "allow",
    }


async def unpermit(site, n, fresh):
    data = await permit(site, n, fresh)
    if fresh:
        await _line(
            site, PolicyLine("p", tuple(data[k] for k in ("role", "domain", "object", "action", "effect")))
        )
    return data


MUTATIONS = [
    Mutation(
        "registerClient", "RegisterClientInput", "client", "write", "client.register", register, creates=True
    ),
    Mutation("updateClient", "UpdateClientInput", "client", "write", "client.update", update),
    Mutation("recordInstitutionExit", "RecordInstitutionExitInput", "client", "write", "client.exit", exit_),
    Mutation(
        "createServicePlace", "CreateServicePlaceInput", "place", "write", "place.create", place, creates=True
    ),
    Mutation("startServiceEpisode", "StartServiceEpisodeInput", "episode", "write", "episode.start", start),
    Mutation("endServiceEpisode", "EndServiceEpisodeInput", "episode", "write", "episode.end", end),
    Mutation(
        "recordDeliveries", "RecordDeliveriesInput", "delivery", "write", "deliveries.record", deliveries
    ),
    Mutation(
        "recordAssessment", "RecordAssessmentInput", "assessment", "write", "assessment.record", assessment
    ),
    Mutation("proposeSupportPlan", "ProposeSupportPlanInput", "plan", "write", "plan.propose", propose),
    Mutation("createSupportPlan", "CreateSupportPlanInput", "plan", "write", "plan.create", create_plan),
    Mutation("approveSupportPlan", "ApproveSupportPlanInput", "plan", "approve", "plan.approve", approve),
    Mutation("closeSupportPlan", "CloseSupportPlanInput", "plan", "approve", "plan.close", close),
    Mutation("grantRole", "RoleGrantInput", "policy", "write", "policy.add", grant, creates=True),
    Mutation("revokeRole", "RoleGrantInput", "policy", "write", "policy.remove", revoke, creates=True),
    Mutation("setPermission", "PermissionInput", "policy", "write", "policy.add", permit, creates=True),
    Mutation(
        "removePermission", "PermissionInput", "policy", "write", "policy.remove", unpermit, creates=True
    ),
]


def expected(m: Mutation, role: str, position: str) -> str:
    if position == "other_region":
        return "UNAUTHENTICATED"
    if not matrix.may(role, m.obj, m.act):
        return "FORBIDDEN"
    if position == "sibling":
        return "FORBIDDEN" if m.creates else "NOT_FOUND"
    return "OK"


FINGERPRINT = text(
    "SELECT "
    + ", ".join(
        [f"(SELECT count(*) FROM {t}), (SELECT max(id) FROM {t})" for t in TABLES]
        + [
            "(SELECT max(updated_at) FROM clients)",  # any change of a client
            "(SELECT count(*) FROM service_episodes WHERE end_date IS NOT NULL)",
            "(SELECT count(*) FROM support_plans WHERE status <> 'DRAFT')",
            "(SELECT count(*) FROM audit_events WHERE action <> 'personal.read')",
        ]
    )
)


async def tables(site) -> tuple:
    """Everything a mutation could change, in one statement (counts, newest ids, the state of updates)."""
    async with site.node.engine.connect() as conn:
        return tuple((await conn.execute(FINGERPRINT)).one())


async def audited(site, actor: str, action: str) -> int:
    async with site.node.engine.connect() as conn:
        return await conn.scalar(
            text("SELECT count(*) FROM audit_events WHERE actor = :a AND action = :b"),
            {"a": actor, "b": action},
        )


@pytest.mark.parametrize("role, position", matrix.cases())
async def test_mutations(site, role, position):
    domain = matrix.POSITIONS[position]
    token, actor = site.token(role, domain), f"{role}@{domain}"
    wrong = []
    for m in MUTATIONS:
        want = expected(m, role, position)
        site.serial += 1
        variables = await m.make(
            site,
            site.serial,
            want != "UNAUTHENTICATED" and want != "FORBIDDEN" or (want == "FORBIDDEN" and m.creates),
        )
        before = await tables(site) if want != "OK" else None
        audits = await audited(site, actor, m.audit)
        got = outcome(*await site.ask(token, m.document, input=variables), m.name)
        if isinstance(got, dict):
            codes = [e["code"] for e in got["userErrors"]]
            got = (
                "OK"
                if not codes
                else "NOT_FOUND"
                if codes == ["NOT_FOUND"]
                else f"userErrors {got['userErrors']}"
            )
        if got != want:
            wrong.append(f"{m.name}: got {got}, expected {want}")
        elif want == "OK":
            if await audited(site, actor, m.audit) != audits + 1:
                wrong.append(f"{m.name}: no {m.audit} audit event")
        elif await tables(site) != before:
            wrong.append(f"{m.name}: refused ({got}) but something changed")
    assert not wrong, "\n".join(wrong)
