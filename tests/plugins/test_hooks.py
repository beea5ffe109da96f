"""One test (at least) per hook of core/hookspecs.py, each through a real plugin registered for the test.

The convention (docs/plugins.md, checked by test_docs.py): every hook is implemented by a
``@hookimpl`` function of its own name somewhere under tests/. Hooks of other areas are
tested beside their area (tests/indicators, tests/assessment, tests/auth); the ones of the
foundation and of integrations are here, named ``test_hook_<name>``.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from datetime import date
from decimal import Decimal

import httpx
import pytest
import strawberry
import typer
from sqlalchemy import func, select
from typer.testing import CliRunner

from core import hookimpl
from core.api import build_schema, create_app, print_sdl
from core.api.schema import GraphQLExtension
from core.domain.catalogue import ADULT, ServiceType, ServiceUnit
from core.domain.errors import RuleViolation
from core.domain.people import TargetGroup
from core.domain.personal_code import make_personal_code
from core.domain.rates import Rate
from core.domain.regions import DIPlanTarget, Municipality, RegionInfo
from core.events import Event, dispatch, drain
from core.node import Node
from core.plugins import PluginError, get_plugin_manager
from core.registry import Registry, known_regions
from core.settings import Settings
from core.store.clients import NewClient, register_client
from core.store.deliveries import DeliveryInput, record_deliveries
from core.store.episodes import NewEpisode, start_episode
from core.store.exports import Exporter, ExportParams, ExportTable, available_exporters, render
from core.store.models import DIPlanTargetRow, ServiceEpisode, ServiceTypeRow
from core.store.seed import seed

pytestmark = pytest.mark.anyio

REGISTER = """mutation($input: RegisterClientInput!) {
  registerClient(input: $input) { client { id } userErrors { code field message } } }"""
START = """mutation($input: StartServiceEpisodeInput!) {
  startServiceEpisode(input: $input) { episode { id } userErrors { code field message } } }"""
RECORD = """mutation($input: RecordDeliveriesInput!) {
  recordDeliveries(input: $input) { deliveries { date cost } userErrors { code field message } } }"""


class Http:
    """GraphQL over real HTTP requests to the node's ASGI app."""

    def __init__(self, client: httpx.AsyncClient) -> None:
        self.client = client
        self.serial = 0

    async def __call__(self, query: str, **variables) -> dict:
        response = await self.client.post("/graphql", json={"query": query, "variables": variables})
        assert response.status_code == 200, response.text
        body = response.json()
        assert "errors" not in body, body["errors"]
        return body["data"]

    async def client_id(self, **fields) -> str:
        self.serial += 1
        data = await self(
            REGISTER,
            input={
                "personalCode": make_personal_code(date(1980, 5, 17), self.serial),
                "givenName": "Anna",
                "familyName": "Bērziņa",
                "targetGroup": "ADULT_GRT",
                "municipalityCode": "0003000",
                **fields,
            },
        )
        assert data["registerClient"]["userErrors"] == []
        return data["registerClient"]["client"]["id"]


@pytest.fixture
async def http(node, auth_headers):
    """Call after registering the test's plugins: the app builds its schema from them."""
    opened: list[httpx.AsyncClient] = []

    async def open_() -> Http:
        client = httpx.AsyncClient(
            transport=httpx.ASGITransport(app=create_app(node)),
            base_url="http://node.test",
            headers=auth_headers,
        )
        opened.append(client)
        return Http(client)

    yield open_
    for client in opened:
        await client.aclose()


async def _rows(node, model) -> int:
    async with node.sessions() as s:
        return await s.scalar(select(func.count()).select_from(model))


# -- region metadata and reference data -----------------------------------------------------------------

TESTLAND = RegionInfo("testland", "Testzemes plānošanas reģions", "Testland planning region")
HARBOUR = Municipality(
    "9990000", "Ostas novada pašvaldība", "Ostas novads", "novads", "testland", date(2021, 7, 1)
)


class Testland:
    @hookimpl
    def region_info(self):
        return TESTLAND

    @hookimpl
    def municipalities(self, region):
        return [HARBOUR] if region == "testland" else None


def test_hook_region_info(register_plugin):
    register_plugin(Testland())
    regions = known_regions(get_plugin_manager())
    assert regions["testland"] == TESTLAND and {"kurzeme", "latgale", "riga", "vidzeme", "zemgale"} < set(
        regions
    )
    assert Registry.load("testland").region.domain == "lv/testland"


def test_hook_municipalities(register_plugin):
    register_plugin(Testland())
    assert Registry.load("testland").municipalities == {"9990000": HARBOUR}
    assert (
        "9990000" not in Registry.load("zemgale").municipalities
    )  # asked per region; other regions say None


ART = ServiceType("ART_THERAPY", "Mākslas terapija", "Art therapy", ServiceUnit.HOUR, ADULT)


class ArtTherapy:
    @hookimpl
    def service_types(self):
        return [ART]

    @hookimpl
    def rate_tables(self):
        return [Rate("ART_THERAPY", Decimal("12.50"), date(2016, 1, 1), source="municipal price list")]


async def _seeded_node(db_url: str) -> Node:
    node = Node.open(Settings(db=db_url, region="zemgale"))
    async with node.sessions() as s, s.begin():
        await seed(s, node.registry)
    return node


async def _adult(s, node, serial: int = 1):
    return await register_client(
        s,
        node,
        NewClient(make_personal_code(date(1980, 5, 17), serial), "Anna", "Bērziņa", "ADULT_GRT", "0003000"),
    )


async def test_hook_service_types(db_url, register_plugin):
    register_plugin(ArtTherapy())
    node = await _seeded_node(db_url)
    try:
        assert node.registry.catalogue.get("ART_THERAPY") == ART
        async with node.sessions() as s, s.begin():
            row = await s.get(ServiceTypeRow, "ART_THERAPY")
            episode = await start_episode(
                s, node, NewEpisode((await _adult(s, node)).id, "ART_THERAPY", "0003000", date(2015, 6, 1))
            )
        assert (row.name_lv, row.unit, row.target_groups) == ("Mākslas terapija", "HOUR", "ADULT_GRT")
        assert episode.service_code == "ART_THERAPY"
    finally:
        await node.close()


async def test_hook_rate_tables(db_url, register_plugin):
    register_plugin(ArtTherapy())
    node = await _seeded_node(db_url)
    try:
        async with node.sessions() as s, s.begin():
            episode = await start_episode(
                s, node, NewEpisode((await _adult(s, node)).id, "ART_THERAPY", "0003000", date(2015, 6, 1))
            )
            rows = await record_deliveries(
                s,
                node,
                episode.id,
                [DeliveryInput(date(2015, 12, 31), "1.5"), DeliveryInput(date(2016, 1, 4), "1.5")],
            )
        assert [r.cost for r in rows] == [None, Decimal("18.75")]  # no rate yet, then 1.5 h x 12.50 EUR
    finally:
        await node.close()


async def test_hook_rate_tier(node, register_plugin):
    class AlwaysHigher:
        @hookimpl(tryfirst=True)
        def rate_tier(self, service, care_level, candidates):
            return candidates[-1]

    async with node.sessions() as s, s.begin():
        client = await _adult(s, node)
        episode = await start_episode(
            s, node, NewEpisode(client.id, "DAY_CARE_CENTRE", "0003000", date(2018, 3, 1))
        )
        [lower] = await record_deliveries(s, node, episode.id, [DeliveryInput(date(2018, 3, 1), 1)])
        register_plugin(AlwaysHigher())
        [higher] = await record_deliveries(s, node, episode.id, [DeliveryInput(date(2018, 3, 2), 1)])
    assert (lower.cost, higher.cost) == (Decimal("16.24"), Decimal("19.28"))


def test_hook_di_plan_targets(register_plugin):
    extra = DIPlanTarget("zemgale", TargetGroup.ADULT_GRT, date(2023, 12, 31), 40, "SPECIALIST_SUPPORT")

    class Amendment:
        @hookimpl
        def di_plan_targets(self, region):
            return [extra] if region == "zemgale" else None

    register_plugin(Amendment())
    assert extra in Registry.load("zemgale").targets
    assert extra not in Registry.load("kurzeme").targets


async def test_hook_di_plan_targets_are_seeded(db_url, register_plugin):
    class Amendment:
        @hookimpl
        def di_plan_targets(self, region):
            return [DIPlanTarget(region, TargetGroup.ADULT_GRT, date(2023, 12, 31), 40, "SPECIALIST_SUPPORT")]

    register_plugin(Amendment())
    node = await _seeded_node(db_url)
    try:
        async with node.sessions() as s:
            target = await s.scalar(
                select(DIPlanTargetRow.target).where(DIPlanTargetRow.service_code == "SPECIALIST_SUPPORT")
            )
        assert target == 40
    finally:
        await node.close()


# -- rules, through the API --------------------------------------------------------------------------


async def test_hook_validate_episode(node, register_plugin, http):
    class OnlyWithContract:
        @hookimpl
        def validate_episode(self, episode):
            if episode.granted_by == "0028000":
                return [
                    RuleViolation(
                        "Dobele has no contract for this service yet.", field="grantedBy", code="NO_CONTRACT"
                    )
                ]
            return None

    register_plugin(OnlyWithContract())
    api = await http()
    client = await api.client_id()
    refused = await api(
        START,
        input={
            "clientId": client,
            "serviceCode": "HOME_CARE",
            "grantedBy": "0028000",
            "startDate": "2018-03-01",
        },
    )
    assert refused["startServiceEpisode"]["userErrors"] == [
        {
            "code": "NO_CONTRACT",
            "field": "grantedBy",
            "message": "Dobele has no contract for this service yet.",
        }
    ]
    assert await _rows(node, ServiceEpisode) == 0
    allowed = await api(
        START,
        input={
            "clientId": client,
            "serviceCode": "HOME_CARE",
            "grantedBy": "0003000",
            "startDate": "2018-03-01",
        },
    )
    assert allowed["startServiceEpisode"]["userErrors"] == [] and await _rows(node, ServiceEpisode) == 1


async def test_hook_validate_deliveries(node, register_plugin, http):
    class NoSundays:
        @hookimpl
        def validate_deliveries(self, deliveries):
            return [
                RuleViolation(f"{d.day.isoformat()} is a Sunday.", field="deliveries", code="SUNDAY")
                for d in deliveries
                if d.day.weekday() == 6
            ]

    register_plugin(NoSundays())
    api = await http()
    episode = await api(
        START,
        input={
            "clientId": await api.client_id(),
            "serviceCode": "HOME_CARE",
            "grantedBy": "0003000",
            "startDate": "2018-03-01",
        },
    )
    episode_id = episode["startServiceEpisode"]["episode"]["id"]
    refused = await api(
        RECORD,
        input={
            "episodeId": episode_id,
            "deliveries": [{"date": "2018-03-03", "units": "1"}, {"date": "2018-03-04", "units": "1"}],
        },
    )
    assert [e["code"] for e in refused["recordDeliveries"]["userErrors"]] == ["SUNDAY"]
    recorded = await api(
        RECORD, input={"episodeId": episode_id, "deliveries": [{"date": "2018-03-05", "units": "2"}]}
    )
    assert recorded["recordDeliveries"]["deliveries"] == [{"date": "2018-03-05", "cost": "7.66"}]


# -- the command line ------------------------------------------------------------------------------


def test_hook_register_commands(register_plugin):
    class Hello:
        @hookimpl
        def register_commands(self, cli):
            @cli.command("labdien")
            def labdien(name: str = "pasaule") -> None:
                typer.echo(f"Labdien, {name}!")

    register_plugin(Hello())
    cli = typer.Typer()
    cli.command("version")(lambda: None)
    get_plugin_manager().hook.register_commands(cli=cli)
    result = CliRunner().invoke(cli, ["labdien", "--name", "Zemgale"])
    assert result.exit_code == 0 and result.output == "Labdien, Zemgale!\n"


# -- events: after the commit, never able to break or slow the request --------------------------------


class Recorder:
    def __init__(self) -> None:
        self.events: list[Event] = []

    @hookimpl
    def on_event(self, event):
        self.events.append(event)


async def test_hook_on_event(node, register_plugin, http):
    recorder = register_plugin(Recorder())
    api = await http()
    client = await api.client_id()
    await drain()
    [event] = recorder.events
    assert (event.type, event.region, event.data["clientId"]) == ("client.registered", "zemgale", int(client))
    assert "Anna" not in repr(event.as_dict())


async def test_hook_on_event_a_listener_that_raises_is_logged_and_breaks_nothing(
    node, register_plugin, http, caplog
):
    class Broken:
        @hookimpl
        async def on_event(self, event):
            raise RuntimeError("the municipal system is down")

    register_plugin(Broken(), name="broken-listener")
    recorder = register_plugin(Recorder())
    api = await http()
    with caplog.at_level(logging.ERROR, logger="kopiena.events"):
        client = await api.client_id()  # answered without errors: the listener's failure never reaches it
        await drain()
    assert client and [e.type for e in recorder.events] == ["client.registered"]
    assert "event listener broken-listener failed on client.registered" in caplog.text
    assert "the municipal system is down" in caplog.text


async def test_hook_on_event_a_hanging_listener_does_not_hold_the_response(node, register_plugin, http):
    entered, release = asyncio.Event(), asyncio.Event()

    class Hanging:
        @hookimpl
        async def on_event(self, event):
            entered.set()
            await release.wait()

    register_plugin(Hanging())
    api = await http()
    client = await api.client_id()  # the response is here ...
    await asyncio.wait_for(entered.wait(), 10)
    assert client and not release.is_set()  # ... while the listener is still blocked
    release.set()
    assert await drain() == 0


async def test_hook_on_event_a_blocking_plain_listener_runs_beside_the_event_loop(
    node, register_plugin, http
):
    entered, release = threading.Event(), threading.Event()

    class Blocking:
        @hookimpl
        def on_event(self, event):
            entered.set()
            release.wait(30)  # blocks its worker thread, not the loop serving requests

    register_plugin(Blocking())
    api = await http()
    first = await api.client_id()
    second = await api.client_id()  # a second request is served while the first event's listener blocks
    assert await asyncio.to_thread(entered.wait, 10)
    assert first != second and not release.is_set()
    release.set()
    assert await drain() == 0


async def test_hook_on_event_a_listener_over_its_time_is_given_up(register_plugin, caplog):
    class Slow:
        @hookimpl
        async def on_event(self, event):
            await asyncio.sleep(30)

    register_plugin(Slow(), name="slow-listener")
    with caplog.at_level(logging.WARNING, logger="kopiena.events"):
        [task] = [
            t
            for t in dispatch(
                get_plugin_manager(), Event("plan.approved", "zemgale", {"planId": 1}), timeout=0.05
            )
            if "slow-listener" in t.get_name()
        ]
        await task
    assert "event listener slow-listener timed out after 0.1s on plan.approved" in caplog.text


# -- exports, imports (test_imports.py) and the schema ------------------------------------------------


class EpisodesStarted(Exporter):
    name = "episodes-started"
    description = "Episodes started in the month, per service."

    async def export(self, session, params):
        rows = await session.execute(
            select(ServiceEpisode.service_code, func.count())
            .where(ServiceEpisode.start_date >= params.start, ServiceEpisode.start_date < params.end)
            .group_by(ServiceEpisode.service_code)
            .order_by(ServiceEpisode.service_code)
        )
        return ExportTable(["service_code", "episodes"], [tuple(r) for r in rows.all()])


async def test_hook_exporters(node, register_plugin):
    class Exports:
        @hookimpl
        def exporters(self):
            return [EpisodesStarted()]

    register_plugin(Exports())
    known = available_exporters(node.pm)
    assert {"deliveries", "costs", "episodes-started"} <= set(known)
    async with node.sessions() as s, s.begin():
        client = await _adult(s, node)
        for service, day in (
            ("HOME_CARE", date(2018, 3, 1)),
            ("SUPPORT_GROUP", date(2018, 3, 31)),
            ("DAY_CARE_CENTRE", date(2018, 3, 12)),
            ("SUPPORT_PERSON", date(2018, 4, 1)),
        ):
            await start_episode(s, node, NewEpisode(client.id, service, "0003000", day))
        table = await known["episodes-started"].export(s, ExportParams(month=date(2018, 3, 1)))
    assert render(table, "csv") == "service_code,episodes\nDAY_CARE_CENTRE,1\nHOME_CARE,1\nSUPPORT_GROUP,1\n"


@strawberry.type(description="A municipal system this node exchanges data with.")
class MunicipalSystem:
    name: str
    municipality_code: str


@strawberry.type
class SystemsQuery:
    @strawberry.field(description="Municipal systems known to the plugin.")
    def municipal_systems(self) -> list[MunicipalSystem]:
        return [MunicipalSystem(name="SOCIS", municipality_code="0003000")]


@strawberry.type
class SystemsMutation:
    @strawberry.mutation(
        description="Pretend to ping a municipal system.", metadata={"kopiena.access": ("reference", "read")}
    )
    async def ping_municipal_system(self, info: strawberry.Info, name: str) -> str:
        return f"{name} answers {info.context.node.region}"


@strawberry.type(description="Reachable from no field, given in types.")
class SystemStatus:
    up: bool


async def test_hook_graphql_extension(node, register_plugin, http):
    class Systems:
        @hookimpl
        def graphql_extension(self, settings):
            assert settings.region == "zemgale"
            return GraphQLExtension(query=SystemsQuery, mutation=SystemsMutation, types=(SystemStatus,))

    register_plugin(Systems())
    api = await http()
    assert await api("{ municipalSystems { name municipalityCode } }") == {
        "municipalSystems": [{"name": "SOCIS", "municipalityCode": "0003000"}]
    }
    assert await api('mutation { pingMunicipalSystem(name: "SOCIS") }') == {
        "pingMunicipalSystem": "SOCIS answers zemgale"
    }
    assert await api("{ serviceTypes { code } }")  # the core's fields are all still there
    assert "type SystemStatus" in print_sdl(build_schema(node.pm, node.settings))
    assert "municipalSystems" not in print_sdl(build_schema())  # the checked-in core schema stays the core's


def test_hook_graphql_extension_cannot_take_a_core_field(register_plugin):
    @strawberry.type
    class Hijack:
        @strawberry.field
        def clients(self) -> list[str]:
            return ["everyone"]

    class Hijacker:
        @hookimpl
        def graphql_extension(self):
            return GraphQLExtension(query=Hijack)

    register_plugin(Hijacker(), name="hijacker")
    with pytest.raises(
        PluginError, match="plugin 'hijacker' adds GraphQL fields that exist already: clients"
    ):
        build_schema(get_plugin_manager())
