"""``kopiena token`` as an operator runs it (a real process), and the token it prints verified by a node."""

import os
import subprocess
import sys
from pathlib import Path

import jwt
import pytest
from typer.testing import CliRunner

from core.auth.domains import DomainCatalogue
from core.auth.tokens import TokenVerifier
from core.cli import app
from core.settings import DEV_SECRET, Settings

KOPIENA = str(Path(sys.executable).parent / "kopiena")


def kopiena(*args: str, **env: str) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("KOPIENA_")}
    return subprocess.run(
        [KOPIENA, "token", *args],
        capture_output=True,
        text=True,
        timeout=60,
        env={**clean, "COLUMNS": "200", **env},
    )


@pytest.mark.anyio
async def test_the_printed_token_opens_the_node():
    done = kopiena(
        "--sub", "anna", "--role", "municipal_social_worker", "--domain", "lv/zemgale/0003000", "--ttl", "2h"
    )
    assert done.returncode == 0, done.stderr
    token = done.stdout.strip()
    claims = jwt.decode(token, DEV_SECRET, algorithms=["HS256"], audience="kopiena")
    assert claims["exp"] - claims["iat"] == 7200 and claims["region"] == "zemgale"
    verifier = TokenVerifier(Settings(), region="zemgale", catalogue=DomainCatalogue.from_plugins())
    principal = await verifier.authenticate(f"Bearer {token}")
    assert [str(g) for g in principal.grants] == ["municipal_social_worker@lv/zemgale/0003000"]


def test_the_secret_audience_and_issuer_come_from_the_settings():
    secret = "another-development-secret-32-bytes-long"
    done = kopiena(
        "--sub",
        "x",
        "--role",
        "auditor",
        "--domain",
        "lv",
        KOPIENA_JWT_SECRET=secret,
        KOPIENA_JWT_AUDIENCE="node-z",
        KOPIENA_JWT_ISSUER="me",
    )
    assert done.returncode == 0, done.stderr
    claims = jwt.decode(done.stdout.strip(), secret, algorithms=["HS256"], audience="node-z", issuer="me")
    assert "region" not in claims and claims["domain"] == "lv"


def test_refusals_as_the_operator_sees_them():
    """One line on stderr, nothing on stdout, a non-zero exit (the CLI's own error handling)."""
    for args, env, message in (
        (["--domain", "lv/zemgale/../kurzeme"], {}, "error: INVALID_DOMAIN (--domain): A domain cannot have"),
        (["--domain", "lv/zemgale"], {"KOPIENA_PRODUCTION": "true"}, "not minted in production mode"),
    ):
        done = kopiena("--sub", "anna", "--role", "assessor", *args, **env)
        assert done.returncode == 1 and done.stdout == ""
        assert message in " ".join(done.stderr.split()), done.stderr


@pytest.mark.parametrize(
    "args, message",
    [
        (["--role", "root", "--domain", "lv/zemgale"], "'root' is not a role"),
        (["--role", "assessor", "--domain", "lv/zemgale", "--ttl", "40d"], "at most 30 days"),
        (["--role", "assessor", "--domain", "lv/zemgale", "--ttl", "soon"], "not a duration"),
        (["--role", "assessor", "--domain", "lv/Zemgale"], "lower case"),
        (["--role", "assessor", "--domain", "lv/zemgale/0005000"], "not a current municipality"),
    ],
)
def test_refusals(args, message, monkeypatch):
    """The same command in-process (quicker): bad options are usage errors, bad domains a DomainError."""
    monkeypatch.delenv("KOPIENA_PRODUCTION", raising=False)
    result = CliRunner().invoke(app, ["token", "--sub", "anna", *args])
    assert result.exit_code != 0 and result.stdout == ""
    said = " ".join((result.stderr + str(result.exception or "")).split())
    assert message in said, said
