"""Reading reference data back from the database: services and rates as domain objects."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.domain.catalogue import ServiceType, ServiceUnit
from core.domain.people import RecipientKind, TargetGroup
from core.domain.rates import Rate

from .models import RateRow, ServiceTypeRow


def service_from_row(row: ServiceTypeRow) -> ServiceType:
    return ServiceType(
        code=row.code, name_lv=row.name_lv, name_en=row.name_en, unit=ServiceUnit(row.unit),
        target_groups=frozenset(TargetGroup(g) for g in row.target_groups.split(",") if g),
        recipients=frozenset(RecipientKind(r) for r in row.recipients.split(",") if r),
        free_of_charge=row.free_of_charge,
    )


async def rates_valid_on(session: AsyncSession, service_code: str, days: list[date]) -> list[tuple[int, Rate]]:
    """Every tier of ``service_code`` valid on any of ``days``, with its row id."""
    lo, hi = min(days), max(days)
    rows = (await session.execute(
        select(RateRow).where(
            RateRow.service_code == service_code,
            RateRow.valid_from <= hi,
            (RateRow.valid_to.is_(None)) | (RateRow.valid_to >= lo),  # type: ignore[union-attr]
        )
    )).scalars().all()
    return [
        (r.id, Rate(r.service_code, r.amount, r.valid_from, r.valid_to, r.tier, r.indicative, r.source))  # type: ignore[misc]
        for r in rows
    ]
