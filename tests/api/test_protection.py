"""Malformed, oversized, too deep or abusive requests get a clear error (never a 500); bugs are masked."""

from __future__ import annotations

import logging

import pytest

from core import hookimpl
from core.api.app import MAX_BODY_BYTES

from .conftest import START

pytestmark = pytest.mark.anyio


def _nested(depth: int) -> str:
    """A query ``depth`` levels deep: client -> episodes -> client -> ..."""
    inner = "id"
    for level in reversed(range(depth)):
        inner = f"episodes {{ {inner} }}" if level % 2 == 0 else f"client {{ {inner} }}"
    return f'{{ client(id: "1") {{ {inner} }} }}'


@pytest.mark.parametrize("query, message", [
    ("{ clients { edges { node { id } }", "Syntax Error"),
    ("query { }", "cannot be empty"),
    ("{ clients { totalCount edges { } } }", "cannot be empty"),
    ("{ noSuchField }", "Cannot query field 'noSuchField'"),
    ('{ client(id: 1, id: 2) { id } }', "one argument named 'id'"),
    ("{ clients(first: \"ten\") { totalCount } }", "Int cannot represent"),
    ("mutation { registerClient { client { id } } }",
     "registerClient(input:)' of type 'RegisterClientInput!' is required"),
    ("subscription { clients { totalCount } }", "subscription"),
    ("query A { municipalities { code } } query A { municipalities { code } }", "only one operation named 'A'"),
])
async def test_malformed_graphql_is_a_graphql_error(api, query, message):
    response = await api.post(query)
    assert response.status_code in (200, 400), response.text
    if response.status_code == 200:
        body = response.json()
        assert body["data"] is None
        assert any(message.lower() in e["message"].lower() for e in body["errors"]), body["errors"]


async def test_too_deep_queries_are_refused(api):
    ok = await api(_nested(8))
    assert "errors" not in ok
    body = await api(_nested(11))
    assert body["data"] is None
    assert "exceeds maximum operation depth of 10" in body["errors"][0]["message"]


async def test_too_many_aliases_are_refused(api):
    fine = " ".join(f"a{i}: municipalities {{ code }}" for i in range(30))
    assert "errors" not in await api("{ " + fine + " }")
    many = " ".join(f"a{i}: municipalities {{ code }}" for i in range(31))
    body = await api("{ " + many + " }")
    assert body["data"] is None and "31 aliases found. Allowed: 30" in body["errors"][0]["message"]


async def test_too_many_tokens_are_refused(api):
    fields = " ".join(["code"] * 2100)
    body = await api("{ municipalities { " + fields + " } }")
    assert body["data"] is None
    assert "more than 2000 tokens" in body["errors"][0]["message"]


async def test_oversized_and_non_json_bodies_get_4xx(api):
    big = await api.http.post("/graphql", content=b"x" * (MAX_BODY_BYTES + 1),
                              headers={"content-type": "application/json"})
    assert big.status_code == 413

    async def chunks():
        for _ in range(20):
            yield b" " * (MAX_BODY_BYTES // 10)

    streamed = await api.http.post("/graphql", content=chunks(), headers={"content-type": "application/json"})
    assert streamed.status_code == 413
    for content, ctype in ((b"{not json", "application/json"), (b"query=x", "text/plain"),
                           (b'{"query": 5}', "application/json"), (b'{"variables": {}}', "application/json"),
                           (b'[{"query": "{ municipalities { code } }"}]', "application/json"),
                           (b'{"query": "{ __typename }", "variables": [1]}', "application/json")):
        response = await api.http.post("/graphql", content=content, headers={"content-type": ctype})
        assert response.status_code == 400, (content, response.status_code, response.text)


async def test_queries_only_by_post_and_mutations_never_by_get(api):
    response = await api.http.get("/graphql", params={"query": "{ municipalities { code } }"})
    assert 400 <= response.status_code < 500
    mutation = 'mutation { endServiceEpisode(input: {episodeId: "1", endDate: "2018-01-01"}) { episode { id } } }'
    response = await api.http.get("/graphql", params={"query": mutation})
    assert 400 <= response.status_code < 500
    page = await api.http.get("/graphql", headers={"accept": "text/html"})
    assert page.status_code == 200 and "graphiql" in page.text.lower()


async def test_variables_of_the_wrong_type_are_named(api):
    body = await api("mutation($i: StartServiceEpisodeInput!) { startServiceEpisode(input: $i) { episode { id } } }",
                     i={"clientId": "1", "serviceCode": "HOME_CARE", "grantedBy": "0003000", "startDate": "2018-01-01",
                        "unknownField": 1})
    assert body["data"] is None and "unknownField" in body["errors"][0]["message"]
    body = await api('{ serviceTypes(targetGroup: ELDERLY) { code } }')
    assert body["data"] is None and "ELDERLY" in body["errors"][0]["message"]


class Broken:
    """A plugin rule with a bug in it."""

    @hookimpl
    def validate_episode(self, episode):
        raise RuntimeError("secret internals: connection string postgres://admin@db")


async def test_unexpected_errors_are_masked_logged_and_write_nothing(api, register_plugin, caplog):
    client = await api.register()
    register_plugin(Broken(), name="broken-rule")
    before = await api.rows()
    with caplog.at_level(logging.ERROR, logger="kopiena.api"):
        response = await api.http.post("/graphql", headers={"X-Request-ID": "req-42"}, json={
            "query": START, "variables": {"input": {"clientId": client["id"], "serviceCode": "HOME_CARE",
                                                    "grantedBy": "0003000", "startDate": "2018-03-01"}}})
    assert response.status_code == 200
    assert response.headers["X-Request-ID"] == "req-42"
    [error] = response.json()["errors"]
    assert error["message"] == "Unexpected error"
    assert error["extensions"] == {"code": "INTERNAL_SERVER_ERROR", "requestId": "req-42"}
    assert "secret" not in response.text
    assert await api.rows() == before
    [record] = [r for r in caplog.records if "req-42" in r.getMessage()]
    assert record.exc_info and "secret internals" in str(record.exc_info[1])


async def test_request_ids_are_generated_when_missing_or_unsafe(api):
    for headers in ({}, {"X-Request-ID": "bad id\nwith newline"}, {"X-Request-ID": "x" * 65}):
        response = await api.http.post("/graphql", headers=headers, json={"query": "{ __typename }"})
        assert len(response.headers["X-Request-ID"]) == 32


async def test_parsed_and_validated_documents_are_cached(node, auth_headers):
    import httpx

    from core.api import create_app

    app = create_app(node)
    documents = app.state.schema.documents
    query = "{ serviceTypes(targetGroup: CHILD_FT) { code } __type(name: \"Client\") { name } }  # cache probe"
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t",
                                 headers=auth_headers) as http:
        first = (await http.post("/graphql", json={"query": query})).json()
        parsed = documents.parse(query)
        validated = documents._parsed[query].validated
        again = (await http.post("/graphql", json={"query": query})).json()
    assert "errors" not in first and first == again and first["data"]["__type"] == {"name": "Client"}
    assert documents.parse(query) is parsed and documents._parsed[query].validated is validated  # not done again


async def test_production_mode_hides_introspection_graphiql_and_suggestions(db_url):
    import httpx

    from core.api import create_app
    from core.node import Node
    from core.settings import Settings
    from tests.conftest import dev_token

    secret = "this-test-s-own-production-secret-32-bytes"  # production refuses the development secret
    node = Node.open(Settings(db=db_url, region="zemgale", production=True, jwt_secret=secret))
    try:
        transport = httpx.ASGITransport(app=create_app(node))
        headers = {"Authorization": f"Bearer {dev_token(secret=secret)}"}
        async with httpx.AsyncClient(transport=transport, base_url="http://t", headers=headers) as http:
            body = (await http.post("/graphql", json={"query": "{ __schema { types { name } } }"})).json()
            assert body["data"] is None and "introspection" in body["errors"][0]["message"].lower()
            typo = (await http.post("/graphql", json={"query": "{ client { idd } }"})).json()
            assert all("Did you mean" not in e["message"] for e in typo["errors"])
            assert (await http.get("/graphql", headers={"accept": "text/html"})).status_code == 404
            ok = (await http.post("/graphql", json={"query": "{ municipalities { code } }"})).json()
            assert len(ok["data"]["municipalities"]) == 28
    finally:
        await node.close()
