"""The baseline of benchmark 2: a plain Starlette app answering the same JSON as the GraphQL queries.

Same database, same async engine (``core.store.engine.create_engine``: same
driver, pool and SQLite pragmas), the same statements the API's dataloaders
run (a keyset page of clients, their episodes in one ``IN``, the service
types in one ``IN``, the cost sum), hand-written, with the JSON built by hand
in the shape GraphQL returns. No schema, no validation, no access control.

Run: ``python -m bench.baseline_app --db URL --port P`` (uvicorn, one process).
"""

from __future__ import annotations

import argparse
import json
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from core.store.engine import create_engine

PAGE_SQL = sa.text("SELECT id, given_name, family_name, birth_date, target_group, municipality_code "
                   "FROM clients WHERE id > :after ORDER BY id LIMIT :limit")
ONE_SQL = sa.text("SELECT id, given_name, family_name, birth_date, target_group, municipality_code "
                  "FROM clients WHERE id = :id")
EPISODES_SQL = sa.text(
    "SELECT id, client_id, service_code, granted_by, start_date, end_date FROM service_episodes "
    "WHERE client_id IN :ids ORDER BY client_id, start_date, id").bindparams(sa.bindparam("ids", expanding=True))
SERVICES_SQL = sa.text("SELECT code, name_en, unit FROM service_types WHERE code IN :codes").bindparams(
    sa.bindparam("codes", expanding=True))
COST_SQL = sa.text("SELECT SUM(d.cost) FROM deliveries d JOIN service_episodes e ON e.id = d.episode_id "
                   "WHERE e.client_id = :id")
CENT = Decimal("0.01")


def iso(value: Any) -> str | None:
    """SQLite hands dates back as ISO text, PostgreSQL as ``date``; JSON wants the ISO text."""
    if value is None or isinstance(value, str):
        return value
    return value.isoformat()


def json_response(data: Any) -> Response:
    body = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    return Response(body, media_type="application/json")


async def clients_json(conn: AsyncConnection, rows: list) -> list[dict]:
    """Clients with their episodes and services, three statements whatever the number of clients."""
    if not rows:
        return []
    episodes: dict[int, list] = {row.id: [] for row in rows}
    for e in (await conn.execute(EPISODES_SQL, {"ids": list(episodes)})).all():
        episodes[e.client_id].append(e)
    codes = sorted({e.service_code for group in episodes.values() for e in group})
    services = {s.code: s for s in (await conn.execute(SERVICES_SQL, {"codes": codes})).all()} if codes else {}
    out = []
    for c in rows:
        mine = episodes[c.id]
        out.append({
            "id": str(c.id), "givenName": c.given_name, "familyName": c.family_name, "birthDate": iso(c.birth_date),
            "targetGroup": c.target_group, "municipalityCode": c.municipality_code,
            "episodes": [{"id": str(e.id), "serviceCode": e.service_code, "grantedBy": e.granted_by,
                          "startDate": iso(e.start_date), "endDate": iso(e.end_date)} for e in mine],
            "services": [{"code": s.code, "nameEn": s.name_en, "unit": s.unit}
                         for s in (services[code] for code in dict.fromkeys(e.service_code for e in mine))],
        })
    return out


def build_app(engine: AsyncEngine) -> Starlette:
    async def page(request: Request) -> Response:
        first = int(request.query_params.get("first", "20"))
        after = int(request.query_params.get("after", "0"))
        async with engine.connect() as conn:
            rows = (await conn.execute(PAGE_SQL, {"after": after, "limit": first})).all()
            nodes = await clients_json(conn, rows)
        return json_response({"data": {"clients": {"edges": [{"node": n} for n in nodes]}}})

    async def one(request: Request) -> Response:
        client_id = int(request.path_params["id"])
        async with engine.connect() as conn:
            rows = (await conn.execute(ONE_SQL, {"id": client_id})).all()
            nodes = await clients_json(conn, rows)
            if nodes:
                cents = await conn.scalar(COST_SQL, {"id": client_id})
                nodes[0]["totalCost"] = str((Decimal(int(cents or 0)) / 100).quantize(CENT))
        return json_response({"data": {"client": nodes[0] if nodes else None}})

    async def healthz(request: Request) -> Response:
        return json_response({"status": "ok"})

    return Starlette(routes=[Route("/clients", page), Route("/client/{id:int}", one), Route("/healthz", healthz)])


def main() -> None:
    import uvicorn

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--db", required=True)
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    uvicorn.run(build_app(create_engine(args.db)), host="127.0.0.1", port=args.port, log_level="warning")


if __name__ == "__main__":
    main()
