"""Deliveries (sniegtie pakalpojumi): the list with filters and costs, and recording a batch."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import TYPE_CHECKING, Annotated

import strawberry

from core.domain.errors import InvalidValue
from core.events import DELIVERIES_RECORDED
from core.store import models
from core.store.deliveries import DeliveryInput, record_deliveries
from core.store.queries import deliveries as queries
from core.store.queries.deliveries import CostLine, DeliveryFilter

from .enums import FundingSource, value
from .errors import UserError
from .pagination import Connection, connection, decode_cursor, page_size
from .reference import Rate
from .scalars import date_arg, id_arg, lookup_id
from .writes import Checked, fire, write

if TYPE_CHECKING:
    from .episodes import ServiceEpisode

Episode = Annotated["ServiceEpisode", strawberry.lazy("core.api.episodes")]
MAX_BATCH = 1000  # rows of one recordDeliveries: years of daily deliveries, well inside the drivers' limits


@strawberry.type(description="What one funding source paid.")
class FundingCost:
    funding_source: FundingSource
    amount: Decimal = strawberry.field(description="EUR.")
    deliveries: int = strawberry.field(description="Number of deliveries paid by this source.")

    @classmethod
    def from_line(cls, line: CostLine) -> FundingCost:
        return cls(funding_source=FundingSource(line.funding_source), amount=line.amount, deliveries=line.deliveries)


def total(lines: list[CostLine]) -> Decimal:
    return sum((line.amount for line in lines), Decimal("0.00"))


@strawberry.type(description="Units of a service delivered on one day, costed at the rate valid that day.")
class Delivery:
    id: strawberry.ID
    episode_id: strawberry.ID
    date: dt.date
    units: Decimal
    cost: Decimal | None = strawberry.field(description="EUR: units x rate, cents half-up; null without a rate.")
    funding_source: FundingSource
    rate_id: strawberry.Private[int | None]

    @classmethod
    def from_row(cls, row: models.Delivery) -> Delivery:
        return cls(id=strawberry.ID(str(row.id)), episode_id=strawberry.ID(str(row.episode_id)), date=row.date,
                   units=row.units, cost=row.cost, funding_source=FundingSource(row.funding_source),
                   rate_id=row.rate_id)

    @strawberry.field(description="The rate the cost was computed with.")
    async def rate(self, info: strawberry.Info) -> Rate | None:
        row = await info.context.loaders.rate.load(self.rate_id) if self.rate_id else None
        return Rate.from_row(row) if row else None

    @strawberry.field
    async def episode(self, info: strawberry.Info) -> Episode | None:
        from .episodes import ServiceEpisode

        row = await info.context.loaders.episode.load(int(self.episode_id))
        return ServiceEpisode.from_row(row) if row else None


@strawberry.type
class DeliveryConnection(Connection[Delivery]):
    _filter: strawberry.Private[DeliveryFilter]

    @strawberry.field(description="EUR: the summed cost of all matching deliveries, on all pages.")
    async def total_cost(self, info: strawberry.Info) -> Decimal:
        async with info.context.db() as s:
            return await queries.total_cost(s, self._filter, scope=info.context.scope)


@strawberry.input(name="DeliveryFilter", description="Narrows the list of deliveries; every field given must match.")
class DeliveryFilterInput:
    episode_id: strawberry.ID | None = None
    client_id: strawberry.ID | None = None
    service_code: str | None = None
    municipality_code: str | None = strawberry.field(default=None,
                                                     description="The municipality that granted the episode.")
    date_from: dt.date | None = strawberry.field(default=None, name="from", description="Delivered on or after.")
    date_to: dt.date | None = strawberry.field(default=None, name="to", description="Delivered on or before.")
    funding_source: FundingSource | None = None

    def to_filter(self) -> DeliveryFilter:
        return DeliveryFilter(
            episode_id=id_arg(self.episode_id, "filter.episodeId"), client_id=id_arg(self.client_id, "filter.clientId"),
            service_code=self.service_code, municipality_code=self.municipality_code,
            date_from=date_arg(self.date_from, "filter.from"), date_to=date_arg(self.date_to, "filter.to"),
            funding_source=value(self.funding_source),
        )


@strawberry.type
class DeliveryQuery:
    @strawberry.field(description="Deliveries in id order, filtered, a page at a time.")
    async def deliveries(self, info: strawberry.Info, first: int | None = None, after: str | None = None,
                         filter: DeliveryFilterInput | None = None) -> DeliveryConnection:
        ctx = info.context
        limit, after_id = page_size(first, ctx.node.settings.max_page_size), decode_cursor("delivery", after)
        f = filter.to_filter() if filter else DeliveryFilter()
        async with ctx.db() as s:
            page = await queries.delivery_page(s, f, after_id=after_id, limit=limit, scope=ctx.scope)

        async def count() -> int:
            async with ctx.db() as s:
                return await queries.count_deliveries(s, f, scope=ctx.scope)

        return connection(DeliveryConnection, "delivery", page, Delivery.from_row, count, _filter=f)

    @strawberry.field(description="One delivery; null when there is none with this id.")
    async def delivery(self, info: strawberry.Info, id: strawberry.ID) -> Delivery | None:
        row_id = lookup_id(id)
        row = await info.context.loaders.delivery.load(row_id) if row_id else None
        return Delivery.from_row(row) if row else None


@strawberry.input(description="Units delivered on one day.")
class DeliveryRowInput:
    date: dt.date
    units: Decimal = strawberry.field(description="Hours, days, sessions or placements, per the service's unit.")


@strawberry.input
class RecordDeliveriesInput:
    episode_id: strawberry.ID
    deliveries: list[DeliveryRowInput]


@strawberry.type
class RecordDeliveriesPayload:
    deliveries: list[Delivery] | None = strawberry.field(
        description="The recorded rows with their cost and funding source; null when nothing was recorded.")
    user_errors: list[UserError]

    @strawberry.field
    async def episode(self, info: strawberry.Info) -> Episode | None:
        from .episodes import ServiceEpisode

        if not self.deliveries:
            return None
        row = await info.context.loaders.episode.load(int(self.deliveries[0].episode_id))
        return ServiceEpisode.from_row(row) if row else None


def _rows(data: RecordDeliveriesInput) -> tuple[int | None, list[DeliveryInput]]:
    if len(data.deliveries) > MAX_BATCH:
        raise InvalidValue(f"At most {MAX_BATCH} deliveries in one batch; split it.", field="deliveries")
    check = Checked()
    episode_id = check.id(data.episode_id, "episodeId")
    rows = []
    for i, row in enumerate(data.deliveries):
        day, units = check.date(row.date, f"deliveries.{i}.date"), check.decimal(row.units, f"deliveries.{i}.units")
        rows.append(DeliveryInput(day, units))  # type: ignore[arg-type]
    check.done()
    return episode_id, rows


@strawberry.type
class DeliveryMutation:
    @strawberry.mutation(description="Record a batch of deliveries of one episode: all rows or none.")
    async def record_deliveries(self, info: strawberry.Info, input: RecordDeliveriesInput) -> RecordDeliveriesPayload:
        async def work(session):
            episode_id, rows = _rows(input)
            recorded = await record_deliveries(session, info.context.node, episode_id, rows)
            return recorded, await session.get(models.ServiceEpisode, episode_id)  # in the identity map already

        outcome = await write(info, work)
        if not outcome.ok:
            return RecordDeliveriesPayload(deliveries=None, user_errors=outcome.errors)
        rows, episode = outcome.value
        fire(info, DELIVERIES_RECORDED, episodeId=episode.id, clientId=episode.client_id,
             serviceCode=episode.service_code, deliveryIds=[r.id for r in rows])
        return RecordDeliveriesPayload(deliveries=[Delivery.from_row(r) for r in rows], user_errors=[])
