"""Proposing a support plan's services from an assessment (the default of the ``propose_plan_items`` hook).

**Assumption (ours):** an area has high support needs when its raw score is
at least the instrument's ``suggest_at_percent`` (default 50) of the area's
maximum; such an area suggests the services its section lists under
``suggests`` in the instrument file. A service suggested by several areas is
proposed once, with the largest quantity. Regions change this by implementing
the hook with ``tryfirst=True``.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from .instrument import Instrument
from .scoring import Scores


@dataclass(frozen=True)
class ProposedItem:
    """A service for the draft plan, why it is proposed (the area), and how much."""

    service: str
    quantity: Decimal
    per: str
    because: str


def high_need(raw: int, maximum: int, percent: int) -> bool:
    return maximum > 0 and raw * 100 >= percent * maximum


def default_proposal(instrument: Instrument, scores: Scores) -> list[ProposedItem]:
    chosen: dict[str, ProposedItem] = {}
    for section in instrument.sections:
        area = scores.area(section.code)
        if not high_need(area.raw, area.max, instrument.suggest_at_percent):
            continue
        for s in section.suggests:
            known = chosen.get(s.service)
            if known is None or (known.per == s.per and s.quantity > known.quantity):
                chosen[s.service] = ProposedItem(s.service, s.quantity, s.per, section.code)
    return list(chosen.values())
