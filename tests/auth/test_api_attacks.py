"""Attacks on the node's API through real HTTP, on both databases: no or bad tokens, tokens for another node,
roles the policy does not know, domain tricks, guessed foreign ids, aliases and batches used to enumerate,
searches used as an oracle, introspection in production mode."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import httpx
import jwt
import pytest
from sqlalchemy import text

from core.api import create_app
from core.node import Node
from core.settings import DEV_SECRET, Settings
from tests.conftest import dev_token

from .keys import b64, unsigned
from .site import open_site, outcome

pytestmark = pytest.mark.anyio

WORKER = ("municipal_social_worker", "lv/zemgale/0003000")  # Jelgava


@pytest.fixture(scope="module")
def anyio_backend():
    return "asyncio"


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def site_db(request) -> str:
    return request.getfixturevalue("sqlite_dbs" if request.param == "sqlite" else "pg_dbs").fresh()


@pytest.fixture(scope="module")
async def site(site_db):
    site, close = await open_site(site_db)
    yield site
    await close()


async def snapshot(site) -> list:
    out = []
    async with site.node.engine.connect() as conn:
        for table in ("clients", "service_episodes", "deliveries", "service_places", "casbin_rule"):
            out.append([tuple(r) for r in await conn.execute(text(f"SELECT * FROM {table} ORDER BY id"))])
    return out


async def test_without_a_token_only_health_readiness_and_graphiql_answer(site):
    http = site.http
    assert (await http.get("/healthz")).status_code == 200
    assert (await http.get("/readyz")).json()["status"] == "ready"
    page = await http.get("/graphql", headers={"accept": "text/html"})
    assert page.status_code == 200 and "graphiql" in page.text.lower()
    for response in (
        await http.post("/graphql", json={"query": "{ municipalities { code } }"}),
        await http.get("/graphql", params={"query": "{ municipalities { code } }"}),
        await http.post("/graphql", json={"query": "{ __schema { types { name } } }"}),
    ):
        assert response.status_code == 401
        assert response.headers["www-authenticate"].startswith("Bearer")
        body = response.json()
        assert body["data"] is None and body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


def _hs256(**changes) -> str:
    now = datetime.now(UTC)
    claims = {
        "sub": "eve",
        "role": "regional_coordinator",
        "domain": "lv/zemgale",
        "aud": "kopiena",
        "iss": "kopiena-dev",
        "iat": now,
        "exp": now + timedelta(hours=1),
        **changes,
    }
    return jwt.encode({k: v for k, v in claims.items() if v is not None}, DEV_SECRET, algorithm="HS256")


def _tampered() -> str:
    header, payload, signature = dev_token("assessor", "lv/zemgale/0003000").split(".")
    claims = json.loads(jwt.utils.base64url_decode(payload))
    claims.update(role="regional_coordinator", domain="lv")
    return f"{header}.{b64(json.dumps(claims).encode())}.{signature}"


BAD_TOKENS = {
    "expired": lambda: _hs256(
        iat=datetime.now(UTC) - timedelta(hours=3), exp=datetime.now(UTC) - timedelta(hours=2)
    ),
    "tampered payload": _tampered,
    "tampered signature": lambda: dev_token()[:-3] + ("AAA" if not dev_token().endswith("AAA") else "BBB"),
    "alg none": lambda: unsigned(role="regional_coordinator", domain="lv/zemgale"),
    "another secret": lambda: dev_token(secret="somebody-else-s-secret-of-32-bytes-or-more"),
    "wrong audience": lambda: _hs256(aud="hub"),
    "wrong issuer": lambda: _hs256(iss="https://idp.example"),
    "another region's node": lambda: dev_token("regional_coordinator", "lv/kurzeme"),
    "another region's municipality": lambda: dev_token("municipal_social_worker", "lv/kurzeme/0005000"),
    "region claim of another node": lambda: _hs256(region="kurzeme"),
    "domain ..": lambda: _hs256(domain="lv/zemgale/../kurzeme"),
    "domain *": lambda: _hs256(domain="lv/zemgale*"),
    "domain trailing slash": lambda: _hs256(domain="lv/zemgale/"),
    "domain upper case": lambda: _hs256(domain="LV/ZEMGALE"),
    "domain %": lambda: _hs256(domain="lv/zemgale%2f0028000"),
    "no subject": lambda: _hs256(sub=None),
}


@pytest.mark.parametrize("kind", list(BAD_TOKENS))
async def test_bad_tokens_are_unauthenticated(site, kind):
    before = await snapshot(site)
    for query in (
        "{ clients { totalCount } }",
        'mutation { updateClient(input: {clientId: "1", address: "x"}) { userErrors { code } } }',
    ):
        status, body = await site.ask(BAD_TOKENS[kind](), query)
        assert status == 401 and body["data"] is None, body
        assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    assert await snapshot(site) == before


async def test_a_role_the_policy_does_not_know_may_do_nothing(site):
    token = dev_token("root", "lv")
    assert outcome(*await site.ask(token, "{ me { grants { role domain } } }"), "me") == {
        "grants": [{"role": "root", "domain": "lv"}]
    }
    for name, query in (
        ("clients", "{ clients { totalCount } }"),
        ("municipalities", "{ municipalities { code } }"),
        ("auditEvents", "{ auditEvents { totalCount } }"),
        (
            "setPermission",
            'mutation { setPermission(input: {role: "root", domain: "lv", '
            'object: "client", action: "read"}) { userErrors { code } } }',
        ),
    ):
        assert outcome(*await site.ask(token, query), name) == "FORBIDDEN", name


async def test_guessed_foreign_ids_answer_exactly_like_ids_that_do_not_exist(site):
    token = site.token(*WORKER)
    w = site.world
    dobele, missing = w.clients["dobele"], 999_999
    for id_ in (dobele, missing):
        assert (
            outcome(
                *await site.ask(token, "query($id: ID!) { client(id: $id) { id } }", id=str(id_)), "client"
            )
            is None
        )
    before = await snapshot(site)
    answers = {}
    for id_ in (dobele, missing):
        status, body = await site.ask(
            token,
            "mutation($i: UpdateClientInput!) { updateClient(input: $i) "
            "{ client { id } userErrors { code field message } } }",
            i={"clientId": str(id_), "address": "Svešā iela 1"},
        )
        [error] = outcome(status, body, "updateClient")["userErrors"]
        answers[id_] = (error["code"], error["field"], error["message"].replace(str(id_), "<id>"))
    assert (
        answers[dobele]
        == answers[missing]
        == ("NOT_FOUND", "clientId", "There is no client with the id <id>.")
    )
    for name, variables in (
        (
            "recordDeliveries",
            {"episodeId": str(w.episodes["dobele"]), "deliveries": [{"date": "2018-03-09", "units": "1"}]},
        ),
        ("endServiceEpisode", {"episodeId": str(w.episodes["bauska"]), "endDate": "2018-04-01"}),
        (
            "startServiceEpisode",
            {
                "clientId": str(dobele),
                "serviceCode": "HOME_CARE",
                "grantedBy": "0003000",
                "startDate": "2018-05-01",
            },
        ),
        ("approveSupportPlan", {"planId": str(w.plans["dobele"])}),
    ):
        input_type = name[0].upper() + name[1:] + "Input"
        got = outcome(
            *await site.ask(
                token,
                f"mutation($i: {input_type}!) {{ {name}(input: $i) {{ userErrors {{ code }} }} }}",
                i=variables,
            ),
            name,
        )
        assert got == {"userErrors": [{"code": "NOT_FOUND"}]}, (name, got)
    assert await snapshot(site) == before


async def test_nothing_is_moved_or_created_out_of_reach(site):
    token = site.token(*WORKER)
    before = await snapshot(site)
    moved = await site.ask(
        token,
        "mutation($i: UpdateClientInput!) { updateClient(input: $i) { userErrors { code } } }",
        i={"clientId": str(site.world.clients["jelgava"]), "municipalityCode": "0028000"},
    )
    assert outcome(*moved, "updateClient") == "FORBIDDEN"
    paid = await site.ask(
        token,
        "mutation($i: StartServiceEpisodeInput!) { startServiceEpisode(input: $i) { userErrors { code } } }",
        i={
            "clientId": str(site.world.clients["jelgava"]),
            "serviceCode": "HOME_CARE",
            "grantedBy": "0028000",
            "startDate": "2018-05-01",
        },
    )
    assert outcome(*paid, "startServiceEpisode") == "FORBIDDEN"
    assert await snapshot(site) == before


async def test_aliases_cannot_enumerate(site):
    token = site.token(*WORKER)
    ids = list(range(1, 31))
    query = "{ " + " ".join(f'c{i}: client(id: "{i}") {{ id municipalityCode }}' for i in ids) + " }"
    status, body = await site.ask(token, query)
    assert status == 200 and "errors" not in body
    seen = {int(v["id"]) for v in body["data"].values() if v is not None}
    assert seen == site.world.ids("clients", "jelgava", "jelgava_old")  # foreign and missing ids: both null
    too_many = "{ " + " ".join(f'c{i}: client(id: "{i}") {{ id }}' for i in range(31)) + " }"
    status, body = await site.ask(token, too_many)
    assert body.get("data") is None and "alias" in body["errors"][0]["message"].lower()


async def test_batches_are_refused(site):
    token = site.token(*WORKER)
    batch = [{"query": f'{{ client(id: "{i}") {{ id }} }}'} for i in range(1, 5)]
    response = await site.http.post("/graphql", json=batch, headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 400 and "client" not in response.text


async def test_a_name_search_only_reaches_names_the_caller_may_see(site):
    """A role that lists clients without their names cannot find out who is a client by searching names."""
    admin = site.token("national_admin", "lv")
    line = {"role": "case_counter", "domain": "lv/zemgale", "object": "client", "action": "read"}
    added = await site.ask(
        admin, "mutation($i: PermissionInput!) { setPermission(input: $i) { userErrors { code } } }", i=line
    )
    assert outcome(*added, "setPermission") == {"userErrors": []}
    try:
        counter = site.token("case_counter", "lv/zemgale")
        listing = outcome(
            *await site.ask(counter, "{ clients { totalCount edges { node { givenName maskedFields } } } }"),
            "clients",
        )
        assert listing["totalCount"] == 4 and {e["node"]["givenName"] for e in listing["edges"]} == {None}
        search = '{ clients(filter: {search: "Dobele"}) { totalCount } }'
        assert outcome(*await site.ask(counter, search), "clients") == {"totalCount": 0}
        coordinator = site.token("regional_coordinator", "lv/zemgale")
        assert outcome(*await site.ask(coordinator, search), "clients") == {"totalCount": 1}
    finally:
        removed = await site.ask(
            admin,
            "mutation($i: PermissionInput!) { removePermission(input: $i) { userErrors { code } } }",
            i=line,
        )
        assert outcome(*removed, "removePermission") == {"userErrors": []}


async def test_introspection_is_off_in_production_mode(site_db):
    secret = "the-production-secret-of-this-test-32-bytes"
    node = Node.open(Settings(db=site_db, region="zemgale", production=True, jwt_secret=secret))
    app = create_app(node)
    try:
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://node.test"
        ) as http:
            headers = {"Authorization": f"Bearer {dev_token(secret=secret)}"}
            for query in (
                "{ __schema { types { name } } }",
                '{ __type(name: "Client") { fields { name } } }',
            ):
                body = (await http.post("/graphql", json={"query": query}, headers=headers)).json()
                assert body["data"] is None and "introspection" in body["errors"][0]["message"].lower()
            dev = {"Authorization": f"Bearer {dev_token()}"}  # the published development secret
            assert (
                await http.post("/graphql", json={"query": "{ me { subject } }"}, headers=dev)
            ).status_code == 401
            ok = (await http.post("/graphql", json={"query": "{ me { subject } }"}, headers=headers)).json()
            assert ok == {"data": {"me": {"subject": "test-coordinator"}}}
    finally:
        await app.state.access.close()
        await node.close()
