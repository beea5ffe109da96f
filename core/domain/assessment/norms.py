"""Norm tables: standard scores per area and an index, only when a plugin supplies a table.

Official norm tables are licensed and are never shipped with kopiena. A plugin
holding a licence returns a :class:`NormTable` from the ``norm_table`` hook;
without one every assessment reads ``NO_NORM_TABLE`` and carries raw scores
only. A table is usually kept as CSV (see :func:`parse_norm_table_csv`)::

    table,key,raw_min,raw_max,value,percentile
    area,<area code>,0,10,1,1
    ...
    index,,0,20,60,1

``area`` rows turn an area's raw score into its standard score; ``index`` rows
turn the sum of the standard scores of the table's areas into the index.
"""

from __future__ import annotations

import csv
import enum
import io
from dataclasses import dataclass, field
from decimal import Decimal

from .scoring import Scores


class NormState(enum.StrEnum):
    NO_NORM_TABLE = "NO_NORM_TABLE"
    """No plugin supplies a norm table for this instrument version: raw scores only."""
    INCOMPLETE = "INCOMPLETE"
    """A draft: standard scores need every item rated."""
    OUT_OF_TABLE = "OUT_OF_TABLE"
    """A raw score (or the sum of standard scores) falls in no row of the table."""
    SCORED = "SCORED"


@dataclass(frozen=True)
class NormBand:
    """Raw values ``low``..``high`` (inclusive) map to ``value`` (and its percentile, if the table has it)."""

    low: int
    high: int
    value: int
    percentile: Decimal | None = None


@dataclass(frozen=True)
class NormTable:
    instrument: str
    name: str
    source: str
    areas: dict[str, tuple[NormBand, ...]] = field(compare=False)
    index: tuple[NormBand, ...] = ()
    versions: frozenset[str] = frozenset()
    """Instrument versions the table is valid for; empty means every version."""

    def fits(self, instrument: str, version: str) -> bool:
        return instrument == self.instrument and (not self.versions or version in self.versions)


@dataclass(frozen=True)
class AreaNorm:
    area: str
    standard_score: int | None
    percentile: Decimal | None


@dataclass(frozen=True)
class NormResult:
    state: NormState
    table: str | None = None
    areas: tuple[AreaNorm, ...] = ()
    index: int | None = None
    index_percentile: Decimal | None = None


def _lookup(bands: tuple[NormBand, ...], raw: int) -> NormBand | None:
    return next((b for b in bands if b.low <= raw <= b.high), None)


def apply_norms(table: NormTable | None, scores: Scores) -> NormResult:
    if table is None:
        return NormResult(NormState.NO_NORM_TABLE)
    if not scores.complete:
        return NormResult(NormState.INCOMPLETE, table.name)
    areas, state = [], NormState.SCORED
    for code, bands in table.areas.items():
        band = _lookup(bands, scores.area(code).raw) if any(a.code == code for a in scores.areas) else None
        if band is None:
            state = NormState.OUT_OF_TABLE
        areas.append(AreaNorm(code, band.value if band else None, band.percentile if band else None))
    index_band = None
    if state is NormState.SCORED and table.index:
        index_band = _lookup(table.index, sum(a.standard_score for a in areas if a.standard_score is not None))
        if index_band is None:
            state = NormState.OUT_OF_TABLE
    return NormResult(state, table.name, tuple(areas), index_band.value if index_band else None,
                      index_band.percentile if index_band else None)


def parse_norm_table_csv(text: str, *, instrument: str, name: str, source: str,
                         versions: frozenset[str] = frozenset()) -> NormTable:
    """Read a norm table kept as CSV (columns ``table,key,raw_min,raw_max,value,percentile``)."""
    areas: dict[str, list[NormBand]] = {}
    index: list[NormBand] = []
    for n, row in enumerate(csv.DictReader(io.StringIO(text)), start=2):
        try:
            pct = (row.get("percentile") or "").strip()
            band = NormBand(int(row["raw_min"]), int(row["raw_max"]), int(row["value"]),
                            Decimal(pct) if pct else None)
        except (KeyError, TypeError, ValueError, ArithmeticError) as exc:
            raise ValueError(f"norm table {name}, line {n}: {exc!r}") from exc
        if band.high < band.low:
            raise ValueError(f"norm table {name}, line {n}: raw_max is below raw_min")
        kind = (row.get("table") or "").strip()
        if kind == "area":
            areas.setdefault(row["key"].strip(), []).append(band)
        elif kind == "index":
            index.append(band)
        else:
            raise ValueError(f"norm table {name}, line {n}: table is 'area' or 'index', not {kind!r}")
    return NormTable(instrument, name, source, {k: tuple(v) for k, v in areas.items()}, tuple(index), versions)
