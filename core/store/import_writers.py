"""How an import writes what its records ask for: the interface, and the API's own write path behind it.

:class:`DirectWriter` is the API's write path as it is (``register_client``,
``start_episode``, ``end_episode``, ``record_deliveries``), each record in a
SAVEPOINT of its own. It is what a batch falls back to when the database
refuses the batch's bulk write, and what ``run_import(..., set_based=False)``
uses throughout. The set-based writer is in :mod:`core.store.import_batch`.
"""

from __future__ import annotations

from datetime import date
from typing import Any, Protocol

from sqlalchemy.ext.asyncio import AsyncSession

from core.node import Node

from .clients import NewClient, register_client
from .deliveries import DeliveryInput, record_deliveries
from .episodes import NewEpisode, end_episode, get_episode, start_episode


class Writer(Protocol):
    """What the import flow asks of a way of writing. Each method raises the API's
    :class:`~core.domain.errors.DomainError`\\ s when a rule refuses the record, and changes nothing then."""

    def savepoint(self, session: AsyncSession) -> Any:
        """An async context in which one record is written: all it did stays, or nothing."""

    async def flush(self, session: AsyncSession) -> None: ...

    async def register_client(self, session: AsyncSession, data: NewClient) -> Any:
        """The new client (``id``, ``personal_code``, ``target_group``, ``recipient_kind``, ``municipality_code``)."""

    async def start_episode(self, session: AsyncSession, data: NewEpisode) -> Any:
        """The new episode (``id``, ``client_id``, ``service_code``, ``granted_by``, ``start_date``, ``end_date``)."""

    async def end_episode(self, session: AsyncSession, episode_id: int, end: date) -> Any: ...

    async def record_deliveries(self, session: AsyncSession, episode_id: int, items: list[DeliveryInput]) -> list[int]:
        """The ids of the new deliveries; days recorded before are skipped."""

    async def get_episode(self, session: AsyncSession, episode_id: int) -> Any: ...


class DirectWriter:
    """Every record through the API's functions, written at once, each in a savepoint of its own."""

    def __init__(self, node: Node) -> None:
        self.node = node

    def savepoint(self, session: AsyncSession):
        return session.begin_nested()

    async def flush(self, session: AsyncSession) -> None:
        await session.flush()

    async def register_client(self, session: AsyncSession, data: NewClient):
        return await register_client(session, self.node, data)

    async def start_episode(self, session: AsyncSession, data: NewEpisode):
        return await start_episode(session, self.node, data)

    async def end_episode(self, session: AsyncSession, episode_id: int, end: date):
        return await end_episode(session, self.node, episode_id, end)

    async def record_deliveries(self, session: AsyncSession, episode_id: int, items: list[DeliveryInput]) -> list[int]:
        rows = await record_deliveries(session, self.node, episode_id, items, skip_existing=True)
        return [r.id for r in rows]  # type: ignore[misc]

    async def get_episode(self, session: AsyncSession, episode_id: int):
        return await get_episode(session, episode_id)  # in the session already: no query
