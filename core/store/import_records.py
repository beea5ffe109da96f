"""What an import does with each record: the import's own rules (ids, links, references) on top of the API's.

A client whose id is known is not written again, one whose personal code is
registered is linked, an episode that now has an end date is ended, a record
pointing at a refused one is refused with the line of the cause, and the rows
of a delivery batch that a rule refuses are set aside so that the others are
written. This flow is the same for both ways of writing (a
:class:`~core.store.import_writers.Writer`): through the API's functions in
savepoints (:class:`~core.store.import_writers.DirectWriter`), or with the same
rules on facts looked up for the whole batch and the rows kept for one bulk
write (:class:`~core.store.import_batch.BatchWriter`).
"""

from __future__ import annotations

import contextlib
import itertools
import re
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from core import events
from core.domain.errors import DomainError, DomainErrors, InvalidValue, UnknownObject
from core.imports import ClientRecord, DeliveryRecord, EpisodeRecord, Importer, Record, RejectedRecord
from core.node import Node

from .clients import NewClient
from .deliveries import DeliveryInput
from .episodes import NewEpisode
from .import_lookups import Lookups
from .import_report import ImportReport, Rejection
from .import_writers import DirectWriter, Writer

_INDEXED = re.compile(r"^deliveries\.(\d+)\.(\w+)$")


class ReferenceRefused(DomainError):
    """A record points at a client or episode that was refused earlier in the same import."""

    code = "REFERENCE_REFUSED"


def errors_of(exc: DomainError | DomainErrors) -> list[DomainError]:
    return list(exc.errors) if isinstance(exc, DomainErrors) else [exc]


@dataclass(frozen=True)
class Done:
    """What writing one record did: which counter it adds to, the id it maps to, the event to tell."""

    outcome: str
    object_id: int | None = None
    event: events.Event | None = None


class Refused(Exception):
    """While a line is tried in one savepoint: one of its records would be refused."""


class ImportRecords:
    """The records of one import run: the ids it has seen, the records it refused, the events to tell."""

    def __init__(
        self,
        node: Node,
        importer: Importer,
        report: ImportReport,
        progress: Callable[[ImportReport], None] | None = None,
    ) -> None:
        self.node = node
        self.importer = importer
        self.report = report
        self.system = report.system
        self.source = f"import:{report.system}"
        self.progress = progress or (lambda _report: None)
        self.known = Lookups(report.system, node.today())
        self.refused: dict[tuple[str, str], Rejection] = {}
        self.refused_log: list[tuple[tuple[str, str], Rejection | None]] | None = None
        """While a batch is written set-based: what :attr:`refused` held before each change, to go back."""
        self.events: list[events.Event] = []
        self.writer: Writer = DirectWriter(node)
        self.trying = False
        """True while a line is tried in one savepoint: a refusal then raises :class:`Refused`."""

    # -- outcomes ------------------------------------------------------------------------------

    def column(self, name: str | None) -> str | None:
        return None if name is None else self.importer.columns.get(name, name)

    def reject(self, record: Record, errors: list[DomainError]) -> None:
        if self.trying:
            raise Refused
        first = errors[0]
        rejection = Rejection(
            record.line,
            record.kind,
            getattr(record, "external_id", None),
            self.column(first.field),
            first.code,
            "; ".join(e.message for e in errors),
        )
        self.report.rejected.append(rejection)
        if rejection.external_id is not None and record.kind in ("client", "episode"):
            key = (record.kind, rejection.external_id)
            if self.refused_log is not None:
                self.refused_log.append((key, self.refused.get(key)))
            self.refused[key] = rejection

    def _event(self, type_: str, **data) -> events.Event:
        data["source"] = self.source  # ``data`` is this call's own dict
        return events.Event(type_, self.node.region, data)

    def _savepoint(self, session: AsyncSession):
        """A savepoint of the record's own, unless the whole line is being tried in one."""
        return contextlib.nullcontext() if self.trying else self.writer.savepoint(session)

    async def parent(self, session: AsyncSession, kind: str, external_id: str, field: str) -> int:
        """The id of an earlier record this one refers to, or a clear reason why there is none."""
        found = await self.known.ref(session, kind, external_id)
        if found is not None:
            return found
        refused = self.refused.get((kind, external_id))
        if refused is not None:
            raise ReferenceRefused(
                f"The {kind} {external_id} was refused on line {refused.line} ({refused.code}).", field=field
            )
        raise UnknownObject(
            f"No {kind} with the external id {external_id!r} was imported from {self.system}.", field=field
        )

    async def attempt(self, session: AsyncSession, record: ClientRecord | EpisodeRecord, action) -> None:
        """Run ``action`` in a savepoint: either all it wrote stays, or nothing does."""
        try:
            async with self._savepoint(session):
                done: Done = await action(session, record)
                await self.writer.flush(session)
        except (DomainError, DomainErrors) as exc:
            self.reject(record, errors_of(exc))
            return
        except IntegrityError as exc:
            self.reject(
                record, [DomainError(f"The database refused the record: {exc.orig}", code="CONFLICT")]
            )
            return
        # counted only now: a record whose savepoint was rolled back left no trace, not even here
        getattr(self.report, done.outcome)[record.kind] += 1
        if done.object_id is not None:
            self.known.remember((record.kind, record.external_id), done.object_id)
        if done.event is not None:
            self.events.append(done.event)

    # -- the three kinds of record ------------------------------------------------------------

    async def client(self, session: AsyncSession, r: ClientRecord) -> Done:
        code = self.known.personal_code(r.personal_code, self.node.today())
        existing = self.known.codes.get(code.value)
        if existing is not None:  # registered by hand or by another system: the same person, linked
            if existing[1] != r.target_group:
                raise InvalidValue(
                    f"This person is registered in the target group {existing[1]}, not {r.target_group}.",
                    field="targetGroup",
                )
            return Done("linked", existing[0])
        represents = None
        if r.represents_external_id:
            represents = await self.parent(session, "client", r.represents_external_id, "representsClientId")
        client = await self.writer.register_client(
            session,
            NewClient(
                personal_code=r.personal_code,
                given_name=r.given_name,
                family_name=r.family_name,
                target_group=r.target_group,
                municipality_code=r.municipality_code,
                birth_date=r.birth_date,
                address=r.address,
                diagnosis=r.diagnosis,
                recipient_kind=r.recipient_kind,
                represents_client_id=represents,
            ),
        )
        self.known.remember_client(client)
        event = self._event(events.CLIENT_REGISTERED, clientId=client.id, targetGroup=client.target_group,
                            recipientKind=client.recipient_kind, municipalityCode=client.municipality_code)
        return Done("written", client.id, event)

    async def episode(self, session: AsyncSession, r: EpisodeRecord) -> Done:
        known = await self.known.ref(session, "episode", r.external_id)
        if known is not None:  # imported before, and the system now says it has ended
            episode = await self.writer.end_episode(session, known, r.end_date)  # type: ignore[arg-type]
            event = self._event(events.EPISODE_ENDED, episodeId=known, clientId=episode.client_id,
                                serviceCode=episode.service_code, endDate=episode.end_date.isoformat())
            return Done("updated", None, event)
        client_id = await self.parent(session, "client", r.client_external_id, "clientExternalId")
        episode = await self.writer.start_episode(
            session,
            NewEpisode(
                client_id=client_id,
                service_code=r.service_code,
                granted_by=r.granted_by,
                start_date=r.start_date,
                end_date=r.end_date,
            ),
        )
        self.known.keep(episode)
        event = self._event(events.EPISODE_STARTED, episodeId=episode.id, clientId=client_id,
                            serviceCode=episode.service_code, grantedBy=episode.granted_by,
                            startDate=episode.start_date.isoformat())
        return Done("written", episode.id, event)

    async def deliveries(self, session: AsyncSession, records: list[DeliveryRecord]) -> None:
        """One episode's consecutive deliveries in one call; refused rows set aside, the rest retried."""
        try:
            episode_id = await self.parent(
                session, "episode", records[0].episode_external_id, "episodeExternalId"
            )
        except DomainError as exc:
            for r in records:
                self.reject(r, [exc])
            return
        pending = [r for r in records if (episode_id, r.date) not in self.known.delivered]
        self.report.unchanged["delivery"] += len(records) - len(pending)  # recorded by an earlier run
        while pending:
            try:
                async with self._savepoint(session):
                    ids = await self.writer.record_deliveries(
                        session, episode_id, [DeliveryInput(r.date, r.units) for r in pending]
                    )
            except (DomainError, DomainErrors) as exc:
                if self.trying:
                    raise Refused from exc
                pending = await self._set_aside(session, pending, errors_of(exc))
                continue
            await self._delivered(session, episode_id, ids, len(pending) - len(ids))
            return

    async def _set_aside(
        self, session: AsyncSession, pending: list[DeliveryRecord], errors: list[DomainError]
    ) -> list[DeliveryRecord]:
        """Refuse the rows the errors name; a rule on the batch as a whole is found out row by row."""
        by_index: dict[int, list[DomainError]] = {}
        whole = []
        for e in errors:
            m = _INDEXED.match(e.field or "")
            if m:
                by_index.setdefault(int(m.group(1)), []).append(
                    DomainError(e.message, field=m.group(2), code=e.code)
                )
            else:
                whole.append(e)
        if whole and len(pending) == 1:
            self.reject(pending[0], whole + by_index.get(0, []))
            return []
        if whole:  # respite days of a year, a plugin's rule: who breaks it depends on who came before
            for r in pending:
                await self.deliveries(session, [r])
            return []
        for i, errs in by_index.items():
            self.reject(pending[i], errs)
        return [r for i, r in enumerate(pending) if i not in by_index]

    async def _delivered(self, session: AsyncSession, episode_id: int, ids: list[int], unchanged: int) -> None:
        self.report.written["delivery"] += len(ids)
        self.report.unchanged["delivery"] += unchanged
        if ids:
            episode = await self.writer.get_episode(session, episode_id)
            self.events.append(
                self._event(
                    events.DELIVERIES_RECORDED,
                    episodeId=episode_id,
                    clientId=episode.client_id,
                    serviceCode=episode.service_code,
                    deliveryIds=ids,
                )
            )

    # -- groups of records ---------------------------------------------------------------------

    async def write_records(self, session: AsyncSession, records: list[Record]) -> None:
        for _key, group in itertools.groupby(records, key=_group_key):
            await self._write_group(session, list(group))

    async def _write_group(self, session: AsyncSession, group: list[Record]) -> None:
        first, report = group[0], self.report
        report.read[first.kind] += len(group)  # a group is one record, or deliveries of one episode
        lines = {r.line for r in group} if len(group) > 1 else (first.line,)
        report.lines.update(lines)
        report.last_line = max(report.last_line, *lines)
        if isinstance(first, DeliveryRecord):
            await self.deliveries(session, group)  # type: ignore[arg-type]
        elif isinstance(first, RejectedRecord):
            self.reject(first, [DomainError(first.message, field=first.field, code=first.code)])
        elif isinstance(first, ClientRecord):
            if await self.known.ref(session, "client", first.external_id) is not None:
                self.report.unchanged["client"] += 1  # imported before
            else:
                await self.attempt(session, first, self.client)
        elif isinstance(first, EpisodeRecord):
            await self._episode(session, first)
        else:
            self.reject(first, [InvalidValue(f"{type(first).__name__} is not an import record.", field=None)])
        self.progress(self.report)

    async def _episode(self, session: AsyncSession, record: EpisodeRecord) -> None:
        known = await self.known.ref(session, "episode", record.external_id)
        if known is not None:
            end = (
                self.known.ends[known]
                if known in self.known.ends
                else (await self.writer.get_episode(session, known)).end_date
            )
            if record.end_date is None or end is not None:
                self.report.unchanged["episode"] += 1  # imported before; other changes go through the API
                return
        await self.attempt(session, record, self.episode)


def _group_key(record: Record):
    if isinstance(record, DeliveryRecord):
        return ("delivery", record.episode_external_id)
    return ("one", id(record))
