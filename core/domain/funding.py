"""Who pays for a delivery (*finansējuma avots*).

The ESF project pays for a person's community-based services during their first
two years of services. Afterwards, for a person who left a state social care
centre the state budget pays ("money follows the client", *nauda seko
klientam*); for a person who already lived in the community the municipality
ensures continuity. The period is configurable.
"""

from __future__ import annotations

import calendar
import enum
import functools
from dataclasses import dataclass
from datetime import date


class FundingSource(enum.StrEnum):
    ESF = "ESF"
    STATE_BUDGET = "STATE_BUDGET"
    MUNICIPALITY = "MUNICIPALITY"


@functools.lru_cache(maxsize=4096)  # a person's ESF end, asked for each of their deliveries
def add_months(day: date, months: int) -> date:
    """``day`` moved by whole months; the 31st becomes the month's last day when needed."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


@dataclass(frozen=True)
class FundingPolicy:
    esf_months: int = 24

    def esf_ends(self, first_service: date) -> date:
        """First day no longer paid by ESF."""
        return add_months(first_service, self.esf_months)

    def source(self, *, first_service: date, delivered_on: date, left_institution: bool) -> FundingSource:
        if delivered_on < self.esf_ends(first_service):
            return FundingSource.ESF
        return FundingSource.STATE_BUDGET if left_institution else FundingSource.MUNICIPALITY
