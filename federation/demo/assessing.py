"""Hook point: the needs assessment of a demo person who has one.

The assessment write path (``core/store/assessments.py``, issue 5) does not
exist yet. Until it does, nothing is recorded here and the person's care
level (which an assessment would give) is set on the client directly by the
generator. Once it lands, record the assessment here through it, on
``person.assessed_on``, with ratings drawn for ``person.care_level``.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from core.node import Node
from core.store.models import Client

from .plan import PlannedPerson


async def record_assessment(session: AsyncSession, node: Node, client: Client, person: PlannedPerson) -> int:
    """Record ``person``'s assessment for ``client``; the number of assessments written (0 for now)."""
    return 0
