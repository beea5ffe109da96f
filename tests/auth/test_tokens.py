"""Bearer tokens with real JWTs: development HS256, production RS256 from a JWKS file or URL, and attacks."""

import hashlib
import hmac
import json
from datetime import UTC, datetime, timedelta

import jwt
import pytest
from cryptography.hazmat.primitives import serialization

from core.auth.domains import DomainCatalogue
from core.auth.errors import AuthConfigError, Unauthenticated
from core.auth.tokens import TokenVerifier, bearer_token, mint_dev_token, parse_ttl
from core.settings import DEV_SECRET, Settings

from .keys import b64, claims, jwks, jwks_server, rs256, rsa_key, unsigned

pytestmark = pytest.mark.anyio


@pytest.fixture(scope="module")
def catalogue():
    return DomainCatalogue.from_plugins()


@pytest.fixture(scope="module")
def idp_key():
    return rsa_key()


@pytest.fixture
def dev(catalogue):
    return TokenVerifier(Settings(), region="zemgale", catalogue=catalogue)


@pytest.fixture
def jwks_file(tmp_path, idp_key):
    path = tmp_path / "jwks.json"
    path.write_text(json.dumps(jwks((idp_key, "k1"), (rsa_key(), "k2"))))
    return path


@pytest.fixture
def production(catalogue, jwks_file):
    return TokenVerifier(
        Settings(production=True, jwks=str(jwks_file)), region="zemgale", catalogue=catalogue
    )


def hs256(secret=DEV_SECRET, **overrides):
    return jwt.encode(claims(**overrides), secret, algorithm="HS256")


async def refused(verifier, token, reason):
    with pytest.raises(Unauthenticated) as caught:
        await verifier.authenticate(f"Bearer {token}")
    assert reason.lower() in caught.value.message.lower(), caught.value.message
    assert caught.value.code == "UNAUTHENTICATED"


async def test_a_minted_development_token_gives_its_principal(dev, catalogue):
    token = mint_dev_token(
        Settings(),
        sub="anna",
        role="assessor",
        domain=catalogue.parse("lv/zemgale/0028000"),
        ttl=timedelta(hours=8),
    )
    principal = await dev.authenticate(f"Bearer {token}", request_id="r-1")
    assert principal.sub == "anna" and principal.request_id == "r-1" and principal.token_id
    assert [(g.role, g.domain.path) for g in principal.grants] == [("assessor", "lv/zemgale/0028000")]
    decoded = jwt.decode(token, DEV_SECRET, algorithms=["HS256"], audience="kopiena")
    assert decoded["region"] == "zemgale" and decoded["exp"] - decoded["iat"] == 8 * 3600


@pytest.mark.parametrize(
    "header, reason",
    [
        (None, "bearer token is required"),
        ("", "bearer token is required"),
        ("Basic YW5uYTpzZWNyZXQ=", "must be 'Bearer <token>'"),
        ("Bearer", "must be 'Bearer <token>'"),
        ("Bearer    ", "must be 'Bearer <token>'"),
        ("Bearer not.a.jwt", "not a jwt"),
        ("Bearer " + "a" * 9000, "too long"),
    ],
)
async def test_missing_or_malformed_headers(dev, header, reason):
    with pytest.raises(Unauthenticated) as caught:
        await dev.authenticate(header)
    assert reason.lower() in caught.value.message.lower()


async def test_expired_token(dev):
    past = datetime.now(UTC) - timedelta(hours=2)
    await refused(dev, hs256(iat=past - timedelta(hours=1), exp=past), "expired")


async def test_expiry_allows_a_little_clock_skew_and_no_more(dev):
    await dev.authenticate("Bearer " + hs256(exp=datetime.now(UTC) - timedelta(seconds=10)))
    await refused(dev, hs256(exp=datetime.now(UTC) - timedelta(seconds=90)), "expired")


async def test_tampered_signature_and_tampered_payload(dev):
    token = hs256()
    header, payload, signature = token.split(".")
    flipped = signature[:-2] + ("AA" if signature[-2:] != "AA" else "BB")
    await refused(dev, f"{header}.{payload}.{flipped}", "signature")
    richer = b64(
        json.dumps(
            {
                **jwt.decode(token, options={"verify_signature": False}),
                "role": "regional_coordinator",
                "domain": "lv",
            }
        ).encode()
    )
    await refused(dev, f"{header}.{richer}.{signature}", "signature")


async def test_signed_with_another_secret(dev):
    await refused(dev, hs256(secret="someone-elses-secret-that-is-long-enough-32b"), "signature")


@pytest.mark.parametrize("alg", ["none", "None", "NONE"])
async def test_alg_none_is_refused(dev, alg):
    token = unsigned()
    if alg != "none":
        _, payload, _ = token.split(".")
        token = f"{b64(json.dumps({'alg': alg}).encode())}.{payload}."
    await refused(dev, token, "not accepted")


@pytest.mark.parametrize(
    "overrides, reason",
    [
        ({"aud": "another-service"}, "audience"),
        ({"iss": "https://evil.example"}, "issuer"),
        ({"exp": None}, "'exp'"),
        ({"sub": None}, "'sub'"),
        ({"aud": None}, "'aud'"),
        ({"iss": None}, "'iss'"),
        ({"iat": None}, "'iat'"),
        ({"sub": "x" * 300}, "subject"),
        ({"sub": "anna\nadmin"}, "subject"),
        ({"role": "Regional Coordinator"}, "role"),
        ({"role": ["assessor"]}, "role"),
        ({"role": None}, "role"),
        ({"domain": None}, "domain"),
        ({"domain": "lv/zemgale/../kurzeme"}, "domain"),
        ({"domain": "lv/zemgale*"}, "domain"),
        ({"domain": "lv/zemgale/"}, "domain"),
        ({"domain": "LV/ZEMGALE"}, "domain"),
        ({"domain": "lv/zemgale/9999999"}, "domain"),
        ({"grants": "assessor@lv"}, "grants"),
        ({"grants": [{"role": "assessor", "domain": "lv"}] * 21}, "grants"),
    ],
)
async def test_bad_claims(dev, overrides, reason):
    await refused(dev, hs256(**overrides), reason)


@pytest.mark.parametrize(
    "overrides",
    [
        {"domain": "lv/kurzeme", "region": "kurzeme"},
        {"domain": "lv/kurzeme/0005000", "region": None},
        {"domain": "lv", "region": "kurzeme"},
        {"domain": "lv/zemgale", "region": "kurzeme"},
    ],
)
async def test_a_token_for_another_regions_node(dev, overrides):
    await refused(dev, hs256(**overrides), "another region")


async def test_grants_on_other_regions_are_dropped_and_national_grants_kept(dev):
    token = hs256(
        role=None,
        domain=None,
        region=None,
        grants=[
            {"role": "assessor", "domain": "lv/kurzeme"},
            {"role": "auditor", "domain": "lv"},
            {"role": "service_provider", "domain": "lv/zemgale/0025000"},
        ],
    )
    principal = await dev.authenticate(f"Bearer {token}")
    assert [str(g) for g in principal.grants] == ["auditor@lv", "service_provider@lv/zemgale/0025000"]


async def test_a_token_without_grants_is_a_known_caller_with_no_roles(dev):
    principal = await dev.authenticate("Bearer " + hs256(role=None, domain=None))
    assert principal.sub == "anna" and principal.grants == ()


async def test_rs256_from_a_jwks_file(production, idp_key):
    principal = await production.authenticate("Bearer " + rs256(idp_key, kid="k1"))
    assert principal.roles == ("municipal_social_worker",)


async def test_rs256_with_the_wrong_key_or_kid(production, idp_key):
    await refused(production, rs256(rsa_key(), kid="k1"), "signature")
    await refused(production, rs256(idp_key, kid="k2"), "signature")
    await refused(production, rs256(idp_key, kid="unknown"), "no key")
    await refused(production, rs256(idp_key, kid=None), "no key")  # two keys, no kid: which one?


async def test_production_refuses_the_development_secret(production):
    await refused(production, hs256(), "not accepted")


async def test_hs256_signed_with_the_public_key_is_refused(production, idp_key):
    """Algorithm confusion: an attacker signs HS256 with the (public) RSA key as the HMAC secret."""
    pem = idp_key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    payload = {k: (int(v.timestamp()) if isinstance(v, datetime) else v) for k, v in claims().items()}
    signing_input = (
        f"{b64(json.dumps({'alg': 'HS256', 'kid': 'k1'}).encode())}.{b64(json.dumps(payload).encode())}"
    )
    signature = b64(hmac.new(pem, signing_input.encode(), hashlib.sha256).digest())
    await refused(production, f"{signing_input}.{signature}", "not accepted")


async def test_rs256_without_keys_configured_is_refused(dev, idp_key):
    await refused(dev, rs256(idp_key), "not accepted")


async def test_a_symmetric_key_in_the_jwks_is_never_used(tmp_path, catalogue):
    path = tmp_path / "jwks.json"
    path.write_text(json.dumps({"keys": [{"kty": "oct", "kid": "s", "k": b64(b"x" * 32)}]}))
    verifier = TokenVerifier(Settings(production=True, jwks=str(path)), region="zemgale", catalogue=catalogue)
    token = jwt.encode(claims(), b"x" * 32, algorithm="HS256", headers={"kid": "s"})
    await refused(verifier, token, "not accepted")


async def test_rs256_from_a_jwks_url(catalogue, idp_key):
    with jwks_server(jwks((idp_key, "k1"))) as (url, hits):
        verifier = TokenVerifier(Settings(production=True, jwks=url), region="zemgale", catalogue=catalogue)
        for _ in range(3):
            principal = await verifier.authenticate("Bearer " + rs256(idp_key, kid="k1"))
        assert principal.sub == "anna"
        assert hits == ["/jwks.json"]  # keys are cached between requests
        await refused(verifier, rs256(rsa_key(), kid="k9"), "no key")


async def test_an_unreachable_jwks_url_refuses_without_crashing(catalogue, idp_key):
    with jwks_server({}) as (url, _):
        pass  # the server is gone now
    verifier = TokenVerifier(Settings(production=True, jwks=url), region="zemgale", catalogue=catalogue)
    await refused(verifier, rs256(idp_key), "cannot be fetched")


def test_production_without_keys_does_not_start(catalogue):
    with pytest.raises(AuthConfigError, match="KOPIENA_JWKS"):
        TokenVerifier(Settings(production=True), region="zemgale", catalogue=catalogue)


def test_an_unreadable_jwks_file_does_not_start(tmp_path, catalogue):
    path = tmp_path / "broken.json"
    path.write_text("{not json")
    with pytest.raises(AuthConfigError, match="broken.json"):
        TokenVerifier(Settings(jwks=str(path)), region="zemgale", catalogue=catalogue)


async def test_production_with_a_secret_of_its_own(catalogue):
    secret = "a-production-secret-of-at-least-thirty-two-bytes"
    verifier = TokenVerifier(
        Settings(production=True, jwt_secret=secret), region="zemgale", catalogue=catalogue
    )
    assert (await verifier.authenticate("Bearer " + hs256(secret=secret))).sub == "anna"
    await refused(verifier, hs256(), "signature")


@pytest.mark.filterwarnings("ignore::jwt.warnings.InsecureKeyLengthWarning")
async def test_a_short_secret_is_refused(catalogue):
    verifier = TokenVerifier(Settings(jwt_secret="short"), region="zemgale", catalogue=catalogue)
    await refused(verifier, hs256(secret="short"), "not valid")


def test_development_tokens_are_not_minted_in_production(catalogue):
    with pytest.raises(AuthConfigError):
        mint_dev_token(
            Settings(production=True),
            sub="anna",
            role="assessor",
            domain=catalogue.parse("lv"),
            ttl=timedelta(hours=1),
        )


@pytest.mark.parametrize(
    "text, expected",
    [
        ("90s", timedelta(seconds=90)),
        ("30m", timedelta(minutes=30)),
        ("8h", timedelta(hours=8)),
        ("30d", timedelta(days=30)),
    ],
)
def test_parse_ttl(text, expected):
    assert parse_ttl(text) == expected


@pytest.mark.parametrize("text", ["0h", "31d", "8", "h", "-1h", "1w", "8 hours", ""])
def test_parse_ttl_refuses(text):
    with pytest.raises(ValueError):
        parse_ttl(text)


def test_bearer_token_strips_the_scheme():
    assert bearer_token("bearer abc.def.ghi ") == "abc.def.ghi"


async def test_a_token_checked_before_is_not_checked_again_but_still_expires(dev, catalogue):
    token = hs256(exp=datetime.now(UTC) + timedelta(minutes=5))
    first = await dev.authenticate(f"Bearer {token}")
    assert dev.verified is not None and dev.verified.get(token) is not None
    assert await dev.authenticate(f"Bearer {token}") == first
    dev.verified.clock = lambda: (datetime.now(UTC) + timedelta(minutes=5, seconds=29)).timestamp()
    assert await dev.authenticate(f"Bearer {token}") == first  # within the 30 s leeway, as PyJWT allows
    dev.verified.clock = lambda: (datetime.now(UTC) + timedelta(minutes=5, seconds=31)).timestamp()
    await refused(dev, token, "expired")
    assert dev.verified.get(token) is None  # and forgotten
    tampered = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    await refused(dev, tampered, "signature")  # another text: checked in full
    small = TokenVerifier(Settings(), region="zemgale", catalogue=catalogue)
    assert small.verified is not None
    small.verified.size = 2
    tokens = [hs256(sub=f"user-{i}") for i in range(3)]
    for t in tokens:
        await small.authenticate(f"Bearer {t}")
    assert [small.verified.get(t) is not None for t in tokens] == [False, True, True]  # the oldest is dropped


async def test_a_kept_token_names_each_request_and_one_for_another_node_is_never_kept(dev):
    token = hs256()
    first = await dev.authenticate(f"Bearer {token}", request_id="req-1")
    second = await dev.authenticate(f"Bearer {token}", request_id="req-2")
    assert first == second and (first.request_id, second.request_id) == ("req-1", "req-2")
    elsewhere = hs256(domain="lv/kurzeme", region="kurzeme")
    for _ in range(2):  # checked in full each time, refused each time
        await refused(dev, elsewhere, "another region")
    assert dev.verified is not None and dev.verified.get(elsewhere) is None


async def test_keys_from_a_url_are_checked_on_every_request(catalogue, idp_key):
    with jwks_server(jwks((idp_key, "k1"))) as (url, _hits):
        verifier = TokenVerifier(Settings(production=True, jwks=url), region="zemgale", catalogue=catalogue)
        assert verifier.verified is None  # the provider may rotate its keys while the node runs
        token = rs256(idp_key, kid="k1")
        assert (await verifier.authenticate(f"Bearer {token}")).sub == "anna"
