"""The built-in plugin: national catalogue, indicative ESF rates and the default tier rule.

Registered through the same plugin manager as every installed plugin, so a
region or integration can extend or (with ``tryfirst``) replace each part.
"""

from __future__ import annotations

from core.domain.catalogue import NATIONAL_CATALOGUE, ServiceType
from core.domain.rates import INDICATIVE_ESF_RATES, Rate, choose_rate
from core.hookspecs import hookimpl


@hookimpl
def service_types() -> list[ServiceType]:
    return list(NATIONAL_CATALOGUE)


@hookimpl
def rate_tables() -> list[Rate]:
    return list(INDICATIVE_ESF_RATES)


@hookimpl(trylast=True)
def rate_tier(service: ServiceType, care_level: int | None, candidates: list[Rate]) -> Rate | None:
    return choose_rate(candidates, care_level)
