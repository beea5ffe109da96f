"""The spreadsheet importer: sample files a municipal social service keeps, good and bad, CSV and XLSX."""

from __future__ import annotations

import csv
import functools
import http.server
import threading
from collections import Counter
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import select

from core.imports import available_importers
from core.registry import Registry
from core.store.imports import run_import
from core.store.models import Client, Delivery, ServiceEpisode
from plugins.spreadsheet import client_id, layout, sources

from .helpers import counts

SHEETS = Path(__file__).parent.parent / "data" / "spreadsheets"
pytestmark = pytest.mark.anyio

# klienti.csv: 7 rows, 5 people (one of them a mother representing her child), 7 episodes, 21 delivery days
GOOD = {"client": 5, "episode": 7, "delivery": 21}


@pytest.fixture
def spreadsheet(node):
    return available_importers(node.pm)["spreadsheet"]  # loaded through its entry point


async def _episodes(node) -> dict[str, tuple]:
    async with node.sessions() as s:
        rows = await s.execute(
            select(
                ServiceEpisode.service_code,
                ServiceEpisode.granted_by,
                ServiceEpisode.start_date,
                ServiceEpisode.end_date,
            )
        )
        return {r[0]: tuple(r[1:]) for r in rows.all()}


async def test_the_sample_sheet_imports_whole(node, spreadsheet):
    report = await run_import(node, spreadsheet, str(SHEETS / "klienti.csv"))
    assert report.ok and not report.rejected, report.rejected
    assert dict(report.written) == GOOD and report.lines == set(range(2, 9))
    episodes = await _episodes(node)
    assert episodes["HOME_CARE"] == ("jelgavas-pilseta-2009", date(2018, 3, 1), None)  # the 2018 municipality
    assert episodes["DAY_CARE_CENTRE"] == ("jelgavas-pilseta-2009", date(2018, 3, 5), date(2018, 6, 30))
    assert episodes["RESPITE_CARE"][0] == "dobeles-novads-2009"
    async with node.sessions() as s:
        people = {c.personal_code: c for c in (await s.execute(select(Client))).scalars()}
        costs = Counter()
        for service, cost in (
            await s.execute(
                select(ServiceEpisode.service_code, Delivery.cost).join(
                    Delivery, Delivery.episode_id == ServiceEpisode.id
                )
            )
        ).all():
            costs[service] += cost or 0
    assert people["090990-11042"].represents_client_id == people["040310-21022"].id
    assert people["090990-11042"].recipient_kind == "LEGAL_REPRESENTATIVE"
    assert (people["170580-11003"].given_name, people["020175-11018"].family_name) == ("Anna", "Ozoliņš")
    # decimal comma 2,5 h and decimal point 1.5 h; a range 05.03-09.03 is five days
    assert costs["HOME_CARE"] == Decimal("28.74") and costs["SPECIALIST_SUPPORT"] == Decimal("58.06")
    assert costs["DAY_CARE_CENTRE"] == Decimal("81.20")


async def test_windows_1257_with_commas_reads_the_same(node, spreadsheet):
    assert sources.decode((SHEETS / "klienti-win1257.csv").read_bytes())[1] == "windows-1257"
    report = await run_import(node, spreadsheet, str(SHEETS / "klienti-win1257.csv"))
    assert dict(report.written) == GOOD and not report.rejected
    async with node.sessions() as s:
        names = set((await s.execute(select(Client.family_name))).scalars())
    assert {"Bērziņa", "Ozoliņš", "Liepiņš"} <= names


async def test_re_import_writes_nothing_new(node, spreadsheet):
    await run_import(node, spreadsheet, str(SHEETS / "klienti.csv"))
    before = await counts(node)
    again = await run_import(node, spreadsheet, str(SHEETS / "klienti.csv"))
    assert sum(again.written.values()) == 0 and not again.rejected
    assert again.unchanged["episode"] == 7 and again.unchanged["delivery"] == 21
    assert await counts(node) == before


async def test_every_bad_row_is_refused_with_its_line_column_and_reason(node, spreadsheet):
    report = await run_import(node, spreadsheet, str(SHEETS / "kludas.csv"))
    assert report.ok
    first = {}
    for r in report.rejected:
        first.setdefault(r.line, (r.field, r.code))
    assert first == {
        4: (None, "DUPLICATE_ROW"),
        5: ("Personas kods", "PERSONAL_CODE_INVALID"),
        6: ("Pašvaldība", "UNKNOWN_MUNICIPALITY"),
        7: ("Pakalpojums", "UNKNOWN_SERVICE"),
        8: ("Sākuma datums", "INVALID_VALUE"),
        9: ("Sākuma datums", "INVALID_VALUE"),
        10: ("Sākuma datums", "INVALID_VALUE"),
        11: ("Vienības", "INVALID_VALUE"),
        12: ("Personas kods", "MISSING_VALUE"),
        13: ("Sākuma datums", "DUPLICATE_EPISODE"),
        16: ("Personas kods", "PERSONAL_CODE_INVALID"),
    }
    messages: dict[int, str] = {}
    for r in report.rejected:
        messages.setdefault(r.line, r.message)
    assert (
        "line 2" in messages[4] and "in the future" in messages[8] and "before the programme" in messages[9]
    )
    assert "'31.02.2018' is not a real date" in messages[10] and "legal entity" in messages[16]
    # blank lines (3 and 14) are no records; good rows around the bad ones are written
    assert 3 not in report.lines and 14 not in report.lines
    assert dict(report.written) == {"client": 5, "episode": 2, "delivery": 3}
    assert await counts(node) == {"clients": 5, "episodes": 2, "deliveries": 3, "refs": 7}


async def test_xlsx_with_date_cells_and_numbers(node, spreadsheet, tmp_path):
    from openpyxl import Workbook

    header, *rows = csv.reader((SHEETS / "klienti.csv").open(encoding="utf-8"), delimiter=";")
    book = Workbook()
    sheet = book.active
    sheet.append([])  # a blank row above the header, as people leave them
    sheet.append(header)
    for row in rows:
        cells: list = list(row)
        cells[8] = datetime.strptime(cells[8], "%d.%m.%Y")  # a real date cell
        cells[11] = float(cells[11].replace(",", "."))  # a number cell
        sheet.append(cells)
    path = tmp_path / "klienti.xlsx"
    book.save(path)
    report = await run_import(node, spreadsheet, str(path))
    assert dict(report.written) == GOOD and not report.rejected, report.rejected
    assert report.lines == set(range(3, 10))
    assert (await _episodes(node))["HOME_CARE"][1] == date(2018, 3, 1)


@pytest.fixture
def http_server():
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(SHEETS))
    handler.log_message = lambda *a: None  # type: ignore[attr-defined]
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


async def test_a_url_source(node, spreadsheet, http_server):
    report = await run_import(node, spreadsheet, f"{http_server}/klienti.csv")
    assert dict(report.written) == GOOD
    missing = await run_import(node, spreadsheet, f"{http_server}/nav.csv")
    assert missing.error.startswith("cannot download") and "404" in missing.error


async def test_wrong_headers_import_nothing_and_say_what_is_wrong(node, spreadsheet):
    report = await run_import(node, spreadsheet, str(SHEETS / "nepareizas-galvenes.csv"))
    assert report.error.startswith("line 1: missing column(s): 'Personas kods', 'Pakalpojums'")
    assert "unknown column 'Personaskods' (did you mean 'Personas kods'?)" in report.error
    assert await counts(node) == {"clients": 0, "episodes": 0, "deliveries": 0, "refs": 0}


async def test_a_file_that_is_not_there_or_empty(node, spreadsheet, tmp_path):
    assert (await run_import(node, spreadsheet, str(tmp_path / "nav.csv"))).error.startswith(
        "there is no file"
    )
    (tmp_path / "empty.csv").write_text("\n\n")
    assert "no header row" in (await run_import(node, spreadsheet, str(tmp_path / "empty.csv"))).error


def test_headers_match_without_case_spaces_or_diacritics():
    index, problems = layout.match_headers(
        [
            "personas KODS",
            " Vards ",
            "Uzvārds",
            "Merka grupa",
            "PAŠVALDĪBA",
            "Pakalpojums",
            "Sakuma datums:",
            "Piezīmes",
        ]
    )
    assert problems == [] and index["given_name"] == 1 and index["start_date"] == 6


@pytest.mark.parametrize(
    "raw,expected",
    [
        ("05.03.2018", date(2018, 3, 5)),
        ("5.3.2018", date(2018, 3, 5)),
        ("05.03.2018.", date(2018, 3, 5)),
        ("2018-03-05", date(2018, 3, 5)),
        (datetime(2018, 3, 5, 0, 0), date(2018, 3, 5)),
        (43164, date(2018, 3, 5)),
    ],
)
def test_dates(raw, expected):
    assert layout.parse_date(raw, "Sākuma datums") == expected


@pytest.mark.parametrize("raw", ["03/05/2018", "31.02.2018", "5.3.18", "vakar", "2018-13-01"])
def test_bad_dates(raw):
    with pytest.raises(layout.CellError) as caught:
        layout.parse_date(raw, "Sākuma datums")
    assert caught.value.column == "Sākuma datums"


def test_delivery_dates_lists_and_ranges():
    assert layout.parse_dates("01.03.2018; 03.03.2018\n05.03.2018", "d") == [
        date(2018, 3, 1),
        date(2018, 3, 3),
        date(2018, 3, 5),
    ]
    assert len(layout.parse_dates("28.02.2018-02.03.2018", "d")) == 3
    assert len(layout.parse_dates("28.02.2018 – 02.03.2018", "d")) == 3
    with pytest.raises(layout.CellError, match="ends before it starts"):
        layout.parse_dates("05.03.2018-01.03.2018", "d")


@pytest.mark.parametrize(
    "raw,expected", [("2,5", "2.5"), ("2.5", "2.5"), (" 1 234,5 ", "1234.5"), (2.25, "2.25"), ("3", "3")]
)
def test_decimal_commas_and_points(raw, expected):
    assert layout.parse_decimal(raw, "Vienības") == Decimal(expected)


@pytest.mark.parametrize("raw", ["1,234.5", "abc", "NaN", ""])
def test_bad_numbers(raw):
    with pytest.raises(layout.CellError):
        layout.parse_decimal(raw, "Vienības")


def test_units_one_for_all_dates_or_one_per_date():
    assert layout.parse_units("2,5", 3, "u") == [Decimal("2.5")] * 3
    assert layout.parse_units("1; 2,5", 2, "u") == [Decimal(1), Decimal("2.5")]
    with pytest.raises(layout.CellError, match="2 numbers for 3 delivery dates"):
        layout.parse_units("1;2", 3, "u")


def test_names_in_daily_use_map_to_codes():
    registry = Registry.load("zemgale")
    catalogue, municipalities = registry.catalogue, registry.municipalities
    assert layout.service_code(catalogue, "dienas aprūpes centrs") == "DAY_CARE_CENTRE"
    assert layout.service_code(catalogue, "Atelpas brīža pakalpojums") == "RESPITE_CARE"
    assert layout.service_code(catalogue, "Zirgu terapija") == "Zirgu terapija"
    assert (
        layout.municipality_code(municipalities, "Aizkraukles novads", date(2018, 1, 1))
        == "aizkraukles-novads-2009"
    )
    assert layout.municipality_code(municipalities, "Aizkraukles novads", date(2022, 1, 1)) == "0020000"
    assert layout.municipality_code(municipalities, "0003000", None) == "0003000"
    assert layout.lookup(layout.TARGET_GROUPS, "bērns ar ft") == "CHILD_FT"


def test_a_person_has_one_id_however_the_code_is_written():
    assert client_id("170580-11003") == client_id(" 17058011003 ") != client_id("020175-11018")
    assert "170580" not in client_id("170580-11003")


def test_a_bad_birth_date_is_refused_without_repeating_it():
    from plugins.spreadsheet import _birth_date

    assert _birth_date("17.05.1980") == date(1980, 5, 17) and _birth_date(" ") is None
    with pytest.raises(layout.CellError) as caught:
        _birth_date("32.05.1980")
    assert caught.value.column == "Dzimšanas datums" and "1980" not in str(caught.value)
