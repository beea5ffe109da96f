"""Bearer tokens (JWT): minted for development, verified with PyJWT, turned into a :class:`Principal`.

Accepted tokens
  * development: HS256 signed with ``KOPIENA_JWT_SECRET`` (``kopiena token`` mints them);
    refused in production mode while the secret is the built-in development one;
  * production: RS256 (or another asymmetric algorithm) signed by the identity provider,
    whose public keys come from ``KOPIENA_JWKS`` (a JWKS file path or an https URL).

Claims: ``sub``, ``exp``, ``iat``, ``aud`` (``KOPIENA_JWT_AUDIENCE``), ``iss``
(``KOPIENA_JWT_ISSUER``), and the caller's grants as ``role`` + ``domain`` and/or
``grants: [{role, domain}]``. An optional ``region`` claim names the node the token
is for. Grants on another region are ignored; a token that only grants on other
regions, or whose ``region`` is another region, is refused. Every refusal is
:class:`Unauthenticated`.
"""

from __future__ import annotations

import logging
import re
import time
import uuid
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import anyio
import jwt

from core.settings import DEV_SECRET, Settings

from .domains import NATIONAL, Domain, DomainCatalogue
from .errors import AuthConfigError, InvalidDomain, Unauthenticated
from .principal import Grant, Principal, valid_role_name

log = logging.getLogger("kopiena.auth")

DEV_ALGORITHM = "HS256"
KEY_ALGORITHMS = frozenset(
    {"RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA"}
)
REQUIRED_CLAIMS = ["exp", "iat", "sub", "aud", "iss"]
LEEWAY = timedelta(seconds=30)
MAX_TOKEN_LENGTH = 8192
MAX_GRANTS = 20
MAX_DEV_TTL = timedelta(days=30)
VERIFIED_TOKENS = 1024  # distinct tokens whose checked claims are kept (see VerifiedTokens)
_SUB = re.compile(r"[^\x00-\x1f\x7f]{1,200}\Z")


def bearer_token(authorization: str | None) -> str:
    """The token of an ``Authorization: Bearer <token>`` header."""
    if not authorization:
        raise Unauthenticated("A bearer token is required (Authorization: Bearer <token>).")
    scheme, _, token = authorization.strip().partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthenticated("The Authorization header must be 'Bearer <token>'.")
    token = token.strip()
    if len(token) > MAX_TOKEN_LENGTH:
        raise Unauthenticated("The token is too long.")
    return token


class VerifiedTokens:
    """The claims of tokens verified already, and the callers they describe, the most recently used ones.

    A client sends the same token with every request, and checking it again (base64 and JSON
    decoding, the signature, the claims) was ~7 % of the CPU time of a small request. Kept only
    while the keys cannot change (the secret, or a JWKS file: read once at start-up), so a token
    found here would pass every check again, except expiry, which is checked on each use exactly
    as PyJWT does it (``exp <= now - leeway`` is expired; ``nbf`` and ``iat`` only get truer with time).
    The principal is a function of the claims alone (and of the node's region and domains, fixed).
    """

    def __init__(self, size: int = VERIFIED_TOKENS, clock: Callable[[], float] = time.time) -> None:
        self.size = size
        self.clock = clock
        self._known: OrderedDict[str, tuple[dict[str, Any], Principal]] = OrderedDict()

    def get(self, token: str) -> tuple[dict[str, Any], Principal] | None:
        known = self._known.get(token)
        if known is None:
            return None
        if int(known[0]["exp"]) <= self.clock() - LEEWAY.total_seconds():
            del self._known[token]
            raise Unauthenticated("The token has expired.")
        self._known.move_to_end(token)
        return known

    def add(self, token: str, claims: dict[str, Any], principal: Principal) -> None:
        self._known[token] = (claims, principal)
        if len(self._known) > self.size:
            self._known.popitem(last=False)


class TokenVerifier:
    """Checks tokens for one node (``region``; None on the national hub)."""

    def __init__(self, settings: Settings, *, region: str | None, catalogue: DomainCatalogue) -> None:
        self.settings = settings
        self.region = region
        self.catalogue = catalogue
        secret = settings.jwt_secret.get_secret_value()
        self.secret: str | None = secret or None
        if settings.production and secret == DEV_SECRET:
            self.secret = None  # the published development secret proves nothing
        self._jwks_set: jwt.PyJWKSet | None = None
        self._jwks_client: jwt.PyJWKClient | None = None
        if settings.jwks:
            self._load_jwks(settings.jwks)
        # keys fetched from a URL may change while the node runs: then every token is checked every time
        self.verified: VerifiedTokens | None = VerifiedTokens() if self._jwks_client is None else None
        if settings.production and self.secret is None and not settings.jwks:
            raise AuthConfigError(
                "Production mode needs the identity provider's keys (KOPIENA_JWKS) "
                "or a secret of your own (KOPIENA_JWT_SECRET); the development secret is refused."
            )

    def _load_jwks(self, source: str) -> None:
        if source.startswith(("https://", "http://")):
            self._jwks_client = jwt.PyJWKClient(source, cache_keys=True, lifespan=300, timeout=10)
            return
        path = Path(source.removeprefix("file://"))
        try:
            self._jwks_set = jwt.PyJWKSet.from_json(path.read_text(encoding="utf-8"))
        except (OSError, ValueError, jwt.PyJWTError) as exc:
            raise AuthConfigError(f"Cannot read the JWKS file {str(path)!r}: {exc}") from exc

    async def authenticate(self, authorization: str | None, *, request_id: str | None = None) -> Principal:
        token = bearer_token(authorization)
        known = self.verified.get(token) if self.verified is not None else None
        if known is None:
            claims = await self._verify(token)
            principal = self.principal(claims)  # a token that describes no caller here is not kept
            if self.verified is not None:
                self.verified.add(token, claims, principal)
        else:
            principal = known[1]
        return principal if request_id is None else replace(principal, request_id=request_id)

    async def _verify(self, token: str) -> dict[str, Any]:
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError:
            raise Unauthenticated("The token is not a JWT.") from None
        alg = header.get("alg")
        key: Any
        if alg == DEV_ALGORITHM and self.secret is not None:
            key = self.secret
        elif alg in KEY_ALGORITHMS and (self._jwks_set or self._jwks_client):
            key = await self._public_key(token, header)
        else:
            raise Unauthenticated(f"Tokens signed with {alg!r} are not accepted here.")
        try:
            return jwt.decode(
                token,
                key,
                algorithms=[alg],
                audience=self.settings.jwt_audience,
                issuer=self.settings.jwt_issuer,
                leeway=LEEWAY,
                options={"require": REQUIRED_CLAIMS, "enforce_minimum_key_length": True, "strict_aud": False},
            )
        except jwt.ExpiredSignatureError:
            raise Unauthenticated("The token has expired.") from None
        except jwt.InvalidAudienceError:
            raise Unauthenticated("The token is for another audience.") from None
        except jwt.InvalidIssuerError:
            raise Unauthenticated("The token comes from an issuer this node does not trust.") from None
        except jwt.InvalidSignatureError:
            raise Unauthenticated("The token's signature is not valid.") from None
        except jwt.MissingRequiredClaimError as exc:
            raise Unauthenticated(f"The token has no {exc.claim!r} claim.") from None
        except jwt.PyJWTError as exc:
            raise Unauthenticated(f"The token is not valid: {exc}") from None

    async def _public_key(self, token: str, header: dict[str, Any]) -> Any:
        kid = header.get("kid")
        if self._jwks_client is not None:
            try:
                jwk = await anyio.to_thread.run_sync(self._jwks_client.get_signing_key_from_jwt, token)
            except jwt.PyJWKClientConnectionError as exc:
                log.warning("cannot fetch the identity provider's keys: %s", exc)
                raise Unauthenticated("The identity provider's keys cannot be fetched right now.") from None
            except jwt.PyJWTError:
                raise Unauthenticated("No key of the identity provider matches the token.") from None
        else:
            assert self._jwks_set is not None
            keys = list(self._jwks_set)
            matching = [k for k in keys if k.key_id == kid] if kid else keys
            if len(matching) != 1:
                raise Unauthenticated("No key of the identity provider matches the token.")
            jwk = matching[0]
        if jwk.algorithm_name not in KEY_ALGORITHMS or jwk.algorithm_name != header.get("alg"):
            raise Unauthenticated("The token's algorithm does not match the identity provider's key.")
        return jwk.key

    def principal(self, claims: dict[str, Any], *, request_id: str | None = None) -> Principal:
        """The caller a verified token describes, with only the grants that apply to this node."""
        sub = claims.get("sub")
        if not isinstance(sub, str) or not _SUB.match(sub):
            raise Unauthenticated("The token's subject is not valid.")
        region = claims.get("region")
        if region is not None and self.region is not None and region != self.region:
            raise Unauthenticated("This token is for another region's node.")
        grants = [self._grant(raw) for raw in _raw_grants(claims)]
        kept = tuple(g for g in grants if self._applies_here(g.domain))
        if grants and not kept:
            raise Unauthenticated("This token is for another region's node.")
        jti = claims.get("jti")
        return Principal(sub, kept, jti if isinstance(jti, str) else None, request_id)

    def _grant(self, raw: Any) -> Grant:
        if not isinstance(raw, dict) or not valid_role_name(raw.get("role")):
            raise Unauthenticated("The token's role is not valid.")
        try:
            domain = self.catalogue.parse(raw.get("domain"))
        except InvalidDomain as exc:
            raise Unauthenticated(f"The token's domain is not valid: {exc.message}") from None
        return Grant(raw["role"], domain)

    def _applies_here(self, domain: Domain) -> bool:
        return self.region is None or domain.region in (None, self.region)


def _raw_grants(claims: dict[str, Any]) -> list[Any]:
    raw: list[Any] = []
    if "role" in claims or "domain" in claims:
        raw.append({"role": claims.get("role"), "domain": claims.get("domain")})
    extra = claims.get("grants")
    if extra is not None:
        if not isinstance(extra, list) or len(extra) > MAX_GRANTS:
            raise Unauthenticated(f"The token's grants must be a list of at most {MAX_GRANTS}.")
        raw.extend(extra)
    return raw


_TTL = re.compile(r"(\d{1,6})([smhd])\Z")
_UNIT = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days"}


def parse_ttl(text: str) -> timedelta:
    """``90s``, ``30m``, ``8h``, ``2d`` -> timedelta (at most 30 days, more than zero)."""
    match = _TTL.match(text.strip().lower())
    if not match:
        raise ValueError(f"{text!r} is not a duration like 30m, 8h or 2d")
    ttl = timedelta(**{_UNIT[match.group(2)]: int(match.group(1))})
    if not timedelta(0) < ttl <= MAX_DEV_TTL:
        raise ValueError("a development token lives more than 0 seconds and at most 30 days")
    return ttl


def mint_dev_token(
    settings: Settings,
    *,
    sub: str,
    role: str,
    domain: Domain,
    ttl: timedelta,
    now: datetime | None = None,
    **extra: Any,
) -> str:
    """A development token signed with ``KOPIENA_JWT_SECRET`` (HS256). Never in production mode."""
    if settings.production:
        raise AuthConfigError(
            "Development tokens are not minted in production mode; ask the identity provider."
        )
    if not _SUB.match(sub):
        raise ValueError("the subject must be 1-200 printable characters")
    if not valid_role_name(role):
        raise ValueError(f"{role!r} is not a role name")
    now = now or datetime.now(UTC)
    claims: dict[str, Any] = {
        "sub": sub,
        "role": role,
        "domain": domain.path,
        "aud": settings.jwt_audience,
        "iss": settings.jwt_issuer,
        "iat": now,
        "exp": now + ttl,
        "jti": uuid.uuid4().hex,
    }
    if domain.path != NATIONAL:
        claims["region"] = domain.region
    claims.update(extra)
    return jwt.encode(claims, settings.jwt_secret.get_secret_value(), algorithm=DEV_ALGORITHM)
