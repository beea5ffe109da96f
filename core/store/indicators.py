"""The indicator engine: every figure is computed in the database with ``GROUP BY``.

An indicator's *facts* are a ``SELECT`` with one column per dimension plus
``subject`` (what a distinct count counts: a person, a plan) or ``amount``
(what a sum adds: units, EUR). From the facts the engine builds, in SQL:

1. the aggregate per municipality and, separately, for the whole region (so a
   person counts once per municipality and once in the region);
2. the *frame*: every declared combination of the region's municipalities
   (current and historic) x the catalogue's target group / service / recipient
   combinations that apply x the fixed dimension values;
3. frame LEFT JOIN aggregate, so the snapshot is complete with zeros.

The SQL is portable (no GROUPING SETS, no VALUES aliases): SQLite and
PostgreSQL return the same rows. Rows are then sorted in Python, because the
databases' collations may order codes differently.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

import pluggy
import sqlalchemy as sa
from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from core.domain.catalogue import Catalogue
from core.domain.indicators import (
    CORE_INDICATORS,
    DIMENSION_VALUES,
    PLAN_INDICATORS,
    Dimension,
    Indicator,
    IndicatorDeclarationError,
    IndicatorFigures,
    Measure,
    Snapshot,
    recipient_of,
    sorted_rows,
)

from . import indicator_facts as facts_sql
from .indicator_facts import AsOf
from .models import MunicipalityRow

M = Dimension.MUNICIPALITY
LINKED = (Dimension.TARGET_GROUP, Dimension.SERVICE, Dimension.RECIPIENT)
"""Dimensions whose combinations the catalogue decides (a service serves some groups and recipients)."""

MEASURE_COLUMN = {Measure.DISTINCT_COUNT: "subject", Measure.SUM: "amount"}


FactsBuilder = Callable[[AsOf], Select]


@dataclass(frozen=True)
class IndicatorSource:
    """An indicator and the SQL of its facts: what the ``indicators`` hook returns.

    ``facts(as_of)`` returns a ``SELECT`` with a column labelled after each of
    the indicator's dimensions and a column ``subject`` (distinct count) or
    ``amount`` (sum, a :class:`~core.store.types.Hundredths` column such as
    ``Delivery.units`` or ``Delivery.cost``). Extra columns are ignored.
    """

    indicator: Indicator
    facts: FactsBuilder


CORE_SOURCES: tuple[IndicatorSource, ...] = tuple(
    IndicatorSource(ind, facts_sql.CORE_FACTS[ind.code]) for ind in CORE_INDICATORS
)


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


def _literal_rows(rows: Sequence[Sequence[str]], names: Sequence[str], alias: str) -> sa.Subquery:
    """A constant table, written as ``SELECT 'a' UNION ALL SELECT 'b'`` so both databases accept it."""
    selects = [select(*(sa.literal(value, sa.String).label(n) for value, n in zip(row, names, strict=True)))
               for row in rows]
    if len(selects) == 1:
        return selects[0].subquery(alias)
    return sa.union_all(*selects).subquery(alias)


def _municipalities(region: str) -> sa.Subquery:
    """The region's municipalities, current and historic, plus the empty code of the whole region."""
    return sa.union_all(
        select(col(MunicipalityRow.code).label(M.value)).where(MunicipalityRow.region_code == region),
        select(sa.cast(sa.null(), sa.String).label(M.value)),
    ).subquery("frame_municipality")


def frame(indicator: Indicator, as_of: AsOf, combos: list[tuple[str, str, str]]) -> Select:
    """Every declared combination of the indicator's dimension values, one row each."""
    parts: list[sa.Subquery] = []
    column_of: dict[Dimension, Any] = {}
    if M in indicator.dimensions:
        munis = _municipalities(as_of.region)
        parts.append(munis)
        column_of[M] = munis.c[M.value]
    linked = [d for d in LINKED if d in indicator.dimensions]
    if linked:
        table = _literal_rows(combos, [d.value for d in LINKED], "frame_catalogue")
        projected = select(*(table.c[d.value] for d in linked)).distinct().subquery("frame_combos")
        parts.append(projected)
        column_of.update({d: projected.c[d.value] for d in linked})
    for dim in indicator.dimensions:
        if dim in DIMENSION_VALUES and dim not in LINKED:
            table = _literal_rows([(v,) for v in DIMENSION_VALUES[dim]], [dim.value], f"frame_{dim.value}")
            parts.append(table)
            column_of[dim] = table.c[dim.value]
    joined: Any = parts[0]
    for part in parts[1:]:
        joined = joined.join(part, sa.true())
    return select(*(column_of[d].label(d.value) for d in indicator.dimensions)).select_from(joined)


def aggregate(source: IndicatorSource, as_of: AsOf) -> sa.CTE:
    """The figures that are not zero: per municipality and for the region, ``GROUP BY`` in the database.

    A CTE, not a subquery: the statement reads it twice (for the keys and for the values), and both
    databases then compute it once instead of twice (bench: a snapshot 37-45% faster).
    """
    indicator = source.indicator
    if indicator.measure is Measure.SUM and M in indicator.dimensions:
        return _summed(source, as_of)
    facts = source.facts(as_of).cte(f"facts_{indicator.code}")
    measured = facts.c[MEASURE_COLUMN[indicator.measure]]
    value = (sa.func.count(sa.distinct(measured)) if indicator.measure is Measure.DISTINCT_COUNT
             else sa.func.sum(measured)).label("value")
    dims = [facts.c[d.value] for d in indicator.dimensions]
    detail = select(*dims, value).group_by(*dims)
    if M not in indicator.dimensions:
        return detail.cte("agg")
    others = [facts.c[d.value] for d in indicator.dimensions if d is not M]
    whole = select(*(sa.cast(sa.null(), sa.String).label(M.value) if d is M else facts.c[d.value]
                     for d in indicator.dimensions), value).group_by(*others)
    return sa.union_all(detail, whole).cte("agg")


def _summed(source: IndicatorSource, as_of: AsOf) -> sa.CTE:
    """A sum's region row is the sum of its municipality rows: the facts are grouped once, and, read once,
    need not be materialised (bench: a snapshot in half the time on PostgreSQL, same figures)."""
    indicator = source.indicator
    facts = source.facts(as_of).subquery(f"facts_{indicator.code}")
    dims = [facts.c[d.value] for d in indicator.dimensions]
    detail = (select(*dims, sa.func.sum(facts.c[MEASURE_COLUMN[Measure.SUM]]).label("value"))
              .group_by(*dims).cte(f"detail_{indicator.code}"))
    others = [detail.c[d.value] for d in indicator.dimensions if d is not M]
    whole = select(*(sa.cast(sa.null(), sa.String).label(M.value) if d is M else detail.c[d.value]
                     for d in indicator.dimensions), sa.func.sum(detail.c.value).label("value")).group_by(*others)
    return sa.union_all(select(detail), whole).cte("agg")


def indicator_statement(source: IndicatorSource, as_of: AsOf, combos: list[tuple[str, str, str]]) -> Select:
    """All rows of one indicator: the frame (plus any combination the data has) with zeros filled in."""
    names = [d.value for d in source.indicator.dimensions]
    agg = aggregate(source, as_of)
    keys = sa.union(frame(source.indicator, as_of, combos), select(*(agg.c[n] for n in names))).subquery("keys")
    # '' never is a code, so COALESCE makes the region row (NULL municipality) joinable with a plain '='
    on = sa.and_(*(sa.func.coalesce(keys.c[n], "") == sa.func.coalesce(agg.c[n], "") for n in names))
    return select(*(keys.c[n] for n in names), sa.func.coalesce(agg.c.value, 0).label("value")).select_from(
        keys.outerjoin(agg, on))


def _check_columns(source: IndicatorSource, as_of: AsOf) -> None:
    needed = {d.value for d in source.indicator.dimensions} | {MEASURE_COLUMN[source.indicator.measure]}
    have = set(source.facts(as_of).selected_columns.keys())
    if missing := sorted(needed - have):
        raise IndicatorDeclarationError(
            f"the facts of indicator {source.indicator.code!r} lack the column(s) {', '.join(missing)}")


async def compute_indicator(session: AsyncSession, source: IndicatorSource, as_of: AsOf,
                            combos: list[tuple[str, str, str]]) -> IndicatorFigures:
    _check_columns(source, as_of)
    rows = (await session.execute(indicator_statement(source, as_of, combos))).all()
    return IndicatorFigures(source.indicator, sorted_rows(rows))


async def compute_snapshot(session: AsyncSession, *, region: str, as_of: date, catalogue: Catalogue,
                           pm: pluggy.PluginManager) -> Snapshot:
    """Every indicator of ``region`` as of ``as_of``, complete with zeros, read in the caller's transaction."""
    when = AsOf(as_of, region)
    combos = catalogue_combinations(catalogue)
    blocks = [await compute_indicator(session, source, when, combos) for source in indicator_sources(pm)]
    blocks.extend(await facts_sql.plan_figures(session, when))
    return Snapshot(region, as_of, blocks)
