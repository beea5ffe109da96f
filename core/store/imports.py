"""The import runner: records from an importer plugin, through the API's write path, in batches.

Each record is written in its own SAVEPOINT with the same functions the
GraphQL API calls (``register_client``, ``start_episode``,
``record_deliveries``), so a refused record leaves nothing behind and never
takes good records down with it; a batch of records is committed at once.
Re-running an import writes nothing new: a record's ``external_id`` is kept in
``external_refs`` per municipal system, and deliveries are unique per episode
and day. Events are told to plugins after each batch commits.
"""

from __future__ import annotations

import itertools
import logging
import re
from collections import Counter
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import insert, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from core import events
from core.domain.errors import DomainError, DomainErrors, InvalidValue, UnknownObject
from core.domain.personal_code import parse_personal_code
from core.imports import (
    ClientRecord,
    DeliveryRecord,
    EpisodeRecord,
    ImportContext,
    Importer,
    ImportSourceError,
    Record,
    RejectedRecord,
)
from core.node import Node

from .clients import NewClient, register_client
from .deliveries import DeliveryInput, record_deliveries
from .engine import is_sqlite
from .episodes import NewEpisode, end_episode, get_episode, start_episode
from .models import Client, Delivery, ExternalRef, ServiceEpisode

log = logging.getLogger("kopiena.imports")

BATCH_SIZE = 500
_IN_CHUNK = 500
_INDEXED = re.compile(r"^deliveries\.(\d+)\.(\w+)$")


class ReferenceRefused(DomainError):
    """A record points at a client or episode that was refused earlier in the same import."""

    code = "REFERENCE_REFUSED"


class ImporterFailed(Exception):
    """The importer plugin itself raised: what was committed before stays, the run stops."""


@dataclass(frozen=True)
class Rejection:
    """One refused record, as the reject file lists it."""

    line: int
    kind: str
    external_id: str | None
    field: str | None
    code: str
    message: str


@dataclass
class ImportReport:
    importer: str
    source: str
    system: str
    read: Counter = field(default_factory=Counter)
    written: Counter = field(default_factory=Counter)
    linked: Counter = field(default_factory=Counter)
    updated: Counter = field(default_factory=Counter)
    unchanged: Counter = field(default_factory=Counter)
    rejected: list[Rejection] = field(default_factory=list)
    lines: set[int] = field(default_factory=set)
    last_line: int = 0
    batches: int = 0
    error: str | None = None

    @property
    def by_reason(self) -> Counter:
        return Counter(r.code for r in self.rejected)

    @property
    def rejected_lines(self) -> set[int]:
        return {r.line for r in self.rejected}

    @property
    def ok(self) -> bool:
        return self.error is None


def _errors(exc: DomainError | DomainErrors) -> list[DomainError]:
    return list(exc.errors) if isinstance(exc, DomainErrors) else [exc]


async def _aiter(records) -> AsyncIterator[Record]:
    """Iterate a sync or async importer; anything it raises becomes :class:`ImporterFailed`."""
    if hasattr(records, "__aiter__"):
        iterator = records.__aiter__()
        while True:
            try:
                record = await iterator.__anext__()
            except StopAsyncIteration:
                return
            except ImportSourceError:
                raise
            except Exception as exc:
                raise ImporterFailed(f"{type(exc).__name__}: {exc}") from exc
            yield record
    iterator = iter(records)
    while True:
        try:
            record = next(iterator)
        except StopIteration:
            return
        except ImportSourceError:
            raise
        except Exception as exc:
            raise ImporterFailed(f"{type(exc).__name__}: {exc}") from exc
        yield record


async def _begin_for_real(session: AsyncSession) -> None:
    """pysqlite/aiosqlite do not emit BEGIN before a SAVEPOINT, and releasing such a savepoint would
    commit it: start the batch's transaction ourselves so that savepoints nest inside it."""
    bind = session.get_bind()
    if not is_sqlite(str(bind.url)):
        return
    conn = await session.connection()
    raw = await conn.get_raw_connection()
    if not raw.driver_connection.in_transaction:
        await session.execute(text("BEGIN"))


@dataclass(frozen=True)
class Done:
    """What writing one record did: which counter it adds to, the id it maps to, the event to tell."""

    outcome: str
    object_id: int | None = None
    event: events.Event | None = None


class ImportRun:
    """Writes the records of one import; keeps the ids it has seen and the records it refused."""

    def __init__(self, node: Node, importer: Importer, report: ImportReport,
                 progress: Callable[[ImportReport], None] | None = None) -> None:
        self.node = node
        self.importer = importer
        self.report = report
        self.system = report.system
        self.progress = progress or (lambda _report: None)
        self.refs: dict[tuple[str, str], int] = {}
        self.absent: set[tuple[str, str]] = set()
        self.refused: dict[tuple[str, str], Rejection] = {}
        self.ends: dict[int, date | None] = {}
        self.new_refs: list[tuple[str, str, int]] = []
        self.codes: dict[str, tuple[int, str]] = {}
        self.delivered: set[tuple[int, date]] = set()
        self.events: list[events.Event] = []
        # the session's identity map holds objects weakly: keep the batch's clients and episodes alive so
        # that the write path's session.get() finds them instead of selecting them again
        self.loaded: list[Client | ServiceEpisode] = []

    # -- external ids -------------------------------------------------------------------------

    async def _prefetch(self, session: AsyncSession, batch: list[Record]) -> None:
        """Load the refs a batch refers to with one query per kind, not one per record."""
        wanted: dict[str, set[str]] = {"client": set(), "episode": set()}
        for r in batch:
            if isinstance(r, ClientRecord):
                wanted["client"].add(r.external_id)
                if r.represents_external_id:
                    wanted["client"].add(r.represents_external_id)
            elif isinstance(r, EpisodeRecord):
                wanted["episode"].add(r.external_id)
                wanted["client"].add(r.client_external_id)
            elif isinstance(r, DeliveryRecord):
                wanted["episode"].add(r.episode_external_id)
        self.absent.clear()
        for kind, ids in wanted.items():
            for chunk in _chunks(sorted(i for i in ids if (kind, i) not in self.refs)):
                rows = await session.execute(select(ExternalRef.external_id, ExternalRef.object_id).where(
                    ExternalRef.system == self.system, ExternalRef.kind == kind,
                    ExternalRef.external_id.in_(chunk)))  # type: ignore[attr-defined]
                found = dict(rows.all())
                for ext in chunk:
                    if ext in found:
                        self.refs[(kind, ext)] = found[ext]
                    else:
                        self.absent.add((kind, ext))
        await self._prefetch_episodes(session, batch)
        await self._prefetch_codes(session, batch)

    async def _prefetch_codes(self, session: AsyncSession, batch: list[Record]) -> None:
        """Clients already registered (by hand, or from another system) under the batch's personal codes."""
        codes = set()
        for r in batch:
            if isinstance(r, ClientRecord) and ("client", r.external_id) not in self.refs:
                try:
                    codes.add(parse_personal_code(r.personal_code, today=self.node.today()).value)
                except DomainError:
                    continue  # refused with its reason when the record is written
        for chunk in _chunks(sorted(codes - self.codes.keys())):
            rows = await session.execute(select(Client.personal_code, Client.id, Client.target_group)
                                         .where(Client.personal_code.in_(chunk)))  # type: ignore[attr-defined]
            self.codes.update({code: (cid, group) for code, cid, group in rows.all()})

    async def _prefetch_episodes(self, session: AsyncSession, batch: list[Record]) -> None:
        """Episodes and clients the batch refers to, and their deliveries on the batch's days, in a few
        queries: the write path then finds them in the session instead of asking once per record, and a
        re-import finds everything in memory."""
        self.ends.clear()
        self.delivered.clear()
        episode_ids = {self.refs[key] for key in _episode_keys(batch) if key in self.refs}
        for ids in _chunks(sorted(episode_ids)):
            found = (await session.execute(select(ServiceEpisode).where(
                ServiceEpisode.id.in_(ids)))).scalars().all()  # type: ignore[union-attr]
            self.loaded.extend(found)
            self.ends.update({e.id: e.end_date for e in found})  # type: ignore[misc]
        days = [r.date for r in batch if isinstance(r, DeliveryRecord)]
        for ids in _chunks(sorted(episode_ids)) if days else []:
            rows = await session.execute(select(Delivery.episode_id, Delivery.date).where(
                Delivery.episode_id.in_(ids), Delivery.date >= min(days), Delivery.date <= max(days)))  # type: ignore[attr-defined]
            self.delivered.update((e, d) for e, d in rows.all())
        client_ids = {self.refs[("client", r.client_external_id)] for r in batch if isinstance(r, EpisodeRecord)
                      and ("client", r.client_external_id) in self.refs
                      and ("episode", r.external_id) not in self.refs}
        client_ids |= {e.client_id for e in self.loaded if isinstance(e, ServiceEpisode)}
        for ids in _chunks(sorted(client_ids)):
            self.loaded.extend((await session.execute(select(Client).where(
                Client.id.in_(ids)))).scalars().all())  # type: ignore[union-attr]

    async def ref(self, session: AsyncSession, kind: str, external_id: str) -> int | None:
        key = (kind, external_id)
        if key in self.refs:
            return self.refs[key]
        if key in self.absent:
            return None
        found = await session.scalar(select(ExternalRef.object_id).where(
            ExternalRef.system == self.system, ExternalRef.kind == kind, ExternalRef.external_id == external_id))
        if found is not None:
            self.refs[key] = found
        return found

    async def parent(self, session: AsyncSession, kind: str, external_id: str, field: str) -> int:
        """The id of an earlier record this one refers to, or a clear reason why there is none."""
        found = await self.ref(session, kind, external_id)
        if found is not None:
            return found
        refused = self.refused.get((kind, external_id))
        if refused is not None:
            raise ReferenceRefused(
                f"The {kind} {external_id} was refused on line {refused.line} ({refused.code}).", field=field)
        raise UnknownObject(f"No {kind} with the external id {external_id!r} was imported from {self.system}.",
                            field=field)

    async def _save_refs(self, session: AsyncSession) -> None:
        """The batch's new external ids in one statement (the run keeps them in memory until then)."""
        if self.new_refs:
            await session.execute(insert(ExternalRef), [
                {"system": self.system, "kind": kind, "external_id": ext, "object_id": object_id}
                for kind, ext, object_id in self.new_refs])
            self.new_refs.clear()

    # -- outcomes ------------------------------------------------------------------------------

    def column(self, name: str | None) -> str | None:
        if name is None:
            return None
        return self.importer.columns.get(name, name)

    def reject(self, record: Record, errors: list[DomainError]) -> None:
        first = errors[0]
        rejection = Rejection(record.line, record.kind, getattr(record, "external_id", None),
                              self.column(first.field), first.code, "; ".join(e.message for e in errors))
        self.report.rejected.append(rejection)
        if rejection.external_id is not None and record.kind in ("client", "episode"):
            self.refused[(record.kind, rejection.external_id)] = rejection

    def _event(self, type_: str, **data) -> events.Event:
        return events.Event(type_, self.node.region, {**data, "source": f"import:{self.system}"})

    async def attempt(self, session: AsyncSession, record: ClientRecord | EpisodeRecord, action) -> bool:
        """Run ``action`` in a savepoint: either all it wrote stays, or nothing does."""
        try:
            async with session.begin_nested():
                done: Done = await action(session, record)
                await session.flush()
        except (DomainError, DomainErrors) as exc:
            self.reject(record, _errors(exc))
            return False
        except IntegrityError as exc:
            self.reject(record, [DomainError(f"The database refused the record: {exc.orig}", code="CONFLICT")])
            return False
        # counted only now: a record whose savepoint was rolled back left no trace, not even here
        getattr(self.report, done.outcome)[record.kind] += 1
        if done.object_id is not None:
            key = (record.kind, record.external_id)
            self.refs[key] = done.object_id
            self.absent.discard(key)
            self.new_refs.append((*key, done.object_id))
        if done.event is not None:
            self.events.append(done.event)
        return True

    # -- the three kinds of record ------------------------------------------------------------

    async def client(self, session: AsyncSession, r: ClientRecord):
        if await self.ref(session, "client", r.external_id) is not None:
            return Done("unchanged")
        code = parse_personal_code(r.personal_code, today=self.node.today())
        existing = self.codes.get(code.value)
        if existing is not None:  # registered by hand or by another system: the same person, linked
            if existing[1] != r.target_group:
                raise InvalidValue(f"This person is registered in the target group {existing[1]}, "
                                   f"not {r.target_group}.", field="targetGroup")
            return Done("linked", existing[0])
        represents = None
        if r.represents_external_id:
            represents = await self.parent(session, "client", r.represents_external_id, "representsClientId")
        client = await register_client(session, self.node, NewClient(
            personal_code=r.personal_code, given_name=r.given_name, family_name=r.family_name,
            target_group=r.target_group, municipality_code=r.municipality_code, birth_date=r.birth_date,
            address=r.address, diagnosis=r.diagnosis, recipient_kind=r.recipient_kind,
            represents_client_id=represents))
        self.codes[client.personal_code] = (client.id, client.target_group)  # type: ignore[assignment]
        self.loaded.append(client)
        return Done("written", client.id, self._event(
            events.CLIENT_REGISTERED, clientId=client.id, targetGroup=client.target_group,
            recipientKind=client.recipient_kind, municipalityCode=client.municipality_code))

    async def episode(self, session: AsyncSession, r: EpisodeRecord):
        known = await self.ref(session, "episode", r.external_id)
        if known is not None:
            episode = await get_episode(session, known)
            if r.end_date is not None and episode.end_date is None:  # the system says it has ended since
                await end_episode(session, self.node, known, r.end_date)
                return Done("updated", None, self._event(
                    events.EPISODE_ENDED, episodeId=known, clientId=episode.client_id,
                    serviceCode=episode.service_code, endDate=r.end_date.isoformat()))
            return Done("unchanged")
        client_id = await self.parent(session, "client", r.client_external_id, "clientExternalId")
        episode = await start_episode(session, self.node, NewEpisode(
            client_id=client_id, service_code=r.service_code, granted_by=r.granted_by, start_date=r.start_date,
            end_date=r.end_date))
        self.loaded.append(episode)
        return Done("written", episode.id, self._event(
            events.EPISODE_STARTED, episodeId=episode.id, clientId=client_id, serviceCode=episode.service_code,
            grantedBy=episode.granted_by, startDate=episode.start_date.isoformat()))

    async def deliveries(self, session: AsyncSession, records: list[DeliveryRecord]) -> None:
        """One episode's consecutive deliveries in one call; refused rows are set aside and the rest retried."""
        first = records[0]
        try:
            episode_id = await self.parent(session, "episode", first.episode_external_id, "episodeExternalId")
        except DomainError as exc:
            for r in records:
                self.reject(r, [exc])
            return
        pending = [r for r in records if (episode_id, r.date) not in self.delivered]
        if len(pending) < len(records):  # recorded by an earlier run: nothing to check or write
            self.report.unchanged["delivery"] += len(records) - len(pending)
        while pending:
            try:
                async with session.begin_nested():
                    rows = await record_deliveries(session, self.node, episode_id,
                                                   [DeliveryInput(r.date, r.units) for r in pending],
                                                   skip_existing=True)
            except (DomainError, DomainErrors) as exc:
                pending = await self._set_aside(session, episode_id, pending, _errors(exc))
                continue
            await self._delivered(session, episode_id, rows, len(pending) - len(rows))
            return

    async def _set_aside(self, session: AsyncSession, episode_id: int, pending: list[DeliveryRecord],
                         errors: list[DomainError]) -> list[DeliveryRecord]:
        by_index: dict[int, list[DomainError]] = {}
        whole = []
        for e in errors:
            m = _INDEXED.match(e.field or "")
            if m:
                by_index.setdefault(int(m.group(1)), []).append(DomainError(e.message, field=m.group(2), code=e.code))
            else:
                whole.append(e)
        if whole and len(pending) == 1:
            self.reject(pending[0], whole + by_index.get(0, []))
            return []
        if whole:  # a rule on the batch as a whole (respite days, a plugin's rule): find who breaks it
            for r in pending:
                await self.deliveries(session, [r])
            return []
        for i, errs in by_index.items():
            self.reject(pending[i], errs)
        return [r for i, r in enumerate(pending) if i not in by_index]

    async def _delivered(self, session: AsyncSession, episode_id: int, rows: list[Delivery], unchanged: int
                         ) -> None:
        written = len(rows)
        self.report.written["delivery"] += written
        self.report.unchanged["delivery"] += unchanged
        if written:
            episode = await get_episode(session, episode_id)  # in the session already: no query
            self.events.append(self._event(events.DELIVERIES_RECORDED, episodeId=episode_id,
                                           clientId=episode.client_id, serviceCode=episode.service_code,
                                           deliveryIds=[r.id for r in rows]))

    # -- batches -------------------------------------------------------------------------------

    async def write_batch(self, batch: list[Record]) -> None:
        async with self.node.sessions() as session:
            async with session.begin():
                await _begin_for_real(session)
                await self._prefetch(session, batch)
                for _key, group in itertools.groupby(batch, key=_group_key):
                    await self._write_group(session, list(group))
                await self._save_refs(session)
        self.report.batches += 1
        for event in self.events:
            events.dispatch(self.node.pm, event)
        self.events.clear()
        self.loaded.clear()

    async def _write_group(self, session: AsyncSession, group: list[Record]) -> None:
        for r in group:
            self.report.read[r.kind] += 1
            self.report.lines.add(r.line)
            self.report.last_line = max(self.report.last_line, r.line)
        first = group[0]
        if isinstance(first, DeliveryRecord):
            await self.deliveries(session, group)  # type: ignore[arg-type]
        elif isinstance(first, RejectedRecord):
            self.reject(first, [DomainError(first.message, field=first.field, code=first.code)])
        elif isinstance(first, ClientRecord):
            if await self.ref(session, "client", first.external_id) is not None:
                self.report.unchanged["client"] += 1  # imported before: no savepoint needed
            else:
                await self.attempt(session, first, self.client)
        elif isinstance(first, EpisodeRecord):
            known = await self.ref(session, "episode", first.external_id)
            if known is not None and known in self.ends and (first.end_date is None or self.ends[known]):
                self.report.unchanged["episode"] += 1
            else:
                await self.attempt(session, first, self.episode)
        else:
            self.reject(first, [InvalidValue(f"{type(first).__name__} is not an import record.", field=None)])
        self.progress(self.report)


def _episode_keys(batch: list[Record]) -> set[tuple[str, str]]:
    keys = {("episode", r.external_id) for r in batch if isinstance(r, EpisodeRecord)}
    return keys | {("episode", r.episode_external_id) for r in batch if isinstance(r, DeliveryRecord)}


def _chunks(items: list) -> list[list]:
    return [items[i:i + _IN_CHUNK] for i in range(0, len(items), _IN_CHUNK)]


def _group_key(record: Record):
    if isinstance(record, DeliveryRecord):
        return ("delivery", record.episode_external_id)
    return ("one", id(record))


def _open(importer: Importer, source: str, context: ImportContext):
    try:
        return importer.read(source, context)
    except ImportSourceError:
        raise
    except Exception as exc:
        raise ImporterFailed(f"{type(exc).__name__}: {exc}") from exc


async def run_import(node: Node, importer: Importer, source: str, *, system: str | None = None,
                     batch_size: int = BATCH_SIZE, options: dict[str, str] | None = None,
                     progress: Callable[[ImportReport], None] | None = None) -> ImportReport:
    """Import ``source`` with ``importer``; the report says what was read, written and refused and why.

    Never raises for bad data or a failing importer: ``report.error`` says why the run stopped.
    """
    report = ImportReport(importer.name, source, system or importer.name)
    run = ImportRun(node, importer, report, progress)
    context = ImportContext(node.region, node.registry.municipalities, node.registry.catalogue, node.today(),
                            report.system, options or {})
    batch: list[Record] = []
    try:
        try:
            async for record in _aiter(_open(importer, source, context)):
                batch.append(record)
                if len(batch) >= batch_size:
                    await run.write_batch(batch)
                    batch = []
        except ImportSourceError as exc:
            report.error = str(exc)
        except ImporterFailed as exc:
            report.error = f"the importer {importer.name!r} failed after line {_last(batch, report)}: {exc}"
            log.error("%s", report.error, exc_info=exc.__cause__)
        if batch:  # whole records read before a failure are still written: each stands on its own
            await run.write_batch(batch)
    except Exception as exc:  # the database, or a bug: the open batch is rolled back, earlier ones stay
        log.exception("import stopped while writing")
        report.error = report.error or f"writing stopped near line {_last(batch, report)}: {type(exc).__name__}: {exc}"
    return report


def _last(batch: list[Record], report: ImportReport) -> int:
    return max([report.last_line, *(r.line for r in batch)])
