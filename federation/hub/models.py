"""The hub's tables (its own database, its own metadata: never mixed with a node's tables).

Only codes, counts and sums: region, as-of date, indicator, dimension codes and
values. Values are stored as whole hundredths (BIGINT) so national sums are
exact on SQLite and PostgreSQL alike.
"""

from __future__ import annotations

import sqlalchemy as sa

from core.store.types import Hundredths

metadata = sa.MetaData()


def _ts(name: str, nullable: bool = False) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


regions = sa.Table(
    "hub_regions", metadata,
    sa.Column("code", sa.String(32), primary_key=True),
    sa.Column("name", sa.String(200), nullable=False),
)

snapshots = sa.Table(
    "hub_snapshots", metadata,
    sa.Column("region_code", sa.String(32), sa.ForeignKey("hub_regions.code"), primary_key=True),
    sa.Column("as_of", sa.Date, primary_key=True),
    sa.Column("sequence", sa.Integer, nullable=False),
    sa.Column("snapshot_id", sa.String(64), nullable=False),
    sa.Column("content_hash", sa.String(80), nullable=False),
    sa.Column("software_version", sa.String(32), nullable=False),
    sa.Column("schema_version", sa.String(16), nullable=False),
    _ts("produced_at"),
    _ts("received_at"),
    sa.Index("ix_hub_snapshots_received", "region_code", "received_at"),
)

indicators = sa.Table(
    "hub_indicators", metadata,
    sa.Column("code", sa.String(64), primary_key=True),
    sa.Column("description", sa.String(1000), nullable=False),
    sa.Column("unit", sa.String(16), nullable=False),
    sa.Column("dimensions", sa.String(200), nullable=False, comment="comma-separated dimension names"),
)

figures = sa.Table(
    "hub_figures", metadata,
    # BIGINT on PostgreSQL (every replaced snapshot inserts its rows anew); SQLite needs INTEGER to autoincrement
    sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), primary_key=True, autoincrement=True),
    sa.Column("region_code", sa.String(32), nullable=False),
    sa.Column("as_of", sa.Date, nullable=False),
    sa.Column("indicator", sa.String(64), nullable=False),
    sa.Column("municipality", sa.String(64), nullable=True, comment="NULL = the whole region"),
    sa.Column("target_group", sa.String(16), nullable=True),
    sa.Column("service", sa.String(64), nullable=True),
    sa.Column("recipient", sa.String(16), nullable=True),
    sa.Column("residence", sa.String(32), nullable=True),
    sa.Column("funding_source", sa.String(16), nullable=True),
    sa.Column("value", Hundredths, nullable=True, comment="NULL = on demand (targets, ratios)"),
    sa.Column("numerator", sa.BigInteger, nullable=True),
    sa.Column("denominator", sa.BigInteger, nullable=True),
    sa.ForeignKeyConstraint(["region_code", "as_of"], ["hub_snapshots.region_code", "hub_snapshots.as_of"],
                            name="fk_hub_figures_snapshot"),
    sa.Index("ix_hub_figures_lookup", "as_of", "indicator", "region_code"),
)

rejections = sa.Table(
    "hub_rejections", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    _ts("received_at"),
    sa.Column("subject", sa.String(200), nullable=False),
    sa.Column("msg_id", sa.String(200), nullable=True),
    sa.Column("stream_sequence", sa.BigInteger, nullable=True),
    sa.Column("reason", sa.String(500), nullable=False),
)
