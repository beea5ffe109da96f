"""What an importer plugin yields: the record format of ``kopiena import``.

An importer (the ``importers`` hook) reads a source the operator names (a
file path or a URL) and yields records, in the order they depend on each
other: a client before the episodes that refer to it, an episode before its
deliveries. Every record carries

- ``external_id``: the id the municipal system gives it, stable across
  exports; re-importing a record with a known id writes nothing new;
- ``line``: where it is in the source (row number, 1 = header of a sheet), so
  that the reject file can point at it.

Values are given in the programme's codes (``TargetGroup``, municipality
codes, service codes, ``date`` objects, units as ``Decimal`` or text). An
importer does not validate the programme's rules: the core runs every record
through the same write path as the GraphQL API. What an importer cannot even
parse it yields as a :class:`RejectedRecord`, which the core reports.

Plain Python, no SQL: the runner lives in ``core.store.imports``.
"""

from __future__ import annotations

from collections.abc import AsyncIterable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import ClassVar

from .domain.catalogue import Catalogue
from .domain.regions import Municipality
from .plugins import PluginError


class ImportSourceError(Exception):
    """The source cannot be read at all (missing file, wrong headers): nothing is imported."""


@dataclass(frozen=True, slots=True)
class ClientRecord:
    """A person (or a child's legal representative / foster family) to register."""

    kind: ClassVar[str] = "client"
    external_id: str
    line: int
    personal_code: str
    given_name: str
    family_name: str
    target_group: str
    municipality_code: str
    birth_date: date | None = None
    address: str | None = None
    diagnosis: str | None = None
    recipient_kind: str = "PERSON"
    represents_external_id: str | None = None
    """For a representative or foster family: the ``external_id`` of the child's client record."""


@dataclass(frozen=True, slots=True)
class EpisodeRecord:
    """A person receiving one service from a start date, granted by a municipality."""

    kind: ClassVar[str] = "episode"
    external_id: str
    line: int
    client_external_id: str
    service_code: str
    granted_by: str
    start_date: date
    end_date: date | None = None


@dataclass(frozen=True, slots=True)
class DeliveryRecord:
    """Units of an episode's service delivered on one day (one delivery per episode and day)."""

    kind: ClassVar[str] = "delivery"
    external_id: str
    line: int
    episode_external_id: str
    date: date
    units: Decimal | str


@dataclass(frozen=True, slots=True)
class RejectedRecord:
    """Something the importer could not turn into a record (a bad date, a duplicate row)."""

    kind: ClassVar[str] = "row"
    line: int
    code: str
    message: str
    field: str | None = None
    external_id: str | None = None


Record = ClientRecord | EpisodeRecord | DeliveryRecord | RejectedRecord
RECORD_KINDS = ("client", "episode", "delivery")


@dataclass(frozen=True, slots=True)
class ImportContext:
    """What an importer may use to turn a municipal system's names into the programme's codes."""

    region: str
    municipalities: Mapping[str, Municipality]
    catalogue: Catalogue
    today: date
    system: str
    options: Mapping[str, str] = field(default_factory=dict)


class Importer:
    """Base class of a named importer; subclass it and return an instance from the ``importers`` hook.

    ``columns`` maps the record fields the core reports (``personalCode``,
    ``startDate``, ...: the GraphQL input names) to the names the source
    uses, so that a reject file speaks the operator's language.
    """

    name: str = ""
    description: str = ""
    columns: Mapping[str, str] = {}

    def size(self, source: str) -> int | None:
        """How many lines the source has, for the progress bar (None: unknown)."""
        return None

    def read(self, source: str, context: ImportContext) -> Iterable[Record] | AsyncIterable[Record]:
        """Yield the records of ``source``; raise :class:`ImportSourceError` when it cannot be read."""
        raise NotImplementedError


def named(kind: str, results: list[list | None]) -> dict:
    """The results of the ``importers`` or ``exporters`` hook by name; a name given twice is an error."""
    out: dict = {}
    for result in results:
        for item in result or []:
            if not item.name:
                raise PluginError(f"an {kind} of {type(item).__name__} has no name")
            if item.name in out and out[item.name] is not item:
                raise PluginError(f"two {kind}s are called {item.name!r}")
            out[item.name] = item
    return out


def available_importers(pm) -> dict[str, Importer]:
    """The importers the loaded plugins provide, by name."""
    return named("importer", pm.hook.importers())
