"""The ``indicators`` hook: a plugin adds an indicator, computed and zero-filled like the core's."""

from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa

from core import hookimpl
from core.domain.indicators import Dimension, Indicator, IndicatorDeclarationError, Unit
from core.store.indicators import IndicatorSource
from core.store.models import Client, ServiceEpisode
from tests.indicators.helpers import rows, total
from tests.indicators.test_definitions import DOBELE, JELGAVA, episode, person

pytestmark = pytest.mark.anyio

OPEN_ENDED = Indicator("persons_open_ended", "Persons whose episode has no end date, by service.", Unit.PERSONS,
                       (Dimension.MUNICIPALITY, Dimension.SERVICE))


def open_ended(q):
    return (sa.select(ServiceEpisode.granted_by.label("municipality"), ServiceEpisode.service_code.label("service"),
                      Client.id.label("subject"))
            .join(Client, Client.id == ServiceEpisode.client_id)
            .where(ServiceEpisode.start_date <= q.day, ServiceEpisode.end_date.is_(None)))


class OpenEndedPlugin:
    @hookimpl
    def indicators(self):
        return [IndicatorSource(OPEN_ENDED, open_ended)]


async def test_a_plugin_adds_an_indicator(node, compute, register_plugin):
    register_plugin(OpenEndedPlugin())
    async with node.sessions() as s, s.begin():
        await episode(s, node, await person(s, node, 1), "HOME_CARE", date(2019, 1, 1))
        await episode(s, node, await person(s, node, 2), "HOME_CARE", date(2019, 1, 1), date(2019, 2, 1),
                      granted_by=DOBELE)
    snap = await compute(date(2019, 6, 30))
    assert total(snap, "persons_open_ended", municipality=None, service="HOME_CARE") == 1
    assert total(snap, "persons_open_ended", municipality=JELGAVA, service="HOME_CARE") == 1
    assert total(snap, "persons_open_ended", municipality=DOBELE, service="HOME_CARE") == 0
    services = {r["service"] for r in rows(snap, "persons_open_ended")}
    assert services == {s.code for s in node.registry.catalogue}  # zero-filled over the catalogue
    assert "persons_open_ended" in {b["code"] for b in snap.payload()}


async def test_a_code_given_twice_is_refused(node, compute, register_plugin):
    class Twice:
        @hookimpl
        def indicators(self):
            return [IndicatorSource(Indicator("persons_received", "again", Unit.PERSONS, (Dimension.SERVICE,)),
                                    open_ended)]

    register_plugin(Twice())
    with pytest.raises(IndicatorDeclarationError, match="declared twice"):
        await compute(date(2019, 6, 30))


async def test_facts_without_the_declared_columns_are_refused(node, compute, register_plugin):
    class Missing:
        @hookimpl
        def indicators(self):
            return [IndicatorSource(Indicator("by_residence", "x", Unit.PERSONS, (Dimension.RESIDENCE,)), open_ended)]

    register_plugin(Missing())
    with pytest.raises(IndicatorDeclarationError, match="lack the column.*residence"):
        await compute(date(2019, 6, 30))


def test_declarations_are_checked():
    with pytest.raises(IndicatorDeclarationError, match="known"):
        Indicator("by_name", "x", Unit.PERSONS, ("given_name",))  # no dimension can name a person
    with pytest.raises(IndicatorDeclarationError, match="snake_case"):
        Indicator("Bad Code", "x", Unit.PERSONS, ())
    with pytest.raises(IndicatorDeclarationError, match="sum"):
        Indicator("cost", "x", Unit.PERSONS, (), measure="sum")


def test_the_hook_is_documented_with_its_exact_signature():
    import inspect
    from pathlib import Path

    from core import hookspecs

    docs = (Path(hookspecs.__file__).parent.parent / "docs" / "plugins.md").read_text(encoding="utf-8")
    signature = next(line for line in inspect.getsource(hookspecs.indicators).splitlines()
                     if line.startswith("def "))
    assert docs.count("### indicators\n") == 1
    assert signature in docs.split("### indicators\n", 1)[1].split("###", 1)[0]
