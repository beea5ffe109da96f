"""Everything the rules need to check a whole batch of import records, looked up in a few ``IN (...)`` queries.

The set-based path checks every record in Python before it writes anything, so
it looks up at once what the API's write path would look up record by record:
the external ids, clients by personal code, the episodes and clients the
records point at, the days already recorded, each person's respite days per
year and first service date, the rates of the batch's services, and for
episodes that may be ended their last delivery. Rows are plain objects
(``SimpleNamespace``), so that the rules can read them like the ORM's and the
batch can change them (an episode that ends).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from types import SimpleNamespace

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.domain.catalogue import RESPITE_CARE
from core.domain.rates import Rate
from core.imports import ClientRecord, EpisodeRecord, Record

from .import_lookups import Lookups, chunks
from .models import Client, Delivery, RateRow, ServiceEpisode

CLIENT_FACTS = (Client.id, Client.target_group, Client.recipient_kind, Client.residence, Client.care_level)
EPISODE_FACTS = (
    ServiceEpisode.id,
    ServiceEpisode.client_id,
    ServiceEpisode.service_code,
    ServiceEpisode.granted_by,
    ServiceEpisode.start_date,
    ServiceEpisode.end_date,
)


@dataclass
class BatchFacts:
    clients: dict[int, SimpleNamespace] = field(default_factory=dict)
    episodes: dict[int, SimpleNamespace] = field(default_factory=dict)
    respite: dict[int, Counter] = field(default_factory=dict)
    """Client id -> respite days recorded per year."""
    first_service: dict[int, date] = field(default_factory=dict)
    """Client id -> start of the person's first episode."""
    rates: dict[str, list[tuple[int, Rate]]] = field(default_factory=dict)
    """Service code -> every rate of the service with its row id."""
    last_delivery: dict[int, date] = field(default_factory=dict)
    """Episode id -> the day of its last delivery, for the episodes the batch may end."""


async def _rows(session: AsyncSession, columns, key, ids) -> list[SimpleNamespace]:
    out: list[SimpleNamespace] = []
    for chunk in chunks(sorted(ids)):
        result = await session.execute(select(*columns).where(key.in_(chunk)))
        out.extend(SimpleNamespace(**row._mapping) for row in result)
    return out


async def load_batch_facts(session: AsyncSession, known: Lookups, batch: list[Record]) -> BatchFacts:
    known.reset()
    await known.load_refs(session, batch)
    linked = await known.load_codes(session, batch)  # a client record for one of them links to it
    facts = BatchFacts()
    episode_ids = known.episode_ids(batch)
    facts.episodes = {e.id: e for e in await _rows(session, EPISODE_FACTS, ServiceEpisode.id, episode_ids)}
    known.ends.update({e.id: e.end_date for e in facts.episodes.values()})
    await known.load_delivered(session, episode_ids, batch)
    client_ids = _client_ids(known, batch) | linked | {e.client_id for e in facts.episodes.values()}
    facts.clients = {c.id: c for c in await _rows(session, CLIENT_FACTS, Client.id, client_ids)}
    services = {r.service_code for r in batch if isinstance(r, EpisodeRecord)}
    services |= {e.service_code for e in facts.episodes.values()}
    await _people(session, facts, client_ids, RESPITE_CARE in services)
    await _rates(session, facts, services)
    await _last_deliveries(session, facts, known, batch)
    return facts


def _client_ids(known: Lookups, batch: list[Record]) -> set[int]:
    """Clients imported before that the batch's records point at (episodes' clients, represented children)."""
    keys = {("client", r.client_external_id) for r in batch if isinstance(r, EpisodeRecord)}
    keys |= {
        ("client", r.represents_external_id)
        for r in batch
        if isinstance(r, ClientRecord) and r.represents_external_id
    }
    return {known.refs[k] for k in keys if k in known.refs}


async def _people(session: AsyncSession, facts: BatchFacts, client_ids: set[int], respite: bool) -> None:
    """Each person's first service date and, when the batch has respite care, respite days per year."""
    facts.first_service = await _per(session, ServiceEpisode.client_id, func.min(ServiceEpisode.start_date), client_ids)
    for chunk in chunks(sorted(client_ids)) if respite else []:
        year = func.extract("year", Delivery.date)
        days = await session.execute(
            select(ServiceEpisode.client_id, year, func.count())
            .join(ServiceEpisode, ServiceEpisode.id == Delivery.episode_id)
            .where(ServiceEpisode.client_id.in_(chunk), ServiceEpisode.service_code == RESPITE_CARE)
            .group_by(ServiceEpisode.client_id, year)
        )
        for client_id, y, n in days.all():
            facts.respite.setdefault(client_id, Counter())[int(y)] = int(n)


async def _rates(session: AsyncSession, facts: BatchFacts, services: set[str]) -> None:
    """Every rate of the batch's services: the rule picks the one valid on each day."""
    facts.rates = {code: [] for code in services}
    if not services:
        return
    rows = await session.execute(select(RateRow).where(RateRow.service_code.in_(sorted(services))).order_by(RateRow.id))
    for r in rows.scalars():
        rate = Rate(r.service_code, r.amount, r.valid_from, r.valid_to, r.tier, r.indicative, r.source)
        facts.rates[r.service_code].append((r.id, rate))  # type: ignore[arg-type]


async def _last_deliveries(session: AsyncSession, facts: BatchFacts, known: Lookups, batch: list[Record]) -> None:
    """The last delivery of each open episode that a record of the batch gives an end date."""
    ending = {
        known.refs[("episode", r.external_id)]
        for r in batch
        if isinstance(r, EpisodeRecord) and r.end_date is not None and ("episode", r.external_id) in known.refs
    }
    ending = {i for i in ending if i in facts.episodes and facts.episodes[i].end_date is None}
    facts.last_delivery = await _per(session, Delivery.episode_id, func.max(Delivery.date), ending)


async def _per(session: AsyncSession, key, value, ids: set[int]) -> dict:
    """``value`` (an aggregate) per ``key`` for the given ids, in one query per chunk of ids."""
    out: dict = {}
    for chunk in chunks(sorted(ids)):
        rows = await session.execute(select(key, value).where(key.in_(chunk)).group_by(key))
        out.update(dict(rows.all()))  # type: ignore[arg-type]
    return out
