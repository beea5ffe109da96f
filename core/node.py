"""What one running regional node holds: its settings, reference data, plugins and database."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from zoneinfo import ZoneInfo

import pluggy
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from .domain.funding import FundingPolicy
from .plugins import get_plugin_manager
from .registry import Registry
from .settings import Settings
from .store.engine import create_engine, session_factory

RIGA = ZoneInfo("Europe/Riga")


def today_in_riga() -> date:
    """Business dates are calendar dates in Europe/Riga."""
    from datetime import datetime

    return datetime.now(RIGA).date()


@dataclass
class Node:
    settings: Settings
    registry: Registry
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    pm: pluggy.PluginManager
    funding: FundingPolicy = field(default_factory=FundingPolicy)

    @classmethod
    def open(cls, settings: Settings, pm: pluggy.PluginManager | None = None) -> Node:
        if not settings.region:
            raise ValueError("a regional node needs a region (--region or KOPIENA_REGION)")
        pm = pm or get_plugin_manager()
        engine = create_engine(settings.db)
        return cls(
            settings=settings,
            registry=Registry.load(settings.region, pm),
            engine=engine,
            sessions=session_factory(engine),
            pm=pm,
            funding=FundingPolicy(esf_months=settings.esf_months),
        )

    @property
    def region(self) -> str:
        return self.registry.region.code

    def today(self) -> date:
        return today_in_riga()

    async def close(self) -> None:
        await self.engine.dispose()
