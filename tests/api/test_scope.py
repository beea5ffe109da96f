"""The contract with access control: a context hook sets ``scope``; every read applies it in SQL."""

from __future__ import annotations

import pytest
from graphql import GraphQLError
from sqlalchemy import select

from core.api import context
from core.auth import Domain, Grant, Principal
from core.store.models import Client, Delivery, ServiceEpisode
from tests.support.statements import statements_sent

pytestmark = pytest.mark.anyio

READ = """
query($a: ID!, $b: ID!) {
  clients(first: 50) { totalCount edges { node { id episodes { id } } } }
  serviceEpisodes(first: 50) { totalCount edges { node { id client { id } } } }
  deliveries(first: 50) { totalCount totalCost }
  a: client(id: $a) { id }
  b: client(id: $b) { id totalCost deliveries { date } }
}"""


def bauska_only(model):
    """What a municipal social worker of Bauska (0025000) may see: its clients and what hangs off them."""
    theirs = select(Client.id).where(Client.municipality_code == "0025000")
    if model is Client:
        return Client.municipality_code == "0025000"
    if model is ServiceEpisode:
        return ServiceEpisode.client_id.in_(theirs)
    if model is Delivery:
        return Delivery.episode_id.in_(select(ServiceEpisode.id).where(ServiceEpisode.client_id.in_(theirs)))
    return None


@pytest.fixture
def hook():
    added = []

    def add(function):
        context.CONTEXT_HOOKS.append(function)
        added.append(function)

    yield add
    for function in added:
        context.CONTEXT_HOOKS.remove(function)


async def test_scope_set_by_a_context_hook_limits_every_read_in_sql(api, hook):
    a, b = await api.register(), await api.register(municipalityCode="0025000")
    ea, eb = await api.start(a["id"]), await api.start(b["id"])
    await api.record(ea["id"], [("2018-03-01", 1)])
    await api.record(eb["id"], [("2018-03-01", 2)])
    everything = await api.data(READ, a=a["id"], b=b["id"])
    assert everything["clients"]["totalCount"] == 2 and everything["deliveries"]["totalCost"] == "11.49"

    def worker(ctx):
        ctx.principal = Principal("social-worker", (Grant("municipal_social_worker", Domain("lv/zemgale/0025000")),))
        ctx.scope = bauska_only

    hook(worker)
    with statements_sent(api.node.engine) as statements:
        data = await api.data(READ, a=a["id"], b=b["id"])
    assert data["clients"] == {"totalCount": 1, "edges": [{"node": {"id": b["id"], "episodes": [{"id": eb["id"]}]}}]}
    assert data["serviceEpisodes"] == {"totalCount": 1,
                                       "edges": [{"node": {"id": eb["id"], "client": {"id": b["id"]}}}]}
    assert data["deliveries"] == {"totalCount": 1, "totalCost": "7.66"}
    assert data["a"] is None  # a foreign client answers as if it did not exist
    assert data["b"] == {"id": b["id"], "totalCost": "7.66", "deliveries": [{"date": "2018-03-01"}]}
    client_reads = [s for s in statements if "FROM clients" in s]
    assert client_reads and all("municipality_code" in s for s in client_reads)


async def test_auth_errors_from_the_scope_reach_the_client_unmasked(api, hook):
    class NotSignedIn(Exception):
        extensions = {"code": "UNAUTHENTICATED"}

    def refuse(ctx):
        def scope(model):
            if model is Client:
                raise GraphQLError("You may not list clients.", extensions={"code": "FORBIDDEN"})
            if model is ServiceEpisode:
                raise NotSignedIn("Sign in first.")
            return None
        ctx.scope = scope

    hook(refuse)
    [forbidden] = (await api("{ clients { totalCount } }"))["errors"]
    assert (forbidden["message"], forbidden["extensions"]) == ("You may not list clients.", {"code": "FORBIDDEN"})
    [unauthenticated] = (await api("{ serviceEpisodes { totalCount } }"))["errors"]
    assert unauthenticated["message"] == "Sign in first."
    assert unauthenticated["extensions"] == {"code": "UNAUTHENTICATED"}
    assert len((await api.data("{ municipalities { code } }"))["municipalities"]) == 28


async def test_a_context_hook_can_refuse_the_whole_request_with_an_http_status(api, hook):
    from cross_web import HTTPException

    def no_token(ctx):
        raise HTTPException(401, "A bearer token is required.")

    hook(no_token)
    response = await api.post("{ municipalities { code } }")
    assert (response.status_code, response.text) == (401, "A bearer token is required.")
