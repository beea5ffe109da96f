"""The shape every regional plugin shares: region metadata and data files beside the plugin.

A regional plugin is an instance of :class:`RegionalPlugin` pointing at its
own folder, which holds ``municipalities.csv`` (current municipalities),
optionally ``historic_municipalities.csv`` (with ``valid_to`` and
``successor_code``) and ``targets.csv`` (the regional DI plan's numbers).
"""

from __future__ import annotations

import csv
import io
from datetime import date
from pathlib import Path

from .domain.people import TargetGroup
from .domain.regions import DIPlanTarget, Municipality, RegionInfo, parse_municipalities_csv
from .hookspecs import hookimpl

MUNICIPALITY_FILES = ("municipalities.csv", "historic_municipalities.csv")


class RegionalPlugin:
    """Hook implementations of one planning region, read from the data files in ``folder``."""

    def __init__(self, info: RegionInfo, folder: Path) -> None:
        self.info = info
        self.folder = folder
        self.__name__ = f"plugins.{info.code}"

    def _read(self, name: str) -> str | None:
        path = self.folder / name
        return path.read_text(encoding="utf-8") if path.exists() else None

    @hookimpl
    def region_info(self) -> RegionInfo:
        return self.info

    @hookimpl
    def municipalities(self, region: str) -> list[Municipality] | None:
        if region != self.info.code:
            return None
        out: list[Municipality] = []
        for name in MUNICIPALITY_FILES:
            text = self._read(name)
            if text:
                out.extend(parse_municipalities_csv(text, self.info.code))
        return out

    @hookimpl
    def di_plan_targets(self, region: str) -> list[DIPlanTarget] | None:
        if region != self.info.code:
            return None
        text = self._read("targets.csv")
        if not text:
            return []
        return [
            DIPlanTarget(
                region_code=self.info.code,
                target_group=TargetGroup(row["target_group"]),
                due=date.fromisoformat(row["due"]),
                target=int(row["target"]) if row["target"] else None,
                service_code=row["service_code"] or None,
                recipient=row["recipient"] or "PERSON",
            )
            for row in csv.DictReader(io.StringIO(text))
        ]
