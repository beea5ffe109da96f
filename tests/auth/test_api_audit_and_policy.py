"""The audit log and the policy edits through the API, on both databases.

Every change writes its audit event in its own transaction, every personal field shown writes a
``personal.read`` event before the answer leaves (or there is no answer), the auditor reads the log, nobody
can change it; policy edits are limited to the editor's domains and rights, take effect at once, are audited.
"""

from __future__ import annotations

import json
from datetime import date

import httpx
import pytest
from sqlalchemy import text

from core.api import create_app
from core.domain.personal_code import make_personal_code
from core.store.models import AuditEvent
from tests.conftest import dev_token

from .site import outcome

pytestmark = pytest.mark.anyio

COORDINATOR = ("regional_coordinator", "lv/zemgale")
AUDITOR = ("auditor", "lv/zemgale")
REGISTER = """mutation($i: RegisterClientInput!) { registerClient(input: $i) {
  client { id givenName personalCode } userErrors { code field } } }"""
EVENTS = """query($f: AuditEventFilter) { auditEvents(first: 50, filter: $f) { totalCount
  edges { node { actor role domain action objectType objectId clientId requestId detail } } } }"""


class Caller:
    def __init__(self, http: httpx.AsyncClient, role: str, domain: str, sub: str | None = None) -> None:
        self.http, self.sub = http, sub or f"{role}-user"
        self.token = dev_token(role, domain, sub=self.sub)

    async def __call__(self, query: str, name: str, **variables):
        response = await self.http.post(
            "/graphql",
            json={"query": query, "variables": variables},
            headers={"Authorization": f"Bearer {self.token}"},
        )
        self.request_id = response.headers.get("x-request-id")
        return outcome(response.status_code, response.json(), name)


@pytest.fixture
async def http(node):
    app = create_app(node)
    await app.state.access.access()
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://node.test"
    ) as client:
        yield client
    await app.state.access.close()


async def events(node, *where: str) -> list[AuditEvent]:
    async with node.sessions() as s:
        stmt = (
            "SELECT id FROM audit_events"
            + (f" WHERE {' AND '.join(where)}" if where else "")
            + " ORDER BY id"
        )
        ids = [r[0] for r in await s.execute(text(stmt))]
        return [await s.get(AuditEvent, i) for i in ids]


def person(serial: int, municipality: str = "0003000") -> dict:
    return {
        "personalCode": make_personal_code(date(1979, 9, 9), serial),
        "givenName": "Liene",
        "familyName": "Ozoliņa",
        "targetGroup": "ADULT_GRT",
        "municipalityCode": municipality,
    }


async def test_a_change_and_the_personal_data_it_shows_are_audited(node, http):
    coordinator = Caller(http, *COORDINATOR)
    done = await coordinator(REGISTER, "registerClient", i=person(1))
    client_id = int(done["client"]["id"])
    change, read = await events(node)
    assert (
        change.actor,
        change.role,
        change.domain,
        change.action,
        change.object_type,
        change.object_id,
        change.client_id,
        change.request_id,
    ) == (
        "regional_coordinator-user",
        "regional_coordinator",
        "lv/zemgale/0003000",
        "client.register",
        "client",
        str(client_id),
        client_id,
        coordinator.request_id,
    )
    assert json.loads(change.detail)["objects"] == {"client": [client_id]}
    assert (read.action, read.client_id, read.request_id) == (
        "personal.read",
        client_id,
        coordinator.request_id,
    )
    assert json.loads(read.detail) == {"fields": ["name", "personal_code"]}  # what the payload showed


async def test_refused_and_failed_changes_write_no_event(node, http):
    coordinator = Caller(http, *COORDINATOR)
    bad = await coordinator(REGISTER, "registerClient", i={**person(1), "personalCode": "010101-12345"})
    assert bad["userErrors"] == [{"code": "PERSONAL_CODE_INVALID", "field": "personalCode"}]
    assessor = Caller(http, "assessor", "lv/zemgale")
    assert await assessor(REGISTER, "registerClient", i=person(2)) == "FORBIDDEN"
    assert await events(node) == []


async def test_reads_write_one_event_per_person_and_only_for_personal_fields(node, http):
    coordinator = Caller(http, *COORDINATOR)
    for n, muni in enumerate(("0003000", "0028000", "0025000"), start=1):
        await coordinator(
            REGISTER.replace("givenName personalCode", "id"), "registerClient", i=person(n, muni)
        )
    assert await events(node) != [] and await events(node, "action = 'personal.read'") == []
    worker = Caller(http, "municipal_social_worker", "lv/zemgale/0003000")
    listed = await worker("{ clients { edges { node { id targetGroup maskedFields } } } }", "clients")
    assert (
        len(listed["edges"]) == 1 and await events(node, "action = 'personal.read'") == []
    )  # nothing personal
    await worker("{ clients { edges { node { givenName diagnosis address } } } }", "clients")
    provider = Caller(http, "service_provider", "lv/zemgale")
    shown = await provider("{ clients { edges { node { familyName personalCode } } } }", "clients")
    assert {e["node"]["personalCode"] for e in shown["edges"]} == {None}
    reads = await events(node, "action = 'personal.read'")
    assert [(e.actor, e.domain, json.loads(e.detail)["fields"]) for e in reads] == [
        ("municipal_social_worker-user", "lv/zemgale/0003000", ["name"]),  # no address, no diagnosis given
        ("service_provider-user", "lv/zemgale/0003000", ["name"]),
        ("service_provider-user", "lv/zemgale/0028000", ["name"]),
        ("service_provider-user", "lv/zemgale/0025000", ["name"]),
    ]
    assert len({e.request_id for e in reads[1:]}) == 1


async def test_no_personal_data_leaves_unaudited(node, http, backend):
    """When the audit log cannot be written, the answer carries no data at all."""
    coordinator = Caller(http, *COORDINATOR)
    await coordinator(REGISTER, "registerClient", i=person(1))
    async with node.engine.begin() as conn:
        if backend == "sqlite":
            await conn.execute(
                text(
                    "CREATE TRIGGER no_reads BEFORE INSERT ON audit_events "
                    "WHEN NEW.action = 'personal.read' BEGIN SELECT RAISE(ABORT, 'refused'); END"
                )
            )
        else:
            await conn.execute(
                text(
                    "CREATE FUNCTION no_reads() RETURNS trigger LANGUAGE plpgsql AS "
                    "$$ BEGIN RAISE EXCEPTION 'refused'; END $$"
                )
            )
            await conn.execute(
                text(
                    "CREATE TRIGGER no_reads BEFORE INSERT ON audit_events FOR EACH ROW "
                    "WHEN (NEW.action = 'personal.read') EXECUTE FUNCTION no_reads()"
                )
            )
    response = await http.post(
        "/graphql",
        json={"query": "{ clients { edges { node { personalCode } } } }"},
        headers={"Authorization": f"Bearer {coordinator.token}"},
    )
    body = response.json()
    assert body["data"] is None and body["errors"][0]["extensions"]["code"] == "INTERNAL_SERVER_ERROR"
    assert "personalCode" not in response.text and "refused" not in response.text


async def test_the_auditor_reads_the_log_and_nobody_changes_it(node, http):
    coordinator = Caller(http, *COORDINATOR)
    await coordinator(REGISTER, "registerClient", i=person(1))
    auditor = Caller(http, *AUDITOR)
    log = await auditor(EVENTS, "auditEvents", f={"action": "client.register"})
    assert log["totalCount"] == 1 and log["edges"][0]["node"]["actor"] == "regional_coordinator-user"
    newest_first = await auditor(EVENTS, "auditEvents")
    assert [e["node"]["action"] for e in newest_first["edges"]] == ["personal.read", "client.register"]
    dobele_auditor = Caller(http, "auditor", "lv/zemgale/0028000")
    assert (await dobele_auditor(EVENTS, "auditEvents"))["totalCount"] == 0  # the event was in Jelgava
    assert await coordinator(EVENTS, "auditEvents") == "FORBIDDEN"
    mutations = await auditor('{ __type(name: "Mutation") { fields { name } } }', "__type")
    assert not [f["name"] for f in mutations["fields"] if "audit" in f["name"].lower()]


async def test_a_coordinator_edits_the_regions_policy_and_it_applies_at_once(node, http):
    coordinator = Caller(http, *COORDINATOR)
    assessor = Caller(http, "assessor", "lv/zemgale/0003000")
    assert await assessor("{ deliveries { totalCount } }", "deliveries") == "FORBIDDEN"
    line = {"role": "assessor", "domain": "lv/zemgale", "object": "delivery", "action": "read"}
    query = (
        "mutation($i: PermissionInput!) { setPermission(input: $i) { rule { kind role domain object action "
        "effect source } userErrors { code field } } }"
    )
    added = await coordinator(query, "setPermission", i=line)
    assert added == {
        "rule": {
            "kind": "PERMISSION",
            "role": "assessor",
            "domain": "lv/zemgale",
            "object": "delivery",
            "action": "read",
            "effect": "allow",
            "source": "database",
        },
        "userErrors": [],
    }
    assert await assessor("{ deliveries { totalCount } }", "deliveries") == {"totalCount": 0}
    [event] = await events(node, "action = 'policy.add'")
    assert (event.actor, event.domain, json.loads(event.detail)) == (
        "regional_coordinator-user",
        "lv/zemgale",
        {"line": "p, assessor, lv/zemgale, delivery, read, allow"},
    )
    removed = await coordinator(
        "mutation($i: PermissionInput!) { removePermission(input: $i) { userErrors { code } } }",
        "removePermission",
        i=line,
    )
    assert removed == {"userErrors": []}
    assert await assessor("{ deliveries { totalCount } }", "deliveries") == "FORBIDDEN"


def _line(role: str, domain: str, obj: str, action: str, **more: str) -> dict:
    return {"role": role, "domain": domain, "object": obj, "action": action, **more}


NOT_A_COORDINATORS_TO_EDIT = (
    _line("assessor", "lv", "delivery", "read"),  # above the region
    _line("assessor", "lv/kurzeme", "delivery", "read"),  # another region
    _line("auditor", "lv/zemgale", "client", "read"),  # a national role
    _line("regional_coordinator", "lv/zemgale", "audit", "read"),  # audit rights
    _line("assessor", "lv/zemgale", "policy", "write"),  # policy rights
)
MALFORMED = (
    (_line("assessor", "lv/zemgale*", "delivery", "read"), "INVALID_DOMAIN"),
    (_line("assessor", "lv/zemgale/../kurzeme", "delivery", "read"), "INVALID_DOMAIN"),
    (_line("assessor", "LV/ZEMGALE", "delivery", "read"), "INVALID_DOMAIN"),
    (_line("assessor", "lv/zemgale", "everything", "read"), "INVALID_POLICY_LINE"),
    (_line("assessor", "lv/zemgale", "client", "approve"), "INVALID_POLICY_LINE"),
    (_line("assessor", "lv/zemgale", "client", "read", effect="maybe"), "INVALID_POLICY_LINE"),
)
SET = "mutation($i: PermissionInput!) { setPermission(input: $i) { userErrors { code } } }"


async def test_what_a_coordinator_may_not_edit(node, http):
    coordinator = Caller(http, *COORDINATOR)
    for line in NOT_A_COORDINATORS_TO_EDIT:
        assert await coordinator(SET, "setPermission", i=line) == "FORBIDDEN", line
    assert await events(node, "action = 'policy.add'") == []


async def test_malformed_policy_edits_are_user_errors(node, http):
    admin = Caller(http, "national_admin", "lv")
    for line, error in MALFORMED:
        assert await admin(SET, "setPermission", i=line) == {"userErrors": [{"code": error}]}, line
    assert await events(node, "action = 'policy.add'") == []


async def test_a_role_granted_in_the_policy_opens_the_node_to_a_token_without_roles(node, http):
    admin = Caller(http, "national_admin", "lv")
    grant = {"subject": "idp|4711", "role": "municipal_social_worker", "domain": "lv/zemgale/0028000"}
    done = await admin(
        "mutation($i: RoleGrantInput!) { grantRole(input: $i) { rule { subject role } "
        "userErrors { code } } }",
        "grantRole",
        i=grant,
    )
    assert done == {"rule": {"subject": "idp|4711", "role": "municipal_social_worker"}, "userErrors": []}
    bare = dev_token(
        "auditor", "lv", sub="idp|4711"
    )  # the identity provider's token; its own claims are there
    response = await http.post(
        "/graphql",
        json={"query": "{ me { grants { role domain source } } }"},
        headers={"Authorization": f"Bearer {bare}"},
    )
    assert response.json()["data"]["me"]["grants"] == [
        {"role": "auditor", "domain": "lv", "source": "token"},
        {"role": "municipal_social_worker", "domain": "lv/zemgale/0028000", "source": "policy"},
    ]
    await admin(
        "mutation($i: RoleGrantInput!) { revokeRole(input: $i) { userErrors { code } } }",
        "revokeRole",
        i=grant,
    )
    response = await http.post(
        "/graphql", json={"query": "{ me { grants { role } } }"}, headers={"Authorization": f"Bearer {bare}"}
    )
    assert response.json()["data"]["me"]["grants"] == [{"role": "auditor"}]
    assert [e.action for e in await events(node, "object_type = 'policy'")] == ["policy.add", "policy.remove"]


async def test_even_a_national_admin_cannot_open_personal_data_to_the_analyst(node, http):
    admin = Caller(http, "national_admin", "lv")
    for obj in ("client", "personal.name"):
        got = await admin(
            "mutation($i: PermissionInput!) { setPermission(input: $i) { userErrors { code } } }",
            "setPermission",
            i={"role": "national_analyst", "domain": "lv", "object": obj, "action": "read"},
        )
        assert got == {"userErrors": []}  # stored; the deny lines and the code still refuse
    analyst = Caller(http, "national_analyst", "lv")
    assert await analyst("{ clients { totalCount } }", "clients") == "FORBIDDEN"
    assert (await analyst('{ indicators(asOf: "2018-12-31") { region } }', "indicators")) == {
        "region": "zemgale"
    }


async def test_the_policy_read_shows_what_applies_in_the_callers_domain(node, http):
    auditor = Caller(http, "auditor", "lv/zemgale/0003000")
    rules = await auditor("{ accessPolicy { kind role domain source } }", "accessPolicy")
    assert rules and {r["domain"] for r in rules} == {"lv"}  # the defaults; nothing of other municipalities
    admin = Caller(http, "national_admin", "lv")
    await admin(
        "mutation($i: RoleGrantInput!) { grantRole(input: $i) { userErrors { code } } }",
        "grantRole",
        i={"subject": "dobele-worker", "role": "municipal_social_worker", "domain": "lv/zemgale/0028000"},
    )
    await admin(
        "mutation($i: RoleGrantInput!) { grantRole(input: $i) { userErrors { code } } }",
        "grantRole",
        i={"subject": "jelgava-worker", "role": "municipal_social_worker", "domain": "lv/zemgale/0003000"},
    )
    rules = await auditor("{ accessPolicy { kind subject domain } }", "accessPolicy")
    assert [r for r in rules if r["kind"] == "ROLE_GRANT"] == [
        {"kind": "ROLE_GRANT", "subject": "jelgava-worker", "domain": "lv/zemgale/0003000"}
    ]
