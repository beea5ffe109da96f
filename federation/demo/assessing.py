"""The needs assessment of a demo person, recorded through ``core.store.assessments``.

Each assessed person is rated on the installed instrument of their target
group (the built-in adult Support Intensity Scale, the ``FT_CHILD``
instrument for children) so that the care-level rule lands on the level the
plan drew for them: every rating is a binomial draw around the middle of that
level's band of the instrument's thresholds. Exceptional medical and
behavioural needs are rated only for level 4 (where a raised flag changes
nothing). The care level then comes from the assessment, as in real use.

Ratings come from a generator of their own per person, so installing or
removing an instrument never changes who the demo people are.
"""

from __future__ import annotations

import random

from sqlalchemy.ext.asyncio import AsyncSession

from core.domain.assessment import EXCEPTIONAL, Instrument, Rating
from core.domain.people import TargetGroup
from core.node import Node
from core.store.assessments import NewAssessment, instruments, record_assessment
from core.store.models import Client

from .plan import PlannedPerson

ASSESSORS_PER_REGION = 6
CHILD_LEVEL_WEIGHTS = (20, 35, 30, 15)
"""Our assumption: children's support needs 1-4 (the adults' come from the VSAC care levels of seed 003)."""


def instrument_for(node: Node, group: str) -> Instrument | None:
    """The installed instrument for ``group`` (the first by code and version), or None."""
    return next((i for i in instruments(node) if TargetGroup(group) in i.target_groups), None)


def _band_middle(instrument: Instrument, level: int) -> float:
    edges = (0, *instrument.care_level_thresholds, 100)
    return (edges[level - 1] + edges[level]) / 200


def ratings_for(instrument: Instrument, level: int, rng: random.Random) -> list[Rating]:
    """A complete set of ratings whose total falls in the middle of care level ``level``'s band."""
    share = _band_middle(instrument, level)
    out = []
    for section, item in instrument.items():
        for code in item.scales:
            scale = instrument.scales[code]
            if section.kind == EXCEPTIONAL:
                value = scale.min + (rng.random() < 0.3) * min(2, scale.max - scale.min) if level == 4 else scale.min
            else:
                value = scale.min + sum(rng.random() < share for _ in range(scale.max - scale.min))
            out.append(Rating(item.code, value, code))
    return out


def level_of(person: PlannedPerson, rng: random.Random) -> int:
    if person.care_level is not None:
        return person.care_level
    return rng.choices((1, 2, 3, 4), CHILD_LEVEL_WEIGHTS)[0]


async def assess(session: AsyncSession, node: Node, client: Client, person: PlannedPerson, seed: int) -> bool:
    """Record ``person``'s assessment on ``person.assessed_on``; False when no instrument is installed."""
    instrument = instrument_for(node, person.target_group)
    if instrument is None or person.assessed_on is None:
        return False
    rng = random.Random(f"kopiena-demo:{seed}:{person.key}:assessment")
    assessor = f"demo-assessor-{node.region}-{rng.randrange(ASSESSORS_PER_REGION) + 1}"
    await record_assessment(session, node, NewAssessment(
        client_id=client.id, instrument=instrument.code, version=instrument.version,  # type: ignore[arg-type]
        assessed_on=person.assessed_on, assessor=assessor, ratings=ratings_for(instrument, level_of(person, rng), rng)))
    return True
