"""Column types that keep money and units exact on both SQLite and PostgreSQL.

Amounts are stored as whole hundredths in a BIGINT, so sums in SQL are exact
integer sums on every database; Python sees ``Decimal`` with two places.
"""

from __future__ import annotations

from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.types import TypeDecorator


class Hundredths(TypeDecorator):
    """A ``Decimal`` with two places, stored as an integer count of hundredths (cents for EUR)."""

    impl = sa.BigInteger
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        scaled = Decimal(value) * 100
        if scaled != scaled.to_integral_value():
            raise ValueError(f"{value} has more than two decimals")
        return int(scaled)

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return (Decimal(int(value)) / 100).quantize(Decimal("0.01"))
