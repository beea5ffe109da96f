"""The node's tables (SQLModel). Personal data lives in ``clients`` and nowhere else.

Invariants the database can hold are declared here (unique personal code,
foreign keys, non-negative units, positive capacity, end not before start) so
that even a buggy caller cannot store what the domain forbids.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from .types import Hundredths


def utcnow() -> datetime:
    return datetime.now(UTC)


def _ts(**kw) -> sa.Column:
    return sa.Column(sa.DateTime(timezone=True), **kw)


class Region(SQLModel, table=True):
    __tablename__ = "regions"
    code: str = Field(primary_key=True, max_length=32)
    name_lv: str = Field(max_length=200)
    name_en: str = Field(max_length=200)


class MunicipalityRow(SQLModel, table=True):
    """A municipality (*pašvaldība*), current or historic (``valid_to`` set, mapped to its successor)."""

    __tablename__ = "municipalities"
    code: str = Field(primary_key=True, max_length=64)
    name_lv: str = Field(max_length=200)
    short_name: str = Field(max_length=200)
    kind: str = Field(max_length=40)
    region_code: str = Field(foreign_key="regions.code", index=True, max_length=32)
    valid_from: date
    valid_to: date | None = None
    successor_code: str | None = Field(default=None, foreign_key="municipalities.code", max_length=64)


class ServiceTypeRow(SQLModel, table=True):
    __tablename__ = "service_types"
    code: str = Field(primary_key=True, max_length=64)
    name_lv: str = Field(max_length=200)
    name_en: str = Field(max_length=200)
    unit: str = Field(max_length=16)
    target_groups: str = Field(max_length=100, description="comma-separated TargetGroup codes")
    recipients: str = Field(max_length=100, description="comma-separated RecipientKind codes")
    free_of_charge: bool = False


class RateRow(SQLModel, table=True):
    __tablename__ = "rates"
    __table_args__ = (
        sa.UniqueConstraint("service_code", "tier", "valid_from", name="uq_rates_service_tier_from"),
        sa.CheckConstraint("amount >= 0", name="ck_rates_amount"),
    )
    id: int | None = Field(default=None, primary_key=True)
    service_code: str = Field(foreign_key="service_types.code", index=True, max_length=64)
    tier: int = 1
    amount: Decimal = Field(sa_column=sa.Column(Hundredths, nullable=False))
    valid_from: date
    valid_to: date | None = None
    indicative: bool = False
    source: str = Field(default="", max_length=200)


class Institution(SQLModel, table=True):
    """A state social care centre (VSAC) or its branch (*filiāle*), or a children's institution."""

    __tablename__ = "institutions"
    __table_args__ = (sa.CheckConstraint("places >= 0", name="ck_institutions_places"),)
    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(unique=True, max_length=64)
    name: str = Field(max_length=200)
    kind: str = Field(max_length=32, description="VSAC, VSAC_BRANCH or CHILDREN_INSTITUTION")
    municipality_code: str = Field(foreign_key="municipalities.code", max_length=64)
    places: int = 0


class Client(SQLModel, table=True):
    """A person served by the programme (*klients*), or a child's representative / foster family."""

    __tablename__ = "clients"
    id: int | None = Field(default=None, primary_key=True)
    personal_code: str = Field(unique=True, max_length=12)
    given_name: str = Field(max_length=100)
    family_name: str = Field(max_length=100)
    birth_date: date | None = None
    address: str | None = Field(default=None, max_length=300)
    diagnosis: str | None = Field(default=None, max_length=200, description="ICD-10 codes")
    target_group: str = Field(index=True, max_length=16)
    recipient_kind: str = Field(default="PERSON", max_length=32)
    represents_client_id: int | None = Field(default=None, foreign_key="clients.id")
    municipality_code: str = Field(foreign_key="municipalities.code", index=True, max_length=64)
    residence: str = Field(default="COMMUNITY", max_length=32)
    institution_id: int | None = Field(default=None, foreign_key="institutions.id")
    preparing_since: date | None = None
    left_institution_on: date | None = None
    care_level: int | None = Field(default=None, sa_column_kwargs={"nullable": True})
    created_at: datetime = Field(default_factory=utcnow, sa_column=_ts(nullable=False))
    updated_at: datetime = Field(default_factory=utcnow, sa_column=_ts(nullable=False))


class ServicePlace(SQLModel, table=True):
    """Where a provider delivers a service: municipality, service type, capacity, ERDF funded."""

    __tablename__ = "service_places"
    __table_args__ = (sa.CheckConstraint("capacity > 0", name="ck_service_places_capacity"),)
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=200)
    service_code: str = Field(foreign_key="service_types.code", index=True, max_length=64)
    municipality_code: str = Field(foreign_key="municipalities.code", index=True, max_length=64)
    capacity: int
    erdf_funded: bool = False
    address: str | None = Field(default=None, max_length=300)


class ServiceEpisode(SQLModel, table=True):
    """A person receiving one service from a start date (*pakalpojuma saņemšanas periods*)."""

    __tablename__ = "service_episodes"
    __table_args__ = (
        sa.CheckConstraint("end_date IS NULL OR end_date >= start_date", name="ck_episodes_period"),
        sa.Index("ix_episodes_service_start", "service_code", "start_date"),
    )
    id: int | None = Field(default=None, primary_key=True)
    client_id: int = Field(foreign_key="clients.id", index=True)
    service_code: str = Field(foreign_key="service_types.code", max_length=64)
    place_id: int | None = Field(default=None, foreign_key="service_places.id", index=True)
    granted_by: str = Field(foreign_key="municipalities.code", index=True, max_length=64)
    start_date: date
    end_date: date | None = None
    plan_item_id: int | None = Field(default=None, foreign_key="support_plan_items.id")
    created_at: datetime = Field(default_factory=utcnow, sa_column=_ts(nullable=False))


class Delivery(SQLModel, table=True):
    """Units of a service delivered on one day, costed at the rate valid that day."""

    __tablename__ = "deliveries"
    __table_args__ = (
        sa.UniqueConstraint("episode_id", "date", name="uq_deliveries_episode_date"),
        sa.CheckConstraint("units > 0", name="ck_deliveries_units"),
        sa.CheckConstraint("cost IS NULL OR cost >= 0", name="ck_deliveries_cost"),
        sa.Index("ix_deliveries_date", "date"),
    )
    id: int | None = Field(default=None, primary_key=True)
    episode_id: int = Field(foreign_key="service_episodes.id", index=True)
    date: date
    units: Decimal = Field(sa_column=sa.Column(Hundredths, nullable=False))
    rate_id: int | None = Field(default=None, foreign_key="rates.id")
    cost: Decimal | None = Field(default=None, sa_column=sa.Column(Hundredths, nullable=True))
    funding_source: str = Field(max_length=16)


class Assessment(SQLModel, table=True):
    """An individual needs assessment (*individuālo vajadzību izvērtējums*) with one instrument version."""

    __tablename__ = "assessments"
    id: int | None = Field(default=None, primary_key=True)
    client_id: int = Field(foreign_key="clients.id", index=True)
    instrument_code: str = Field(max_length=64)
    instrument_version: str = Field(max_length=32)
    assessed_on: date
    assessor: str = Field(max_length=200)
    complete: bool = True
    ratings: str = Field(default="{}", sa_column=sa.Column(sa.Text, nullable=False), description="JSON")
    scores: str = Field(default="{}", sa_column=sa.Column(sa.Text, nullable=False), description="JSON")
    raw_total: int | None = None
    care_level: int | None = None
    created_at: datetime = Field(default_factory=utcnow, sa_column=_ts(nullable=False))


class SupportPlan(SQLModel, table=True):
    """An individual support plan (*individuālais atbalsta plāns*): draft -> approved -> active -> closed."""

    __tablename__ = "support_plans"
    __table_args__ = (
        sa.CheckConstraint("valid_to IS NULL OR valid_to >= valid_from", name="ck_plans_period"),
        sa.CheckConstraint("status IN ('DRAFT', 'APPROVED', 'ACTIVE', 'CLOSED')", name="ck_plans_status"),
    )
    id: int | None = Field(default=None, primary_key=True)
    client_id: int = Field(foreign_key="clients.id", index=True)
    assessment_id: int | None = Field(default=None, foreign_key="assessments.id")
    status: str = Field(default="DRAFT", max_length=16)
    goals: str = Field(default="[]", sa_column=sa.Column(sa.Text, nullable=False), description="JSON")
    valid_from: date
    valid_to: date | None = None
    created_by: str = Field(max_length=200)
    created_at: datetime = Field(default_factory=utcnow, sa_column=_ts(nullable=False))
    approved_by: str | None = Field(default=None, max_length=200)
    approved_on: date | None = None
    closed_by: str | None = Field(default=None, max_length=200)
    closed_on: date | None = None


class SupportPlanItem(SQLModel, table=True):
    """A planned service of a support plan: quantity per week or month over a period."""

    __tablename__ = "support_plan_items"
    __table_args__ = (
        sa.CheckConstraint("quantity > 0", name="ck_plan_items_quantity"),
        sa.CheckConstraint("per IN ('WEEK', 'MONTH')", name="ck_plan_items_per"),
        sa.CheckConstraint("end_date IS NULL OR end_date >= start_date", name="ck_plan_items_period"),
    )
    id: int | None = Field(default=None, primary_key=True)
    plan_id: int = Field(foreign_key="support_plans.id", index=True)
    service_code: str = Field(foreign_key="service_types.code", max_length=64)
    quantity: Decimal = Field(sa_column=sa.Column(Hundredths, nullable=False))
    per: str = Field(max_length=8, description="WEEK or MONTH")
    start_date: date
    end_date: date | None = None
    place_id: int | None = Field(default=None, foreign_key="service_places.id")


class DIPlanTargetRow(SQLModel, table=True):
    """A planned number of the regional DI plan; ``service_code`` NULL = unique persons."""

    __tablename__ = "di_plan_targets"
    __table_args__ = (
        sa.UniqueConstraint("region_code", "target_group", "service_code", "recipient", "due",
                            name="uq_targets"),
    )
    id: int | None = Field(default=None, primary_key=True)
    region_code: str = Field(foreign_key="regions.code", max_length=32)
    target_group: str = Field(max_length=16)
    service_code: str | None = Field(default=None, foreign_key="service_types.code", max_length=64)
    recipient: str = Field(default="PERSON", max_length=32)
    due: date
    target: int | None = None


class AuditEvent(SQLModel, table=True):
    """Who read or changed what, written in the same transaction as the change (*audita notikums*)."""

    __tablename__ = "audit_events"
    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(default_factory=utcnow, sa_column=_ts(nullable=False, index=True))
    actor: str = Field(max_length=200)
    role: str = Field(max_length=64)
    domain: str = Field(max_length=200)
    action: str = Field(max_length=64)
    object_type: str = Field(max_length=64)
    object_id: str | None = Field(default=None, max_length=64)
    client_id: int | None = Field(default=None, index=True)
    request_id: str | None = Field(default=None, max_length=64)
    detail: str = Field(default="{}", sa_column=sa.Column(sa.Text, nullable=False))


class ExternalRef(SQLModel, table=True):
    """The id a municipal system gives a record, so that re-imports find what they wrote before."""

    __tablename__ = "external_refs"
    __table_args__ = (sa.UniqueConstraint("system", "kind", "external_id", name="uq_external_refs"),)
    id: int | None = Field(default=None, primary_key=True)
    system: str = Field(max_length=64)
    kind: str = Field(max_length=32)
    external_id: str = Field(max_length=128)
    object_id: int


class IndicatorSnapshot(SQLModel, table=True):
    """A complete set of indicator figures of the region as of a date, ready to publish."""

    __tablename__ = "indicator_snapshots"
    __table_args__ = (sa.UniqueConstraint("region_code", "sequence", name="uq_snapshots_sequence"),)
    id: str = Field(primary_key=True, max_length=64)
    region_code: str = Field(max_length=32)
    as_of: date
    sequence: int
    software_version: str = Field(max_length=32)
    content_hash: str = Field(max_length=80)
    payload: str = Field(sa_column=sa.Column(sa.Text, nullable=False))
    created_at: datetime = Field(default_factory=utcnow, sa_column=_ts(nullable=False))


class Outbox(SQLModel, table=True):
    """A snapshot waiting to be published; ``sent_at`` is set only after the JetStream PubAck."""

    __tablename__ = "outbox"
    id: int | None = Field(default=None, primary_key=True)
    snapshot_id: str = Field(foreign_key="indicator_snapshots.id", unique=True, max_length=64)
    subject: str = Field(max_length=200)
    created_at: datetime = Field(default_factory=utcnow, sa_column=_ts(nullable=False))
    sent_at: datetime | None = Field(default=None, sa_column=_ts(nullable=True))
    attempts: int = 0
    last_error: str | None = Field(default=None, max_length=500)


class CasbinRule(SQLModel, table=True):
    """Access policy lines in the layout of casbin's SQLAlchemy adapters."""

    __tablename__ = "casbin_rule"
    id: int | None = Field(default=None, primary_key=True)
    ptype: str | None = Field(default=None, max_length=255)
    v0: str | None = Field(default=None, max_length=255)
    v1: str | None = Field(default=None, max_length=255)
    v2: str | None = Field(default=None, max_length=255)
    v3: str | None = Field(default=None, max_length=255)
    v4: str | None = Field(default=None, max_length=255)
    v5: str | None = Field(default=None, max_length=255)
