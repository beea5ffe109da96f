"""The hub's store: a batch in one transaction with the outcomes of one-by-one ingest; the figures it stores (COPY on
PostgreSQL, executemany on SQLite) are exactly the message's rows; a refused batch leaves nothing behind."""

from __future__ import annotations

from collections import Counter
from datetime import date
from decimal import Decimal

import pytest
import sqlalchemy as sa

from core.domain.indicators import percent
from core.store.engine import is_sqlite
from federation.hub import models as t
from federation.hub.figures import DIMENSION_COLUMNS
from federation.hub.store import HubStore, Outcome

pytestmark = pytest.mark.anyio
ACCEPTED, DUPLICATE, STALE = Outcome.ACCEPTED, Outcome.DUPLICATE, Outcome.STALE


@pytest.fixture
async def store(any_hub_url):
    store = HubStore.open(any_hub_url)
    await store.migrate()
    yield store
    await store.close()


def expected_figures(*messages) -> Counter:
    """What ``hub_figures`` must hold for ``messages``, worked out from the rows by hand."""
    out: Counter = Counter()
    for m in messages:
        for block in m.indicators:
            for row in block.rows:
                dims = {**dict.fromkeys(DIMENSION_COLUMNS), **dict(zip(block.dimensions, row[:-1], strict=True))}
                value = row[-1]
                if value is None:
                    figure = (None, None, None)
                elif block.unit == "ratio":
                    num, den = (int(x) for x in str(value).split("/"))
                    figure = (percent(num, den), num, den)
                else:
                    figure = (Decimal(value), None, None)
                out[(m.region, m.as_of, block.code, *dims.values(), *figure)] += 1
    return out


async def stored_figures(store: HubStore) -> Counter:
    F = t.figures.c
    async with store.engine.connect() as conn:
        rows = await conn.execute(sa.select(F.region_code, F.as_of, F.indicator, *(F[c] for c in DIMENSION_COLUMNS),
                                            F.value, F.numerator, F.denominator))
        return Counter(tuple(row) for row in rows)


async def kept(store: HubStore) -> dict[tuple[str, date], int]:
    S = t.snapshots.c
    async with store.engine.connect() as conn:
        return dict(((r, a), s) for r, a, s in await conn.execute(sa.select(S.region_code, S.as_of, S.sequence)))


async def test_a_batch_has_the_outcomes_of_one_by_one_ingest_and_keeps_the_newest(store, snapshots):
    k1, k2, k3, l1 = (snapshots[k] for k in ("k1", "k2", "k3", "l1"))
    assert k1.as_of == k2.as_of and k1.sequence < k2.sequence  # the same region and date
    outcomes = await store.ingest_many([k1, k2, k1, l1, k3, k2])
    assert outcomes == [ACCEPTED, ACCEPTED, STALE, ACCEPTED, ACCEPTED, DUPLICATE]
    assert await kept(store) == {("kurzeme", k2.as_of): 2, ("kurzeme", k3.as_of): 3, ("latgale", l1.as_of): 1}
    assert await stored_figures(store) == expected_figures(k2, k3, l1)
    assert await store.ingest_many([k2, k1, l1]) == [DUPLICATE, STALE, DUPLICATE]  # later: nothing changes
    assert await stored_figures(store) == expected_figures(k2, k3, l1)


async def test_a_newer_snapshot_in_a_later_batch_replaces_the_figures(store, snapshots):
    k1, k2 = snapshots["k1"], snapshots["k2"]
    assert await store.ingest_many([k1]) == [ACCEPTED]
    assert await stored_figures(store) == expected_figures(k1)
    assert await store.ingest_many([k2, snapshots["l1"]]) == [ACCEPTED, ACCEPTED]
    assert await stored_figures(store) == expected_figures(k2, snapshots["l1"])
    async with store.engine.connect() as conn:
        declared = set((await conn.execute(sa.select(t.indicators.c.code))).scalars())
    assert declared == {b.code for b in k2.indicators}


async def _refuse_latgale_figures(store: HubStore) -> None:
    """A trigger that refuses Latgale's figures: on PostgreSQL when the transaction commits (after the COPY)."""
    sqlite = is_sqlite(str(store.engine.url))
    statements = [
        "CREATE TRIGGER refuse BEFORE INSERT ON hub_figures WHEN NEW.region_code = 'latgale' "
        "BEGIN SELECT RAISE(ABORT, 'refused by the test'); END",
    ] if sqlite else [
        "CREATE FUNCTION refuse() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
        "IF NEW.region_code = 'latgale' THEN RAISE EXCEPTION 'refused by the test'; END IF; RETURN NULL; END $$",
        "CREATE CONSTRAINT TRIGGER refuse AFTER INSERT ON hub_figures DEFERRABLE INITIALLY DEFERRED "
        "FOR EACH ROW EXECUTE FUNCTION refuse()",
    ]
    async with store.engine.begin() as conn:
        for statement in statements:
            await conn.execute(sa.text(statement))


async def test_a_refused_snapshot_rolls_back_its_whole_batch(store, snapshots):
    k1, l1 = snapshots["k1"], snapshots["l1"]
    await _refuse_latgale_figures(store)
    with pytest.raises(sa.exc.DBAPIError, match="refused by the test"):
        await store.ingest_many([k1, l1])
    assert await kept(store) == {} and await stored_figures(store) == Counter()
    assert store.declared == {} and store.regions == {}  # nothing was committed, so nothing is remembered
    assert await store.ingest_many([k1]) == [ACCEPTED]  # the same batch without the refused one goes in
    assert await stored_figures(store) == expected_figures(k1)
    async with store.engine.connect() as conn:
        declared = set((await conn.execute(sa.select(t.indicators.c.code))).scalars())
        region = (await conn.execute(sa.select(t.regions.c.name))).scalar_one()
    assert declared == {b.code for b in k1.indicators} and region == k1.region_name
