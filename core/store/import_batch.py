"""The set-based way of writing an import batch: every rule checked first, then one bulk write per table.

:class:`BatchWriter` answers the import flow like the API's write path does,
with the API's own rule functions (``check_new_client``, ``check_new_episode``,
``check_episode_end``, ``check_delivery_items``, ``new_days``,
``cost_deliveries``: the same code, the same plugin hooks, the same errors), but
on the facts looked up for the whole batch (:mod:`core.store.import_facts`)
and the rows the batch has accepted so far, so that rules that depend on order
(respite days in a year, a person's first service, a representative's child
registered a few lines before) see exactly what they would have seen record by
record. Nothing is written while the records are checked: a refused record
never reaches the database, so no savepoint is needed. Accepted rows get
provisional (negative) ids; :meth:`BatchWriter.write` inserts them table by
table and returns the ids the database gave.
"""

from __future__ import annotations

import contextlib
from collections import Counter
from datetime import date
from types import SimpleNamespace

from sqlalchemy import bindparam, update
from sqlalchemy.ext.asyncio import AsyncSession

from core import events
from core.domain.people import Residence
from core.domain.rules import is_respite
from core.node import Node

from .clients import ClientFacts, NewClient, check_new_client, no_client
from .deliveries import DeliveryFacts, DeliveryInput, check_delivery_items, cost_deliveries, new_days
from .episodes import NewEpisode, check_episode_end, check_new_episode, episode_values, no_episode, service
from .import_bulk import insert_with_ids
from .import_facts import BatchFacts
from .import_lookups import Lookups
from .models import Client, Delivery, ServiceEpisode, utcnow

ID_KEYS = ("clientId", "episodeId")
NO_RESPITE: Counter = Counter()  # the respite days of a service that is not respite care: none, never changed


class BatchWriter:
    """Checks a batch's records on its facts and keeps the accepted rows until :meth:`write`."""

    def __init__(self, node: Node, facts: BatchFacts, known: Lookups) -> None:
        self.node = node
        self.today = node.today()
        self.known = known
        self.facts = facts
        self.clients = dict(facts.clients)
        self.episodes = dict(facts.episodes)
        self.delivered = known.delivered
        """Days recorded before the batch (episode id, day)."""
        self.recorded: set[tuple[int, date]] = set()
        """Days recorded by the batch."""
        self.new_clients: list[SimpleNamespace] = []
        self.new_episodes: list[SimpleNamespace] = []
        self.new_deliveries: list[dict] = []
        self.delivery_ids: list[int] = []
        """The provisional id of each of :attr:`new_deliveries`."""
        self.ended: dict[int, SimpleNamespace] = {}
        """Episodes written before that the batch ends."""
        self._last_id = 0

    def _new_id(self) -> int:
        self._last_id -= 1
        return self._last_id

    # -- what the import flow asks (see core.store.import_writers.Writer) ---------------------------

    def savepoint(self, session: AsyncSession):
        return contextlib.nullcontext()  # nothing is written before the whole batch is checked

    async def flush(self, session: AsyncSession) -> None:
        return None

    async def register_client(self, session: AsyncSession, data: NewClient) -> SimpleNamespace:
        # a personal code registered before was linked by the flow: none of these codes is taken
        child = None if data.represents_client_id is None else self.clients.get(data.represents_client_id)
        code = self.known.personal_code(data.personal_code, self.today)  # parsed by the flow already
        values = check_new_client(self.node, data, ClientFacts(child, code=code), self.today)
        client = SimpleNamespace(id=self._new_id(), care_level=None, **values)
        self.clients[client.id] = client
        self.new_clients.append(client)
        return client

    async def start_episode(self, session: AsyncSession, data: NewEpisode) -> SimpleNamespace:
        if data.place_id is not None or data.plan_item_id is not None:
            raise NotImplementedError("imported episodes have no place or plan item")
        client = self.clients.get(data.client_id)
        if client is None:
            raise no_client(data.client_id)
        draft = check_new_episode(self.node, data, client, self.today)
        episode = SimpleNamespace(id=self._new_id(), **episode_values(data, draft))
        self.episodes[episode.id] = episode
        self.new_episodes.append(episode)
        first = self.facts.first_service.get(client.id)
        if first is None or data.start_date < first:
            self.facts.first_service[client.id] = data.start_date
        return episode

    async def end_episode(self, session: AsyncSession, episode_id: int, end: date) -> SimpleNamespace:
        episode = await self.get_episode(session, episode_id)
        last = self.facts.last_delivery.get(episode_id)
        check_episode_end(episode, end, self.today, last if last is not None and last > end else None)
        episode.end_date = end
        if episode_id > 0:
            self.ended[episode_id] = episode
        return episode

    async def record_deliveries(self, session: AsyncSession, episode_id: int, items: list[DeliveryInput]) -> list[int]:
        episode = await self.get_episode(session, episode_id)
        svc = service(self.node, episode.service_code)
        parsed = check_delivery_items(svc, episode, items, self.today)
        existing = {d for d, _ in parsed if (episode_id, d) in self.delivered or (episode_id, d) in self.recorded}
        parsed = new_days(parsed, existing, skip_existing=True)
        if not parsed:
            return []
        client = self.clients[episode.client_id]
        respite = self.facts.respite.setdefault(client.id, Counter()) if is_respite(svc) else NO_RESPITE
        facts = DeliveryFacts(respite, self.facts.first_service.get(client.id), self.facts.rates.get(svc.code, []),
                              client.care_level, client.residence == Residence.LEFT_INSTITUTION)
        rows = cost_deliveries(self.node, svc, episode, parsed, facts)
        ids = [self._new_id() for _ in rows]
        self.new_deliveries.extend(rows)
        self.delivery_ids.extend(ids)
        days = [d for d, _ in parsed]
        self.recorded.update((episode_id, d) for d in days)
        if is_respite(svc):
            respite.update(d.year for d in days)
        last = self.facts.last_delivery.get(episode_id)
        self.facts.last_delivery[episode_id] = max(days) if last is None else max(last, *days)
        return ids

    async def get_episode(self, session: AsyncSession, episode_id: int) -> SimpleNamespace:
        episode = self.episodes.get(episode_id)
        if episode is None:
            raise no_episode(episode_id)
        return episode

    # -- the bulk write ------------------------------------------------------------------------------

    async def write(self, session: AsyncSession) -> dict[int, int]:
        """Insert the accepted rows (clients, episodes, deliveries), end the episodes; provisional id -> id."""
        real: dict[int, int] = {}
        now = utcnow()
        waiting = self.new_clients
        while waiting:  # a representative whose child is new too waits for the child's id
            ready = [c for c in waiting if _can_point(c.represents_client_id, real)]
            if not ready:
                raise RuntimeError("representatives wait for children that are not in the batch")
            waiting = [c for c in waiting if not _can_point(c.represents_client_id, real)]
            await self._insert(session, Client, ready, real, "represents_client_id", created_at=now, updated_at=now)
        await self._insert(session, ServiceEpisode, self.new_episodes, real, "client_id", created_at=now)
        for row in self.new_deliveries:
            if row["episode_id"] < 0:
                row["episode_id"] = real[row["episode_id"]]
        ids = await insert_with_ids(session, Delivery.__table__, self.new_deliveries)  # type: ignore[attr-defined]
        real.update(zip(self.delivery_ids, ids, strict=True))
        if self.ended:
            await session.execute(
                update(ServiceEpisode.__table__).where(ServiceEpisode.__table__.c.id == bindparam("episode_id")),
                [{"episode_id": i, "end_date": e.end_date} for i, e in self.ended.items()],
            )
        return real

    @staticmethod
    async def _insert(session: AsyncSession, model, objects: list[SimpleNamespace], real: dict[int, int],
                      pointer: str, **extra) -> None:
        """Insert ``objects`` (their attributes are the table's columns, ``id`` provisional); ``pointer`` is a
        column that may hold a provisional id of a row written before."""
        provisional, rows = [], []
        for obj in objects:
            row = dict(vars(obj))
            provisional.append(row.pop("id"))
            if row[pointer] is not None and row[pointer] < 0:
                row[pointer] = real[row[pointer]]
            row.update(extra)
            rows.append(row)
        ids = await insert_with_ids(session, model.__table__, rows)
        real.update(zip(provisional, ids, strict=True))


def _can_point(object_id: int | None, real: dict[int, int]) -> bool:
    """A row can point at ``object_id`` once it is in the database."""
    return object_id is None or object_id > 0 or object_id in real


def resolve_events(batch_events: list[events.Event], real: dict[int, int]) -> None:
    """The ids the database gave in place of the provisional ones, in the events of the batch (not told yet)."""
    for event in batch_events:
        data = event.data
        for key in ID_KEYS:
            if key in data and data[key] < 0:
                data[key] = real[data[key]]
        if "deliveryIds" in data:
            data["deliveryIds"] = [real[i] if i < 0 else i for i in data["deliveryIds"]]
