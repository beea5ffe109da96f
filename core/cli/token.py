"""``kopiena token``: a development bearer token for calling a node's API."""

from __future__ import annotations

import typer

from core.auth.domains import DomainCatalogue
from core.auth.errors import AuthConfigError
from core.auth.policy import plugin_policy
from core.auth.principal import ROLES
from core.auth.tokens import mint_dev_token, parse_ttl
from core.plugins import get_plugin_manager
from core.settings import get_settings

from .app import CommandError, app


def known_roles(catalogue: DomainCatalogue, region: str | None) -> list[str]:
    """The default policy's roles plus any role the region's plugins add."""
    extra = [line.role for line in plugin_policy(get_plugin_manager(), region, catalogue)]
    return list(dict.fromkeys([*ROLES, *extra]))


@app.command("token")
def token_command(
    sub: str = typer.Option(..., "--sub", help="Who the token is for (its subject)."),
    role: str = typer.Option(..., "--role", help="Role, e.g. municipal_social_worker."),
    domain: str = typer.Option(
        ..., "--domain", help="Where the role applies: lv, lv/<region>, lv/<region>/<code>."
    ),
    ttl: str = typer.Option("8h", "--ttl", help="How long the token is valid: 30m, 8h, 2d (at most 30d)."),
) -> None:
    """Mint a development token (HS256 with KOPIENA_JWT_SECRET). Refused in production mode."""
    settings = get_settings()
    if settings.production:
        raise CommandError("development tokens are not minted in production mode (KOPIENA_PRODUCTION)")
    catalogue = DomainCatalogue.from_plugins()
    parsed = catalogue.parse(domain, field="--domain")
    roles = known_roles(catalogue, parsed.region)
    if role not in roles:
        raise typer.BadParameter(f"{role!r} is not a role; known: {', '.join(roles)}", param_hint="--role")
    try:
        lifetime = parse_ttl(ttl)
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint="--ttl") from None
    try:
        token = mint_dev_token(settings, sub=sub, role=role, domain=parsed, ttl=lifetime)
    except (AuthConfigError, ValueError) as exc:
        raise CommandError(str(exc)) from None
    typer.echo(token)
