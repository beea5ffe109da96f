"""The import runner on SQLite and PostgreSQL: every record through the API's write path, in savepoints."""

from __future__ import annotations

import asyncio
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from core import hookimpl
from core.domain.errors import DomainError
from core.events import drain
from core.imports import ClientRecord, ImportSourceError, RejectedRecord, available_importers
from core.plugins import PluginError
from core.store.clients import NewClient, register_client
from core.store.imports import run_import
from core.store.models import Client, Delivery, ServiceEpisode

from .helpers import ImporterPlugin, ListImporter, client, code, counts, delivery, episode, refs

pytestmark = pytest.mark.anyio


class Listener:
    def __init__(self) -> None:
        self.events = []

    @hookimpl
    def on_event(self, event):
        self.events.append(event)


async def test_hook_importers(node, register_plugin):
    records = [client(1), episode(1, 1), delivery(1, date(2018, 3, 1)), delivery(1, date(2018, 3, 2), "1")]
    importer = ListImporter(records, name="municipal-api")
    register_plugin(ImporterPlugin(importer))
    known = available_importers(node.pm)
    assert known["municipal-api"] is importer and "spreadsheet" in known
    report = await run_import(node, importer, "https://socis.example/export", system="jelgava-socis")
    assert report.ok and importer.sources == ["https://socis.example/export"]
    assert dict(report.written) == {"client": 1, "episode": 1, "delivery": 2}
    async with node.sessions() as s:
        person = (await s.execute(select(Client))).scalar_one()
        ep = (await s.execute(select(ServiceEpisode))).scalar_one()
        costs = sorted((await s.execute(select(Delivery.cost))).scalars())
    assert (person.given_name, person.personal_code, ep.client_id) == ("Anna", code(1), person.id)
    assert [str(c) for c in costs] == ["3.83", "9.58"]  # 2.5 h x 3.83 EUR, cents half-up
    assert await refs(node, "jelgava-socis") == {("client", "c1"): person.id, ("episode", "e1"): ep.id}


async def test_a_refused_record_leaves_nothing_and_spares_the_good_ones_in_its_batch(node):
    records = [
        client(1),
        client(2, personal_code="170580-11004"),
        client(3),
        episode(1, 1),
        episode(2, 2),
        episode(3, 3, service_code="RESPITE_CARE"),
        delivery(1, date(2018, 3, 5), line=11),
        delivery(1, date(2018, 2, 1), line=12),
        delivery(1, date(2018, 3, 6), "25", line=13),
        delivery(1, date(2018, 3, 7), line=14),
        delivery(3, date(2018, 3, 5), line=15),
    ]
    report = await run_import(node, ListImporter(records), "x")
    assert dict(report.written) == {"client": 2, "episode": 1, "delivery": 2}
    assert report.batches == 1
    refused = [(r.line, r.kind, r.field, r.code) for r in report.rejected]
    assert refused == [
        (2, "client", "Personas kods", "PERSONAL_CODE_INVALID"),
        (2, "episode", "clientExternalId", "REFERENCE_REFUSED"),
        (3, "episode", "serviceCode", "SERVICE_NOT_FOR_TARGET_GROUP"),
        (12, "delivery", "date", "DELIVERY_OUTSIDE_EPISODE"),
        (13, "delivery", "units", "UNITS_INVALID"),
        (15, "delivery", "episodeExternalId", "REFERENCE_REFUSED"),
    ]
    assert "line 2" in report.rejected[1].message
    assert await counts(node) == {"clients": 2, "episodes": 1, "deliveries": 2, "refs": 3}
    async with node.sessions() as s:
        days = sorted((await s.execute(select(Delivery.date))).scalars())
    assert days == [date(2018, 3, 5), date(2018, 3, 7)]


async def test_running_the_same_import_again_writes_nothing_new(node):
    records = [
        client(1),
        client(2),
        episode(1, 1),
        delivery(1, date(2018, 3, 5)),
        delivery(1, date(2018, 3, 6)),
        episode(2, 2, service_code="DAY_CARE_CENTRE"),
        delivery(2, date(2018, 3, 5), "1"),
    ]
    first = await run_import(node, ListImporter(records), "x", batch_size=3)
    after_first = await counts(node)
    again = await run_import(node, ListImporter(records), "x", batch_size=3)
    assert sum(again.written.values()) == 0 and not again.rejected
    assert dict(again.unchanged) == {"client": 2, "episode": 2, "delivery": 3} == dict(first.written)
    assert await counts(node) == after_first == {"clients": 2, "episodes": 2, "deliveries": 3, "refs": 4}


async def test_the_same_ids_from_another_system_are_other_records(node):
    await run_import(node, ListImporter([client(1)]), "x", system="bauska")
    other = await run_import(node, ListImporter([client(1)]), "x", system="dobele")
    assert dict(other.linked) == {"client": 1}  # same person (same personal code), known to two systems
    assert (await counts(node))["clients"] == 1 and (await counts(node))["refs"] == 2


async def test_an_importer_that_raises_midway_keeps_what_it_read_consistent(node):
    records = [
        client(1),
        episode(1, 1),
        delivery(1, date(2018, 3, 5)),
        client(2),
        episode(2, 2),
        delivery(2, date(2018, 3, 5)),
        client(3),
        episode(3, 3),
    ]
    broken = ListImporter(records, fail_at=4)
    report = await run_import(node, broken, "x", batch_size=2)
    assert not report.ok
    assert "'list' failed after line 2" in report.error and "ConnectionError" in report.error
    assert "stopped answering" in report.error
    assert await counts(node) == {"clients": 2, "episodes": 1, "deliveries": 1, "refs": 3}
    async with node.sessions() as s:  # nothing points at what is not there
        orphans = await s.scalar(
            select(ServiceEpisode.id).where(ServiceEpisode.client_id.not_in(select(Client.id)))
        )
    assert orphans is None
    healed = await run_import(node, ListImporter(records), "x", batch_size=2)
    assert healed.ok and dict(healed.written) == {"client": 1, "episode": 2, "delivery": 1}
    assert await counts(node) == {"clients": 3, "episodes": 3, "deliveries": 2, "refs": 6}


async def test_an_unexpected_error_rolls_back_only_the_open_batch(node, register_plugin):
    class Crashing:
        @hookimpl
        def validate_episode(self, episode):
            if episode.service.code == "SUPPORT_GROUP":
                raise RuntimeError("a plugin bug")

    register_plugin(Crashing())
    records = [client(1), episode(1, 1), client(2), episode(2, 2, service_code="SUPPORT_GROUP")]
    report = await run_import(node, ListImporter(records), "x", batch_size=2)
    assert report.error.startswith("writing stopped") and "a plugin bug" in report.error
    # the first batch is committed; of the second, client 2 was written before the crash and rolled back
    assert await counts(node) == {"clients": 1, "episodes": 1, "deliveries": 0, "refs": 2}


async def test_a_source_that_cannot_be_read_imports_nothing(node):
    class Unreadable(ListImporter):
        def read(self, source, context):
            raise ImportSourceError("line 1: missing column(s): 'Personas kods'")
            yield  # a generator, like every importer

    report = await run_import(node, Unreadable([]), "x")
    assert report.error == "line 1: missing column(s): 'Personas kods'"
    assert await counts(node) == {"clients": 0, "episodes": 0, "deliveries": 0, "refs": 0}


async def test_a_client_registered_by_hand_is_linked_not_registered_twice(node):
    async with node.sessions() as s, s.begin():
        by_hand = await register_client(
            s, node, NewClient(code(1), "Anna", "Bērziņa", "ADULT_GRT", "0003000")
        )
    records = [client(1), client(2, personal_code=code(1), target_group="CHILD_FT"), episode(1, 1)]
    report = await run_import(node, ListImporter(records), "x")
    assert dict(report.linked) == {"client": 1} and dict(report.written) == {"episode": 1}
    assert [(r.line, r.field, r.code) for r in report.rejected] == [(2, "targetGroup", "INVALID_VALUE")]
    assert (await refs(node, "list"))[("client", "c1")] == by_hand.id
    assert (await counts(node))["clients"] == 1


async def test_an_end_date_given_later_ends_the_episode(node, register_plugin):
    listener = register_plugin(Listener())
    await run_import(node, ListImporter([client(1), episode(1, 1)]), "x")
    report = await run_import(node, ListImporter([client(1), episode(1, 1, end_date=date(2018, 6, 30))]), "x")
    assert dict(report.updated) == {"episode": 1}
    async with node.sessions() as s:
        assert (await s.execute(select(ServiceEpisode.end_date))).scalar_one() == date(2018, 6, 30)
    await drain()
    assert [e.type for e in listener.events] == ["client.registered", "episode.started", "episode.ended"]


async def test_respite_care_over_30_days_a_year_refuses_just_the_days_over(node):
    child = client(1, personal_code=code(1, date(2010, 3, 4)), target_group="CHILD_FT")
    days = [date(2018, 7, 2) + timedelta(days=i) for i in range(32)]
    records = [
        child,
        episode(1, 1, service_code="RESPITE_CARE", start_date=days[0]),
        *(delivery(1, d, "1", line=10 + i) for i, d in enumerate(days)),
    ]
    report = await run_import(node, ListImporter(records), "x")
    assert report.written["delivery"] == 30
    assert [(r.line, r.code) for r in report.rejected] == [
        (40, "RESPITE_LIMIT_EXCEEDED"),
        (41, "RESPITE_LIMIT_EXCEEDED"),
    ]
    assert (await counts(node))["deliveries"] == 30


async def test_events_are_told_after_each_batch_commits_and_carry_no_personal_data(node, register_plugin):
    listener = register_plugin(Listener())
    records = [
        client(1),
        client(2, personal_code="bad"),
        episode(1, 1),
        delivery(1, date(2018, 3, 5)),
        delivery(1, date(2018, 3, 6)),
    ]
    await run_import(node, ListImporter(records), "x")
    await drain()
    kinds = [e.type for e in listener.events]
    assert kinds == ["client.registered", "episode.started", "deliveries.recorded"]
    async with node.sessions() as s:
        ids = sorted((await s.execute(select(Delivery.id))).scalars())
        client_id = (await s.execute(select(Client.id))).scalar_one()
    assert listener.events[0].data == {
        "clientId": client_id,
        "targetGroup": "ADULT_GRT",
        "recipientKind": "PERSON",
        "municipalityCode": "0003000",
        "source": "import:list",
    }
    assert sorted(listener.events[2].data["deliveryIds"]) == ids and len(ids) == 2
    assert all(e.data["source"] == "import:list" and e.region == "zemgale" for e in listener.events)
    text = repr([e.as_dict() for e in listener.events])
    assert code(1) not in text and "Anna" not in text and "Bērziņa" not in text


async def test_a_representative_points_at_the_child_imported_before(node):
    child = client(1, personal_code=code(1, date(2010, 3, 4)), target_group="CHILD_FT")
    mother = client(
        2,
        personal_code=code(2, date(1985, 1, 2)),
        target_group="CHILD_FT",
        recipient_kind="LEGAL_REPRESENTATIVE",
        represents_external_id="c1",
    )
    orphan = client(
        3,
        personal_code=code(3, date(1985, 1, 2)),
        target_group="CHILD_FT",
        recipient_kind="LEGAL_REPRESENTATIVE",
        represents_external_id="c99",
    )
    report = await run_import(node, ListImporter([child, mother, orphan]), "x")
    assert [(r.line, r.field, r.code) for r in report.rejected] == [(3, "representsClientId", "NOT_FOUND")]
    async with node.sessions() as s:
        rows = dict((await s.execute(select(Client.id, Client.represents_client_id))).all())
    ids = await refs(node, "list")
    assert rows[ids[("client", "c2")]] == ids[("client", "c1")]


async def test_rejected_records_from_the_importer_are_reported_with_their_line(node):
    records = [
        RejectedRecord(7, "INVALID_VALUE", "'31.02.2018' is not a real date.", "Sākuma datums"),
        client(8),
    ]
    report = await run_import(node, ListImporter(records), "x")
    assert [(r.line, r.kind, r.field, r.code) for r in report.rejected] == [
        (7, "row", "Sākuma datums", "INVALID_VALUE")
    ]
    assert report.written["client"] == 1 and report.lines == {7, 8}


def test_two_importers_with_one_name_are_an_error(register_plugin):
    from core.plugins import get_plugin_manager

    register_plugin(ImporterPlugin(ListImporter([], name="spreadsheet")))
    with pytest.raises(PluginError, match="two importers are called 'spreadsheet'"):
        available_importers(get_plugin_manager())


def test_records_are_plain_values():
    record = ClientRecord("c1", 2, code(1), "Anna", "Bērziņa", "ADULT_GRT", "0003000")
    assert record.kind == "client" and record.recipient_kind == "PERSON"
    with pytest.raises(AttributeError):
        record.line = 3  # type: ignore[misc]
    assert issubclass(DomainError, Exception)


async def test_a_line_is_tried_whole_then_record_by_record_and_keeps_its_good_records(node, register_plugin):
    """One line (a spreadsheet row) gives a client, an episode and deliveries: when one of them is refused the
    line's savepoint is rolled back and the line written again, one savepoint per record."""
    listener = register_plugin(Listener())
    records = [
        client(1, 5),
        episode(1, 1, 5, service_code="RESPITE_CARE"),
        delivery(1, date(2018, 3, 5), line=5),
        client(2, 6),
        episode(2, 2, 6),
        delivery(2, date(2018, 3, 5), line=6),
        delivery(2, date(2018, 2, 5), line=6),
        delivery(2, date(2018, 3, 6), line=6),
    ]
    report = await run_import(node, ListImporter(records), "x")
    assert [(r.line, r.kind, r.code) for r in report.rejected] == [
        (5, "episode", "SERVICE_NOT_FOR_TARGET_GROUP"),
        (5, "delivery", "REFERENCE_REFUSED"),
        (6, "delivery", "DELIVERY_OUTSIDE_EPISODE"),
    ]
    assert dict(report.written) == {"client": 2, "episode": 1, "delivery": 2}
    assert dict(report.read) == {"client": 2, "episode": 2, "delivery": 4} and report.lines == {5, 6}
    ids = await refs(node, "list")
    async with node.sessions() as s:
        clients = set((await s.execute(select(Client.id))).scalars())
        episodes = set((await s.execute(select(ServiceEpisode.id))).scalars())
    assert {ids[("client", "c1")], ids[("client", "c2")]} == clients  # the refs point at the rows that stayed
    assert (
        set(ids) == {("client", "c1"), ("client", "c2"), ("episode", "e2")}
        and {ids[("episode", "e2")]} == episodes
    )
    await drain()
    assert [e.type for e in listener.events] == [
        "client.registered",
        "client.registered",
        "episode.started",
        "deliveries.recorded",
    ]
    assert {e.data["clientId"] for e in listener.events} == clients


async def test_an_async_importer_is_read_like_a_plain_one(node):
    class Paged(ListImporter):
        async def read(self, source, context):  # e.g. a municipal API read page by page
            for record in self.records:
                await asyncio.sleep(0)
                yield record
            raise TimeoutError("page 3 did not come")

    report = await run_import(node, Paged([client(1), episode(1, 1)]), "x")
    assert dict(report.written) == {"client": 1, "episode": 1}
    assert "failed after line 1: TimeoutError: page 3 did not come" in report.error
