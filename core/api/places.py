"""Service places: where a provider delivers a service, with a capacity."""

from __future__ import annotations

import datetime as dt

import strawberry

from core.store import models
from core.store.episodes import NewServicePlace, create_service_place
from core.store.queries import reference as queries

from .errors import UserError
from .reference import Municipality, ServiceType, load_municipality, load_service
from .scalars import date_arg, lookup_id
from .writes import Checked, column_length, write


@strawberry.type(description="A place where a provider delivers one service, with its capacity.")
class ServicePlace:
    id: strawberry.ID
    name: str
    service_code: str
    municipality_code: str
    capacity: int
    erdf_funded: bool = strawberry.field(description="Infrastructure built with ERDF (ERAF) funding.")
    address: str | None

    @classmethod
    def from_row(cls, row: models.ServicePlace) -> ServicePlace:
        return cls(id=strawberry.ID(str(row.id)), name=row.name, service_code=row.service_code,
                   municipality_code=row.municipality_code, capacity=row.capacity, erdf_funded=row.erdf_funded,
                   address=row.address)

    @strawberry.field
    async def service(self, info: strawberry.Info) -> ServiceType | None:
        return await load_service(info, self.service_code)

    @strawberry.field
    async def municipality(self, info: strawberry.Info) -> Municipality | None:
        return await load_municipality(info, self.municipality_code)

    @strawberry.field(description="People in the place on a date (default: today in Riga).")
    async def occupancy(self, info: strawberry.Info, on: dt.date | None = None) -> int:
        day = date_arg(on, "on") or info.context.node.today()
        return await info.context.loaders.occupancy.load((int(self.id), day))


@strawberry.type
class PlaceQuery:
    @strawberry.field(description="Service places, optionally of one service or municipality.")
    async def service_places(self, info: strawberry.Info, service_code: str | None = None,
                             municipality_code: str | None = None) -> list[ServicePlace]:
        async with info.context.db() as s:
            rows = await queries.service_places(s, service_code=service_code, municipality_code=municipality_code,
                                                scope=info.context.scope)
        return [ServicePlace.from_row(r) for r in rows]

    @strawberry.field(description="One service place; null when there is none with this id.")
    async def service_place(self, info: strawberry.Info, id: strawberry.ID) -> ServicePlace | None:
        row_id = lookup_id(id)
        row = await info.context.loaders.place.load(row_id) if row_id else None
        return ServicePlace.from_row(row) if row else None


@strawberry.input
class CreateServicePlaceInput:
    name: str
    service_code: str
    municipality_code: str
    capacity: int
    erdf_funded: bool = False
    address: str | None = None


@strawberry.type
class ServicePlacePayload:
    place: ServicePlace | None
    user_errors: list[UserError]


def _new_place(data: CreateServicePlaceInput) -> NewServicePlace:
    check = Checked()
    name = check.text(data.name, "name", column_length(models.ServicePlace, "name"))
    address = check.text(data.address, "address", column_length(models.ServicePlace, "address"))
    check.done()
    return NewServicePlace(name=name, service_code=data.service_code, municipality_code=data.municipality_code,  # type: ignore[arg-type]
                           capacity=data.capacity, erdf_funded=data.erdf_funded, address=address)


@strawberry.type
class PlaceMutation:
    @strawberry.mutation(description="Register a place where a service is delivered.")
    async def create_service_place(self, info: strawberry.Info, input: CreateServicePlaceInput
                                   ) -> ServicePlacePayload:
        outcome = await write(info, lambda s: create_service_place(s, info.context.node, _new_place(input)))
        if not outcome.ok:
            return ServicePlacePayload(place=None, user_errors=outcome.errors)
        return ServicePlacePayload(place=ServicePlace.from_row(outcome.value), user_errors=[])
