"""What the loaded plugins say, gathered once: regions, catalogue, rates, municipalities, targets."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import pluggy

from .domain.catalogue import Catalogue, ServiceType
from .domain.errors import DomainError, UnknownMunicipality
from .domain.rates import Rate, rates_on
from .domain.regions import DIPlanTarget, Municipality, RegionInfo
from .plugins import get_plugin_manager


class UnknownRegion(DomainError):
    code = "UNKNOWN_REGION"


def _flatten(results: list[list | None]) -> list:
    return [item for result in results if result for item in result]


def known_regions(pm: pluggy.PluginManager | None = None) -> dict[str, RegionInfo]:
    pm = pm or get_plugin_manager()
    return {info.code: info for info in pm.hook.region_info() if info is not None}


@dataclass
class Registry:
    """The reference data one regional node works with."""

    region: RegionInfo
    catalogue: Catalogue
    rates: list[Rate]
    municipalities: dict[str, Municipality]
    targets: list[DIPlanTarget]
    pm: pluggy.PluginManager = field(repr=False)

    @classmethod
    def load(cls, region: str, pm: pluggy.PluginManager | None = None) -> Registry:
        pm = pm or get_plugin_manager()
        regions = known_regions(pm)
        if region not in regions:
            known = ", ".join(sorted(regions)) or "none"
            raise UnknownRegion(f"No plugin provides the region {region!r} (known: {known}).", field="region")
        munis: dict[str, Municipality] = {}
        for m in _flatten(pm.hook.municipalities(region=region)):
            if m.code in munis and munis[m.code] != m:
                raise ValueError(f"municipality {m.code} is described twice, differently")
            munis[m.code] = m
        return cls(
            region=regions[region],
            catalogue=Catalogue(_flatten(pm.hook.service_types())),
            rates=_flatten(pm.hook.rate_tables()),
            municipalities=munis,
            targets=_flatten(pm.hook.di_plan_targets(region=region)),
            pm=pm,
        )

    def municipality(self, code: str, *, field: str = "municipalityCode") -> Municipality:
        try:
            return self.municipalities[code]
        except KeyError:
            raise UnknownMunicipality(
                f"{code!r} is not a municipality of the {self.region.name_en}.", field=field
            ) from None

    def rate_for(self, service: ServiceType, day: date, care_level: int | None) -> Rate | None:
        candidates = rates_on(self.rates, service.code, day)
        if len(candidates) <= 1:
            return candidates[0] if candidates else None
        return self.pm.hook.rate_tier(service=service, care_level=care_level, candidates=candidates)
