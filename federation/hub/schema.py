"""The hub's GraphQL API (its own schema, separate from a node's): national figures, aggregates only.

Resolvers are thin: each reads one query of :mod:`federation.hub.queries` in a
session of the hub store found in the request context (``context["store"]``).
The SDL is checked in as ``federation/hub/schema.graphql``; regenerate it with
``python -m federation.hub.schema``.
"""

from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import strawberry
from graphql import GraphQLError
from strawberry.types import Info

from core.domain.people import TargetGroup as DomainTargetGroup

from . import queries

SDL_FILE = Path(__file__).parent / "schema.graphql"

TargetGroup = strawberry.enum(
    enum.Enum("TargetGroup", {g.name: g.value for g in DomainTargetGroup}),  # type: ignore[misc,call-overload]
    description="Programme target group: adults with mental disorders, children with functional impairments, "
                "children in out-of-family care.",
)


def _group(value) -> str | None:
    return None if value is None else value.value


def _as_group(code: str | None):
    return None if code is None else TargetGroup(code)  # type: ignore[operator]


@strawberry.type(description="A planning region and the snapshot the hub received from it last.")
class Region:
    code: str
    name: str
    last_snapshot_at: datetime | None = strawberry.field(description="When the hub accepted that snapshot (UTC).")
    as_of: date | None
    sequence: int | None


@strawberry.type(description="The snapshot the hub keeps for a region and date: the newest sequence.")
class Snapshot:
    region: str
    as_of: date
    sequence: int
    snapshot_id: str
    content_hash: str
    software_version: str
    schema_version: str
    produced_at: datetime
    received_at: datetime


@strawberry.type(description="An indicator as the regions declared it.")
class Indicator:
    code: str
    description: str
    unit: str
    dimensions: list[str]


@strawberry.type(description="One figure of one region (municipality empty = the whole region).")
class IndicatorFigure:
    region: str
    indicator: str
    unit: str
    municipality: str | None
    target_group: TargetGroup | None  # type: ignore[valid-type]
    service: str | None
    recipient: str | None
    residence: str | None
    funding_source: str | None
    value: Decimal | None = strawberry.field(description="Count, amount, or for a ratio its percentage.")
    ratio: str | None = strawberry.field(description="Exact received/target of an achievement figure.")


@strawberry.type(description="A figure summed over the regions' totals.")
class NationalTotal:
    indicator: str
    unit: str
    target_group: TargetGroup | None  # type: ignore[valid-type]
    service: str | None
    recipient: str | None
    residence: str | None
    funding_source: str | None
    value: Decimal | None
    regions: int = strawberry.field(description="How many regions' figures the sum includes.")


@strawberry.type
class NationalTotals:
    as_of: date
    regions_reporting: list[str]
    totals: list[NationalTotal]


@strawberry.type(description="Persons who received a service (service empty = unique persons) against the DI plan.")
class Progress:
    region: str | None = strawberry.field(description="Empty when summed over all regions.")
    target_group: TargetGroup  # type: ignore[valid-type]
    service: str | None
    recipient: str = strawberry.field(description="PERSON, or FAMILY (legal representatives / foster families).")
    received: int
    target: int | None
    on_demand: bool
    percent: Decimal | None = strawberry.field(description="received / target in %, one decimal, half-up.")
    ratio: str | None


async def _known_region(session, region: str | None) -> None:
    if region is not None and region not in await queries.region_codes(session):
        raise GraphQLError(f"There is no region {region!r} at the hub.", extensions={"code": "BAD_USER_INPUT"})


def _figure(f: queries.FigureRow) -> IndicatorFigure:
    return IndicatorFigure(region=f.region or "", indicator=f.indicator, unit=f.unit, municipality=f.municipality,
                           target_group=_as_group(f.target_group), service=f.service, recipient=f.recipient,
                           residence=f.residence, funding_source=f.funding_source, value=f.value, ratio=f.ratio)


def _total(f: queries.FigureRow) -> NationalTotal:
    return NationalTotal(indicator=f.indicator, unit=f.unit, target_group=_as_group(f.target_group),
                         service=f.service, recipient=f.recipient, residence=f.residence,
                         funding_source=f.funding_source, value=f.value, regions=f.regions)


@strawberry.type
class Query:
    @strawberry.field(description="Every region known to the hub, with its last snapshot.")
    async def regions(self, info: Info) -> list[Region]:
        async with info.context["store"].sessions() as s:
            return [Region(**vars(r)) for r in await queries.regions(s)]

    @strawberry.field(description="The snapshots the hub keeps (one per region and as-of date).")
    async def snapshots(self, info: Info, region: str | None = None, as_of: date | None = None) -> list[Snapshot]:
        async with info.context["store"].sessions() as s:
            return [Snapshot(**vars(r)) for r in await queries.snapshots(s, region=region, as_of=as_of)]

    @strawberry.field(description="Indicators the regions report, as they declared them.")
    async def indicators(self, info: Info) -> list[Indicator]:
        async with info.context["store"].sessions() as s:
            return [Indicator(code=c, description=d, unit=u, dimensions=dims.split(","))
                    for c, d, u, dims in await queries.declarations(s)]

    @strawberry.field(description="Figures of the regions as of a date, filtered; municipality empty = region total.")
    async def national_indicators(
        self, info: Info, as_of: date, indicator: str | None = None, region: str | None = None,
        municipality: str | None = None, target_group: TargetGroup | None = None,  # type: ignore[valid-type]
        service: str | None = None, whole_region: bool = False, non_zero: bool = False,
    ) -> list[IndicatorFigure]:
        async with info.context["store"].sessions() as s:
            await _known_region(s, region)
            rows = await queries.figures(s, as_of, indicator=indicator, region=region, municipality=municipality,
                                         target_group=_group(target_group), service=service,
                                         whole_region=whole_region, non_zero=non_zero)
        return [_figure(f) for f in rows]

    @strawberry.field(description="Sums over all regions of each region's totals as of a date (ratios excluded).")
    async def national_totals(
        self, info: Info, as_of: date, indicator: str | None = None,
        target_group: TargetGroup | None = None, service: str | None = None,  # type: ignore[valid-type]
    ) -> NationalTotals:
        async with info.context["store"].sessions() as s:
            rows = await queries.national_totals(s, as_of, indicator=indicator, target_group=_group(target_group),
                                                 service=service)
            reporting = await queries.reporting_regions(s, as_of)
        return NationalTotals(as_of=as_of, regions_reporting=reporting, totals=[_total(f) for f in rows])

    @strawberry.field(description="Received against the DI plan per service and unique persons; all regions "
                                  "summed unless a region is given.")
    async def progress(self, info: Info, as_of: date, region: str | None = None,
                       target_group: TargetGroup | None = None) -> list[Progress]:  # type: ignore[valid-type]
        async with info.context["store"].sessions() as s:
            await _known_region(s, region)
            rows = await queries.progress(s, as_of, region=region, target_group=_group(target_group))
        return [Progress(region=p.region, target_group=_as_group(p.target_group), service=p.service,
                         recipient=p.recipient, received=p.received, target=p.target, on_demand=p.on_demand,
                         percent=p.percent, ratio=p.ratio) for p in rows]


schema = strawberry.Schema(query=Query)


def sdl() -> str:
    return schema.as_str() + "\n"


if __name__ == "__main__":  # python -m federation.hub.schema: regenerate the checked-in SDL
    SDL_FILE.write_text(sdl(), encoding="utf-8")
    print(SDL_FILE)
