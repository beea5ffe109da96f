"""Real RSA keys, JWKS documents and a real HTTP server serving one, for token tests."""

from __future__ import annotations

import base64
import json
import threading
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm


def rsa_key():
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def jwks(*keys_with_ids) -> dict:
    out = []
    for key, kid in keys_with_ids:
        jwk = json.loads(RSAAlgorithm.to_jwk(key.public_key()))
        jwk.update({"kid": kid, "alg": "RS256", "use": "sig"})
        out.append(jwk)
    return {"keys": out}


def claims(**overrides) -> dict:
    now = datetime.now(UTC)
    base = {
        "sub": "anna",
        "role": "municipal_social_worker",
        "domain": "lv/zemgale/0003000",
        "region": "zemgale",
        "aud": "kopiena",
        "iss": "kopiena-dev",
        "iat": now,
        "exp": now + timedelta(hours=1),
    }
    base.update(overrides)
    return {k: v for k, v in base.items() if v is not None}


def rs256(private_key, kid: str | None = "k1", **overrides) -> str:
    headers = {"kid": kid} if kid else None
    return jwt.encode(claims(**overrides), private_key, algorithm="RS256", headers=headers)


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unsigned(**overrides) -> str:
    """An ``alg: none`` token: header and payload, empty signature."""
    payload = {
        k: (int(v.timestamp()) if isinstance(v, datetime) else v) for k, v in claims(**overrides).items()
    }
    header = b64(json.dumps({"alg": "none", "typ": "JWT"}).encode())
    return f"{header}.{b64(json.dumps(payload).encode())}."


@contextmanager
def jwks_server(document: dict):
    """Serve ``document`` at http://127.0.0.1:<port>/jwks.json; yields the URL and a hit counter."""
    hits = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 (http.server's naming)
            hits.append(self.path)
            body = json.dumps(document).encode()
            self.send_response(200 if self.path == "/jwks.json" else 404)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/jwks.json", hits
    finally:
        server.shutdown()
        server.server_close()
