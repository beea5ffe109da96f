"""The indicator snapshot message, schema ``v1`` (``schemaVersion`` "1.x"), and how it travels.

One message = one complete snapshot of one region as of one date. The body is
JSON (validated by :class:`SnapshotMessage`; the JSON Schema is checked in as
``federation/schema/indicators-v1.schema.json``), sent gzip-compressed with the
headers ``Content-Encoding: gzip``, ``Kopiena-Schema: <version>`` and
``Nats-Msg-Id: <snapshotId>`` to ``kopiena.v1.indicators.<region>``.

A message carries codes and numbers only: every dimension value is a code
(municipality, target group, service, ...) and every value a count, a sum or a
ratio. The validators refuse anything that looks like a name or a personal code.

Versioning: a new *minor* version may add optional fields (older hubs ignore
them); anything else is a new *major* version with its own subject
(``kopiena.v2...``). A hub rejects majors it does not know to the dead-letter subject.
"""

from __future__ import annotations

import gzip
import io
import json
import re
from datetime import date, datetime
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator
from pydantic.alias_generators import to_camel

from core.domain.indicators import SUBJECT_PREFIX, Dimension, Unit, content_hash

SCHEMA_VERSION = "1.0"
MAJOR = 1
SCHEMA_FILE = Path(__file__).parent / "schema" / "indicators-v1.schema.json"
SCHEMA_ID = "https://kopiena.lv/schema/indicators-v1.schema.json"
MAX_MESSAGE_BYTES = 64 * 1024 * 1024
"""Refuse bodies that inflate beyond this (a gzip bomb is malformed, not a snapshot)."""

GZIP_LEVEL = 6
"""zlib's default: a third of level 9's CPU for a snapshot, ~4 % more bytes (the relay's largest cost after
loading the outbox)."""

HEADER_MSG_ID = "Nats-Msg-Id"
HEADER_SCHEMA = "Kopiena-Schema"
HEADER_ENCODING = "Content-Encoding"

CODE = r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,63}$"
CODE_RE = re.compile(CODE)
PERSONAL_CODE_RE = re.compile(r"^\d{6}-?\d{5}$")
DECIMAL_RE = re.compile(r"^\d{1,15}\.\d{2}$")
RATIO_RE = re.compile(r"^\d{1,12}/\d{1,12}$")

DimensionName = Literal[tuple(d.value for d in Dimension)]  # type: ignore[valid-type]
UnitName = Literal[tuple(u.value for u in Unit)]  # type: ignore[valid-type]
Cell = str | int | None


class MessageRejected(Exception):
    """A message the hub cannot take: malformed, unknown major version, wrong subject or hash."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class _Model(BaseModel):
    # extra fields are ignored, so a hub reads newer minor versions of v1
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="ignore", frozen=True)


def _check_value(unit: str, value: Cell) -> str | None:
    """Why ``value`` is not a valid value of ``unit``, or None."""
    if value is None:
        return None
    if unit in (Unit.PERSONS, Unit.PLANS):
        ok = isinstance(value, int) and not isinstance(value, bool) and value >= 0
        return None if ok else "a count is a whole number >= 0"
    if unit in (Unit.UNITS, Unit.EUR):
        return None if isinstance(value, str) and DECIMAL_RE.match(value) else 'an amount is a string like "12.50"'
    ok = isinstance(value, str) and bool(RATIO_RE.match(value)) and not value.endswith("/0")
    return None if ok else 'a ratio is a string like "154/331"'


def _check_code(value: Cell) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or not CODE_RE.match(value):
        return f"{value!r} is not a code"
    if PERSONAL_CODE_RE.match(value):
        return "a value looks like a personal code"
    return None


class IndicatorBlock(_Model):
    """One indicator: its declaration and its rows (a code per dimension, then the value)."""

    code: Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]{1,62}$")]
    description: Annotated[str, Field(max_length=1000)]
    unit: UnitName  # type: ignore[valid-type]
    dimensions: Annotated[list[DimensionName], Field(max_length=len(Dimension))]  # type: ignore[valid-type]
    rows: list[tuple[Cell, ...]]
    """Tuples, not lists (the JSON Schema is the same array of arrays): a tuple of codes and numbers is left
    alone by the garbage collector, and a snapshot holds thousands of them."""

    @model_validator(mode="after")
    def _rows_fit(self) -> IndicatorBlock:
        if len(set(self.dimensions)) != len(self.dimensions):
            raise ValueError(f"{self.code}: a dimension is given twice")
        width = len(self.dimensions) + 1
        # A snapshot repeats a few dozen codes and values thousands of times: check each distinct one once
        # (set, map and zip run in C); only a block that fails is walked row by row to name the first bad row.
        if self.rows and not (set(map(len, self.rows)) == {width} and _distinct_fit(self.unit, self.rows)):
            self._first_bad_row(width)
        return self

    def _first_bad_row(self, width: int) -> None:
        for i, row in enumerate(self.rows):
            if len(row) != width:
                raise ValueError(f"{self.code} row {i}: {len(row)} values, expected {width}")
            problem = next((p for p in map(_check_code, row[:-1]) if p), None) or _check_value(self.unit, row[-1])
            if problem:
                raise ValueError(f"{self.code} row {i}: {problem}")


def _distinct_fit(unit: str, rows: list[tuple[Cell, ...]]) -> bool:
    """Whether every cell of ``rows`` (all of one width) is a valid code or value of ``unit``."""
    *dimensions, values = zip(*rows, strict=True)
    codes = set().union(*dimensions)
    # cells are str, int or None after validation, so a set keeps every distinct cell (no 1 == True merging)
    return (not any(map(_check_code, codes))
            and not any(_check_value(unit, v) for v in set(values)))


class SnapshotMessage(_Model):
    """A complete snapshot of one region's indicators as of one date (schema v1).

    ``contentHash`` is ``sha256:`` + the SHA-256 of the canonical JSON (sorted
    keys, no whitespace, UTF-8) of ``{"region", "asOf", "indicators"}`` as sent.
    Row values: counts (persons, plans) are integers, amounts (units, EUR)
    strings with two decimals, ratios strings ``"received/target"``; an empty
    municipality is the whole region, an empty service in a DI plan row means
    unique persons, an empty value in a DI plan row means "on demand".
    """

    schema_version: Annotated[str, Field(pattern=r"^1\.\d+$", description="major.minor; this schema is major 1")]
    snapshot_id: Annotated[str, Field(pattern=CODE, description="also the Nats-Msg-Id header")]
    region: Annotated[str, Field(pattern=r"^[a-z][a-z0-9_-]{0,31}$")]
    region_name: Annotated[str, Field(max_length=200)]
    as_of: date
    sequence: Annotated[int, Field(ge=1, description="per region; a higher one replaces a lower one")]
    software_version: Annotated[str, Field(max_length=32)]
    content_hash: Annotated[str, Field(pattern=r"^sha256:[0-9a-f]{64}$")]
    created_at: datetime
    indicators: list[IndicatorBlock]

    def computed_hash(self) -> str:
        """The hash of the figures as this model holds them (what a producer puts in ``contentHash``)."""
        blocks = [b.model_dump(mode="json", by_alias=True) for b in self.indicators]
        return content_hash(self.region, self.as_of, blocks)


def json_schema() -> dict[str, Any]:
    schema = SnapshotMessage.model_json_schema(by_alias=True)
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", "$id": SCHEMA_ID,
            **schema, "title": "kopiena indicator snapshot, v1"}


def json_schema_text() -> str:
    return json.dumps(json_schema(), indent=2, ensure_ascii=False) + "\n"


def write_json_schema(path: Path = SCHEMA_FILE) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json_schema_text(), encoding="utf-8")
    return path


# ---------------------------------------------------------------------------------------------------------------
# on the wire


def encode(message: SnapshotMessage) -> tuple[bytes, dict[str, str]]:
    """Body (gzip JSON) and headers for publishing."""
    body = message.model_dump_json(by_alias=True).encode("utf-8")
    headers = {HEADER_MSG_ID: message.snapshot_id, HEADER_SCHEMA: message.schema_version,
               HEADER_ENCODING: "gzip"}
    return gzip.compress(body, compresslevel=GZIP_LEVEL, mtime=0), headers


def _inflate(data: bytes) -> bytes:
    with gzip.GzipFile(fileobj=io.BytesIO(data)) as f:
        body = f.read(MAX_MESSAGE_BYTES + 1)
    if len(body) > MAX_MESSAGE_BYTES:
        raise MessageRejected(f"malformed: body inflates beyond {MAX_MESSAGE_BYTES} bytes")
    return body


def _major(version: object) -> int | None:
    if not isinstance(version, str):
        return None
    head = version.split(".", 1)[0]
    return int(head) if head.isdigit() else None


def decode(data: bytes, headers: dict[str, str] | None, subject: str) -> SnapshotMessage:
    """The message in ``data``, or :class:`MessageRejected` saying exactly why not."""
    headers = headers or {}
    try:
        body = _inflate(data) if headers.get(HEADER_ENCODING) == "gzip" else data
        raw = json.loads(body)
    except (OSError, EOFError, ValueError) as exc:
        raise MessageRejected(f"malformed: not JSON ({type(exc).__name__})") from None
    if not isinstance(raw, dict):
        raise MessageRejected("malformed: the body is not a JSON object")
    major = _major(raw.get("schemaVersion"))
    if major is None:
        raise MessageRejected("malformed: schemaVersion is missing or not major.minor")
    if major != MAJOR:
        raise MessageRejected(f"unknown schema version {raw.get('schemaVersion')!r} (this hub reads {MAJOR}.x)")
    try:
        message = SnapshotMessage.model_validate(raw)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise MessageRejected(f"malformed: {where}: {first['msg']}"[:480]) from None
    return _check_consistency(message, raw, headers, subject)


def _check_consistency(message: SnapshotMessage, raw: dict[str, Any], headers: dict[str, str],
                       subject: str) -> SnapshotMessage:
    if subject != f"{SUBJECT_PREFIX}.{message.region}":
        raise MessageRejected(f"region {message.region!r} does not match the subject {subject!r}")
    msg_id = headers.get(HEADER_MSG_ID)
    if msg_id is not None and msg_id != message.snapshot_id:
        raise MessageRejected("the Nats-Msg-Id header is not the snapshotId")
    # hashed as sent, so fields a newer minor version adds to a block are covered too
    if content_hash(message.region, message.as_of, raw["indicators"]) != message.content_hash:
        raise MessageRejected("contentHash does not match the figures")
    return message


if __name__ == "__main__":  # python -m federation.messages: regenerate the checked-in JSON Schema
    print(write_json_schema())
