"""The one SQL statement of a snapshot: the figures of every indicator and the DI plan, ``GROUP BY`` in the database.

The statement is a ``UNION ALL`` of small ``GROUP BY`` selects ("members"), all
with the same columns: ``block`` (the indicator's position in the snapshot),
``d0`` .. ``d5`` (the indicator's dimension values in its declared order, NULL
after them) and ``value``. What keeps it cheap:

- indicators whose facts come from the same builder read one CTE, so the
  database computes those facts once however many indicators count them
  (``persons_active`` is the received facts ``where="active"``);
- sums of one builder with the same dimensions and filter are one ``GROUP BY``
  with a column per sum (delivery units and cost), and a sum's region row is the
  sum of its municipality rows;
- a distinct count's region row is its own ``GROUP BY`` (a person counts once
  in the region however many municipalities granted them something);
- facts read by one member only are a subquery, not a CTE: SQLite materialises
  a CTE even when it is read once, a subquery it folds into the ``GROUP BY``
  (bench, SQLite: the deliveries' sums ~10 % faster).

Only the figures the data has come back; the zeros are the frame's
(:mod:`core.domain.indicator_frame`), and the region's municipality codes the
frame needs come back in the same statement (block ``MUNICIPALITIES``). The SQL
is portable: SQLite and PostgreSQL return the same rows.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy import Select, select
from sqlalchemy.engine import Dialect
from sqlalchemy.types import NullType
from sqlmodel import col

from core.domain.indicators import Dimension, IndicatorDeclarationError, Measure

from . import indicator_facts as facts_sql
from .indicator_facts import AsOf
from .models import MunicipalityRow

if TYPE_CHECKING:
    from .indicators import IndicatorSource

M = Dimension.MUNICIPALITY
SLOTS = len(Dimension)
"""Dimension columns of every member: enough for an indicator broken down by all of them."""
NULL = sa.cast(sa.null(), sa.String)
NO_TYPE = NullType()
"""The type of every member's value: the values differ in type (counts, Hundredths sums), so SQLAlchemy
leaves them as they come and each block converts its own in ``read()``. One instance: a type computes
its cache key once."""
MUNICIPALITIES = -1
"""The block of the reference rows the frame needs: the region's municipality codes, current and historic."""

Rows = list[tuple[Any, ...]]


def share_key(builder: Callable) -> object:
    """Sources share facts when their builders are the same (equal) callable."""
    try:
        hash(builder)
    except TypeError:
        return id(builder)
    return builder


def _filtered(stmt: Select, facts: sa.FromClause, where: str | None) -> Select:
    """Only the rows whose ``where`` column is 1 (or true); every row without ``where``."""
    if where is None:
        return stmt
    column = facts.c[where]
    return stmt.where(column.is_(sa.true()) if isinstance(column.type, sa.Boolean) else column == 1)


def _reader(source: IndicatorSource, columns: sa.ColumnCollection, dialect: Dialect
            ) -> tuple[Callable[[Any], Any], Any]:
    """(convert a value as the database returns it, the zero): a count is an int; a sum reads as its column."""
    if source.indicator.measure is Measure.DISTINCT_COUNT:
        return int, 0
    process = columns[source.measured].type.result_processor(dialect, None)
    convert = process or (lambda value: value)
    return convert, convert(0)


@dataclass
class Block:
    """How one indicator's rows come back: how many dimension slots it fills, how its values read."""

    width: int
    convert: Callable[[Any], Any]
    zero: Any
    rows: Rows = field(default_factory=list)


@dataclass
class Figures:
    """What the statement returned: each indicator's figures (dimension values..., value), the DI plan's
    targets and the persons received against them (group, service, recipient, value), the municipalities."""

    indicators: list[Rows]
    planned: Rows
    achieved: Rows
    municipalities: list[str]


def columns(block: int, dims: Sequence[sa.ColumnElement], value: sa.ColumnElement) -> list[sa.ColumnElement]:
    """The columns of every member: block, the dimension slots, value."""
    slots = [column.label(f"d{i}") for i, column in enumerate([*dims, *[NULL] * (SLOTS - len(dims))])]
    return [sa.literal_column(str(block)).label("block"), *slots, sa.type_coerce(value, NO_TYPE).label("value")]


def member(block: int, dims: Sequence[sa.ColumnElement], value: sa.ColumnElement) -> Select:
    return select(*columns(block, dims, value))


def _detail(block: int, dims: Sequence[Dimension], table: sa.FromClause, value: sa.ColumnElement) -> Select:
    keys = [table.c[d.value] for d in dims]
    return member(block, keys, value).group_by(*keys)


def _region(block: int, dims: Sequence[Dimension], table: sa.FromClause, value: sa.ColumnElement) -> Select:
    """The region's rows: municipality NULL, grouped by the other dimensions."""
    keys = [NULL if d is M else table.c[d.value] for d in dims]
    return member(block, keys, value).group_by(*(table.c[d.value] for d in dims if d is not M))


class SnapshotStatement:
    """Builds the statement for ``sources`` as of ``as_of`` and reads its rows back into blocks."""

    def __init__(self, sources: Sequence[IndicatorSource], as_of: AsOf, dialect: Dialect) -> None:
        self.as_of = as_of
        self._built: dict[object, tuple[Select, sa.ColumnCollection]] = {}
        self.blocks = [self._block(source, dialect) for source in sources]
        counts = [(i, s) for i, s in enumerate(sources) if s.indicator.measure is Measure.DISTINCT_COUNT]
        sums: dict[tuple, list[tuple[int, IndicatorSource]]] = {}
        for i, s in enumerate(sources):
            if s.indicator.measure is Measure.SUM:
                sums.setdefault((share_key(s.facts), s.indicator.dimensions, s.where), []).append((i, s))
        self._tables = self._facts_tables(counts, list(sums))
        self.members: list[Select] = []
        for block, source in counts:
            self._count(block, source)
        for n, group in enumerate(sums.values()):
            self._sums(n, group)
        self.plan = len(self.blocks)
        self._plan()
        self._municipalities()

    def _block(self, source: IndicatorSource, dialect: Dialect) -> Block:
        """Build the facts of ``source`` (once per builder and snapshot) and check the columns it needs."""
        key = share_key(source.facts)
        if key not in self._built:
            built = source.facts(self.as_of)
            self._built[key] = (built, built.selected_columns)
        have = self._built[key][1]
        needed = {d.value for d in source.indicator.dimensions} | {source.measured} | (
            {source.where} if source.where else set())
        if missing := sorted(needed - set(have.keys())):
            raise IndicatorDeclarationError(
                f"the facts of indicator {source.indicator.code!r} lack the column(s) {', '.join(missing)}")
        return Block(len(source.indicator.dimensions), *_reader(source, have, dialect))

    def _facts_tables(self, counts: list[tuple[int, IndicatorSource]], sums: list[tuple]) -> dict[object, Any]:
        """Each builder's facts as a CTE when several members read them, else as a subquery (see above)."""
        received = share_key(facts_sql.received)
        if received not in self._built:  # the DI plan counts the received facts even if no indicator does
            built = facts_sql.received(self.as_of)
            self._built[received] = (built, built.selected_columns)
        reads: Counter[object] = Counter({received: 2})  # the DI plan: per service and unique persons
        for _, source in counts:
            reads[share_key(source.facts)] += 2 if M in source.indicator.dimensions else 1
        reads.update(key for key, _, _ in sums)
        return {key: (built.cte if reads[key] > 1 else built.subquery)(f"facts_{n}")
                for n, (key, (built, _)) in enumerate(self._built.items())}

    def _count(self, block: int, source: IndicatorSource) -> None:
        facts, dims = self._tables[share_key(source.facts)], source.indicator.dimensions
        value = sa.func.count(sa.distinct(facts.c[source.measured]))
        members = [_detail(block, dims, facts, value)]
        if M in dims:
            members.append(_region(block, dims, facts, value))
        self.members.extend(_filtered(m, facts, source.where) for m in members)

    def _sums(self, n: int, group: list[tuple[int, IndicatorSource]]) -> None:
        """One ``GROUP BY`` for the sums of a builder with the same dimensions and filter."""
        first = group[0][1]
        facts, dims = self._tables[share_key(first.facts)], first.indicator.dimensions
        amounts = list(dict.fromkeys(source.measured for _, source in group))
        keys = [facts.c[d.value] for d in dims]
        totals = [sa.func.sum(facts.c[a]).label(f"sum_{i}") for i, a in enumerate(amounts)]
        grouped = _filtered(select(*keys, *totals), facts, first.where).group_by(*keys).cte(f"sums_{n}")
        for block, source in group:
            total = grouped.c[f"sum_{amounts.index(source.measured)}"]
            self.members.append(member(block, [grouped.c[d.value] for d in dims], total))
            if M in dims:  # the region row of a sum is the sum of its municipality rows
                self.members.append(_region(block, dims, grouped, sa.func.sum(total)))

    def _plan(self) -> None:
        """The DI plan targets (block ``plan``) and the persons received against them (``plan + 1``)."""
        facts = self._tables[share_key(facts_sql.received)]
        for block, rows in enumerate(facts_sql.plan_rows(self.as_of, facts), start=self.plan):
            group, service, recipient, value = rows.selected_columns
            self.members.append(rows.with_only_columns(*columns(block, [group, service, recipient], value)))

    def _municipalities(self) -> None:
        code: sa.Label[str] = col(MunicipalityRow.code).label("code")
        self.members.append(select(*columns(MUNICIPALITIES, [code], sa.null()))
                            .where(MunicipalityRow.region_code == self.as_of.region))

    @property
    def statement(self) -> sa.CompoundSelect:
        return sa.union_all(*self.members)

    def read(self, rows: Sequence[Sequence[Any]]) -> Figures:
        """The statement's rows, sorted out by block."""
        out = Figures([block.rows for block in self.blocks], [], [], [])
        plan = (out.planned, out.achieved)
        for row in rows:
            index = row[0]
            if index == MUNICIPALITIES:
                out.municipalities.append(row[1])
            elif index >= self.plan:
                plan[index - self.plan].append((row[1], row[2], row[3], row[-1]))
            else:
                block = self.blocks[index]
                value = row[-1]
                block.rows.append((*row[1:1 + block.width], block.zero if value is None else block.convert(value)))
        return out
