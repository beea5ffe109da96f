"""``indicators(asOf: Date!)``: the region's indicators as of a date, computed in SQL on request.

The same figures a published snapshot carries (``kopiena indicators``): every
declared indicator, complete with zeros, and the DI plan progress. Aggregates
only; reading them needs the ``indicator`` right (see docs/security.md).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import sqlalchemy as sa
import strawberry
from graphql import GraphQLError

from core.domain.errors import InvalidValue
from core.domain.indicators import IndicatorFigures, Snapshot, Unit, parse_ratio, percent
from core.domain.rules import check_programme_date
from core.node import today_in_riga
from core.store.indicator_facts import AsOf, plan_progress
from core.store.indicators import compute_snapshot
from core.store.models import IndicatorSnapshot

from .enums import TargetGroup, value
from .errors import bad_input
from .scalars import date_arg


@strawberry.type(description="One figure: a value per dimension (municipality empty = the whole region).")
class IndicatorFigure:
    municipality: str | None
    target_group: TargetGroup | None
    service: str | None
    recipient: str | None = strawberry.field(description="PERSON, or FAMILY (legal representative / foster family).")
    residence: str | None = strawberry.field(description="COMMUNITY, INSTITUTION or LEFT_INSTITUTION on the date.")
    funding_source: str | None
    count: int | None = strawberry.field(description="Persons or plans (unit persons / plans).")
    amount: Decimal | None = strawberry.field(description="Units or EUR (unit units / EUR).")
    ratio: str | None = strawberry.field(description="received/target, exact (unit ratio); null = on demand.")
    percent: str | None = strawberry.field(description="The ratio in %, one decimal, half-up.")


def _figure(dims: list[str], row: tuple, unit: Unit) -> IndicatorFigure:
    named = dict(zip(dims, row[:-1], strict=True))
    group = named.get("target_group")
    raw = row[-1]
    ratio = raw if unit is Unit.RATIO else None
    return IndicatorFigure(
        municipality=named.get("municipality"), target_group=TargetGroup(group) if group else None,
        service=named.get("service"), recipient=named.get("recipient"), residence=named.get("residence"),
        funding_source=named.get("funding_source"),
        count=int(raw) if unit.is_count and raw is not None else None,
        amount=Decimal(raw) if unit.is_amount and raw is not None else None,
        ratio=ratio, percent=str(percent(*parse_ratio(ratio))) if ratio else None)


@strawberry.type(description="An indicator of the region as of the date, with its figures.")
class RegionIndicator:
    code: str
    description: str
    unit: str
    dimensions: list[str]
    block: strawberry.Private[IndicatorFigures]

    @strawberry.field(description="Its figures; by default every municipality and the region total, zeros too.")
    def figures(self, municipality: str | None = None, whole_region: bool = False,
                non_zero: bool = False) -> list[IndicatorFigure]:
        dims = [d.value for d in self.block.indicator.dimensions]
        at = dims.index("municipality") if "municipality" in dims else None
        out = []
        for row in self.block.rows:  # a few thousand aggregated rows already computed in SQL
            where = row[at] if at is not None else None
            if (whole_region and where is not None) or (municipality is not None and where != municipality):
                continue
            if non_zero and not row[-1]:
                continue
            out.append(_figure(dims, row, self.block.indicator.unit))
        return out


@strawberry.type(description="Persons who received a service (service empty = unique persons) against the DI plan.")
class DIPlanProgress:
    target_group: TargetGroup
    service: str | None
    recipient: str
    received: int
    target: int | None
    on_demand: bool
    percent: str | None = strawberry.field(description="received / target in %, one decimal, half-up.")
    ratio: str | None


@strawberry.type(description="The region's indicators as of a date: what a published snapshot would carry.")
class IndicatorReport:
    region: str
    as_of: date
    content_hash: str = strawberry.field(description="Hash of the figures, as in the published snapshot.")
    snapshot: strawberry.Private[Snapshot]
    plan: strawberry.Private[list]

    @strawberry.field(description="The declared indicators (core and plugins), or only those with these codes.")
    def indicators(self, codes: list[str] | None = None) -> list[RegionIndicator]:
        return [RegionIndicator(code=b.indicator.code, description=b.indicator.description,
                                unit=b.indicator.unit.value, dimensions=[d.value for d in b.indicator.dimensions],
                                block=b)
                for b in self.snapshot.indicators if codes is None or b.indicator.code in codes]

    @strawberry.field(description="DI plan progress: every service with persons or a planned number.")
    def progress(self, target_group: TargetGroup | None = None) -> list[DIPlanProgress]:
        group = value(target_group)
        return [DIPlanProgress(target_group=TargetGroup(g), service=s, recipient=r, received=n, target=t,
                               on_demand=planned and t is None, percent=str(percent(n, t)) if t else None,
                               ratio=f"{n}/{t}" if t else None)
                for g, s, r, n, t, planned in self.plan if group is None or g == group]


def _check_access(info: strawberry.Info) -> None:
    """Access control, when installed, scopes the snapshot table: no rows means no ``indicator`` right."""
    scope = info.context.scope
    if scope is None:
        return
    where = scope(IndicatorSnapshot)
    if isinstance(where, sa.sql.elements.False_):
        raise GraphQLError("Your role may not read indicators here.", extensions={"code": "FORBIDDEN"})


def _as_of(raw: object) -> date:
    day = date_arg(raw, "asOf")
    assert day is not None  # the argument is required
    try:
        check_programme_date(day, today=today_in_riga(), field="asOf")
    except InvalidValue as exc:
        raise bad_input(exc.message, field="asOf") from None
    return day


@strawberry.type
class IndicatorQuery:
    @strawberry.field(description="The region's indicators as of a date (cumulative since the programme start; "
                                  "active on the date), complete with zeros, and the DI plan progress.")
    async def indicators(self, info: strawberry.Info, as_of: date) -> IndicatorReport:
        day = _as_of(as_of)
        _check_access(info)
        node = info.context.node
        async with info.context.db() as s:
            snapshot = await compute_snapshot(s, region=node.region, as_of=day, catalogue=node.registry.catalogue,
                                              pm=node.pm)
            plan = await plan_progress(s, AsOf(day, node.region))
        return IndicatorReport(region=node.region, as_of=day, content_hash=snapshot.content_hash(),
                               snapshot=snapshot, plan=plan)
