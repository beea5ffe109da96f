"""Fixtures of the API tests: real HTTP requests (httpx over ASGI) to a node on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date
from typing import Any

import httpx
import pytest
from sqlalchemy import text

from core import hookimpl
from core.api import create_app
from core.domain.personal_code import make_personal_code
from core.events import drain

TABLES = ("clients", "service_places", "service_episodes", "deliveries", "institutions")

REGISTER = """
mutation($input: RegisterClientInput!) {
  registerClient(input: $input) {
    client { id personalCode givenName familyName birthDate targetGroup recipientKind residence municipalityCode }
    userErrors { code field message }
  }
}"""
START = """
mutation($input: StartServiceEpisodeInput!) {
  startServiceEpisode(input: $input) {
    episode { id clientId serviceCode grantedBy startDate endDate placeId }
    userErrors { code field message }
  }
}"""
RECORD = """
mutation($input: RecordDeliveriesInput!) {
  recordDeliveries(input: $input) {
    deliveries { id date units cost fundingSource rate { amount tier } }
    episode { id totalCost }
    userErrors { code field message }
  }
}"""
CREATE_PLACE = """
mutation($input: CreateServicePlaceInput!) {
  createServicePlace(input: $input) {
    place { id name serviceCode municipalityCode capacity erdfFunded }
    userErrors { code field message }
  }
}"""


class Api:
    """A GraphQL client of one node, speaking HTTP to its ASGI app."""

    def __init__(self, http: httpx.AsyncClient, node) -> None:
        self.http = http
        self.node = node
        self.serial = 0

    async def post(self, query: str, /, **variables: Any) -> httpx.Response:
        return await self.http.post("/graphql", json={"query": query, "variables": variables})

    async def __call__(self, query: str, /, **variables: Any) -> dict:
        """The JSON answer of a request that must not fail at the HTTP level."""
        response = await self.post(query, **variables)
        assert response.status_code == 200, response.text
        return response.json()

    async def data(self, query: str, /, **variables: Any) -> dict:
        """The ``data`` of a request that must succeed without any GraphQL error."""
        body = await self(query, **variables)
        assert "errors" not in body, body["errors"]
        return body["data"]

    async def mutate(self, query: str, name: str, /, **input: Any) -> dict:
        """A mutation's payload, asserting it had no userErrors."""
        payload = (await self.data(query, input=input))[name]
        assert payload["userErrors"] == [], payload["userErrors"]
        return payload

    async def register(self, *, born: date = date(1980, 5, 17), **fields: Any) -> dict:
        self.serial += 1
        input = {"personalCode": make_personal_code(born, self.serial), "givenName": "Anna",
                 "familyName": "Bērziņa", "targetGroup": "ADULT_GRT", "municipalityCode": "0003000", **fields}
        return (await self.mutate(REGISTER, "registerClient", **input))["client"]

    async def start(self, client_id: str, service: str = "HOME_CARE", start: str = "2018-03-01", **fields: Any
                    ) -> dict:
        input = {"clientId": client_id, "serviceCode": service, "grantedBy": "0003000", "startDate": start, **fields}
        return (await self.mutate(START, "startServiceEpisode", **input))["episode"]

    async def record(self, episode_id: str, rows: list[tuple[str, Any]]) -> list[dict]:
        input = {"episodeId": episode_id, "deliveries": [{"date": d, "units": u} for d, u in rows]}
        return (await self.mutate(RECORD, "recordDeliveries", **input))["deliveries"]

    async def place(self, service: str = "GROUP_HOME", capacity: int = 1, **fields: Any) -> dict:
        input = {"name": "Grupu māja Lielupe", "serviceCode": service, "municipalityCode": "0003000",
                 "capacity": capacity, **fields}
        return (await self.mutate(CREATE_PLACE, "createServicePlace", **input))["place"]

    async def rows(self) -> dict[str, list[tuple]]:
        """Every row of the tables mutations write, read back from the database."""
        out = {}
        async with self.node.engine.connect() as conn:
            for table in TABLES:
                out[table] = [tuple(r) for r in (await conn.execute(text(f"SELECT * FROM {table} ORDER BY id")))]
        return out

    async def institution(self, code: str = "VSAC-JELGAVA", places: int = 100) -> int:
        """An institution row (the API has no mutation for them: they come with the region's data)."""
        async with self.node.engine.begin() as conn:
            await conn.execute(text(
                "INSERT INTO institutions (code, name, kind, municipality_code, places) "
                "VALUES (:code, 'VSAC Zemgale, filiāle Jelgava', 'VSAC_BRANCH', '0003000', :places)"),
                {"code": code, "places": places})
            return int(await conn.scalar(text("SELECT id FROM institutions WHERE code = :code"), {"code": code}))


def user_errors(body: dict, name: str) -> list[tuple[str, str | None]]:
    assert "errors" not in body, body.get("errors")
    return [(e["code"], e["field"]) for e in body["data"][name]["userErrors"]]


@pytest.fixture
async def api(node, auth_headers):
    app = create_app(node)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://node.test",
                                 headers=auth_headers) as http:
        yield Api(http, node)


class Seen:
    """Events a plugin received; ``await seen()`` waits for the listeners still running first."""

    def __init__(self) -> None:
        self.events: list = []

    async def __call__(self) -> list:
        await drain()
        return self.events


@pytest.fixture
def events(register_plugin) -> Seen:
    """Events the node fires, as a plugin sees them through the on_event hook."""
    seen = Seen()

    class Listener:
        @hookimpl
        def on_event(self, event):
            seen.events.append(event)

    register_plugin(Listener(), name="api-test-listener")
    return seen
