"""One settings object for every process, from ``KOPIENA_*`` environment variables and CLI flags.

| variable | default | meaning |
|---|---|---|
| ``KOPIENA_DB`` | ``sqlite:///var/kopiena.db`` | database URL (SQLite or PostgreSQL) |
| ``KOPIENA_NATS_URL`` | ``nats://127.0.0.1:4222`` | NATS server of the federation |
| ``KOPIENA_REGION`` | none | planning region of a regional node |
| ``KOPIENA_HOST`` / ``KOPIENA_PORT`` | ``127.0.0.1`` / ``8101`` | where the HTTP server listens |
| ``KOPIENA_JWT_SECRET`` | development secret | HS256 secret for development tokens |
| ``KOPIENA_JWKS`` | none | JWKS file path or URL of the identity provider (RS256) |
| ``KOPIENA_JWT_AUDIENCE`` | ``kopiena`` | expected ``aud`` of tokens |
| ``KOPIENA_JWT_ISSUER`` | ``kopiena-dev`` | expected ``iss`` of tokens |
| ``KOPIENA_PRODUCTION`` | ``false`` | production mode: no introspection, no dev secret |
| ``KOPIENA_ESF_MONTHS`` | ``24`` | months of a person's services the ESF pays for |
| ``KOPIENA_PLAN_ASSESSMENT_MAX_AGE_DAYS`` | ``365`` | how old the assessment under a support plan may be |
| ``KOPIENA_MAX_PAGE_SIZE`` | ``100`` | largest ``first`` of a connection |
| ``KOPIENA_PLUGINS`` | all installed | allow-list of plugin entry-point names |
"""

from __future__ import annotations

from pydantic import SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

DEV_SECRET = "kopiena-development-secret-not-for-production"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="KOPIENA_", extra="ignore")

    db: str = "sqlite:///var/kopiena.db"
    nats_url: str = "nats://127.0.0.1:4222"
    region: str | None = None
    host: str = "127.0.0.1"
    port: int = 8101
    jwt_secret: SecretStr = SecretStr(DEV_SECRET)
    jwks: str | None = None
    jwt_audience: str = "kopiena"
    jwt_issuer: str = "kopiena-dev"
    production: bool = False
    esf_months: int = 24
    plan_assessment_max_age_days: int = 365
    max_page_size: int = 100
    max_query_depth: int = 10
    max_aliases: int = 30
    max_tokens: int = 2000

    def with_overrides(self, **flags: object) -> Settings:
        """These settings with the CLI flags that were given (None means "not given")."""
        given = {k: v for k, v in flags.items() if v is not None}
        return self.model_copy(update=given)


def get_settings(**flags: object) -> Settings:
    return Settings().with_overrides(**flags)
