"""Service episodes (pakalpojuma epizodes): a person receiving one service from a start date."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import TYPE_CHECKING, Annotated

import strawberry

from core.events import EPISODE_ENDED, EPISODE_STARTED
from core.store import models
from core.store.episodes import NewEpisode, end_episode, start_episode
from core.store.queries import episodes as queries
from core.store.queries.episodes import EpisodeFilter

from .deliveries import Delivery, FundingCost, total
from .errors import UserError
from .pagination import Connection, connection, decode_cursor, page_size
from .reference import Municipality, ServiceType, load_municipality, load_service
from .scalars import date_arg, id_arg, lookup_id
from .writes import Checked, fire, write

if TYPE_CHECKING:
    from .clients import Client
    from .places import ServicePlace

ClientRef = Annotated["Client", strawberry.lazy("core.api.clients")]
PlaceRef = Annotated["ServicePlace", strawberry.lazy("core.api.places")]


@strawberry.type(description="A person receiving one service from a start date (pakalpojuma epizode).")
class ServiceEpisode:
    id: strawberry.ID
    client_id: strawberry.ID
    service_code: str
    place_id: strawberry.ID | None
    granted_by: str = strawberry.field(description="Code of the municipality that granted the service.")
    start_date: dt.date
    end_date: dt.date | None
    plan_item_id: strawberry.ID | None = strawberry.field(description="The support plan item this episode "
                                                                      "implements, if any.")

    @classmethod
    def from_row(cls, row: models.ServiceEpisode) -> ServiceEpisode:
        return cls(id=strawberry.ID(str(row.id)), client_id=strawberry.ID(str(row.client_id)),
                   service_code=row.service_code,
                   place_id=strawberry.ID(str(row.place_id)) if row.place_id else None,
                   granted_by=row.granted_by, start_date=row.start_date, end_date=row.end_date,
                   plan_item_id=strawberry.ID(str(row.plan_item_id)) if row.plan_item_id else None)

    @strawberry.field
    async def client(self, info: strawberry.Info) -> ClientRef | None:
        from .clients import Client

        row = await info.context.loaders.client.load(int(self.client_id))
        return Client.from_row(row) if row else None

    @strawberry.field
    async def service(self, info: strawberry.Info) -> ServiceType | None:
        return await load_service(info, self.service_code)

    @strawberry.field
    async def place(self, info: strawberry.Info) -> PlaceRef | None:
        from .places import ServicePlace

        row = await info.context.loaders.place.load(int(self.place_id)) if self.place_id else None
        return ServicePlace.from_row(row) if row else None

    @strawberry.field(description="The municipality that granted the service.")
    async def granting_municipality(self, info: strawberry.Info) -> Municipality | None:
        return await load_municipality(info, self.granted_by)

    @strawberry.field(description="Deliveries of this episode in date order.")
    async def deliveries(self, info: strawberry.Info) -> list[Delivery]:
        rows = await info.context.loaders.deliveries_of_episode.load(int(self.id))
        return [Delivery.from_row(r) for r in rows]

    @strawberry.field(description="EUR: the summed cost of this episode's deliveries.")
    async def total_cost(self, info: strawberry.Info) -> Decimal:
        return total(await info.context.loaders.costs_of_episode.load(int(self.id)))

    @strawberry.field(description="The cost of this episode's deliveries per funding source.")
    async def costs(self, info: strawberry.Info) -> list[FundingCost]:
        return [FundingCost.from_line(c) for c in await info.context.loaders.costs_of_episode.load(int(self.id))]


@strawberry.input(description="Narrows the list of episodes; every field given must match.")
class ServiceEpisodeFilter:
    client_id: strawberry.ID | None = None
    service_code: str | None = None
    municipality_code: str | None = strawberry.field(default=None,
                                                     description="The municipality that granted the service.")
    place_id: strawberry.ID | None = None
    date_from: dt.date | None = strawberry.field(default=None, name="from",
                                                 description="Episodes running on or after this date.")
    date_to: dt.date | None = strawberry.field(default=None, name="to",
                                               description="Episodes started on or before this date.")
    open: bool | None = strawberry.field(default=None, description="true: not ended; false: ended.")

    def to_filter(self) -> EpisodeFilter:
        return EpisodeFilter(
            client_id=id_arg(self.client_id, "filter.clientId"), service_code=self.service_code,
            municipality_code=self.municipality_code, place_id=id_arg(self.place_id, "filter.placeId"),
            date_from=date_arg(self.date_from, "filter.from"), date_to=date_arg(self.date_to, "filter.to"),
            open=self.open,
        )


@strawberry.type
class EpisodeQuery:
    @strawberry.field(description="Service episodes in id order, filtered, a page at a time.")
    async def service_episodes(self, info: strawberry.Info, first: int | None = None, after: str | None = None,
                               filter: ServiceEpisodeFilter | None = None) -> Connection[ServiceEpisode]:
        ctx = info.context
        limit, after_id = page_size(first, ctx.node.settings.max_page_size), decode_cursor("episode", after)
        f = filter.to_filter() if filter else None
        async with ctx.db() as s:
            page = await queries.episode_page(s, f, after_id=after_id, limit=limit, scope=ctx.scope)

        async def count() -> int:
            async with ctx.db() as s:
                return await queries.count_episodes(s, f, scope=ctx.scope)

        return connection(Connection[ServiceEpisode], "episode", page, ServiceEpisode.from_row, count)

    @strawberry.field(description="One service episode; null when there is none with this id.")
    async def service_episode(self, info: strawberry.Info, id: strawberry.ID) -> ServiceEpisode | None:
        row_id = lookup_id(id)
        row = await info.context.loaders.episode.load(row_id) if row_id else None
        return ServiceEpisode.from_row(row) if row else None


@strawberry.input
class StartServiceEpisodeInput:
    client_id: strawberry.ID
    service_code: str
    granted_by: str = strawberry.field(description="Code of the municipality granting the service.")
    start_date: dt.date
    end_date: dt.date | None = None
    place_id: strawberry.ID | None = None
    plan_item_id: strawberry.ID | None = strawberry.field(
        default=None, description="The item of the person's approved or active support plan this episode "
                                  "implements (same service; an approved plan becomes active).")


@strawberry.input
class EndServiceEpisodeInput:
    episode_id: strawberry.ID
    end_date: dt.date


@strawberry.type
class ServiceEpisodePayload:
    episode: ServiceEpisode | None
    user_errors: list[UserError]


def _payload(outcome) -> ServiceEpisodePayload:
    if not outcome.ok:
        return ServiceEpisodePayload(episode=None, user_errors=outcome.errors)
    return ServiceEpisodePayload(episode=ServiceEpisode.from_row(outcome.value), user_errors=[])


def _new_episode(data: StartServiceEpisodeInput) -> NewEpisode:
    check = Checked()
    client_id, place_id = check.id(data.client_id, "clientId"), check.id(data.place_id, "placeId")
    plan_item_id = check.id(data.plan_item_id, "planItemId")
    start, end = check.date(data.start_date, "startDate"), check.date(data.end_date, "endDate")
    check.done()
    return NewEpisode(client_id=client_id, service_code=data.service_code, granted_by=data.granted_by,  # type: ignore[arg-type]
                      start_date=start, end_date=end, place_id=place_id, plan_item_id=plan_item_id)  # type: ignore[arg-type]


@strawberry.type
class EpisodeMutation:
    @strawberry.mutation(description="Start a service episode for a client (checks the programme's rules).")
    async def start_service_episode(self, info: strawberry.Info, input: StartServiceEpisodeInput
                                    ) -> ServiceEpisodePayload:
        outcome = await write(info, lambda s: start_episode(s, info.context.node, _new_episode(input)))
        if outcome.ok:
            e = outcome.value
            fire(info, EPISODE_STARTED, episodeId=e.id, clientId=e.client_id, serviceCode=e.service_code,
                 grantedBy=e.granted_by, startDate=e.start_date.isoformat())
        return _payload(outcome)

    @strawberry.mutation(description="End a service episode on a date (no deliveries may lie after it).")
    async def end_service_episode(self, info: strawberry.Info, input: EndServiceEpisodeInput
                                  ) -> ServiceEpisodePayload:
        async def work(session):
            check = Checked()
            episode_id, end = check.id(input.episode_id, "episodeId"), check.date(input.end_date, "endDate")
            check.done()
            return await end_episode(session, info.context.node, episode_id, end)  # type: ignore[arg-type]

        outcome = await write(info, work)
        if outcome.ok:
            e = outcome.value
            fire(info, EPISODE_ENDED, episodeId=e.id, clientId=e.client_id, serviceCode=e.service_code,
                 endDate=e.end_date.isoformat())
        return _payload(outcome)
