"""Settings of the federation's processes, from ``KOPIENA_*`` variables and CLI flags.

| variable | default | meaning |
|---|---|---|
| ``KOPIENA_DB`` | ``sqlite:///var/kopiena.db`` | the node's database (relay) |
| ``KOPIENA_HUB_DB`` | ``sqlite:///var/hub.db`` | the hub's database |
| ``KOPIENA_NATS_URL`` | ``nats://127.0.0.1:4222`` | NATS server (the region's leaf, or the hub's) |
| ``KOPIENA_NATS_USER`` / ``KOPIENA_NATS_PASSWORD`` | none | NATS credentials (see ``kopiena natsconf``) |
| ``KOPIENA_HUB_HOST`` / ``KOPIENA_HUB_PORT`` | ``127.0.0.1`` / ``8100`` | where the hub's HTTP API listens |
| ``KOPIENA_HUB_SOURCE_DOMAINS`` | none | leaf topology: the regions' JetStream domains the hub sources |
| ``KOPIENA_PRODUCTION`` | ``false`` | no GraphiQL |
"""

from __future__ import annotations

from pydantic import SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class FederationSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="KOPIENA_", extra="ignore")

    db: str = "sqlite:///var/kopiena.db"
    hub_db: str = "sqlite:///var/hub.db"
    nats_url: str = "nats://127.0.0.1:4222"
    nats_user: str | None = None
    nats_password: SecretStr | None = None
    hub_host: str = "127.0.0.1"
    hub_port: int = 8100
    hub_source_domains: str | None = None
    production: bool = False

    def with_overrides(self, **flags: object) -> FederationSettings:
        given = {k: v for k, v in flags.items() if v is not None}
        if isinstance(given.get("nats_password"), str):
            given["nats_password"] = SecretStr(given["nats_password"])  # type: ignore[arg-type]
        return self.model_copy(update=given)

    @property
    def password(self) -> str | None:
        return self.nats_password.get_secret_value() if self.nats_password else None

    @property
    def source_domains(self) -> list[str] | None:
        if not self.hub_source_domains:
            return None
        return [d.strip() for d in self.hub_source_domains.split(",") if d.strip()]
