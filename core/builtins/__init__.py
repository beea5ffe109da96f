"""The built-in plugin: national catalogue, indicative ESF rates and the default tier rule.

Registered through the same plugin manager as every installed plugin, so a
region or integration can extend or (with ``tryfirst``) replace each part.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from core.domain.assessment import (
    Instrument,
    ProposedItem,
    Scores,
    default_care_level,
    default_proposal,
    parse_instrument,
)
from core.domain.catalogue import NATIONAL_CATALOGUE, ServiceType
from core.domain.people import TargetGroup
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


@hookimpl
def exporters() -> list:
    # imported here: the plugin manager loads this module before any database code is needed
    from core.store.exports import BUILTIN_EXPORTERS

    return list(BUILTIN_EXPORTERS)


ADULT_INSTRUMENT = Path(__file__).parent / "instruments" / "sis_adult"


@lru_cache(maxsize=1)
def _adult_instrument() -> Instrument:
    # read once per process: the files ship with the package and do not change while it runs
    return parse_instrument((ADULT_INSTRUMENT / "instrument.json").read_text(encoding="utf-8"),
                            (ADULT_INSTRUMENT / "items.csv").read_text(encoding="utf-8"))


@hookimpl
def assessment_instruments() -> list[Instrument]:
    return [_adult_instrument()]


@hookimpl(trylast=True)
def care_level(instrument: Instrument, scores: Scores, target_group: TargetGroup) -> int | None:
    return default_care_level(instrument, scores)


@hookimpl(trylast=True)
def propose_plan_items(instrument: Instrument, scores: Scores, target_group: TargetGroup) -> list[ProposedItem]:
    return default_proposal(instrument, scores)
