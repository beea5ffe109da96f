"""Recording needs assessments (*vajadzību izvērtējumi*): the write path the API and importers share.

The instrument comes from the plugins (``assessment_instruments``), the care
level from the ``care_level`` rule, standard scores from a ``norm_table`` a
plugin may supply. A complete assessment's care level becomes the client's
care level, which the rate tier rule of deliveries reads.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.domain.assessment import (
    Comparison,
    Instrument,
    InstrumentNotForTargetGroup,
    Instruments,
    NormResult,
    Rating,
    Scores,
    apply_norms,
    check_care_level,
    check_ratings,
    compare,
    score,
)
from core.domain.errors import DomainError, InvalidValue, UnknownObject
from core.domain.people import RecipientKind, TargetGroup
from core.domain.rules import check_programme_date
from core.node import Node

from .clients import get_client
from .models import Assessment, Client, utcnow

ASSESSOR_MAX = 200


@dataclass
class NewAssessment:
    client_id: int
    instrument: str
    version: str
    assessed_on: date
    assessor: str
    ratings: list[Rating] = field(default_factory=list)
    draft: bool = False
    """A draft may leave items unrated; it is stored as incomplete and gives no care level."""
    replaces_draft: int | None = None
    """Id of an earlier draft of the same person that this call completes or redoes."""


def instruments(node: Node) -> Instruments:
    """What the loaded plugins supply now (tests register instruments on the fly, so nothing is cached)."""
    return Instruments([i for result in node.pm.hook.assessment_instruments() if result for i in result])


def care_level_of(node: Node, instrument: Instrument, scores: Scores, group: TargetGroup) -> int | None:
    level = node.pm.hook.care_level(instrument=instrument, scores=scores, target_group=group)
    return check_care_level(level, "the loaded plugins")


def norms_of(node: Node, row: Assessment) -> NormResult:
    """Standard scores of a stored assessment, if a plugin supplies a norm table for its instrument version."""
    try:
        instrument = instruments(node).get(row.instrument_code, row.instrument_version)
    except DomainError:  # the instrument's plugin was uninstalled since: no table can apply
        instrument = None
    table = node.pm.hook.norm_table(instrument=instrument) if instrument else None
    return apply_norms(table, scores_of(row))


def scores_of(row: Assessment) -> Scores:
    """The stored scores; a row written around the write path (bare SQL, old data) reads as unscored."""
    if not row.scores or row.scores == "{}":
        return Scores(row.instrument_code, row.instrument_version, row.complete, {}, (), row.raw_total or 0, 0, ())
    return Scores.from_json(row.scores)


def ratings_of(row: Assessment) -> dict[str, dict[str, int]]:
    return json.loads(row.ratings)


async def _draft_to_replace(session: AsyncSession, draft_id: int, client_id: int) -> Assessment:
    row = await session.get(Assessment, draft_id)
    if row is None or row.client_id != client_id:
        raise UnknownObject(f"The person has no assessment with the id {draft_id}.", field="replacesDraft")
    if row.complete:
        raise InvalidValue("A complete assessment is a record and is not changed; record a reassessment.",
                           field="replacesDraft")
    return row


async def _newest_complete_after(session: AsyncSession, client_id: int, day: date, not_id: int | None) -> bool:
    later = select(Assessment.id).where(Assessment.client_id == client_id, Assessment.complete.is_(True),  # type: ignore[attr-defined]
                                        Assessment.assessed_on > day)
    if not_id is not None:
        later = later.where(Assessment.id != not_id)
    return await session.scalar(later.limit(1)) is not None


def _check_person(client: Client, instrument: Instrument) -> None:
    if client.recipient_kind != RecipientKind.PERSON:
        raise InstrumentNotForTargetGroup("A legal representative or foster family is not assessed; assess the "
                                          "child.", field="clientId")
    instrument.check_target_group(TargetGroup(client.target_group))


async def record_assessment(session: AsyncSession, node: Node, data: NewAssessment) -> Assessment:
    """Check every rating, score them, give the care level and store the assessment (not yet committed)."""
    client = await get_client(session, data.client_id)
    instrument = instruments(node).get(data.instrument, data.version)
    _check_person(client, instrument)
    check_programme_date(data.assessed_on, today=node.today(), field="assessedOn")
    assessor = (data.assessor or "").strip()
    if not assessor or len(assessor) > ASSESSOR_MAX:
        raise InvalidValue(f"Say who assessed the person (1 to {ASSESSOR_MAX} characters).", field="assessor")
    draft = await _draft_to_replace(session, data.replaces_draft, client.id) if data.replaces_draft else None
    ratings = check_ratings(instrument, data.ratings, complete=not data.draft)
    scores = score(instrument, ratings)
    level = care_level_of(node, instrument, scores, TargetGroup(client.target_group)) if scores.complete else None
    values = dict(client_id=client.id, instrument_code=instrument.code, instrument_version=instrument.version,
                  assessed_on=data.assessed_on, assessor=assessor, complete=scores.complete,
                  ratings=json.dumps(ratings, sort_keys=True), scores=scores.to_json(), raw_total=scores.total,
                  care_level=level)
    if draft is None:
        row = Assessment(**values)
    else:
        row = draft
        for key, value in values.items():
            setattr(row, key, value)
    session.add(row)
    await session.flush()
    if level is not None and not await _newest_complete_after(session, client.id, data.assessed_on, row.id):
        # an assessment recorded late for an earlier date does not overrule a newer one
        client.care_level = level
        client.updated_at = utcnow()
        await session.flush()
    return row


def comparison_with_previous(rows: list[Assessment], row: Assessment) -> Comparison | None:
    """``row`` against the person's previous complete assessment with the same instrument (``rows``: all of
    the person's assessments, already loaded). None for a first assessment or a draft."""
    if not row.complete:
        return None
    earlier = [r for r in rows if r.complete and r.instrument_code == row.instrument_code
               and (r.assessed_on, r.id) < (row.assessed_on, row.id)]
    if not earlier:
        return None
    previous = max(earlier, key=lambda r: (r.assessed_on, r.id))
    return compare(scores_of(previous), scores_of(row))
