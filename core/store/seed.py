"""Load a node's reference data from the plugins: region, municipalities, catalogue, rates, targets.

Idempotent: rows are matched on their natural keys and updated in place, so
``kopiena seed`` can run again after a plugin adds a municipality or a rate.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.registry import Registry

from .models import DIPlanTargetRow, MunicipalityRow, RateRow, Region, ServiceTypeRow


@dataclass
class SeedReport:
    region: str
    municipalities: int
    historic_municipalities: int
    services: int
    rates: int
    targets: int


async def _upsert(session: AsyncSession, model, key: dict, values: dict):
    row = (await session.execute(select(model).filter_by(**key))).scalar_one_or_none()
    if row is None:
        row = model(**key, **values)
        session.add(row)
    else:
        for k, v in values.items():
            setattr(row, k, v)
    return row


async def seed(session: AsyncSession, registry: Registry) -> SeedReport:
    """Write the registry's reference data in the caller's transaction."""
    r = registry.region
    await _upsert(session, Region, {"code": r.code}, {"name_lv": r.name_lv, "name_en": r.name_en})
    # current first, so that historic rows can point at their successors
    ordered = sorted(registry.municipalities.values(), key=lambda m: m.valid_to is not None)
    for m in ordered:
        await _upsert(session, MunicipalityRow, {"code": m.code}, {
            "name_lv": m.name_lv, "short_name": m.short_name, "kind": m.kind, "region_code": m.region_code,
            "valid_from": m.valid_from, "valid_to": m.valid_to, "successor_code": m.successor_code,
        })
        await session.flush()
    for s in registry.catalogue:
        await _upsert(session, ServiceTypeRow, {"code": s.code}, {
            "name_lv": s.name_lv, "name_en": s.name_en, "unit": s.unit.value,
            "target_groups": ",".join(sorted(s.target_groups)), "recipients": ",".join(sorted(s.recipients)),
            "free_of_charge": s.free_of_charge,
        })
    await session.flush()
    for rate in registry.rates:
        await _upsert(session, RateRow, {"service_code": rate.service_code, "tier": rate.tier,
                                         "valid_from": rate.valid_from}, {
            "amount": rate.amount, "valid_to": rate.valid_to, "indicative": rate.indicative, "source": rate.source,
        })
    for t in registry.targets:
        await _upsert(session, DIPlanTargetRow, {
            "region_code": t.region_code, "target_group": t.target_group.value, "service_code": t.service_code,
            "recipient": t.recipient, "due": t.due,
        }, {"target": t.target})
    await session.flush()
    historic = sum(1 for m in registry.municipalities.values() if m.valid_to is not None)
    return SeedReport(r.code, len(registry.municipalities) - historic, historic, len(registry.catalogue),
                      len(registry.rates), len(registry.targets))
