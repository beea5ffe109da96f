"""The indicator engine: every figure is computed in the database with ``GROUP BY``, in one statement.

An indicator's *facts* are a ``SELECT`` with one column per dimension plus
``subject`` (what a distinct count counts: a person, a plan) or ``amount``
(what a sum adds: units, EUR). A snapshot is computed in three steps:

1. one SQL statement (:mod:`core.store.indicator_statement`) groups the facts
   of every indicator, per municipality and for the whole region (so a person
   counts once per municipality and once in the region), and the DI plan;
   indicators whose facts come from the same builder share them;
2. the *frame* (:mod:`core.domain.indicator_frame`): every declared combination
   of the region's municipalities (current and historic) x the catalogue's
   target group / service / recipient combinations that apply x the fixed
   dimension values, built in Python from reference data and cached;
3. the figures are put into the frame, zeros elsewhere, so the snapshot is
   complete; rows the data has and the frame lacks are kept.

Rows are in the order of ``sorted_rows`` (not SQL's: the databases' collations
may order codes differently).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

import pluggy
from sqlalchemy import Select
from sqlalchemy.ext.asyncio import AsyncSession

from core.domain import indicators as ind
from core.domain.catalogue import Catalogue
from core.domain.indicator_frame import complete, frame
from core.domain.indicators import (
    PLAN_INDICATORS,
    Indicator,
    IndicatorDeclarationError,
    IndicatorFigures,
    Measure,
    Snapshot,
    recipient_of,
)

from . import indicator_facts as facts_sql
from .indicator_facts import AsOf
from .indicator_statement import SnapshotStatement

MEASURE_COLUMN = {Measure.DISTINCT_COUNT: "subject", Measure.SUM: "amount"}


FactsBuilder = Callable[[AsOf], Select]


@dataclass(frozen=True)
class IndicatorSource:
    """An indicator and the SQL of its facts: what the ``indicators`` hook returns.

    ``facts(as_of)`` returns a ``SELECT`` with a column labelled after each of
    the indicator's dimensions and a column ``subject`` (distinct count) or
    ``amount`` (sum, a :class:`~core.store.types.Hundredths` column such as
    ``Delivery.units`` or ``Delivery.cost``). Extra columns are ignored.

    Sources with the same ``facts`` builder share its facts: the database
    computes them once for all of them (see docs/plugins.md).
    """

    indicator: Indicator
    facts: FactsBuilder
    column: str | None = None
    """The facts column counted (distinct) or summed; None: ``subject`` for a count, ``amount`` for a sum."""
    where: str | None = None
    """A facts column that is 1 (or true) for the rows this indicator counts; None: every row counts."""

    @property
    def measured(self) -> str:
        return self.column or MEASURE_COLUMN[self.indicator.measure]


CORE_SOURCES: tuple[IndicatorSource, ...] = (
    IndicatorSource(ind.PERSONS_RECEIVED, facts_sql.received),
    IndicatorSource(ind.PERSONS_ACTIVE, facts_sql.received, where="active"),
    IndicatorSource(ind.UNIQUE_PERSONS_RECEIVED, facts_sql.received),
    IndicatorSource(ind.UNIQUE_PERSONS_ACTIVE, facts_sql.received, where="active"),
    IndicatorSource(ind.PERSONS_ASSESSED, facts_sql.assessed),
    IndicatorSource(ind.SUPPORT_PLANS_APPROVED, facts_sql.plans_approved),
    IndicatorSource(ind.PERSONS_LEFT_INSTITUTION, facts_sql.left_institution),
    IndicatorSource(ind.DELIVERY_UNITS, facts_sql.deliveries, column="units"),
    IndicatorSource(ind.DELIVERY_COST, facts_sql.deliveries, column="cost"),
)
"""The core indicators (in the order of ``CORE_INDICATORS``): four read the received facts, two the deliveries."""


def indicator_sources(pm: pluggy.PluginManager) -> list[IndicatorSource]:
    """The core's indicators, then every plugin's, refusing a code given twice."""
    sources = list(CORE_SOURCES)
    seen = {s.indicator.code for s in sources} | {p.code for p in PLAN_INDICATORS}
    for result in pm.hook.indicators():
        for source in result or []:
            if not isinstance(source, IndicatorSource):
                raise IndicatorDeclarationError(f"the indicators hook returned {source!r}, not an IndicatorSource")
            if source.indicator.code in seen:
                raise IndicatorDeclarationError(f"indicator {source.indicator.code!r} is declared twice")
            seen.add(source.indicator.code)
            sources.append(source)
    return sources


def catalogue_combinations(catalogue: Catalogue) -> list[tuple[str, str, str]]:
    """(target group, service, recipient) for every service of the catalogue and whom it serves."""
    return sorted({
        (group.value, service.code, recipient_of(kind).value)
        for service in catalogue for group in service.target_groups for kind in service.recipients
    })


async def compute_snapshot(session: AsyncSession, *, region: str, as_of: date, catalogue: Catalogue,
                           pm: pluggy.PluginManager) -> Snapshot:
    """Every indicator of ``region`` as of ``as_of``, complete with zeros, read in the caller's transaction."""
    sources = indicator_sources(pm)
    query = SnapshotStatement(sources, AsOf(as_of, region), session.get_bind().dialect)
    figures = query.read((await session.execute(query.statement)).all())
    municipalities, combos = tuple(sorted(figures.municipalities)), tuple(catalogue_combinations(catalogue))
    blocks = [IndicatorFigures(source.indicator, complete(frame(source.indicator.dimensions, municipalities, combos),
                                                          rows, block.zero))
              for source, rows, block in zip(sources, figures.indicators, query.blocks, strict=True)]
    blocks.extend(facts_sql.plan_figures(figures.planned, figures.achieved))
    return Snapshot(region, as_of, blocks)
