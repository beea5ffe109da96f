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
from .models import Client, Delivery, ServiceEpisode, utcnow

CLIENT_COLUMNS = (
    "personal_code", "given_name", "family_name", "birth_date", "address", "diagnosis", "target_group",
    "recipient_kind", "represents_client_id", "municipality_code", "residence", "institution_id",
    "preparing_since", "left_institution_on",
)
EPISODE_COLUMNS = ("client_id", "service_code", "place_id", "granted_by", "start_date", "end_date", "plan_item_id")
DELIVERY_COLUMNS = ("episode_id", "date", "units", "rate_id", "cost", "funding_source")
ID_KEYS = ("clientId", "episodeId")


class BatchWriter:
    """Checks a batch's records on its facts and keeps the accepted rows until :meth:`write`."""

    def __init__(self, node: Node, facts: BatchFacts, delivered: set[tuple[int, date]]) -> None:
        self.node = node
        self.today = node.today()
        self.facts = facts
        self.clients = dict(facts.clients)
        self.episodes = dict(facts.episodes)
        self.delivered = delivered
        """Days recorded before the batch (episode id, day)."""
        self.recorded: set[tuple[int, date]] = set()
        """Days recorded by the batch."""
        self.new_clients: list[SimpleNamespace] = []
        self.new_episodes: list[SimpleNamespace] = []
        self.new_deliveries: list[SimpleNamespace] = []
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
        values = check_new_client(self.node, data, ClientFacts(child), self.today)
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

    async def record_deliveries(
        self, session: AsyncSession, episode_id: int, items: list[DeliveryInput]
    ) -> list[SimpleNamespace]:
        episode = await self.get_episode(session, episode_id)
        svc = service(self.node, episode.service_code)
        parsed = check_delivery_items(svc, episode, items, self.today)
        existing = {d for d, _ in parsed if (episode_id, d) in self.delivered or (episode_id, d) in self.recorded}
        parsed = new_days(parsed, existing, skip_existing=True)
        if not parsed:
            return []
        client = self.clients[episode.client_id]
        respite = self.facts.respite.setdefault(client.id, Counter())
        facts = DeliveryFacts(respite, self.facts.first_service.get(client.id), self.facts.rates.get(svc.code, []),
                              client.care_level, client.residence == Residence.LEFT_INSTITUTION)
        costed = cost_deliveries(self.node, svc, episode, parsed, facts)
        rows = [SimpleNamespace(id=self._new_id(), **values) for values in costed]
        self.new_deliveries.extend(rows)
        for day, _units in parsed:
            self.recorded.add((episode_id, day))
            if is_respite(svc):
                respite[day.year] += 1
            last = self.facts.last_delivery.get(episode_id)
            if last is None or day > last:
                self.facts.last_delivery[episode_id] = day
        return rows

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

        def resolve(object_id):
            return real[object_id] if object_id is not None and object_id < 0 else object_id

        waiting = self.new_clients
        while waiting:  # a representative whose child is new too waits for the child's id
            ready = [c for c in waiting if _can_point(c.represents_client_id, real)]
            if not ready:
                raise RuntimeError("representatives wait for children that are not in the batch")
            waiting = [c for c in waiting if not _can_point(c.represents_client_id, real)]
            rows = [_row(c, CLIENT_COLUMNS, resolve, represents_client_id=True, created_at=now, updated_at=now)
                    for c in ready]
            ids = await insert_with_ids(session, Client.__table__, rows)  # type: ignore[attr-defined]
            real.update(zip((c.id for c in ready), ids, strict=True))
        rows = [_row(e, EPISODE_COLUMNS, resolve, client_id=True, created_at=now) for e in self.new_episodes]
        ids = await insert_with_ids(session, ServiceEpisode.__table__, rows)  # type: ignore[attr-defined]
        real.update(zip((e.id for e in self.new_episodes), ids, strict=True))
        rows = [_row(d, DELIVERY_COLUMNS, resolve, episode_id=True) for d in self.new_deliveries]
        ids = await insert_with_ids(session, Delivery.__table__, rows)  # type: ignore[attr-defined]
        real.update(zip((d.id for d in self.new_deliveries), ids, strict=True))
        if self.ended:
            await session.execute(
                update(ServiceEpisode.__table__).where(ServiceEpisode.__table__.c.id == bindparam("episode_id")),
                [{"episode_id": i, "end_date": e.end_date} for i, e in self.ended.items()],
            )
        return real


def _can_point(object_id: int | None, real: dict[int, int]) -> bool:
    """A row can point at ``object_id`` once it is in the database."""
    return object_id is None or object_id > 0 or object_id in real


def _row(obj: SimpleNamespace, columns: tuple[str, ...], resolve, **extra) -> dict:
    """The row of ``obj`` to insert; the columns named ``True`` in ``extra`` hold ids to resolve."""
    row = {c: getattr(obj, c) for c in columns}
    for name, value in extra.items():
        row[name] = resolve(row[name]) if value is True else value
    return row


def resolve_event(event: events.Event, real: dict[int, int]) -> events.Event:
    """The event with the ids the database gave instead of the provisional ones."""
    data = dict(event.data)
    for key in ID_KEYS:
        if isinstance(data.get(key), int) and data[key] < 0:
            data[key] = real[data[key]]
    if "deliveryIds" in data:
        data["deliveryIds"] = [real[i] if i < 0 else i for i in data["deliveryIds"]]
    return events.Event(event.type, event.region, data, event.at)
