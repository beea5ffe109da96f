"""Reference data: municipalities, the service catalogue, rates, institutions and DI plan targets."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import strawberry

from core.store import models
from core.store.queries import reference as queries

from .enums import RecipientKind, ServiceUnit, TargetGroup, value
from .scalars import date_arg


@strawberry.type(description="A municipality (pašvaldība); historic ones have validTo and a successor.")
class Municipality:
    code: str
    name_lv: str
    short_name: str
    kind: str
    region_code: str
    valid_from: date
    valid_to: date | None
    successor_code: str | None

    @classmethod
    def from_row(cls, row: models.MunicipalityRow) -> Municipality:
        return cls(code=row.code, name_lv=row.name_lv, short_name=row.short_name, kind=row.kind,
                   region_code=row.region_code, valid_from=row.valid_from, valid_to=row.valid_to,
                   successor_code=row.successor_code)


@strawberry.type(description="A service of the catalogue (pakalpojums).")
class ServiceType:
    code: str
    name_lv: str
    name_en: str
    unit: ServiceUnit
    target_groups: list[TargetGroup]
    recipients: list[RecipientKind]
    free_of_charge: bool = strawberry.field(description="Free for the family (respite care).")

    @classmethod
    def from_row(cls, row: models.ServiceTypeRow) -> ServiceType:
        return cls(code=row.code, name_lv=row.name_lv, name_en=row.name_en, unit=ServiceUnit(row.unit),
                   target_groups=[TargetGroup(g) for g in row.target_groups.split(",") if g],
                   recipients=[RecipientKind(r) for r in row.recipients.split(",") if r],
                   free_of_charge=row.free_of_charge)


@strawberry.type(description="Price of one unit of a service over a period, one tier of it.")
class Rate:
    id: strawberry.ID
    service_code: str
    tier: int
    amount: Decimal = strawberry.field(description="EUR per unit.")
    valid_from: date
    valid_to: date | None
    indicative: bool
    source: str

    @classmethod
    def from_row(cls, row: models.RateRow) -> Rate:
        return cls(id=strawberry.ID(str(row.id)), service_code=row.service_code, tier=row.tier, amount=row.amount,
                   valid_from=row.valid_from, valid_to=row.valid_to, indicative=row.indicative, source=row.source)

    @strawberry.field
    async def service(self, info: strawberry.Info) -> ServiceType | None:
        return await load_service(info, self.service_code)


@strawberry.type(description="A state social care centre (VSAC), its branch, or a children's institution.")
class Institution:
    id: strawberry.ID
    code: str
    name: str
    kind: str
    municipality_code: str
    places: int

    @classmethod
    def from_row(cls, row: models.Institution) -> Institution:
        return cls(id=strawberry.ID(str(row.id)), code=row.code, name=row.name, kind=row.kind,
                   municipality_code=row.municipality_code, places=row.places)

    @strawberry.field
    async def municipality(self, info: strawberry.Info) -> Municipality | None:
        return await load_municipality(info, self.municipality_code)


@strawberry.type(description="A planned number of the regional DI plan; serviceCode null means unique persons.")
class Target:
    id: strawberry.ID
    target_group: TargetGroup
    service_code: str | None
    recipient: str
    due: date
    target: int | None = strawberry.field(description="Planned number; null means 'on demand'.")

    @classmethod
    def from_row(cls, row: models.DIPlanTargetRow) -> Target:
        return cls(id=strawberry.ID(str(row.id)), target_group=TargetGroup(row.target_group),
                   service_code=row.service_code, recipient=row.recipient, due=row.due, target=row.target)


async def load_municipality(info: strawberry.Info, code: str | None) -> Municipality | None:
    return await info.context.loaders.municipality.load(code) if code else None


async def load_service(info: strawberry.Info, code: str) -> ServiceType | None:
    return await info.context.loaders.service_type.load(code)


@strawberry.type
class ReferenceQuery:
    @strawberry.field(description="Municipalities of the region; with `on`, only those existing that day.")
    async def municipalities(self, info: strawberry.Info, on: date | None = None) -> list[Municipality]:
        day = date_arg(on, "on")
        async with info.context.db() as s:
            rows = await queries.municipalities(s, on=day, scope=info.context.scope)
        return [Municipality.from_row(r) for r in rows]

    @strawberry.field(description="The service catalogue, optionally only the services of one target group.")
    async def service_types(self, info: strawberry.Info, target_group: TargetGroup | None = None
                            ) -> list[ServiceType]:
        async with info.context.db() as s:
            rows = await queries.service_types(s, target_group=value(target_group), scope=info.context.scope)
        return [ServiceType.from_row(r) for r in rows]

    @strawberry.field(description="Unit-cost rates; with `asOf`, only those valid on that date.")
    async def rates(self, info: strawberry.Info, as_of: date | None = None, service_code: str | None = None
                    ) -> list[Rate]:
        day = date_arg(as_of, "asOf")
        async with info.context.db() as s:
            rows = await queries.rates(s, as_of=day, service_code=service_code, scope=info.context.scope)
        return [Rate.from_row(r) for r in rows]

    @strawberry.field(description="State social care centres and children's institutions of the region.")
    async def institutions(self, info: strawberry.Info, municipality_code: str | None = None) -> list[Institution]:
        async with info.context.db() as s:
            rows = await queries.institutions(s, municipality_code=municipality_code, scope=info.context.scope)
        return [Institution.from_row(r) for r in rows]

    @strawberry.field(description="The targets of the regional DI plan.")
    async def targets(self, info: strawberry.Info, target_group: TargetGroup | None = None) -> list[Target]:
        async with info.context.db() as s:
            rows = await queries.targets(s, target_group=value(target_group), scope=info.context.scope)
        return [Target.from_row(r) for r in rows]
