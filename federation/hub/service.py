"""The hub as one object: its database, its consumer and its HTTP app, started and stopped together.

::

    hub = Hub("sqlite:///var/hub.db", "nats://127.0.0.1:4333", nats_user="hub", nats_password="...")
    await hub.start()          # migrate the database, list known regions, start consuming
    app = hub.app()            # ASGI app: /graphql, /healthz (app(manage=True) starts/stops the hub itself)
    await hub.stop()
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any

from starlette.applications import Starlette

from core.plugins import get_plugin_manager
from core.registry import known_regions

from ..connection import Backoff
from ..streams import DUPLICATE_WINDOW, DURABLE
from .app import create_app
from .consumer import HubConsumer
from .store import HubStore

log = logging.getLogger("kopiena.hub")


class Hub:
    def __init__(self, db_url: str, nats_url: str | None = None, *, nats_user: str | None = None,
                 nats_password: str | None = None, source_domains: list[str] | None = None,
                 durable: str = DURABLE, duplicate_window: float = DUPLICATE_WINDOW, fetch_timeout: float = 1.0,
                 backoff: Backoff = Backoff(), migrate: bool = True, list_known_regions: bool = True) -> None:
        self.store = HubStore.open(db_url)
        self.migrate = migrate
        self.list_known_regions = list_known_regions
        self.consumer = None if nats_url is None else HubConsumer(
            self.store, nats_url, user=nats_user, password=nats_password, durable=durable,
            source_domains=source_domains, duplicate_window=duplicate_window, fetch_timeout=fetch_timeout,
            backoff=backoff)
        self._stop = asyncio.Event()
        self._task: asyncio.Task | None = None

    async def start(self) -> None:
        """Migrate the database, list the regions the plugins know, start consuming (in the background)."""
        if self.migrate:
            await self.store.migrate()
        if self.list_known_regions:
            await self.store.know_regions(list(known_regions(get_plugin_manager()).values()))
        if self.consumer is not None and self._task is None:
            self._stop.clear()
            self._task = asyncio.create_task(self.consumer.run(self._stop), name="kopiena-hub-consumer")

    async def stop(self) -> None:
        """Stop consuming (after the message in hand), close NATS and the database."""
        self._stop.set()
        if self._task is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._task, 10)
            self._task = None
        if self.consumer is not None:
            await self.consumer.close()
        await self.store.close()

    def app(self, *, graphiql: bool = True, manage: bool = False) -> Starlette:
        return create_app(self, graphiql=graphiql, manage=manage)

    def status(self) -> dict[str, Any]:
        consuming = self.consumer is not None and self.consumer.connected.is_set()
        ok = self.consumer is None or consuming
        counts = dict(self.consumer.counts) if self.consumer else {}
        return {"ok": ok, "consuming": consuming, "messages": counts}

    async def __aenter__(self) -> Hub:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()
