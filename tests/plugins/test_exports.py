"""The built-in exports on SQLite and PostgreSQL: a month, per municipality, computed in one SQL statement."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from core.domain.errors import InvalidValue
from core.domain.personal_code import make_personal_code
from core.store.clients import NewClient, register_client
from core.store.deliveries import DeliveryInput, record_deliveries
from core.store.episodes import NewEpisode, start_episode
from core.store.exports import ExportParams, available_exporters, parse_month, render
from tests.support.statements import statements_sent

pytestmark = pytest.mark.anyio
JELGAVA, DOBELE = "0003000", "0028000"


async def _person(s, node, serial, municipality=JELGAVA, born=date(1980, 5, 17)):
    return await register_client(
        s, node, NewClient(make_personal_code(born, serial), "Anna", "Bērziņa", "ADULT_GRT", municipality)
    )


async def _world(node) -> None:
    """Two people in Jelgava, one in Dobele; deliveries on both edges of March 2022."""
    async with node.sessions() as s, s.begin():
        a, b, c = await _person(s, node, 1), await _person(s, node, 2), await _person(s, node, 3, DOBELE)
        home_a = await start_episode(s, node, NewEpisode(a.id, "HOME_CARE", JELGAVA, date(2022, 2, 1)))
        home_b = await start_episode(s, node, NewEpisode(b.id, "HOME_CARE", JELGAVA, date(2022, 3, 1)))
        day_a = await start_episode(s, node, NewEpisode(a.id, "DAY_CARE_CENTRE", JELGAVA, date(2022, 3, 1)))
        home_c = await start_episode(s, node, NewEpisode(c.id, "HOME_CARE", DOBELE, date(2019, 1, 1)))
        await record_deliveries(
            s,
            node,
            home_a.id,
            [
                DeliveryInput(date(2022, 2, 28), "3"),
                DeliveryInput(date(2022, 3, 1), "2.5"),
                DeliveryInput(date(2022, 3, 31), "1"),
            ],
        )
        await record_deliveries(s, node, home_b.id, [DeliveryInput(date(2022, 3, 15), "1.25")])
        await record_deliveries(
            s, node, day_a.id, [DeliveryInput(date(2022, 3, 2), 1), DeliveryInput(date(2022, 4, 1), 1)]
        )
        await record_deliveries(
            s, node, home_c.id, [DeliveryInput(date(2022, 3, 10), 2)]
        )  # past ESF's 24 months


async def _export(node, name, **params):
    exporter = available_exporters(node.pm)[name]
    with statements_sent(node.engine) as statements:
        async with node.sessions() as s:
            table = await exporter.export(s, ExportParams(month=date(2022, 3, 1), **params))
    return table, statements


async def test_deliveries_of_a_month_per_municipality_and_service(node):
    await _world(node)
    table, statements = await _export(node, "deliveries")
    assert table.as_dicts() == [
        {
            "month": "2022-03",
            "municipality_code": JELGAVA,
            "municipality": "Jelgavas valstspilsētas pašvaldība",
            "service_code": "DAY_CARE_CENTRE",
            "persons": 1,
            "episodes": 1,
            "deliveries": 1,
            "units": Decimal("1.00"),
            "cost_eur": Decimal("16.24"),
        },
        {
            "month": "2022-03",
            "municipality_code": JELGAVA,
            "municipality": "Jelgavas valstspilsētas pašvaldība",
            "service_code": "HOME_CARE",
            "persons": 2,
            "episodes": 2,
            "deliveries": 3,
            "units": Decimal("4.75"),
            # 2.5 h -> 9.58 (9.575 half-up), 1 h -> 3.83, 1.25 h -> 4.79 (4.7875): sum of rounded costs
            "cost_eur": Decimal("18.20"),
        },
        {
            "month": "2022-03",
            "municipality_code": DOBELE,
            "municipality": "Dobeles novada pašvaldība",
            "service_code": "HOME_CARE",
            "persons": 1,
            "episodes": 1,
            "deliveries": 1,
            "units": Decimal("2.00"),
            "cost_eur": Decimal("7.66"),
        },
    ]
    assert len(statements) == 1 and "GROUP BY" in statements[0]  # one aggregate query, whatever the data


async def test_costs_of_a_month_per_municipality_and_funding_source(node):
    await _world(node)
    table, statements = await _export(node, "costs")
    assert [
        (r["municipality_code"], r["funding_source"], r["deliveries"], r["cost_eur"])
        for r in table.as_dicts()
    ] == [(JELGAVA, "ESF", 4, Decimal("34.44")), (DOBELE, "MUNICIPALITY", 1, Decimal("7.66"))]
    assert len(statements) == 1 and "GROUP BY" in statements[0]


async def test_one_municipality_and_an_empty_month(node):
    await _world(node)
    table, _ = await _export(node, "costs", municipality=DOBELE)
    assert [r["municipality_code"] for r in table.as_dicts()] == [DOBELE]
    async with node.sessions() as s:
        empty = await available_exporters(node.pm)["deliveries"].export(
            s, ExportParams(month=date(2015, 1, 1))
        )
    assert empty.rows == [] and render(empty, "csv").startswith("month,municipality_code")
    assert render(empty, "json") == "[]"


async def test_nothing_personal_is_exported(node):
    await _world(node)
    for name in ("deliveries", "costs"):
        table, _ = await _export(node, name)
        text = render(table, "csv") + render(table, "json")
        assert "Anna" not in text and make_personal_code(date(1980, 5, 17), 1) not in text


def test_months_are_written_as_year_and_month():
    assert parse_month("2022-03") == parse_month("03.2022") == date(2022, 3, 1)
    for bad in ("2022-13", "March", "2022", ""):
        with pytest.raises(InvalidValue):
            parse_month(bad)
    with pytest.raises(InvalidValue, match="not an export format"):
        render(None, "xml")  # type: ignore[arg-type]
