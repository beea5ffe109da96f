"""Needs-assessment instruments as the plugins supply them: sections, items, rating scales, flag rules."""

from __future__ import annotations

import strawberry

from core.domain import assessment as domain
from core.domain.people import TargetGroup as DomainTargetGroup
from core.store.assessments import instruments

from .enums import TargetGroup, value


@strawberry.type(description="One value of a rating scale with its labels.")
class ScaleValue:
    value: int
    label: str
    label_lv: str


@strawberry.type(description="A dimension items are rated on, whole numbers min..max.")
class RatingScale:
    code: str
    name: str
    name_lv: str
    min: int
    max: int
    values: list[ScaleValue]

    @classmethod
    def from_domain(cls, s: domain.RatingScale) -> RatingScale:
        return cls(code=s.code, name=s.name.en, name_lv=s.name.lv, min=s.min, max=s.max,
                   values=[ScaleValue(value=v, label=lab.en, label_lv=lab.lv) for v, lab in sorted(s.labels.items())])


@strawberry.type(description="An item to rate, on each of its scales.")
class InstrumentItem:
    code: str
    label: str
    label_lv: str
    scales: list[str]


@strawberry.type(description="An area of support needs (ACTIVITIES) or of exceptional needs (EXCEPTIONAL).")
class InstrumentSection:
    code: str
    kind: str
    name: str
    name_lv: str
    in_total: bool = strawberry.field(description="Whether the area counts in the assessment's total.")
    max_score: int
    items: list[InstrumentItem]


@strawberry.type(description="A rule raising a flag: an item rated at least so high, or a section total.")
class InstrumentFlag:
    code: str
    label: str
    label_lv: str
    section: str
    any_item_at_least: int | None
    total_at_least: int | None
    raises_care_level: bool


@strawberry.type(description="A needs-assessment instrument (code and version) supplied by a plugin.")
class AssessmentInstrument:
    code: str
    version: str
    name: str
    name_lv: str
    target_groups: list[TargetGroup]
    scales: list[RatingScale]
    sections: list[InstrumentSection]
    flags: list[InstrumentFlag]
    care_level_thresholds: list[int] = strawberry.field(
        description="Percent of the maximum total at which care levels 2, 3 and 4 begin (default rule).")
    item_count: int
    norm_table: str | None = strawberry.field(
        description="Name of the installed norm table, or null: raw scores only (no norm table installed).")

    @classmethod
    def from_domain(cls, i: domain.Instrument, norm_table: str | None) -> AssessmentInstrument:
        sections = [InstrumentSection(
            code=s.code, kind=s.kind, name=s.name.en, name_lv=s.name.lv, in_total=s.in_total,
            max_score=i.section_max(s),
            items=[InstrumentItem(code=it.code, label=it.label.en, label_lv=it.label.lv, scales=list(it.scales))
                   for it in s.items]) for s in i.sections]
        flags = [InstrumentFlag(code=f.code, label=f.label.en, label_lv=f.label.lv, section=f.section,
                                any_item_at_least=f.any_item_at_least, total_at_least=f.total_at_least,
                                raises_care_level=f.raises_care_level) for f in i.flags]
        return cls(code=i.code, version=i.version, name=i.name.en, name_lv=i.name.lv,
                   target_groups=[TargetGroup(g.value) for g in sorted(i.target_groups)],
                   scales=[RatingScale.from_domain(s) for s in i.scales.values()], sections=sections, flags=flags,
                   care_level_thresholds=list(i.care_level_thresholds), item_count=len(i.items()),
                   norm_table=norm_table)


@strawberry.type
class InstrumentQuery:
    @strawberry.field(description="The assessment instruments the node's plugins supply (optionally for one "
                                  "target group), by code and version.")
    def assessment_instruments(self, info: strawberry.Info, target_group: TargetGroup | None = None
                               ) -> list[AssessmentInstrument]:
        node = info.context.node
        wanted = DomainTargetGroup(value(target_group)) if target_group else None
        out = []
        for i in instruments(node):
            if wanted is None or wanted in i.target_groups:
                table = node.pm.hook.norm_table(instrument=i)
                out.append(AssessmentInstrument.from_domain(i, table.name if table else None))
        return out
