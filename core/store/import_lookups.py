"""What an import run knows about the database: external ids, personal codes, episodes and their deliveries.

Loaded once per batch with a few ``IN (...)`` queries instead of once per
record, and kept up to date as records are written. While a line is tried
optimistically (all its records in one savepoint), what it adds is journalled,
so that it can be forgotten if the line is tried again record by record.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.domain.errors import DomainError
from core.domain.personal_code import PersonalCode, parse_personal_code
from core.imports import ClientRecord, DeliveryRecord, EpisodeRecord, Record

from .import_bulk import insert_rows
from .models import Client, Delivery, ExternalRef, ServiceEpisode

IN_CHUNK = 500
Key = tuple[str, str]


def chunks(items: list) -> list[list]:
    return [items[i : i + IN_CHUNK] for i in range(0, len(items), IN_CHUNK)]


class Lookups:
    def __init__(self, system: str, today: date) -> None:
        self.system = system
        self.today = today
        self.refs: dict[Key, int] = {}
        """(kind, external id) -> object id, for this system."""
        self.absent: set[Key] = set()
        """Ids of the batch known not to be in ``external_refs``."""
        self.codes: dict[str, tuple[int, str]] = {}
        """Personal code -> (client id, target group) of clients already registered."""
        self.ends: dict[int, date | None] = {}
        self.delivered: set[tuple[int, date]] = set()
        self.new_refs: list[tuple[str, str, int]] = []
        self.parsed: dict[tuple[str, date], PersonalCode] = {}
        """Personal codes parsed already (a person has several rows)."""
        # the session's identity map holds objects weakly: keep the batch's clients and episodes alive so
        # that the write path's session.get() finds them instead of selecting them again
        self.loaded: list[Client | ServiceEpisode] = []
        self._journal: list[tuple[str, object]] | None = None
        self._lengths = (0, 0)

    # -- a batch -----------------------------------------------------------------------------------

    async def prefetch(self, session: AsyncSession, batch: list[Record]) -> None:
        """What the API's write path will look for, loaded into the session (the per-record path)."""
        self.reset()
        await self.load_refs(session, batch)
        await self._episodes(session, batch)
        await self.load_codes(session, batch)

    def reset(self) -> None:
        """Forget what was looked up for the previous batch (ids and personal codes stay)."""
        self.absent.clear()
        self.ends.clear()
        self.delivered.clear()
        self.loaded.clear()

    async def load_refs(self, session: AsyncSession, batch: list[Record]) -> None:
        """The ids the batch's records have or point at, for this system."""
        wanted: set[Key] = set()
        for r in batch:
            if isinstance(r, ClientRecord):
                wanted.add(("client", r.external_id))
                if r.represents_external_id:
                    wanted.add(("client", r.represents_external_id))
            elif isinstance(r, EpisodeRecord):
                wanted |= {("episode", r.external_id), ("client", r.client_external_id)}
            elif isinstance(r, DeliveryRecord):
                wanted.add(("episode", r.episode_external_id))
        for kind in ("client", "episode"):
            for chunk in chunks(sorted(ext for k, ext in wanted if k == kind and (k, ext) not in self.refs)):
                rows = await session.execute(
                    select(ExternalRef.external_id, ExternalRef.object_id).where(
                        ExternalRef.system == self.system,
                        ExternalRef.kind == kind,
                        ExternalRef.external_id.in_(chunk),
                    )
                )  # type: ignore[attr-defined]
                found = dict(rows.all())
                self.refs.update({(kind, ext): found[ext] for ext in chunk if ext in found})
                self.absent.update((kind, ext) for ext in chunk if ext not in found)

    def episode_ids(self, batch: list[Record]) -> list[int]:
        """Ids of the episodes imported before that the batch names (as episodes or as deliveries' episodes)."""
        keys = {("episode", r.external_id) for r in batch if isinstance(r, EpisodeRecord)}
        keys |= {("episode", r.episode_external_id) for r in batch if isinstance(r, DeliveryRecord)}
        return sorted({self.refs[k] for k in keys if k in self.refs})

    async def load_delivered(self, session: AsyncSession, episode_ids: list[int], batch: list[Record]) -> None:
        """The days of the batch's deliveries already recorded for these episodes."""
        days = [r.date for r in batch if isinstance(r, DeliveryRecord)]
        for ids in chunks(episode_ids) if days else []:
            rows = await session.execute(
                select(Delivery.episode_id, Delivery.date).where(
                    Delivery.episode_id.in_(ids), Delivery.date >= min(days), Delivery.date <= max(days)
                )
            )  # type: ignore[attr-defined]
            self.delivered.update((e, d) for e, d in rows.all())

    async def _episodes(self, session: AsyncSession, batch: list[Record]) -> None:
        """Known episodes the batch names (with their clients) and their deliveries on the batch's days: the
        write path then finds them in the session, and a re-import finds everything in memory."""
        episode_ids = self.episode_ids(batch)
        for ids in chunks(episode_ids):
            found = (
                (await session.execute(select(ServiceEpisode).where(ServiceEpisode.id.in_(ids))))
                .scalars()
                .all()
            )  # type: ignore[union-attr]
            self.loaded.extend(found)
            self.ends.update({e.id: e.end_date for e in found})  # type: ignore[misc]
        await self.load_delivered(session, episode_ids, batch)
        client_ids = {
            self.refs[("client", r.client_external_id)]
            for r in batch
            if isinstance(r, EpisodeRecord)
            and ("client", r.client_external_id) in self.refs
            and ("episode", r.external_id) not in self.refs
        }
        client_ids |= {e.client_id for e in self.loaded if isinstance(e, ServiceEpisode)}
        for ids in chunks(sorted(client_ids)):
            self.loaded.extend(
                (await session.execute(select(Client).where(Client.id.in_(ids)))).scalars().all()
            )  # type: ignore[union-attr]

    async def load_codes(self, session: AsyncSession, batch: list[Record]) -> set[int]:
        """Clients already registered (by hand, or from another system) under the batch's personal codes; returns
        their ids."""
        codes = set()
        for r in batch:
            if isinstance(r, ClientRecord) and ("client", r.external_id) not in self.refs:
                try:
                    codes.add(self.personal_code(r.personal_code, self.today).value)
                except DomainError:
                    continue  # refused with its reason when the record is written
        for chunk in chunks(sorted(codes - self.codes.keys())):
            rows = await session.execute(
                select(Client.personal_code, Client.id, Client.target_group).where(
                    Client.personal_code.in_(chunk)
                )
            )  # type: ignore[attr-defined]
            self.codes.update({code: (cid, group) for code, cid, group in rows.all()})
        return {self.codes[c][0] for c in codes if c in self.codes}

    async def save(self, session: AsyncSession) -> None:
        """The batch's new external ids in one statement (kept in memory until then)."""
        rows = [
            {"system": self.system, "kind": kind, "external_id": ext, "object_id": object_id}
            for kind, ext, object_id in self.new_refs
        ]
        await insert_rows(session, ExternalRef.__table__, rows)  # type: ignore[attr-defined]
        self.new_refs.clear()

    # -- records -----------------------------------------------------------------------------------

    def personal_code(self, raw: str, today: date) -> PersonalCode:
        """``parse_personal_code``, once for each code: a code that is refused is parsed (and refused) again."""
        key = (raw, today)
        code = self.parsed.get(key)
        if code is None:
            code = self.parsed[key] = parse_personal_code(raw, today=today)
        return code

    async def ref(self, session: AsyncSession, kind: str, external_id: str) -> int | None:
        key = (kind, external_id)
        if key in self.refs:
            return self.refs[key]
        if key in self.absent:
            return None
        found = await session.scalar(
            select(ExternalRef.object_id).where(
                ExternalRef.system == self.system,
                ExternalRef.kind == kind,
                ExternalRef.external_id == external_id,
            )
        )
        if found is not None:
            self.refs[key] = found  # a committed fact: no journal needed
        return found

    def remember(self, key: Key, object_id: int) -> None:
        """A record just written (or linked) under this external id."""
        self.refs[key] = object_id
        self.new_refs.append((*key, object_id))
        if key in self.absent:
            self.absent.discard(key)
            self._log("absent", key)
        self._log("ref", key)

    def remember_client(self, client: Client) -> None:
        self.codes[client.personal_code] = (client.id, client.target_group)  # type: ignore[assignment]
        self.loaded.append(client)
        self._log("code", client.personal_code)

    def keep(self, obj: Client | ServiceEpisode) -> None:
        self.loaded.append(obj)

    # -- trying a line -----------------------------------------------------------------------------

    def begin(self) -> None:
        self._journal = []
        self._lengths = (len(self.new_refs), len(self.loaded))

    def _log(self, what: str, key: object) -> None:
        if self._journal is not None:
            self._journal.append((what, key))

    def commit(self) -> None:
        self._journal = None

    def undo(self) -> None:
        """Forget what the line added: its savepoint was rolled back."""
        for what, key in reversed(self._journal or []):
            if what == "ref":
                self.refs.pop(key, None)  # type: ignore[call-overload]
            elif what == "absent":
                self.absent.add(key)  # type: ignore[arg-type]
            elif what == "code":
                self.codes.pop(key, None)  # type: ignore[call-overload]
        del self.new_refs[self._lengths[0] :]
        del self.loaded[self._lengths[1] :]
        self._journal = None

    def resolve(self, real: dict[int, int]) -> None:
        """Put the ids the database gave in place of the provisional ones (negative) a batch used while its
        records were checked, in what the batch added."""
        for what, key in self._journal or []:
            if what == "ref" and self.refs[key] < 0:  # type: ignore[index]
                self.refs[key] = real[self.refs[key]]  # type: ignore[index]
            elif what == "code" and self.codes[key][0] < 0:  # type: ignore[index]
                object_id, group = self.codes[key]  # type: ignore[index]
                self.codes[key] = (real[object_id], group)  # type: ignore[index]
        self.new_refs = [(k, e, real[o] if o < 0 else o) for k, e, o in self.new_refs]
