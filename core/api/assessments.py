"""Needs assessments and support plans as they appear under a client, and recording an assessment.

The types here are read through the request's dataloaders (the client's
assessments, its plans, their items, planned-versus-delivered figures), so a
page of clients costs the same few statements whatever its size. Plans are
drawn up, approved and closed in :mod:`core.api.plans`.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections import defaultdict
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

import strawberry
from strawberry.dataloader import DataLoader

from core.domain import assessment as domain
from core.events import ASSESSMENT_RECORDED
from core.store import models
from core.store.assessments import (
    NewAssessment,
    comparison_with_previous,
    norms_of,
    ratings_of,
    record_assessment,
    scores_of,
)
from core.store.plan_progress import Progress, progress_by_item
from core.store.plans import goals_of

from .errors import UserError
from .reference import ServiceType, load_service
from .scalars import date_arg, lookup_id
from .writes import Checked, fire, write

NormState = strawberry.enum(enum.Enum("NormState", {m.name: m.value for m in domain.NormState}),
                            description="Whether standard scores could be given: NO_NORM_TABLE means raw scores "
                                        "only, because no plugin supplies a (licensed) norm table.")


@strawberry.type(description="Raw score of one area (section) of the instrument.")
class AreaScore:
    area: str
    kind: str = strawberry.field(description="ACTIVITIES (support needs) or EXCEPTIONAL (medical, behavioural).")
    raw: int
    max: int
    percent: Decimal = strawberry.field(description="raw as a percentage of max.")
    rated_items: int
    items: int
    in_total: bool

    @classmethod
    def from_domain(cls, a: domain.AreaScore) -> AreaScore:
        return cls(area=a.code, kind=a.kind, raw=a.raw, max=a.max, percent=Decimal(str(round(a.percent, 2))),
                   rated_items=a.rated_items, items=a.items, in_total=a.in_total)


@strawberry.type(description="Standard score of one area from the installed norm table.")
class AreaNorm:
    area: str
    standard_score: int | None
    percentile: Decimal | None


@strawberry.type(description="Standard scores and the index, only when a plugin supplies a norm table.")
class NormScores:
    state: NormState  # type: ignore[valid-type]
    table: str | None
    areas: list[AreaNorm]
    index: int | None
    index_percentile: Decimal | None

    @classmethod
    def from_domain(cls, r: domain.NormResult) -> NormScores:
        return cls(state=NormState(r.state.value), table=r.table,
                   areas=[AreaNorm(area=a.area, standard_score=a.standard_score, percentile=a.percentile)
                          for a in r.areas], index=r.index, index_percentile=r.index_percentile)


@strawberry.type(description="How one area's raw score changed since the previous assessment.")
class AreaChange:
    area: str
    before: int
    after: int
    change: int


@strawberry.type(description="This assessment against the person's previous complete one with the same instrument.")
class AssessmentComparison:
    areas: list[AreaChange]
    changed_areas: list[str]
    total_before: int
    total_after: int
    total_change: int
    flags_gained: list[str]
    flags_lost: list[str]

    @classmethod
    def from_domain(cls, c: domain.Comparison) -> AssessmentComparison:
        return cls(areas=[AreaChange(area=a.area, before=a.before, after=a.after, change=a.change) for a in c.areas],
                   changed_areas=[a.area for a in c.changed], total_before=c.total_before,
                   total_after=c.total_after, total_change=c.total_change, flags_gained=list(c.flags_gained),
                   flags_lost=list(c.flags_lost))


@strawberry.type(description="One rating as recorded.")
class ItemRating:
    item: str
    scale: str
    value: int


@strawberry.type(description="An individual needs assessment (individuālo vajadzību izvērtējums).")
class Assessment:
    id: strawberry.ID
    client_id: strawberry.ID
    instrument_code: str
    instrument_version: str
    assessed_on: dt.date
    assessor: str
    complete: bool = strawberry.field(description="false: a draft with items still unrated (no care level).")
    raw_total: int | None
    care_level: int | None
    row: strawberry.Private[models.Assessment]

    @classmethod
    def from_row(cls, row: models.Assessment) -> Assessment:
        return cls(id=strawberry.ID(str(row.id)), client_id=strawberry.ID(str(row.client_id)),
                   instrument_code=row.instrument_code, instrument_version=row.instrument_version,
                   assessed_on=row.assessed_on, assessor=row.assessor, complete=row.complete,
                   raw_total=row.raw_total, care_level=row.care_level, row=row)

    @strawberry.field(description="Maximum of the total (the areas counted in it).")
    def total_max(self) -> int:
        return scores_of(self.row).total_max

    @strawberry.field(description="Raw score per area, in the instrument's order.")
    def area_scores(self) -> list[AreaScore]:
        return [AreaScore.from_domain(a) for a in scores_of(self.row).areas]

    @strawberry.field(description="Codes of the exceptional-needs flags raised (see the instrument's rules).")
    def flags(self) -> list[str]:
        return list(scores_of(self.row).flags)

    @strawberry.field(description="Every rating, by item and scale.")
    def ratings(self) -> list[ItemRating]:
        return [ItemRating(item=item, scale=scale, value=v)
                for item, values in ratings_of(self.row).items() for scale, v in values.items()]

    @strawberry.field(description="Standard scores and index from a plugin's norm table, or the state saying why "
                                  "there are none.")
    def norms(self, info: strawberry.Info) -> NormScores:
        return NormScores.from_domain(norms_of(info.context.node, self.row))

    @strawberry.field(description="Changes since the person's previous complete assessment with the same "
                                  "instrument; null for a first assessment or a draft.")
    async def changes_since_previous(self, info: strawberry.Info) -> AssessmentComparison | None:
        rows = await info.context.loaders.assessments_of_client.load(self.row.client_id)
        found = comparison_with_previous(list(rows), self.row)
        return AssessmentComparison.from_domain(found) if found else None


async def _progress(ctx: Any, keys: Sequence[tuple[int, dt.date]]) -> list[dict[int, Progress]]:
    """(plan id, as-of date) -> planned and delivered per item id; one statement per distinct date."""
    found: dict[tuple[int, dt.date], dict[int, Progress]] = defaultdict(dict)
    for day in {k[1] for k in keys}:
        async with ctx.db() as session:
            by_plan = await progress_by_item(session, [k[0] for k in keys if k[1] == day], day, scope=ctx.scope)
        for plan_id, lines in by_plan.items():
            found[(plan_id, day)] = {p.key: p for p in lines}
    return [found.get(k, {}) for k in keys]


def progress_loader(info: strawberry.Info) -> DataLoader:
    """The request's planned-versus-delivered loader, kept with its other loaders (so a change resets it)."""
    loaders = info.context.loaders
    loader = getattr(loaders, "plan_progress", None)
    if loader is None:
        loader = DataLoader(lambda keys: _progress(info.context, keys), max_batch_size=500)
        loaders.plan_progress = loader
    return loader


@strawberry.type(description="A planned service of a support plan: a quantity per week or month.")
class SupportPlanItem:
    id: strawberry.ID
    service_code: str
    quantity: Decimal
    per: str = strawberry.field(description="WEEK or MONTH.")
    start_date: dt.date
    end_date: dt.date | None = strawberry.field(description="null: until the plan ends.")
    place_id: strawberry.ID | None
    plan_id: strawberry.Private[int]
    as_of: strawberry.Private[dt.date | None]

    @classmethod
    def from_row(cls, row: models.SupportPlanItem, as_of: dt.date | None = None) -> SupportPlanItem:
        return cls(id=strawberry.ID(str(row.id)), service_code=row.service_code, quantity=row.quantity, per=row.per,
                   start_date=row.start_date, end_date=row.end_date,
                   place_id=strawberry.ID(str(row.place_id)) if row.place_id else None, plan_id=row.plan_id,
                   as_of=as_of)

    @strawberry.field
    async def service(self, info: strawberry.Info) -> ServiceType | None:
        return await load_service(info, self.service_code)

    async def _line(self, info: strawberry.Info) -> Progress | None:
        day = self.as_of or info.context.node.today()
        return (await progress_loader(info).load((self.plan_id, day))).get(int(self.id))

    @strawberry.field(description="Units planned from the item's start to the as-of date (or its end, or the "
                                  "day the plan closed): quantity x weeks, or x calendar months.")
    async def planned(self, info: strawberry.Info) -> Decimal:
        line = await self._line(info)
        return line.planned if line else Decimal("0.00")

    @strawberry.field(description="Units delivered in that period by the episodes started from this item.")
    async def delivered(self, info: strawberry.Info) -> Decimal:
        line = await self._line(info)
        return line.delivered if line else Decimal("0.00")


@strawberry.type(description="An individual support plan (individuālais atbalsta plāns): DRAFT -> APPROVED -> "
                             "ACTIVE (its first service started) -> CLOSED.")
class SupportPlan:
    id: strawberry.ID
    client_id: strawberry.ID
    assessment_id: strawberry.ID | None
    status: str
    valid_from: dt.date
    valid_to: dt.date | None
    goals: list[str]
    created_by: str
    approved_by: str | None
    approved_on: dt.date | None
    closed_by: str | None
    closed_on: dt.date | None

    @classmethod
    def from_row(cls, row: models.SupportPlan) -> SupportPlan:
        return cls(id=strawberry.ID(str(row.id)), client_id=strawberry.ID(str(row.client_id)),
                   assessment_id=strawberry.ID(str(row.assessment_id)) if row.assessment_id else None,
                   status=row.status, valid_from=row.valid_from, valid_to=row.valid_to, goals=goals_of(row),
                   created_by=row.created_by, approved_by=row.approved_by, approved_on=row.approved_on,
                   closed_by=row.closed_by, closed_on=row.closed_on)

    @strawberry.field(description="Planned services; `planned` and `delivered` are counted up to `asOf` "
                                  "(default today).")
    async def items(self, info: strawberry.Info, as_of: dt.date | None = None) -> list[SupportPlanItem]:
        day = date_arg(as_of, "asOf")
        rows = await info.context.loaders.items_of_plan.load(int(self.id))
        return [SupportPlanItem.from_row(r, day) for r in rows]

    @strawberry.field(description="The assessment the plan is based on.")
    async def assessment(self, info: strawberry.Info) -> Assessment | None:
        row = await info.context.loaders.assessment.load(int(self.assessment_id)) if self.assessment_id else None
        return Assessment.from_row(row) if row else None


@strawberry.input(description="One rating; `scale` may be left out when the item has a single scale.")
class RatingInput:
    item: str
    value: int
    scale: str | None = None


@strawberry.input(description="A whole assessment in one call: every item, or a draft with some of them.")
class RecordAssessmentInput:
    client_id: strawberry.ID
    instrument: str = strawberry.field(description="Instrument code (see assessmentInstruments).")
    version: str
    assessed_on: dt.date
    ratings: list[RatingInput]
    assessor: str | None = strawberry.field(default=None, description="Who assessed; default: the caller.")
    draft: bool = strawberry.field(default=False, description="true: items may be left unrated; stored as "
                                                              "incomplete, without a care level.")
    replaces_draft: strawberry.ID | None = strawberry.field(
        default=None, description="An earlier draft of the same person that this assessment completes.")


@strawberry.type
class AssessmentPayload:
    assessment: Assessment | None
    user_errors: list[UserError]


def actor(info: strawberry.Info, given: str | None) -> str:
    """Who does something: as given, else the authenticated caller (empty when neither: the store says so)."""
    return given if given else getattr(info.context.principal, "sub", "") or ""


def _new_assessment(info: strawberry.Info, data: RecordAssessmentInput) -> NewAssessment:
    check = Checked()
    client_id, on = check.id(data.client_id, "clientId"), check.date(data.assessed_on, "assessedOn")
    draft_id = check.id(data.replaces_draft, "replacesDraft")
    check.done()
    ratings = [domain.Rating(r.item, r.value, r.scale) for r in data.ratings]
    return NewAssessment(client_id=client_id, instrument=data.instrument, version=data.version,  # type: ignore[arg-type]
                         assessed_on=on, assessor=actor(info, data.assessor), ratings=ratings,  # type: ignore[arg-type]
                         draft=data.draft, replaces_draft=draft_id)


@strawberry.type
class AssessmentQuery:
    @strawberry.field(description="One assessment; null when there is none with this id.")
    async def assessment(self, info: strawberry.Info, id: strawberry.ID) -> Assessment | None:
        row_id = lookup_id(id)
        row = await info.context.loaders.assessment.load(row_id) if row_id else None
        return Assessment.from_row(row) if row else None


@strawberry.type
class AssessmentMutation:
    @strawberry.mutation(description="Record a needs assessment with all its ratings; a complete one sets the "
                                     "client's care level.")
    async def record_assessment(self, info: strawberry.Info, input: RecordAssessmentInput) -> AssessmentPayload:
        outcome = await write(info, lambda s: record_assessment(s, info.context.node, _new_assessment(info, input)))
        if not outcome.ok:
            return AssessmentPayload(assessment=None, user_errors=outcome.errors)
        row = outcome.value
        fire(info, ASSESSMENT_RECORDED, assessmentId=row.id, clientId=row.client_id, instrument=row.instrument_code,
             version=row.instrument_version, complete=row.complete, careLevel=row.care_level)
        return AssessmentPayload(assessment=Assessment.from_row(row), user_errors=[])
