"""Planning regions, municipalities and the targets of a regional DI plan."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date

from .people import TargetGroup

REGION_CODES = ("kurzeme", "latgale", "riga", "vidzeme", "zemgale")


@dataclass(frozen=True)
class RegionInfo:
    """A planning region (*plānošanas reģions*); ``code`` is also its domain ``lv/<code>``."""

    code: str
    name_lv: str
    name_en: str

    @property
    def domain(self) -> str:
        return f"lv/{self.code}"


@dataclass(frozen=True)
class Municipality:
    """A municipality (*pašvaldība*); historic ones carry ``valid_to`` and their successor."""

    code: str
    name_lv: str
    short_name: str
    kind: str
    region_code: str
    valid_from: date
    valid_to: date | None = None
    successor_code: str | None = None

    def current_on(self, day: date) -> bool:
        return self.valid_from <= day and (self.valid_to is None or day <= self.valid_to)


@dataclass(frozen=True)
class DIPlanTarget:
    """A planned number of the regional DI plan (*reģionālais DI plāns*).

    ``service_code`` None means unique persons of the target group; ``target``
    None means "on demand" (no planned number).
    """

    region_code: str
    target_group: TargetGroup
    due: date
    target: int | None
    service_code: str | None = None
    recipient: str = "PERSON"


def parse_municipalities_csv(text: str, region_code: str) -> list[Municipality]:
    """Read the reference layout (``code,name_lv,short_name,kind,planning_region,valid_from``)."""
    out = []
    for row in csv.DictReader(io.StringIO(text)):
        out.append(
            Municipality(
                code=row["code"],
                name_lv=row["name_lv"],
                short_name=row["short_name"],
                kind=row["kind"],
                region_code=region_code,
                valid_from=date.fromisoformat(row["valid_from"]),
                valid_to=date.fromisoformat(row["valid_to"]) if row.get("valid_to") else None,
                successor_code=row.get("successor_code") or None,
            )
        )
    return out
