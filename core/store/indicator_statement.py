"""The one SQL statement of a snapshot: the figures of every indicator and the DI plan, ``GROUP BY`` in the database.

The statement is a ``UNION ALL`` of small ``GROUP BY`` selects ("members"), all
with the same columns: ``member`` (which member a row comes from), ``d0`` ..
``d5`` (the dimension values, in the indicators' declared order, NULL after
them) and ``v0`` .. ``vN`` (the values of the indicators the member computes).
What keeps it cheap:

- indicators whose facts come from the same builder read one CTE, so the
  database computes those facts once however many indicators count them;
- distinct counts of one builder by the same dimensions are one ``GROUP BY``
  per level, a value column each (``persons_received`` and ``persons_active``
  are one: the received facts, and those ``where="active"``), instead of a
  ``GROUP BY`` each (bench: the statement 10-20 % faster);
- sums of one builder with the same dimensions and filter are one ``GROUP BY``
  (delivery units and cost), and a sum's region row is the sum of its
  municipality rows; a distinct count's region row is its own ``GROUP BY`` (a
  person counts once in the region however many municipalities granted them
  something);
- facts read by one member only are a subquery, not a CTE: SQLite materialises
  a CTE even when it is read once, a subquery it folds into the ``GROUP BY``
  (bench, SQLite: the deliveries' sums ~10 % faster).

Only the figures the data has come back; the zeros are the frame's
(:mod:`core.domain.indicator_frame`), and the region's municipality codes the
frame needs come back in the same statement. The SQL is portable: SQLite and
PostgreSQL return the same rows.
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

Rows = list[tuple[Any, ...]]


def share_key(builder: Callable) -> object:
    """Sources share facts when their builders are the same (equal) callable."""
    try:
        hash(builder)
    except TypeError:
        return id(builder)
    return builder


def _condition(facts: sa.FromClause, where: str) -> sa.ColumnElement:
    """The rows whose ``where`` column is 1 (or true)."""
    column = facts.c[where]
    return column.is_(sa.true()) if isinstance(column.type, sa.Boolean) else column == 1


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
    """One indicator's rows as they come back: its dimension values, then its value."""

    width: int
    convert: Callable[[Any], Any]
    zero: Any
    count: bool
    rows: Rows = field(default_factory=list)

    def add(self, key: tuple[Any, ...], value: Any) -> None:
        if value is None:
            if self.count:  # none of this indicator's facts are in the group: no row, as its own GROUP BY
                return
            value = self.zero  # a sum of NULL amounts
        else:
            value = self.convert(value)
        self.rows.append((*key, value))


@dataclass
class Figures:
    """What the statement returned: each indicator's figures (dimension values..., value), the DI plan's
    targets and the persons received against them (group, service, recipient, value), the municipalities."""

    indicators: list[Rows]
    planned: Rows
    achieved: Rows
    municipalities: list[str]


Group = list[tuple[int, "IndicatorSource"]]
"""Indicators computed by one ``GROUP BY``: (block, source), in the order of its value columns."""


def _groups(sources: Sequence[IndicatorSource], measure: Measure, *, by_where: bool) -> dict[tuple, Group]:
    """The sources of ``measure`` grouped by builder and dimensions (and, for sums, filter)."""
    groups: dict[tuple, Group] = {}
    for block, source in enumerate(sources):
        if source.indicator.measure is measure:
            key = (share_key(source.facts), source.indicator.dimensions, source.where if by_where else None)
            groups.setdefault(key, []).append((block, source))
    return groups


class SnapshotStatement:
    """Builds the statement for ``sources`` as of ``as_of`` and reads its rows back into blocks.

    Every member is one ``GROUP BY`` (or one reference read) with the columns ``member`` (its position),
    ``d0`` .. ``d5`` and ``v0`` .. ``vN``: the values of the indicators it computes, NULL after them.
    """

    def __init__(self, sources: Sequence[IndicatorSource], as_of: AsOf, dialect: Dialect) -> None:
        self.as_of = as_of
        self._built: dict[object, tuple[Select, sa.ColumnCollection]] = {}
        self.blocks = [self._block(source, dialect) for source in sources]
        counts = _groups(sources, Measure.DISTINCT_COUNT, by_where=False)
        sums = _groups(sources, Measure.SUM, by_where=True)
        self._tables = self._facts_tables([*counts.values(), *sums.values()])
        self.values = max((len(group) for group in (*counts.values(), *sums.values())), default=1)
        self.members: list[Select] = []
        self.readers: list[tuple[Block, ...] | str] = []
        """Per member: the blocks its value columns fill, or which reference rows it gives."""
        for group in counts.values():
            self._counts(group)
        for n, group in enumerate(sums.values()):
            self._sums(n, group)
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
        count = source.indicator.measure is Measure.DISTINCT_COUNT
        return Block(len(source.indicator.dimensions), *_reader(source, have, dialect), count)

    def _facts_tables(self, groups: list[Group]) -> dict[object, Any]:
        """Each builder's facts as a CTE when several members read them, else as a subquery (see above)."""
        received = share_key(facts_sql.received)
        if received not in self._built:  # the DI plan counts the received facts even if no indicator does
            built = facts_sql.received(self.as_of)
            self._built[received] = (built, built.selected_columns)
        reads: Counter[object] = Counter({received: 2})  # the DI plan: per service and unique persons
        for group in groups:
            source = group[0][1]
            counted = source.indicator.measure is Measure.DISTINCT_COUNT and M in source.indicator.dimensions
            reads[share_key(source.facts)] += 2 if counted else 1  # a sum's region row reads its GROUP BY
        return {key: (built.cte if reads[key] > 1 else built.subquery)(f"facts_{n}")
                for n, (key, (built, _)) in enumerate(self._built.items())}

    def member(self, reader: tuple[Block, ...] | str, dims: Sequence[sa.ColumnElement],
               values: Sequence[sa.ColumnElement]) -> Select:
        """A new member's columns (the caller adds FROM, WHERE, GROUP BY), read back by ``reader``."""
        self.readers.append(reader)
        slots = [*dims, *[NULL] * (SLOTS - len(dims))]
        filled = [*values, *[sa.null()] * (self.values - len(values))]
        return select(sa.literal_column(str(len(self.readers) - 1)).label("member"),
                      *(column.label(f"d{i}") for i, column in enumerate(slots)),
                      *(sa.type_coerce(value, NO_TYPE).label(f"v{i}") for i, value in enumerate(filled)))

    def _levels(self, blocks: tuple[Block, ...], dims: Sequence[Dimension], table: sa.FromClause,
                values: Sequence[sa.ColumnElement], *, detail: bool = True) -> list[Select]:
        """Grouped per municipality (or by all dimensions) and, with a municipality, for the region."""
        keys = [table.c[d.value] for d in dims]
        levels = [self.member(blocks, keys, values).group_by(*keys)] if detail else []
        if M in dims:  # the region's rows: municipality NULL, grouped by the other dimensions
            region = [NULL if d is M else table.c[d.value] for d in dims]
            others = [table.c[d.value] for d in dims if d is not M]
            levels.append(self.member(blocks, region, values).group_by(*others))
        return levels

    def _counts(self, group: Group) -> None:
        """Distinct counts of one builder's facts by the same dimensions: one ``GROUP BY`` per level."""
        first = group[0][1]
        facts, blocks = self._tables[share_key(first.facts)], tuple(self.blocks[b] for b, _ in group)
        if len(group) == 1 and first.where:  # alone, a filter is a WHERE
            value = sa.func.count(sa.distinct(facts.c[first.measured]))
            levels = self._levels(blocks, first.indicator.dimensions, facts, [value])
            self.members.extend(level.where(_condition(facts, first.where)) for level in levels)
            return
        self.members.extend(self._levels(blocks, first.indicator.dimensions, facts,
                                         [_counted(facts, source) for _, source in group]))

    def _sums(self, n: int, group: Group) -> None:
        """Sums of one builder's facts by the same dimensions and filter: one ``GROUP BY``, whose rows are the
        municipalities' and whose sums are the region's."""
        first = group[0][1]
        facts, blocks = self._tables[share_key(first.facts)], tuple(self.blocks[b] for b, _ in group)
        dims = first.indicator.dimensions
        keys = [facts.c[d.value] for d in dims]
        amounts = [sa.func.sum(facts.c[source.measured]).label(f"sum_{i}") for i, (_, source) in enumerate(group)]
        grouped = select(*keys, *amounts).group_by(*keys)
        if first.where:
            grouped = grouped.where(_condition(facts, first.where))
        table = grouped.cte(f"sums_{n}")
        totals = [table.c[f"sum_{i}"] for i in range(len(group))]
        self.members.append(self.member(blocks, [table.c[d.value] for d in dims], totals))
        self.members.extend(self._levels(blocks, dims, table, [sa.func.sum(t) for t in totals],
                                         detail=False))

    def _plan(self) -> None:
        """The DI plan targets and the persons received against them."""
        facts = self._tables[share_key(facts_sql.received)]
        for reader, rows in zip(("planned", "achieved"), facts_sql.plan_rows(self.as_of, facts), strict=True):
            group, service, recipient, value = rows.selected_columns
            keys = [group, service, recipient]
            self.members.append(rows.with_only_columns(*self.member(reader, keys, [value]).selected_columns))

    def _municipalities(self) -> None:
        code: sa.Label[str] = col(MunicipalityRow.code).label("code")
        self.members.append(self.member("municipalities", [code], [])
                            .where(MunicipalityRow.region_code == self.as_of.region))

    @property
    def statement(self) -> sa.CompoundSelect:
        return sa.union_all(*self.members)

    def read(self, rows: Sequence[Sequence[Any]]) -> Figures:
        """The statement's rows, sorted out by block."""
        out = Figures([block.rows for block in self.blocks], [], [], [])
        first_value = 1 + SLOTS
        for row in rows:
            reader = self.readers[row[0]]
            if reader == "municipalities":
                out.municipalities.append(row[1])
            elif isinstance(reader, str):
                getattr(out, reader).append((row[1], row[2], row[3], row[first_value]))
            else:
                key = tuple(row[1:1 + reader[0].width])
                for i, block in enumerate(reader):
                    block.add(key, row[first_value + i])
        return out


def _counted(facts: sa.FromClause, source: IndicatorSource) -> sa.ColumnElement:
    """One indicator's distinct count in a ``GROUP BY`` it shares with others of the same facts."""
    counted = facts.c[source.measured]
    if source.where is None:
        return sa.func.count(sa.distinct(counted))
    matches = _condition(facts, source.where)
    # + MAX(0 for its rows): NULL when none of its facts are in the group (Block.add then leaves the row out)
    return (sa.func.count(sa.distinct(sa.case((matches, counted))))
            + sa.func.max(sa.case((matches, sa.literal_column("0")))))
