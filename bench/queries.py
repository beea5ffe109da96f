"""What benchmark 2 asks: the GraphQL documents and the plain endpoints' URLs that answer the same."""

from __future__ import annotations

import random

from core.api.pagination import encode_cursor

PAGE_SIZE = 100

CLIENT_FIELDS = """id givenName familyName birthDate targetGroup municipalityCode
      episodes { id serviceCode grantedBy startDate endDate }
      services { code nameEn unit }"""

PAGE = f"""query Page($first: Int!, $after: String) {{
  clients(first: $first, after: $after) {{
    edges {{ node {{ {CLIENT_FIELDS} }} }}
  }}
}}"""

ONE = f"""query One($id: ID!) {{
  client(id: $id) {{ {CLIENT_FIELDS}
    totalCost }}
}}"""


def page_after(n: int, rng: random.Random) -> int | None:
    """A random page start: after a client id such that a whole page of 100 follows (None = the first page)."""
    last = max(0, n - PAGE_SIZE)
    start = rng.randrange(last + 1)
    return start or None


def graphql_page(after: int | None) -> dict:
    cursor = encode_cursor("client", after) if after else None
    return {"query": PAGE, "variables": {"first": PAGE_SIZE, "after": cursor}}


def graphql_one(client_id: int) -> dict:
    return {"query": ONE, "variables": {"id": str(client_id)}}


def plain_page(after: int | None) -> str:
    return f"/clients?first={PAGE_SIZE}" + (f"&after={after}" if after else "")


def plain_one(client_id: int) -> str:
    return f"/client/{client_id}"


def workload(kind: str, n: int, count: int, seed: int) -> list[tuple[dict, str]]:
    """``count`` requests of ``kind`` ("page" or "client") as (GraphQL body, plain path) pairs, seeded."""
    rng = random.Random(f"{seed}-{kind}-{n}")
    if kind == "page":
        afters = [page_after(n, rng) for _ in range(count)]
        return [(graphql_page(a), plain_page(a)) for a in afters]
    ids = [rng.randint(1, n) for _ in range(count)]
    return [(graphql_one(i), plain_one(i)) for i in ids]
