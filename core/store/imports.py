"""The import runner: records from an importer plugin, checked with the API's rules, written in batches.

A batch (``--batch-size`` records) is one transaction. It is written
**set-based**: everything the rules need is looked up for the whole batch in a
few queries, every record is checked in order with the API's own rule
functions and plugin hooks (:mod:`core.store.import_batch`), the refused ones
are reported, and the accepted rows are inserted with one bulk statement per
table. A refused record therefore never reaches the database and never takes
the good ones down. What only the database can refuse (a personal code
registered meanwhile by someone else, a row it has no reference for) makes
the bulk write fail: the batch is then rolled back and written again through
the API's write path itself, each record in a SAVEPOINT of its own
(:class:`~core.store.import_writers.DirectWriter`; the records of one line are
first tried together in one savepoint), which refuses just that record.

Re-running an import writes nothing new: a record's ``external_id`` is kept in
``external_refs`` per municipal system, and deliveries are unique per episode
and day. Events are told to plugins after each batch commits.
"""

from __future__ import annotations

import itertools
import logging
from collections.abc import Callable

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from core import events
from core.heap import frozen_while
from core.imports import ImportContext, Importer, ImportSourceError, Record
from core.node import Node

from .import_batch import BatchWriter, resolve_events
from .import_facts import load_batch_facts
from .import_records import ImportRecords, ReferenceRefused, Refused
from .import_report import ImportReport, Mark
from .import_source import ImporterFailed, open_source, records_of
from .import_writers import DirectWriter

__all__ = ["BATCH_SIZE", "ImportReport", "ImportRun", "ReferenceRefused", "run_import"]

log = logging.getLogger("kopiena.imports")

BATCH_SIZE = 5000


class ImportRun(ImportRecords):
    """Writes the batches of one import: set-based, or record by record when the database refuses that."""

    def __init__(self, *args, set_based: bool = True, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.set_based = set_based

    async def write_batch(self, batch: list[Record]) -> None:
        if not self.set_based:
            await self.write_record_by_record(batch)
        else:
            mark = self.report.mark(r.line for r in batch)
            try:
                await self.write_set_based(batch)
            except IntegrityError as exc:
                log.info("the database refused a batch's bulk write (%s): writing it record by record", exc)
                self._forget(mark)
                await self.write_record_by_record(batch)
        self.report.batches += 1
        for event in self.events:
            events.dispatch(self.node.pm, event)
        self.events.clear()

    async def write_set_based(self, batch: list[Record]) -> None:
        """Check every record on facts looked up at once, then write each table in one statement."""
        self.known.begin()
        self.refused_log = []
        async with self.node.sessions() as session:
            async with session.begin():
                facts = await load_batch_facts(session, self.known, batch)
                writer = self.writer = BatchWriter(self.node, facts, self.known)
                try:
                    await self.write_records(session, batch)  # in order: what a record sees is what came before
                finally:
                    self.writer = DirectWriter(self.node)
                real = await writer.write(session)
                self.known.resolve(real)
                await self.known.save(session)
        resolve_events(self.events, real)
        self.known.commit()
        self.refused_log = None

    def _forget(self, mark: Mark) -> None:
        """Back to before the batch: its rejections, counters, ids, refused records and events."""
        self.report.restore(mark)
        self.known.undo()
        for key, before in reversed(self.refused_log or []):
            if before is None:
                self.refused.pop(key, None)
            else:
                self.refused[key] = before
        self.refused_log = None
        self.events.clear()

    async def write_record_by_record(self, batch: list[Record]) -> None:
        """Every record through the API's write path, in a savepoint of its own."""
        async with self.node.sessions() as session:
            async with session.begin():
                await self.known.prefetch(session, batch)
                for _line, records in itertools.groupby(batch, key=lambda r: r.line):
                    await self.write_line(session, list(records))
                await self.known.save(session)

    async def write_line(self, session: AsyncSession, records: list[Record]) -> None:
        """Try a line's records in one savepoint (most lines are good: two statements instead of one pair per
        record); if any would be refused, forget the try and write them one savepoint each."""
        if len(records) == 1:
            await self.write_records(session, records)
            return
        mark, events_before = self.report.mark(r.line for r in records), len(self.events)
        self.known.begin()
        self.trying = True
        try:
            async with session.begin_nested():
                await self.write_records(session, records)
        except Refused:
            self.trying = False
            self.known.undo()
            self.report.restore(mark)
            del self.events[events_before:]
            await self.write_records(session, records)
        else:
            self.known.commit()
        finally:
            self.trying = False


async def run_import(
    node: Node,
    importer: Importer,
    source: str,
    *,
    system: str | None = None,
    batch_size: int = BATCH_SIZE,
    options: dict[str, str] | None = None,
    progress: Callable[[ImportReport], None] | None = None,
    set_based: bool = True,
) -> ImportReport:
    """Import ``source`` with ``importer``; the report says what was read, written and refused and why.

    Never raises for bad data or a failing importer: ``report.error`` says why the run stopped.
    ``set_based=False`` writes every record through the API's write path in a savepoint of its own (what
    a batch falls back to when the database refuses its bulk write): slower, with the same outcome.
    """
    report = ImportReport(importer.name, source, system or importer.name)
    run = ImportRun(node, importer, report, progress, set_based=set_based)
    context = ImportContext(
        node.region,
        node.registry.municipalities,
        node.registry.catalogue,
        node.today(),
        report.system,
        options or {},
    )
    with frozen_while():  # a batch's objects would set off full collections that walk the whole heap
        await _run(run, importer, source, context, batch_size)
    return report


async def _run(run: ImportRun, importer: Importer, source: str, context: ImportContext, batch_size: int) -> None:
    report, batch = run.report, list[Record]()
    try:
        try:
            async for record in records_of(open_source(importer, source, context)):
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
        report.error = (
            report.error or f"writing stopped near line {_last(batch, report)}: {type(exc).__name__}: {exc}"
        )


def _last(batch: list[Record], report: ImportReport) -> int:
    return max([report.last_line, *(r.line for r in batch)])
