"""The v1 message: JSON Schema checked in and current, what the node sends validates, bad messages are named."""

from __future__ import annotations

import gzip
import json
from datetime import date

import jsonschema
import pytest

from core.domain.indicators import content_hash
from core.store.engine import create_engine, session_factory
from core.store.snapshots import pending
from federation import messages
from federation.messages import MessageRejected, SnapshotMessage, decode, encode
from federation.relay import to_message

pytestmark = pytest.mark.anyio
SUBJECT = "kopiena.v1.indicators.zemgale"


def test_the_checked_in_json_schema_is_current():
    assert messages.SCHEMA_FILE.read_text(encoding="utf-8") == messages.json_schema_text(), (
        "federation/schema/indicators-v1.schema.json is out of date: run `python -m federation.messages`")


@pytest.fixture
async def message(zemgale_2018) -> SnapshotMessage:
    engine = create_engine(zemgale_2018[0])
    try:
        async with session_factory(engine)() as s:
            return to_message((await pending(s))[0])
    finally:
        await engine.dispose()


@pytest.fixture
def body(message) -> dict:
    return json.loads(message.model_dump_json(by_alias=True))


def _raw(body: dict) -> bytes:
    return json.dumps(body).encode()


async def test_a_node_snapshot_validates_against_the_schema_file_and_round_trips(message, body):
    jsonschema.validate(body, json.loads(messages.SCHEMA_FILE.read_text()))
    data, headers = encode(message)
    assert headers == {"Nats-Msg-Id": message.snapshot_id, "Kopiena-Schema": "1.0", "Content-Encoding": "gzip"}
    assert len(data) < len(_raw(body)) / 5  # the zero-filled rows compress well
    again = decode(data, headers, SUBJECT)
    assert again == message and again.computed_hash() == message.content_hash
    assert body["schemaVersion"] == "1.0" and body["sequence"] == 1 and body["region"] == "zemgale"


async def test_a_newer_minor_version_with_extra_fields_is_read(body):
    body["schemaVersion"] = "1.3"
    body["comment"] = "added in 1.3"
    for block in body["indicators"]:
        block["note"] = "also added"
    body["contentHash"] = content_hash("zemgale", date.fromisoformat(body["asOf"]), body["indicators"])
    assert decode(_raw(body), {}, SUBJECT).schema_version == "1.3"


def _mutations():
    def row(code: str, value):
        def change(b):
            block = next(x for x in b["indicators"] if x["code"] == code)
            block["rows"][0] = value
        return change

    return [
        ("unknown schema version", lambda b: b.update(schemaVersion="2.0")),
        ("schemaVersion is missing", lambda b: b.pop("schemaVersion")),
        ("sequence", lambda b: b.update(sequence=0)),
        ("asOf", lambda b: b.update(asOf="31.12.2018")),
        ("values, expected", row("persons_received", [None, "ADULT_GRT", 3])),
        ("looks like a personal code", row("persons_assessed", ["170580-11234", "ADULT_GRT", 1])),
        ("is not a code", row("persons_assessed", ["Anna Bērziņa", "ADULT_GRT", 1])),
        ("a count is a whole number", row("persons_assessed", [None, "ADULT_GRT", -1])),
        ("an amount is a string", row("delivery_cost", [None, "ADULT_GRT", "HOME_CARE", "ESF", "9.5"])),
        ("valid string", row("delivery_cost", [None, "ADULT_GRT", "HOME_CARE", "ESF", 9.58])),
        ("contentHash does not match", row("persons_assessed", [None, "ADULT_GRT", 7])),
        ("does not match the subject", lambda b: b.update(region="kurzeme")),
    ]


@pytest.mark.parametrize("reason, mutate", _mutations(), ids=[m[0] for m in _mutations()])
async def test_a_bad_message_is_rejected_with_its_reason(body, reason, mutate):
    mutate(body)
    with pytest.raises(MessageRejected, match=reason):
        decode(_raw(body), {}, SUBJECT)


async def test_bytes_that_are_no_snapshot(body, monkeypatch):
    for data, headers, reason in ((b"\x00\xff", {}, "not JSON"), (b"[1, 2]", {}, "not a JSON object"),
                                  (b"garbage", {"Content-Encoding": "gzip"}, "not JSON"),
                                  (_raw(body), {"Nats-Msg-Id": "other"}, "Nats-Msg-Id")):
        with pytest.raises(MessageRejected, match=reason):
            decode(data, headers, SUBJECT)
    monkeypatch.setattr(messages, "MAX_MESSAGE_BYTES", 1000)
    with pytest.raises(MessageRejected, match="inflates beyond"):
        decode(gzip.compress(b" " * 5000), {"Content-Encoding": "gzip"}, SUBJECT)


@pytest.mark.parametrize("bad, reason", [("Anna Bērziņa", "is not a code"), (-1, "a count is a whole number")])
async def test_a_bad_cell_deep_in_a_block_is_named_by_its_row(body, bad, reason):
    """Each distinct code and value is checked once; a block that fails is walked to name its first bad row."""
    block = next(x for x in body["indicators"] if x["code"] == "persons_received")
    last = len(block["rows"]) - 1
    assert last > 100
    row = block["rows"][last]
    if bad == -1:
        row[-1] = bad  # the value
    else:
        row[0] = bad  # the municipality
    with pytest.raises(MessageRejected, match=f"persons_received row {last}: .*{reason}"):
        decode(_raw(body), {}, SUBJECT)


async def test_rows_decode_as_tuples_and_encode_as_arrays(message, body):
    assert all(isinstance(row, tuple) for block in message.indicators for row in block.rows)
    assert body["indicators"][0]["rows"][0] == list(message.indicators[0].rows[0])
