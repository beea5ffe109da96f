"""Reading records from an importer plugin: whatever the plugin raises is told apart from bad data.

An :class:`~core.imports.ImportSourceError` means the source cannot be read (the
operator's problem, said as it is); anything else the plugin raises becomes
:class:`ImporterFailed` (the plugin's problem), so the runner can stop cleanly.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

from core.imports import ImportContext, Importer, ImportSourceError, Record


class ImporterFailed(Exception):
    """The importer plugin itself raised: what was committed before stays, the run stops."""


def _wrapped(exc: Exception) -> Exception:
    if isinstance(exc, ImportSourceError):
        return exc
    failed = ImporterFailed(f"{type(exc).__name__}: {exc}")
    failed.__cause__ = exc
    return failed


def open_source(importer: Importer, source: str, context: ImportContext):
    try:
        return importer.read(source, context)
    except Exception as exc:
        raise _wrapped(exc) from exc


async def records_of(records) -> AsyncIterator[Record]:
    """Iterate a sync or async importer; anything it raises becomes :class:`ImporterFailed`."""
    is_async = hasattr(records, "__aiter__")
    iterator = records.__aiter__() if is_async else iter(records)
    while True:
        try:
            record = await iterator.__anext__() if is_async else next(iterator)
        except (StopAsyncIteration, StopIteration):
            return
        except Exception as exc:
            raise _wrapped(exc) from exc
        yield record
