"""The SQL statements an engine sends while a block runs, for tests that count them."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from sqlalchemy import event


@contextlib.contextmanager
def statements_sent(engine) -> Iterator[list[str]]:
    """A list that collects the text of every statement ``engine`` (sync or async) executes inside the block."""
    sync = getattr(engine, "sync_engine", engine)
    seen: list[str] = []

    def note(_conn, _cursor, statement, *_args) -> None:
        seen.append(statement)

    event.listen(sync, "before_cursor_execute", note)
    try:
        yield seen
    finally:
        event.remove(sync, "before_cursor_execute", note)
