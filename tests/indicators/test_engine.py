"""The engine: one statement per snapshot, facts shared between indicators, the frame, the same bytes as before."""

from __future__ import annotations

from collections import defaultdict
from datetime import date

import pytest
import sqlalchemy as sa

from core import hookimpl
from core.domain.indicators import CORE_INDICATORS, Indicator, IndicatorDeclarationError, Measure, Unit, sorted_rows
from core.domain.indicators import Dimension as D
from core.store import indicator_facts as facts
from core.store.indicator_facts import AsOf
from core.store.indicator_statement import SnapshotStatement
from core.store.indicators import CORE_SOURCES, IndicatorSource, indicator_sources
from core.store.models import Assessment, Client
from tests.indicators.helpers import rows
from tests.indicators.plugin_facts import UNKNOWN_GROUP, UNKNOWN_SERVICE, LegacyPlugin, build_with_deliveries
from tests.support.statements import statements_sent

pytestmark = pytest.mark.anyio

PREVIOUS_ENGINE = {
    # content hashes of the engine before one statement per snapshot (commit 5bb1f37: a statement per
    # indicator, the frame in SQL) on build_with_deliveries; without and with LegacyPlugin's indicators
    (False, date(2018, 12, 31)): "sha256:74e4e9c9c8e8f254f8643d4d9316fb44b856034980617d76a242cb70c420d549",
    (False, date(2019, 6, 30)): "sha256:1e26c31320b4d3ae67b81ec2002f12c8602fa8336230a35925f1eabdf9d6dfb8",
    (True, date(2018, 12, 31)): "sha256:2849565334df158686bf1ee3243ead31e070891ffd6118d574107b0611696d58",
    (True, date(2019, 6, 30)): "sha256:a10ee1b0236204647a42c803f9dbd713f543c9f36da67e3f48542a0f6090da05",
}


@pytest.fixture
async def built(node):
    async with node.sessions() as s, s.begin():
        await build_with_deliveries(s, node)
    return node


async def test_the_payload_is_the_previous_engines_byte_for_byte(built, compute, register_plugin):
    for plugin in (False, True):
        if plugin:
            register_plugin(LegacyPlugin())
        for as_of in (date(2018, 12, 31), date(2019, 6, 30)):
            snapshot = await compute(as_of)
            assert snapshot.content_hash() == PREVIOUS_ENGINE[(plugin, as_of)], (plugin, as_of)


async def test_a_snapshot_is_one_statement(built, compute, register_plugin):
    register_plugin(LegacyPlugin())
    with statements_sent(built.engine) as seen:
        snapshot = await compute(date(2019, 6, 30))
    assert len([s for s in seen if s.lstrip().upper().startswith(("WITH", "SELECT"))]) == 1
    assert len(snapshot.indicators) == len(CORE_INDICATORS) + 2 + 6


class Sharing:
    """Persons active and a sum of the deliveries per municipality and service, on the core's facts builders."""

    def __init__(self, amount: str) -> None:
        self.amount = amount

    @hookimpl
    def indicators(self):
        by = (D.MUNICIPALITY, D.SERVICE)
        unit = Unit.EUR if self.amount == "cost" else Unit.UNITS
        return [IndicatorSource(Indicator("t_active_by_service", "x", Unit.PERSONS, by), facts.received,
                                where="active"),
                IndicatorSource(Indicator(f"t_{self.amount}_by_service", "x", unit, by, Measure.SUM),
                                facts.deliveries, column=self.amount)]


async def test_indicators_with_the_same_builder_read_its_facts_once(node, register_plugin):
    """The received facts (episodes x clients) and the deliveries' are each in the SQL once, shared by the core's
    indicators, the DI plan and a plugin's indicators built on the same builders."""
    register_plugin(Sharing("units"))
    query = SnapshotStatement(indicator_sources(node.pm), AsOf(date(2019, 6, 30), "zemgale"),
                              node.engine.dialect)
    sql = str(query.statement.compile(dialect=node.engine.dialect))
    assert sql.count("FROM service_episodes JOIN clients") == 1
    assert sql.count("FROM deliveries JOIN service_episodes") == 1
    assert sql.count("sum(") >= 4  # units and cost of the core in one GROUP BY, the plugin's in its own


async def test_a_plugin_counts_the_cores_facts_with_its_own_filter_and_column(built, compute, register_plugin):
    register_plugin(Sharing("cost"))
    snapshot = await compute(date(2019, 6, 30))
    # a person's group, recipient and residence are one each, so per (municipality, service) the persons
    # active are the sum of persons_active over them; the cost is the sum of delivery_cost over group and source
    for mine, core in (("t_active_by_service", "persons_active"), ("t_cost_by_service", "delivery_cost")):
        expected: dict[tuple, object] = defaultdict(int)
        for row in rows(snapshot, core):
            expected[(row["municipality"], row["service"])] += row["value"]
        got = {(r["municipality"], r["service"]): r["value"] for r in rows(snapshot, mine)}
        assert got == dict(expected) and any(got.values()), mine


async def test_a_boolean_column_filters_too(built, compute, register_plugin):
    def assessments(q):
        return (sa.select(Client.municipality_code.label("municipality"), Client.target_group.label("target_group"),
                          Client.id.label("person"), Assessment.complete.label("complete"))
                .join(Client, Client.id == Assessment.client_id).where(Assessment.assessed_on <= q.day))

    class Complete:
        @hookimpl
        def indicators(self):
            return [IndicatorSource(Indicator("t_assessed", "x", Unit.PERSONS, (D.MUNICIPALITY, D.TARGET_GROUP)),
                                    assessments, column="person", where="complete")]

    register_plugin(Complete())
    snapshot = await compute(date(2019, 6, 30))
    assert snapshot.block("t_assessed").rows == snapshot.block("persons_assessed").rows
    assert any(row[-1] for row in snapshot.block("t_assessed").rows)


async def test_rows_the_frame_lacks_are_kept_in_order(built, compute, register_plugin):
    register_plugin(LegacyPlugin())
    snapshot = await compute(date(2019, 6, 30))
    block = snapshot.block("t_outside_the_frame")
    assert block.rows == sorted_rows(block.rows)
    services = {row[2] for row in block.rows if row[-1]}
    groups = {row[1] for row in block.rows if row[-1]}
    assert UNKNOWN_SERVICE in services and UNKNOWN_GROUP in groups
    assert {row[2] for row in block.rows} >= {s.code for s in built.registry.catalogue}  # the frame is there too
    everyone = snapshot.block("t_open_ended")
    assert len({row[:-1] for row in everyone.rows}) == len(everyone.rows)


async def test_facts_without_the_filter_or_the_column_are_refused(node, compute, register_plugin):
    class Missing:
        @hookimpl
        def indicators(self):
            return [IndicatorSource(Indicator("t_a", "x", Unit.PERSONS, (D.SERVICE,)), facts.received,
                                    where="running"),
                    IndicatorSource(Indicator("t_b", "x", Unit.UNITS, (D.SERVICE,), Measure.SUM), facts.deliveries)]

    register_plugin(Missing())
    with pytest.raises(IndicatorDeclarationError, match=r"t_a.*lack the column\(s\) running"):
        await compute(date(2019, 6, 30))


async def test_an_indicator_without_dimensions_is_one_figure(built, compute, register_plugin):
    class Everyone:
        @hookimpl
        def indicators(self):
            return [IndicatorSource(Indicator("t_persons", "x", Unit.PERSONS, ()), facts.received)]

    register_plugin(Everyone())
    snapshot = await compute(date(2019, 6, 30))
    unique = sum(r["value"] for r in rows(snapshot, "unique_persons_received") if r["municipality"] is None)
    assert snapshot.block("t_persons").rows == [(unique,)]


def test_the_core_sources_are_the_core_indicators_in_order():
    assert tuple(source.indicator for source in CORE_SOURCES) == CORE_INDICATORS


def test_without_column_a_count_counts_subject_and_a_sum_adds_amount():
    count = IndicatorSource(Indicator("t_c", "x", Unit.PERSONS, (D.SERVICE,)), facts.received)
    total = IndicatorSource(Indicator("t_s", "x", Unit.EUR, (D.SERVICE,), Measure.SUM), facts.deliveries)
    assert (count.measured, total.measured) == ("subject", "amount")
    assert IndicatorSource(total.indicator, facts.deliveries, column="cost").measured == "cost"


def _ended_as_unknown(q):
    """The received facts, with the service of every ended episode replaced by one the frame does not have."""
    ended = facts.received(q).subquery("ended")
    service = sa.case((ended.c.active == 0, UNKNOWN_SERVICE), else_=ended.c.service)
    return sa.select(ended.c.municipality, service.label("service"), ended.c.subject, ended.c.active)


def _the_same_facts(q):  # another builder: its indicator gets a GROUP BY of its own
    return _ended_as_unknown(q)


async def test_counts_sharing_a_group_by_keep_their_own_rows(built, compute, register_plugin):
    by = (D.MUNICIPALITY, D.SERVICE)

    class Counts:
        @hookimpl
        def indicators(self):
            return [IndicatorSource(Indicator("t_all", "x", Unit.PERSONS, by), _ended_as_unknown),
                    IndicatorSource(Indicator("t_running", "x", Unit.PERSONS, by), _ended_as_unknown, where="active"),
                    IndicatorSource(Indicator("t_alone", "x", Unit.PERSONS, by), _the_same_facts, where="active")]

    register_plugin(Counts())
    snapshot = await compute(date(2019, 6, 30))
    assert any(row[1] == UNKNOWN_SERVICE and row[-1] for row in snapshot.block("t_all").rows)
    running = snapshot.block("t_running").rows
    assert all(row[1] != UNKNOWN_SERVICE for row in running)  # ended episodes only: no row, not a row of 0
    assert running == snapshot.block("t_alone").rows and any(row[-1] for row in running)
