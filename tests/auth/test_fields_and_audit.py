"""Field masking per role, and the audit writer inside the caller's transaction (real databases)."""

import json

import pytest
from sqlalchemy import func, select

from core.auth import audit
from core.auth.access import Access
from core.auth.principal import ROLES, Grant, Principal
from core.store.models import AuditEvent

pytestmark = pytest.mark.anyio

ALL = {"name", "personal_code", "birth_date", "address", "diagnosis"}
FIELDS_BY_ROLE = {
    "national_admin": set(),
    "national_analyst": set(),
    "regional_coordinator": ALL,
    "municipal_social_worker": ALL,
    "assessor": {"name", "personal_code", "birth_date", "diagnosis"},
    "service_provider": {"name", "birth_date", "address"},
    "auditor": set(),
    "integration": ALL,
}


@pytest.fixture
async def access(node):
    return await Access.open(node)


def who(access, *grants, sub="anna", request_id="req-1"):
    return Principal(
        sub, tuple(Grant(r, access.catalogue.parse(d)) for r, d in grants), request_id=request_id
    )


async def test_fields_each_role_sees(access):
    assert set(FIELDS_BY_ROLE) == set(ROLES)
    for role, expected in FIELDS_BY_ROLE.items():
        domain = "lv" if role.startswith("national") or role == "auditor" else "lv/zemgale"
        fields = access.fields(who(access, (role, domain)))
        assert fields.visible("0003000") == expected, role
        masked = fields.masked("0003000")
        assert ("personalCode" in masked) is ("personal_code" not in expected)
        assert ("givenName" in masked and "familyName" in masked) is ("name" not in expected)


async def test_fields_follow_the_grant_that_covers_the_client(access):
    fields = access.fields(
        who(access, ("service_provider", "lv/zemgale"), ("municipal_social_worker", "lv/zemgale/0003000"))
    )
    assert fields.visible("0003000") == ALL
    assert fields.visible("jelgavas-pilseta-2009") == ALL  # Jelgava's predecessor
    assert fields.visible("0028000") == FIELDS_BY_ROLE["service_provider"]
    assert fields.masked("0028000") == ["personalCode", "diagnosis"]
    worker = access.fields(who(access, ("municipal_social_worker", "lv/zemgale/0003000")))
    assert worker.visible("0028000") == frozenset()  # nothing of a client out of reach


async def test_an_event_is_written_only_with_the_change(node, access):
    worker = who(access, ("municipal_social_worker", "lv/zemgale/0003000"))
    async with node.sessions() as s, s.begin():
        await audit.record(s, worker, "client.update", "client", 7, client_id=7)
        await s.rollback()
    async with node.sessions() as s:
        assert await s.scalar(select(func.count()).select_from(AuditEvent)) == 0
    async with node.sessions() as s, s.begin():
        await audit.record(
            s, worker, "client.update", "client", 7, client_id=7, detail={"fields": ["address"]}
        )
    async with node.sessions() as s:
        row = (await s.scalars(select(AuditEvent))).one()
    assert (
        row.actor,
        row.role,
        row.domain,
        row.action,
        row.object_type,
        row.object_id,
        row.client_id,
        row.request_id,
    ) == ("anna", "municipal_social_worker", "lv/zemgale/0003000", "client.update", "client", "7", 7, "req-1")
    assert json.loads(row.detail) == {"fields": ["address"]} and row.at is not None


async def test_personal_reads_are_one_event_per_person_in_the_persons_domain(node, access):
    coordinator = who(access, ("regional_coordinator", "lv/zemgale"), ("auditor", "lv"), sub="ilze")
    rows = access.personal_reads(
        coordinator,
        [
            (1, "0003000", {"name", "diagnosis"}),
            (2, "0028000", ["name"]),
            (3, "jelgavas-pilseta-2009", ["birth_date"]),
            (4, "0025000", []),
        ],
    )
    async with node.sessions() as s:
        async with s.begin():
            assert await audit.record_many(s, rows) == 3
        got = (
            await s.execute(
                select(
                    AuditEvent.client_id,
                    AuditEvent.domain,
                    AuditEvent.role,
                    AuditEvent.action,
                    AuditEvent.detail,
                ).order_by(AuditEvent.client_id)
            )
        ).all()
    assert [tuple(r[:4]) for r in got] == [
        (1, "lv/zemgale/0003000", "regional_coordinator", "personal.read"),
        (2, "lv/zemgale/0028000", "regional_coordinator", "personal.read"),
        (3, "lv/zemgale/0003000", "regional_coordinator", "personal.read"),
    ]
    assert json.loads(got[0].detail) == {"fields": ["diagnosis", "name"]}


async def test_reading_the_log_with_filters_and_scope(node, access):
    worker = who(access, ("municipal_social_worker", "lv/zemgale/0003000"))
    other = who(access, ("municipal_social_worker", "lv/zemgale/0028000"), sub="juris", request_id="req-2")
    async with node.sessions() as s:
        async with s.begin():
            await audit.record_many(
                s,
                [
                    audit.event(worker, "client.register", "client", 1, client_id=1),
                    audit.event(worker, "personal.read", "client", 1, client_id=1),
                    audit.event(other, "client.register", "client", 2, client_id=2),
                ],
            )
        regional_auditor = access.scope(who(access, ("auditor", "lv/zemgale")))(AuditEvent)
        dobele_auditor = access.scope(who(access, ("auditor", "lv/zemgale/0028000")))(AuditEvent)

        async def actions(f, where):
            stmt = audit.filtered(f)
            return [
                (e.actor, e.action) for e in (await s.scalars(stmt if where is None else stmt.where(where)))
            ]

        assert await actions(audit.AuditFilter(actor="anna"), regional_auditor) == [
            ("anna", "personal.read"),
            ("anna", "client.register"),
        ]
        assert await actions(audit.AuditFilter(action="client.register"), dobele_auditor) == [
            ("juris", "client.register")
        ]
        assert await actions(audit.AuditFilter(request_id="req-1", client_id=1), dobele_auditor) == []


async def test_field_access_and_scope_are_kept_until_the_policy_changes(node, access):
    from core.auth.policy import PolicyLine
    from core.store.models import Client

    worker = who(access, ("municipal_social_worker", "lv/zemgale/0003000"))
    fields, clients = access.fields(worker), str(access.scope(worker)(Client))
    assert access.fields(who(access, ("municipal_social_worker", "lv/zemgale/0003000"), request_id="req-2")) is fields
    assert "diagnosis" in fields.visible("0003000") and clients != str(access.scope(worker, also="x")(Client))
    denied = [PolicyLine("p", ("municipal_social_worker", "lv/zemgale", "personal.diagnosis", "read", "deny")),
              PolicyLine("p", ("municipal_social_worker", "lv/zemgale", "client", "read", "deny"))]
    async with node.sessions() as s, s.begin():
        for line in denied:
            await access.policy.add(s, line)
    assert access.fields(worker) is fields  # the policy in effect is the one loaded
    await access.policy.load()
    assert access.fields(worker).visible("0003000") == ALL - {"diagnosis"}
    assert str(access.scope(worker)(Client)) != clients
    await access.close()
