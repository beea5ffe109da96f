"""A ready development token per GraphiQL endpoint of the demo, and whether the endpoint asks for one.

Tokens are minted by :func:`core.auth.tokens.mint_dev_token`, as ``kopiena
token`` does, with the settings the demo's processes inherit (the same
``KOPIENA_JWT_SECRET``): a regional coordinator per node, a national analyst
for the hub. Whether an endpoint wants a token is asked, not assumed: a query
without one that comes back ``UNAUTHENTICATED`` means access control is on.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx

from core.auth.domains import DomainCatalogue
from core.auth.errors import AuthConfigError
from core.auth.tokens import mint_dev_token
from core.settings import get_settings

TTL = timedelta(hours=24)
NODE_PROBE = "{ clients(first: 1) { totalCount } }"
HUB_PROBE = "{ regions { code } }"
REFUSED = {"UNAUTHENTICATED", "FORBIDDEN"}


def grant(name: str) -> tuple[str, str]:
    """Role and domain of the demo's token for an endpoint (``hub`` or a region's code)."""
    return ("national_analyst", "lv") if name == "hub" else ("regional_coordinator", f"lv/{name}")


def token_required(url: str, query: str) -> bool:
    """Whether the endpoint refuses a query that carries no token."""
    try:
        answer = httpx.post(url, json={"query": query}, timeout=10.0)
    except httpx.HTTPError:
        return True
    if answer.status_code in (401, 403):
        return True
    try:
        errors = answer.json().get("errors") or []
    except ValueError:
        return False
    return any((e.get("extensions") or {}).get("code") in REFUSED for e in errors)


def mint(name: str, catalogue: DomainCatalogue | None = None) -> str | None:
    """The development token for endpoint ``name``; None in production mode (no development tokens there)."""
    role, domain = grant(name)
    catalogue = catalogue or DomainCatalogue.from_plugins()
    try:
        return mint_dev_token(get_settings(), sub=f"demo-{role.replace('_', '-')}-{name}", role=role,
                              domain=catalogue.parse(domain), ttl=TTL)
    except AuthConfigError:
        return None


def endpoints(urls: dict[str, str]) -> list[dict[str, Any]]:
    """``urls``: endpoint name (``hub`` or a region) -> its /graphql URL."""
    catalogue = DomainCatalogue.from_plugins()
    out = []
    for name, url in urls.items():
        role, domain = grant(name)
        token = mint(name, catalogue)
        out.append({"name": name, "url": url, "role": role, "domain": domain, "token": token,
                    "token_required": token_required(url, HUB_PROBE if name == "hub" else NODE_PROBE)})
    return out
