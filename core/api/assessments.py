"""Needs assessments and support plans as they appear under a client (read side).

Recording assessments and drawing up plans is another area's work; it extends
these types or adds its own module to ``core.api.schema``.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import strawberry

from core.store import models

from .reference import ServiceType, load_service


@strawberry.type(description="An individual needs assessment (individuālo vajadzību izvērtējums).")
class Assessment:
    id: strawberry.ID
    client_id: strawberry.ID
    instrument_code: str
    instrument_version: str
    assessed_on: dt.date
    assessor: str
    complete: bool
    raw_total: int | None
    care_level: int | None

    @classmethod
    def from_row(cls, row: models.Assessment) -> Assessment:
        return cls(id=strawberry.ID(str(row.id)), client_id=strawberry.ID(str(row.client_id)),
                   instrument_code=row.instrument_code, instrument_version=row.instrument_version,
                   assessed_on=row.assessed_on, assessor=row.assessor, complete=row.complete,
                   raw_total=row.raw_total, care_level=row.care_level)


@strawberry.type(description="A planned service of a support plan: a quantity per week or month.")
class SupportPlanItem:
    id: strawberry.ID
    service_code: str
    quantity: Decimal
    per: str
    start_date: dt.date
    end_date: dt.date | None

    @classmethod
    def from_row(cls, row: models.SupportPlanItem) -> SupportPlanItem:
        return cls(id=strawberry.ID(str(row.id)), service_code=row.service_code, quantity=row.quantity, per=row.per,
                   start_date=row.start_date, end_date=row.end_date)

    @strawberry.field
    async def service(self, info: strawberry.Info) -> ServiceType | None:
        return await load_service(info, self.service_code)


@strawberry.type(description="An individual support plan (individuālais atbalsta plāns).")
class SupportPlan:
    id: strawberry.ID
    client_id: strawberry.ID
    assessment_id: strawberry.ID | None
    status: str
    valid_from: dt.date
    valid_to: dt.date | None
    created_by: str
    approved_by: str | None
    approved_on: dt.date | None
    closed_by: str | None
    closed_on: dt.date | None

    @classmethod
    def from_row(cls, row: models.SupportPlan) -> SupportPlan:
        return cls(id=strawberry.ID(str(row.id)), client_id=strawberry.ID(str(row.client_id)),
                   assessment_id=strawberry.ID(str(row.assessment_id)) if row.assessment_id else None,
                   status=row.status, valid_from=row.valid_from, valid_to=row.valid_to, created_by=row.created_by,
                   approved_by=row.approved_by, approved_on=row.approved_on, closed_by=row.closed_by,
                   closed_on=row.closed_on)

    @strawberry.field
    async def items(self, info: strawberry.Info) -> list[SupportPlanItem]:
        return [SupportPlanItem.from_row(r) for r in await info.context.loaders.items_of_plan.load(int(self.id))]

    @strawberry.field(description="The assessment the plan is based on.")
    async def assessment(self, info: strawberry.Info) -> Assessment | None:
        row = await info.context.loaders.assessment.load(int(self.assessment_id)) if self.assessment_id else None
        return Assessment.from_row(row) if row else None
