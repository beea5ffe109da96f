"""Set-based import batches: the same outcome as every record through the API's write path in a savepoint.

Each test imports the same records twice, set-based (the default) into one
fresh database and record by record (``set_based=False``) into another, on
SQLite and PostgreSQL, and compares what an operator and a plugin can see: the
report (counters, every refused record with its line, column, code and
message), the rows (by external id, costs and funding sources included) and
the events.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import delete, select

from core import hookimpl
from core.domain.errors import RuleViolation
from core.events import drain
from core.node import Node
from core.settings import Settings
from core.store.imports import run_import
from core.store.models import Client, MunicipalityRow

from .helpers import ListImporter, client, code, contents, counts, delivery, episode, outcome, told
from .sheets import generate

pytestmark = pytest.mark.anyio

CHILD = date(2010, 3, 4)


class Listener:
    """Notes the events in the order they are told: a coroutine listener runs on the loop, each event's task
    in the order the events were fired (a plain one would run in worker threads, in any order)."""

    def __init__(self) -> None:
        self.events: list = []

    @hookimpl
    async def on_event(self, event):
        self.events.append(event)


class Rules:
    """A region's own rules: one on episodes, one on a delivery batch as a whole (found out row by row)."""

    @hookimpl
    def validate_episode(self, episode):
        if episode.service.code == "SUPPORT_GROUP" and episode.start.year < 2017:
            return [RuleViolation("Our support groups began in 2017.", field="startDate", code="NOT_OPEN_YET")]
        return None

    @hookimpl
    def validate_deliveries(self, deliveries):
        return [RuleViolation(f"The day care centre is closed on Sundays ({d.day}).", field="deliveries",
                              code="SUNDAY") for d in deliveries if d.service.code == "DAY_CARE_CENTRE"
                and d.day.weekday() == 6]


@pytest.fixture
async def twin(databases):
    """A second fresh node on the same backend: the record-by-record run goes there."""
    url = await asyncio.to_thread(databases.fresh)
    opened = Node.open(Settings(db=url, region="zemgale"))
    yield opened
    await opened.close()
    await asyncio.to_thread(databases.release, url)


def _days(start: date, n: int) -> list[date]:
    return [start + timedelta(days=i) for i in range(n)]


def mixed() -> list:
    """Good and bad records in one batch, with rules that depend on what came before in it."""
    child, rep = code(3, CHILD), code(4, date(1985, 1, 2))
    return [
        client(1),
        client(2, personal_code="170580-11004"),  # check digit wrong
        client(3, personal_code=child, target_group="CHILD_FT"),
        client(4, personal_code=rep, target_group="CHILD_FT", recipient_kind="LEGAL_REPRESENTATIVE",
               represents_external_id="c3"),  # the child came two lines before, in the same batch
        client(5, personal_code=code(1)),  # the same person as c1 under another id: linked
        client(6, personal_code=code(1), target_group="CHILD_FT"),  # linked, but in another target group
        client(7, personal_code=code(7), municipality_code="0001000"),  # Rīga is not in Zemgale
        client(8, personal_code=code(8), recipient_kind="FOSTER_FAMILY", represents_external_id="c1"),
        episode(1, 1, 11, start_date=date(2016, 2, 1)),
        delivery(1, date(2016, 2, 1), line=11),  # ESF: the person's first two years
        delivery(1, date(2018, 3, 5), line=11),  # later: the municipality pays
        delivery(1, date(2016, 1, 31), line=11),  # before the episode
        delivery(1, date(2016, 2, 2), "25", line=11),  # more hours than a day has
        delivery(1, date(2016, 2, 3), line=11),
        delivery(1, date(2016, 2, 3), line=11),  # the same day twice in one call
        episode(2, 2, 12),  # its client was refused
        delivery(2, date(2018, 3, 5), line=12),
        episode(3, 3, 13, service_code="RESPITE_CARE", start_date=date(2018, 7, 2), end_date=date(2018, 7, 31)),
        *(delivery(3, d, "1", line=13) for d in _days(date(2018, 7, 2), 20)),
        episode(4, 3, 14, service_code="RESPITE_CARE", start_date=date(2018, 9, 3)),
        *(delivery(4, d, "1", line=14) for d in _days(date(2018, 9, 3), 12)),  # days 31 and 32 of 2018
        delivery(4, date(2019, 1, 7), "1", line=14),  # a new year
        episode(5, 1, 15, service_code="RESPITE_CARE"),  # not for an adult
        delivery(5, date(2018, 3, 5), line=15),
        episode(6, 5, 16, service_code="DAY_CARE_CENTRE"),  # for the client linked on line 5
        delivery(6, date(2018, 3, 5), "1", line=16),
        delivery(6, date(2018, 3, 4), "1", line=16),  # a Sunday: the region's rule
        episode(7, 99, 17),  # no such client
        episode(8, 4, 18, service_code="SOCIAL_REHAB_FAMILY", start_date=date(2018, 5, 2)),
        episode(9, 1, 19, start_date=date(2018, 5, 2), end_date=date(2018, 5, 1)),  # ends before it starts
        episode(10, 1, 20, service_code="SUPPORT_GROUP", start_date=date(2016, 5, 2)),  # the region's rule
        episode(11, 3, 21, service_code="SOCIAL_REHAB_CHILD", start_date=date(2015, 6, 1)),  # an earlier start
        delivery(11, date(2018, 3, 5), "1", line=21),  # the child's first service is now 2015: not ESF
        delivery(1, date(2016, 2, 1), line=22),  # recorded on line 11 of this batch: unchanged
        delivery(1, date(2016, 2, 8), line=22),
    ]


async def _both(node, twin, register_plugin, records, **kw):
    """Import ``records`` set-based into ``node`` and record by record into ``twin``: the two outcomes."""
    listener = register_plugin(Listener())
    outcomes = []
    for target, set_based in ((node, True), (twin, False)):
        report = await run_import(target, ListImporter(records), "x", set_based=set_based, **kw)
        await drain()
        outcomes.append(
            (outcome(report), await contents(target, "list"), await told(target, "list", listener.events))
        )
        listener.events.clear()
    return outcomes


async def test_bad_records_in_a_good_batch_and_rules_that_depend_on_order(node, twin, register_plugin):
    register_plugin(Rules())
    (report, rows, events), twin_outcome = await _both(node, twin, register_plugin, mixed())
    assert (report, rows, events) == twin_outcome
    assert report["written"] == {"client": 3, "episode": 6, "delivery": 37} and report["linked"] == {"client": 1}
    assert report["unchanged"] == {"delivery": 1}
    refused = {(line, kind, field, reason) for line, kind, _ext, field, reason, _msg in report["rejected"]}
    assert refused == {
        (2, "client", "Personas kods", "PERSONAL_CODE_INVALID"),
        (6, "client", "targetGroup", "INVALID_VALUE"),
        (7, "client", "municipalityCode", "UNKNOWN_MUNICIPALITY"),
        (8, "client", "recipientKind", "INVALID_VALUE"),
        (11, "delivery", "date", "DELIVERY_OUTSIDE_EPISODE"),
        (11, "delivery", "units", "UNITS_INVALID"),
        (11, "delivery", "date", "DUPLICATE_DELIVERY"),
        (12, "episode", "clientExternalId", "REFERENCE_REFUSED"),
        (12, "delivery", "episodeExternalId", "REFERENCE_REFUSED"),
        (14, "delivery", "deliveries", "RESPITE_LIMIT_EXCEEDED"),
        (15, "episode", "serviceCode", "SERVICE_NOT_FOR_TARGET_GROUP"),
        (15, "delivery", "episodeExternalId", "REFERENCE_REFUSED"),
        (16, "delivery", "deliveries", "SUNDAY"),
        (17, "episode", "clientExternalId", "NOT_FOUND"),
        (19, "episode", "endDate", "END_BEFORE_START"),
        (20, "episode", "startDate", "NOT_OPEN_YET"),
    }
    respite = [r for r in report["rejected"] if r[4] == "RESPITE_LIMIT_EXCEEDED"]
    assert [r[2] for r in respite] == [f"e4@{d}" for d in (date(2018, 9, 13), date(2018, 9, 14))]
    paid = {(e, d): (cost, source) for e, d, _units, _rate, cost, source in rows["deliveries"]}
    assert paid[("e1", date(2016, 2, 1))] == (Decimal("9.58"), "ESF")
    assert paid[("e1", date(2018, 3, 5))] == (Decimal("9.58"), "MUNICIPALITY")
    assert paid[("e11", date(2018, 3, 5))][1] == "MUNICIPALITY"
    assert ("e4", date(2019, 1, 7)) in paid and ("e6", date(2018, 3, 5)) in paid
    representative = next(c for c in rows["clients"] if c[0] == code(4, date(1985, 1, 2)))
    assert representative[6] == code(3, CHILD)  # points at the child registered in the same batch
    # e4 and e6 were written a delivery at a time once their batch broke a rule on the whole batch
    assert [e[0] for e in events].count("deliveries.recorded") == 16
    assert all(e[2]["source"] == "import:list" for e in events)


async def test_a_second_run_writes_nothing_and_ends_what_now_has_an_end(node, twin, register_plugin):
    for target, set_based in ((node, True), (twin, False)):
        await run_import(target, ListImporter(mixed()), "x", set_based=set_based)
    later = [
        episode(1, 1, 11, start_date=date(2016, 2, 1), end_date=date(2018, 6, 30)),
        delivery(1, date(2018, 7, 2), line=11),  # after the end given just before
        episode(6, 5, 16, service_code="DAY_CARE_CENTRE", end_date=date(2018, 3, 2)),  # a delivery on 5.3.
        episode(8, 4, 18, service_code="SOCIAL_REHAB_FAMILY", start_date=date(2018, 5, 2),
                end_date=date(2018, 12, 31)),
        *mixed(),
    ]
    (report, rows, events), twin_outcome = await _both(node, twin, register_plugin, later)
    assert (report, rows, events) == twin_outcome
    assert report["written"] == {} and report["updated"] == {"episode": 2}
    assert [(r[0], r[4]) for r in report["rejected"] if r[0] in (11, 16) and r[1] != "client"][:2] == [
        (11, "DELIVERY_OUTSIDE_EPISODE"),
        (16, "DELIVERY_OUTSIDE_EPISODE"),
    ]
    assert [e[0] for e in events] == ["episode.ended", "episode.ended"]
    ends = {e[0]: e[5] for e in rows["episodes"]}
    assert ends["e1"] == date(2018, 6, 30) and ends["e8"] == date(2018, 12, 31) and ends["e6"] is None


async def test_a_batch_the_database_refuses_is_written_record_by_record(node, twin, register_plugin, caplog):
    """A municipality the registry knows but the database lacks: only the database can refuse it."""
    records = [
        client(1, 1),
        client(2, 2, personal_code=code(2), municipality_code="aknistes-novads-2009"),
        episode(1, 1, 3),
        delivery(1, date(2018, 3, 5), line=4),
        episode(2, 2, 5),
        delivery(2, date(2018, 3, 5), line=6),
        client(3, 7, personal_code=code(3)),
        episode(3, 3, 8, granted_by="aknistes-novads-2009"),
    ]
    for target in (node, twin):
        async with target.sessions() as s, s.begin():
            await s.execute(delete(MunicipalityRow).where(MunicipalityRow.code == "aknistes-novads-2009"))
    with caplog.at_level(logging.INFO, logger="kopiena.imports"):
        (report, rows, events), twin_outcome = await _both(node, twin, register_plugin, records)
    assert "the database refused a batch's bulk write" in caplog.text  # the set-based write was tried first
    assert (report, rows, events) == twin_outcome
    assert [(r[0], r[1], r[4]) for r in report["rejected"]] == [
        (2, "client", "CONFLICT"),
        (5, "episode", "REFERENCE_REFUSED"),
        (6, "delivery", "REFERENCE_REFUSED"),
        (8, "episode", "CONFLICT"),
    ]
    assert report["written"] == {"client": 2, "episode": 1, "delivery": 1}
    assert await counts(node) == {"clients": 2, "episodes": 1, "deliveries": 1, "refs": 3}
    assert [e[0] for e in events] == ["client.registered", "episode.started", "deliveries.recorded",
                                      "client.registered"]


async def test_a_generated_sheet_gives_the_same_rows_costs_and_events_both_ways(node, twin, register_plugin,
                                                                                   tmp_path):
    from core.imports import available_importers

    sheet = tmp_path / "klienti.csv"
    expected = generate(sheet, 240)
    importer = available_importers(node.pm)["spreadsheet"]
    listener = register_plugin(Listener())
    seen = []
    for target, set_based in ((node, True), (twin, False)):
        report = await run_import(target, importer, str(sheet), batch_size=200, set_based=set_based)
        await drain()
        seen.append((outcome(report), await contents(target, "spreadsheet"),
                     await told(target, "spreadsheet", listener.events)))
        listener.events.clear()
    assert seen[0] == seen[1]
    report, rows, _events = seen[0]
    assert report["written"]["episode"] == expected.episodes and len(rows["deliveries"]) == expected.deliveries
    assert {r[0] for r in report["rejected"]} == expected.rejected_lines
    async with node.sessions() as s:
        assert {c for c in (await s.execute(select(Client.personal_code))).scalars()} == expected.persons
