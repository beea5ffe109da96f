import pytest
from sqlalchemy import func, select

from core.store.models import MunicipalityRow, RateRow, ServiceTypeRow


@pytest.mark.anyio
async def test_seeded_zemgale_has_current_and_historic_municipalities(node):
    async with node.sessions() as s:
        current = await s.scalar(select(func.count()).where(MunicipalityRow.valid_to.is_(None)))
        historic = await s.scalar(select(func.count()).where(MunicipalityRow.valid_to.is_not(None)))
        services = await s.scalar(select(func.count()).select_from(ServiceTypeRow))
        rates = await s.scalar(select(func.count()).select_from(RateRow))
    assert (current, historic) == (6, 22)
    assert services >= 21
    assert rates == 9
