"""Dataloaders of one request: every nested relation is loaded for a whole page in one statement.

Each loader collects the keys resolvers ask for in one tick of the event loop
and runs one query of ``core.store.queries`` for all of them, with the
request's scope, so the number of statements does not grow with the page size.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Awaitable, Callable, Hashable, Sequence
from datetime import date
from functools import cached_property
from typing import TYPE_CHECKING, Any, TypeVar

from strawberry.dataloader import DataLoader

from core.store.queries import assessments as assessment_queries
from core.store.queries import clients as client_queries
from core.store.queries import deliveries as delivery_queries
from core.store.queries import episodes as episode_queries
from core.store.queries import reference

from .reference import Municipality, ServiceType

if TYPE_CHECKING:
    from .context import Context

BATCH = 500  # keys per statement: keeps IN lists well below the drivers' parameter limits

Query = Callable[..., Any]
R = TypeVar("R")
NOT_YET = object()


def loaded(loader: DataLoader, key: Hashable) -> Any:
    """What ``loader`` already holds for ``key`` (loaded earlier in the request), else :data:`NOT_YET`."""
    future = loader.cache_map.get(key)
    if future is None or not future.done() or future.cancelled() or future.exception() is not None:
        return NOT_YET
    return future.result()


def now_or_later(loader: DataLoader, key: Hashable, then: Callable[[Any], R]) -> R | Awaitable[R]:
    """``then(value)`` at once when the loader holds it, else an awaitable of it.

    A resolver answering at once costs no coroutine, future and task: the connection
    resolvers load a page's relations before its nodes resolve (see ``ClientQuery.clients``),
    so its ~200 relation fields resolve synchronously.
    """
    value = loaded(loader, key)
    if value is not NOT_YET:
        return then(value)

    async def later() -> R:
        return then(await loader.load(key))

    return later()


class Loaders:
    """The loaders of one request, each made when first asked for (a request uses a few of them)."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx

    @cached_property
    def client(self) -> DataLoader:
        return self._one(client_queries.clients_by_ids)

    @cached_property
    def episode(self) -> DataLoader:
        return self._one(episode_queries.episodes_by_ids)

    @cached_property
    def delivery(self) -> DataLoader:
        return self._one(delivery_queries.deliveries_by_ids)

    # reference data, converted once per request: a page of clients shows the same few services ~600 times
    @cached_property
    def municipality(self) -> DataLoader:
        return self._one(reference.municipalities_by_codes, key="code", convert=Municipality.from_row)

    @cached_property
    def service_type(self) -> DataLoader:
        return self._one(reference.service_types_by_codes, key="code", convert=ServiceType.from_row)

    @cached_property
    def rate(self) -> DataLoader:
        return self._one(reference.rates_by_ids)

    @cached_property
    def place(self) -> DataLoader:
        return self._one(reference.service_places_by_ids)

    @cached_property
    def institution(self) -> DataLoader:
        return self._one(reference.institutions_by_ids)

    @cached_property
    def assessment(self) -> DataLoader:
        return self._one(assessment_queries.assessments_by_ids)

    @cached_property
    def latest_assessment(self) -> DataLoader:
        return self._one(assessment_queries.latest_assessments, key="client_id")

    @cached_property
    def episodes_of_client(self) -> DataLoader:
        return self._many(episode_queries.episodes_by_client_ids, key="client_id")

    @cached_property
    def deliveries_of_episode(self) -> DataLoader:
        return self._many(delivery_queries.deliveries_by_episode_ids, key="episode_id")

    @cached_property
    def assessments_of_client(self) -> DataLoader:
        return self._many(assessment_queries.assessments_by_client_ids, key="client_id")

    @cached_property
    def plans_of_client(self) -> DataLoader:
        return self._many(assessment_queries.plans_by_client_ids, key="client_id")

    @cached_property
    def items_of_plan(self) -> DataLoader:
        return self._many(assessment_queries.plan_items_by_plan_ids, key="plan_id")

    @cached_property
    def costs_of_client(self) -> DataLoader:
        return self._grouped(delivery_queries.costs_by_client)

    @cached_property
    def costs_of_episode(self) -> DataLoader:
        return self._grouped(delivery_queries.costs_by_episode)

    @cached_property
    def deliveries_of_client(self) -> DataLoader:
        return DataLoader(self._deliveries_of_client, max_batch_size=BATCH)

    @cached_property
    def occupancy(self) -> DataLoader:
        return DataLoader(self._occupancy, max_batch_size=BATCH)

    async def _run(self, query: Query, *args: Any, **kwargs: Any) -> Any:
        async with self.ctx.db() as session:
            return await query(session, *args, scope=self.ctx.scope, **kwargs)

    def _one(self, query: Query, key: str = "id", convert: Callable[[Any], Any] | None = None) -> DataLoader:
        """Key -> the row with that key (None when missing or out of scope), or ``convert(row)``."""
        async def load(keys: Sequence[Hashable]) -> list[Any]:
            rows = {getattr(row, key): convert(row) if convert else row for row in await self._run(query, keys)}
            return [rows.get(k) for k in keys]
        return DataLoader(load, max_batch_size=BATCH)

    def _many(self, query: Query, key: str) -> DataLoader:
        """Key -> the list of rows pointing at it, in the query's order."""
        async def load(keys: Sequence[Hashable]) -> list[list[Any]]:
            groups: dict[Any, list[Any]] = defaultdict(list)
            for row in await self._run(query, keys):
                groups[getattr(row, key)].append(row)
            return [groups.get(k, []) for k in keys]
        return DataLoader(load, max_batch_size=BATCH)

    def _grouped(self, query: Query) -> DataLoader:
        """Key -> the list the query returns for it in a dict (sums per key)."""
        async def load(keys: Sequence[Hashable]) -> list[list[Any]]:
            found = await self._run(query, keys)
            return [found.get(k, []) for k in keys]
        return DataLoader(load, max_batch_size=BATCH)

    async def _deliveries_of_client(self, keys: Sequence[tuple[int, date | None, date | None]]) -> list[list[Any]]:
        """(client id, from, to) -> deliveries; one statement per distinct date range."""
        groups: dict[tuple[int, Any, Any], list[Any]] = defaultdict(list)
        for date_from, date_to in {(k[1], k[2]) for k in keys}:
            ids = [k[0] for k in keys if (k[1], k[2]) == (date_from, date_to)]
            pairs = await self._run(delivery_queries.deliveries_by_client_ids, ids, date_from=date_from,
                                    date_to=date_to)
            for client_id, delivery in pairs:
                groups[(client_id, date_from, date_to)].append(delivery)
        return [groups.get(k, []) for k in keys]

    async def _occupancy(self, keys: Sequence[tuple[int, date]]) -> list[int]:
        """(place id, date) -> people in the place that day; one statement per distinct date."""
        counts: dict[tuple[int, date], int] = {}
        for day in {k[1] for k in keys}:
            async with self.ctx.db() as session:
                found = await reference.occupancy_by_place(session, [k[0] for k in keys if k[1] == day], day)
            counts.update({(place, day): n for place, n in found.items()})
        return [counts.get(k, 0) for k in keys]
