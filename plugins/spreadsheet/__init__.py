"""The ``spreadsheet`` importer: a municipal social service's CSV or XLSX, one row per person-service episode.

``kopiena import spreadsheet klienti.csv --region zemgale``. Each row gives a
client record (the person, by personal code), an episode record (the service
granted from a start date) and, when the row lists delivery dates, one
delivery record per date. The layout is in :mod:`plugins.spreadsheet.layout`
and in docs/plugins.md.
"""

from __future__ import annotations

import functools
import hashlib
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from core import hookimpl
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

from . import sources
from .layout import (
    COLUMNS,
    FIELD_COLUMNS,
    HEADER,
    RECIPIENTS,
    TARGET_GROUPS,
    CellError,
    match_headers,
    municipality_code,
    parse_date,
    parse_dates,
    parse_units,
    service_code,
    text,
)
from .layout import lookup as label_code


@functools.lru_cache(maxsize=4096)
def client_id(personal_code: str) -> str:
    """A person's external id: derived from the personal code, so every sheet names a person the same way
    without repeating the code itself in ``external_refs``."""
    digits = re.sub(r"\D", "", personal_code)
    return "pk-" + hashlib.blake2b(digits.encode(), digest_size=12).hexdigest()


@dataclass
class _Seen:
    empty: dict[str, str] = field(default_factory=lambda: {c.key: "" for c in COLUMNS})
    """Every column empty, in the layout's order: a row's texts start from it (a sheet has some columns only)."""
    rows: dict[tuple[str, ...], int] = field(default_factory=dict)
    episodes: dict[str, int] = field(default_factory=dict)


def _required(texts: dict[str, str], key: str) -> str:
    if not texts[key]:
        raise CellError(HEADER[key], f"{HEADER[key]} is empty.", "MISSING_VALUE")
    return texts[key]


def _birth_date(value: Any):
    if not text(value):
        return None
    try:
        return parse_date(value, HEADER["birth_date"])
    except CellError:  # personal data: the reject file does not repeat it
        raise CellError(HEADER["birth_date"], "The birth date is not a date DD.MM.YYYY.") from None


class SpreadsheetImporter(Importer):
    name = "spreadsheet"
    description = (
        "A municipal social service's CSV (UTF-8 or Windows-1257) or XLSX: one row per person-service "
        "episode, Latvian headers, dates DD.MM.YYYY, decimal commas."
    )
    columns = FIELD_COLUMNS

    def size(self, source: str) -> int | None:
        if source.startswith(("http://", "https://")):
            return None
        try:
            data = sources.fetch(source)
        except ImportSourceError:
            return None
        if sources.is_xlsx(source, data):
            return None
        return data.count(b"\n") + (0 if data.endswith(b"\n") else 1)

    def read(self, source: str, context: ImportContext) -> Iterator[Record]:
        rows = sources.rows(source, context.options.get("sheet"))
        index: dict[str, int] | None = None
        seen = _Seen()
        for line, cells in rows:
            if not any(text(c) for c in cells):
                continue  # blank lines are no records
            if index is None:
                index, problems = match_headers(cells)
                if problems:
                    expected = ", ".join(c.header for c in COLUMNS if c.required)
                    raise ImportSourceError(
                        f"line {line}: {'; '.join(problems)}. Required columns are: {expected}."
                    )
                continue
            values = {key: cells[i] if i < len(cells) else None for key, i in index.items()}
            yield from self.row(line, values, context, seen)
        if index is None:
            raise ImportSourceError(f"{source} has no header row (is it empty?)")

    def row(self, line: int, values: dict[str, Any], context: ImportContext, seen: _Seen) -> Iterator[Record]:
        texts = seen.empty | {key: text(value) for key, value in values.items()}  # each cell as text, once
        signature = tuple(texts.values())
        if signature in seen.rows:
            yield RejectedRecord(line, "DUPLICATE_ROW", f"The same row as line {seen.rows[signature]}.")
            return
        seen.rows[signature] = line
        try:
            client, episode, deliveries = self.records(line, values, texts, context)
        except CellError as exc:
            yield RejectedRecord(line, exc.code, str(exc), exc.column)
            return
        if episode.external_id in seen.episodes:
            what = "record number" if texts["record_id"] else "person, service and start date"
            yield RejectedRecord(
                line,
                "DUPLICATE_EPISODE",
                f"Line {seen.episodes[episode.external_id]} has the same {what}.",
                HEADER["record_id" if "record" in what else "start_date"],
                episode.external_id,
            )
            return
        seen.episodes[episode.external_id] = line
        yield client
        yield episode
        yield from deliveries

    def records(
        self, line: int, values: dict[str, Any], texts: dict[str, str], context: ImportContext
    ) -> tuple[ClientRecord, EpisodeRecord, list[DeliveryRecord]]:
        """The client, episode and delivery records of one row (or a :class:`CellError`).

        ``values`` are the cells as read (an XLSX cell may be a date or a number), ``texts`` the same as text.
        """
        code = _required(texts, "personal_code")
        _required(texts, "start_date")
        start = parse_date(values["start_date"], HEADER["start_date"])
        end = parse_date(values["end_date"], HEADER["end_date"]) if texts["end_date"] else None
        birth = _birth_date(values.get("birth_date"))
        municipality = municipality_code(context.municipalities, _required(texts, "municipality"), start)
        represents = texts["represents"]
        client = ClientRecord(
            external_id=client_id(code),
            line=line,
            personal_code=code,
            given_name=texts["given_name"],
            family_name=texts["family_name"],
            target_group=label_code(TARGET_GROUPS, _required(texts, "target_group")),
            municipality_code=municipality,
            birth_date=birth,
            address=texts["address"] or None,
            diagnosis=texts["diagnosis"] or None,
            recipient_kind=label_code(RECIPIENTS, texts["recipient"]) if texts["recipient"] else "PERSON",
            represents_external_id=client_id(represents) if represents else None,
        )
        service = service_code(context.catalogue, _required(texts, "service"))
        episode_id = texts["record_id"] or f"{client.external_id}/{service}/{start.isoformat()}"
        episode = EpisodeRecord(episode_id, line, client.external_id, service, municipality, start, end)
        return client, episode, self.deliveries(line, values, texts, episode_id)

    def deliveries(
        self, line: int, values: dict[str, Any], texts: dict[str, str], episode_id: str
    ) -> list[DeliveryRecord]:
        has_dates, has_units = texts["delivery_dates"], texts["units"]
        if not has_dates and not has_units:
            return []
        if not has_dates:
            raise CellError(HEADER["delivery_dates"], "Units are given but no delivery dates.")
        if not has_units:
            raise CellError(HEADER["units"], "Give the units delivered on each delivery date.")
        days = parse_dates(values["delivery_dates"], HEADER["delivery_dates"])
        units = parse_units(values["units"], len(days), HEADER["units"])
        return [
            DeliveryRecord(f"{episode_id}@{day.isoformat()}", line, episode_id, day, u)
            for day, u in zip(days, units, strict=True)
        ]


IMPORTER = SpreadsheetImporter()


@hookimpl
def importers() -> list[Importer]:
    return [IMPORTER]
