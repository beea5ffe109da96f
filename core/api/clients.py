"""Clients (klienti): the people the programme serves, the list with filters, and one client in full."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import TYPE_CHECKING, Annotated, Any

import strawberry

from core.store.queries import clients as queries
from core.store.queries.clients import ClientFilter

from .assessments import Assessment, SupportPlan
from .deliveries import Delivery, FundingCost, total
from .enums import RecipientKind, Residence, TargetGroup, value
from .errors import bad_input
from .guard import masked, name_search_scope, personal
from .loaders import NOT_YET, loaded, now_or_later
from .lookahead import asks_for
from .pagination import Connection, connection, decode_cursor, page_size
from .reference import Institution, Municipality, ServiceType, load_municipality
from .scalars import date_arg, lookup_id

if TYPE_CHECKING:
    from .episodes import ServiceEpisode

EpisodeRef = Annotated["ServiceEpisode", strawberry.lazy("core.api.episodes")]
MAX_SEARCH = 100


PERSONAL = "Personal data: null (and listed in maskedFields) when your role may not see it."


def _id(value: int | None) -> strawberry.ID | None:
    return strawberry.ID(str(value)) if value is not None else None


@strawberry.type(description="A person served by the programme, or a CHILD_FT child's representative or foster "
                             "family. Personal data (name, personal code, birth date, address, diagnosis) never "
                             "leaves the regional node.")
class Client:
    id: strawberry.ID
    target_group: TargetGroup
    recipient_kind: RecipientKind
    represents_client_id: strawberry.ID | None
    municipality_code: str
    residence: Residence
    institution_id: strawberry.ID | None
    preparing_since: dt.date | None
    left_institution_on: dt.date | None
    care_level: int | None
    created_at: dt.datetime
    updated_at: dt.datetime
    _row: strawberry.Private[Any]
    """The client's row (``core.store.queries``) or model (the write path): read by attribute."""

    @classmethod
    def from_row(cls, row: Any) -> Client:
        return cls(
            id=strawberry.ID(str(row.id)), _row=row, target_group=TargetGroup(row.target_group),
            recipient_kind=RecipientKind(row.recipient_kind),
            represents_client_id=_id(row.represents_client_id), municipality_code=row.municipality_code,
            residence=Residence(row.residence), institution_id=_id(row.institution_id),
            preparing_since=row.preparing_since, left_institution_on=row.left_institution_on,
            care_level=row.care_level, created_at=row.created_at, updated_at=row.updated_at,
        )

    # Personal fields: shown only to roles that may see them here (docs/security.md), else null and named
    # in maskedFields; every value shown is written to the audit log (core.api.guard.personal).
    @strawberry.field(description=PERSONAL + " Latvian personal code.")
    def personal_code(self, info: strawberry.Info) -> str | None:
        return personal(info, self._row, "personal_code")

    @strawberry.field(description=PERSONAL)
    def given_name(self, info: strawberry.Info) -> str | None:
        return personal(info, self._row, "given_name")

    @strawberry.field(description=PERSONAL)
    def family_name(self, info: strawberry.Info) -> str | None:
        return personal(info, self._row, "family_name")

    @strawberry.field(description=PERSONAL)
    def birth_date(self, info: strawberry.Info) -> dt.date | None:
        return personal(info, self._row, "birth_date")

    @strawberry.field(description=PERSONAL)
    def address(self, info: strawberry.Info) -> str | None:
        return personal(info, self._row, "address")

    @strawberry.field(description=PERSONAL + " ICD-10 codes.")
    def diagnosis(self, info: strawberry.Info) -> str | None:
        return personal(info, self._row, "diagnosis")

    @strawberry.field(description="Personal fields hidden from your role (they are null): e.g. personalCode.")
    def masked_fields(self, info: strawberry.Info) -> list[str]:
        return masked(info, self._row)

    @strawberry.field
    async def municipality(self, info: strawberry.Info) -> Municipality | None:
        return await load_municipality(info, self.municipality_code)

    @strawberry.field(description="The child a representative or foster family receives services for.")
    async def represents(self, info: strawberry.Info) -> Client | None:
        row = await info.context.loaders.client.load(int(self.represents_client_id)) \
            if self.represents_client_id else None
        return Client.from_row(row) if row else None

    @strawberry.field
    async def institution(self, info: strawberry.Info) -> Institution | None:
        row = await info.context.loaders.institution.load(int(self.institution_id)) if self.institution_id else None
        return Institution.from_row(row) if row else None

    # episodes and services answer at once when the page loaded them already (see prefetch below)
    @strawberry.field(description="Service episodes in start order.")
    def episodes(self, info: strawberry.Info) -> list[EpisodeRef]:
        return now_or_later(info.context.loaders.episodes_of_client, self._row.id, _episodes)  # type: ignore[return-value]

    @strawberry.field(description="The services the client receives or received (each once).")
    def services(self, info: strawberry.Info) -> list[ServiceType]:
        loaders = info.context.loaders
        episodes = loaded(loaders.episodes_of_client, self._row.id)
        if episodes is not NOT_YET:
            found = [loaded(loaders.service_type, code) for code in _codes(episodes)]
            if NOT_YET not in found:
                return [s for s in found if s is not None]
        return self._services_later(loaders)  # type: ignore[return-value]

    async def _services_later(self, loaders: Any) -> list[ServiceType]:
        found = await loaders.service_type.load_many(_codes(await loaders.episodes_of_client.load(self._row.id)))
        return [s for s in found if s is not None]

    @strawberry.field(description="Deliveries in date order, optionally within a date range.")
    async def deliveries(self, info: strawberry.Info,
                         date_from: Annotated[dt.date | None, strawberry.argument(name="from")] = None,
                         date_to: Annotated[dt.date | None, strawberry.argument(name="to")] = None,
                         ) -> list[Delivery]:
        key = (int(self.id), date_arg(date_from, "from"), date_arg(date_to, "to"))
        return [Delivery.from_row(r) for r in await info.context.loaders.deliveries_of_client.load(key)]

    @strawberry.field(description="EUR: the summed cost of all the client's deliveries.")
    async def total_cost(self, info: strawberry.Info) -> Decimal:
        return total(await info.context.loaders.costs_of_client.load(int(self.id)))

    @strawberry.field(description="The cost of the client's deliveries per funding source.")
    async def costs(self, info: strawberry.Info) -> list[FundingCost]:
        return [FundingCost.from_line(c) for c in await info.context.loaders.costs_of_client.load(int(self.id))]

    @strawberry.field(description="Needs assessments, oldest first.")
    async def assessments(self, info: strawberry.Info) -> list[Assessment]:
        return [Assessment.from_row(r) for r in await info.context.loaders.assessments_of_client.load(int(self.id))]

    @strawberry.field(description="The most recent needs assessment.")
    async def latest_assessment(self, info: strawberry.Info) -> Assessment | None:
        row = await info.context.loaders.latest_assessment.load(int(self.id))
        return Assessment.from_row(row) if row else None

    @strawberry.field(description="Individual support plans, oldest first.")
    async def support_plans(self, info: strawberry.Info) -> list[SupportPlan]:
        return [SupportPlan.from_row(r) for r in await info.context.loaders.plans_of_client.load(int(self.id))]


def _episodes(rows: list[Any]) -> list[ServiceEpisode]:
    from .episodes import ServiceEpisode

    return [ServiceEpisode.from_row(r) for r in rows]


def _codes(episodes: list[Any]) -> list[str]:
    return list(dict.fromkeys(e.service_code for e in episodes))


async def prefetch(info: strawberry.Info, client_ids: list[int], *path: str) -> None:
    """Load the episodes and services of these clients now when the query asks for them under ``path``.

    The statements are the ones the nodes' resolvers would run (one for the episodes, one for their
    services), only earlier, so that the ~2 x 100 relation fields of a page resolve without awaiting.
    """
    loaders = info.context.loaders
    services = asks_for(info, *path, "services")
    if not client_ids or not (services or asks_for(info, *path, "episodes")):
        return
    episodes = await loaders.episodes_of_client.load_many(client_ids)
    if services:
        await loaders.service_type.load_many(_codes([e for group in episodes for e in group]))


@strawberry.input(name="ClientFilter", description="Narrows the list of clients; every field given must match.")
class ClientFilterInput:
    municipality_code: str | None = None
    target_group: TargetGroup | None = None
    residence: Residence | None = None
    recipient_kind: RecipientKind | None = None
    service_code: str | None = strawberry.field(default=None,
                                                description="Clients who receive or received this service.")
    active_on: dt.date | None = strawberry.field(
        default=None, description="Clients receiving a service (serviceCode, when given) on this date.")
    search: str | None = strawberry.field(default=None, description="Text in the given or family name.")

    def to_filter(self) -> ClientFilter:
        if self.search is not None and len(self.search) > MAX_SEARCH:
            raise bad_input(f"Search for at most {MAX_SEARCH} characters.", field="filter.search")
        return ClientFilter(
            municipality_code=self.municipality_code, target_group=value(self.target_group),
            residence=value(self.residence), recipient_kind=value(self.recipient_kind),
            service_code=self.service_code, active_on=date_arg(self.active_on, "filter.activeOn"),
            search=self.search,
        )


@strawberry.type
class ClientQuery:
    @strawberry.field(description="Clients in id order, filtered, a page at a time.")
    async def clients(self, info: strawberry.Info, first: int | None = None, after: str | None = None,
                      filter: ClientFilterInput | None = None) -> Connection[Client]:
        ctx = info.context
        limit, after_id = page_size(first, ctx.node.settings.max_page_size), decode_cursor("client", after)
        f = filter.to_filter() if filter else None
        scope = name_search_scope(ctx) if f and (f.search or "").strip() else ctx.scope
        async with ctx.db() as s:
            page = await queries.client_page(s, f, after_id=after_id, limit=limit, scope=scope)
        await prefetch(info, [row.id for row in page.rows], "edges", "node")

        async def count() -> int:
            async with ctx.db() as s:
                return await queries.count_clients(s, f, scope=scope)

        return connection(Connection[Client], "client", page, Client.from_row, count)

    @strawberry.field(description="One client with everything about them; null when there is none with this id.")
    async def client(self, info: strawberry.Info, id: strawberry.ID) -> Client | None:
        row_id = lookup_id(id)
        row = await info.context.loaders.client.load(row_id) if row_id else None
        if row is None:
            return None
        await prefetch(info, [row.id])
        return Client.from_row(row)
