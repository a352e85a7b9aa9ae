"""One settings object for the whole application (pydantic-settings).

Every value can be overridden by an environment variable prefixed ``WEBCERT_``
(for example ``WEBCERT_DATABASE_URL``); ``DATABASE_URL`` and ``REDIS_URL`` are
also read without the prefix, as the README documents.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

from pydantic import AliasChoices, BaseModel, Field, ValidationError
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent


DEMO_EHR_SYSTEM = "demo-ehr"


class EhrSystem(BaseModel):
    """An EHR system (journalsystem) allowed to call the API and receiving notifications."""

    name: str
    api_key: str
    webhook_url: str | None = None  # where notifications (§7) for its units are POSTed
    units: tuple[str, ...] = ("*",)  # care units it may act for; "*" means every unit
    hmac_secret: str | None = None  # per-system notification secret (default: the global one)

    def covers(self, unit_id: str) -> bool:
        """True if the system may act for (and is notified about) ``unit_id``."""
        return "*" in self.units or unit_id in self.units


class Settings(BaseSettings):
    """Configuration of Webcert and the addresses of the services it talks to."""

    model_config = SettingsConfigDict(env_prefix="WEBCERT_", extra="ignore")

    database_url: str = Field(
        default=f"sqlite:///{PROJECT_ROOT / 'var' / 'webcert.db'}",
        validation_alias=AliasChoices("WEBCERT_DATABASE_URL", "DATABASE_URL"),
    )
    redis_url: str | None = Field(
        default=None, validation_alias=AliasChoices("WEBCERT_REDIS_URL", "REDIS_URL")
    )

    # Public address of the app (used to build deep links handed to EHR systems).
    public_url: str = "http://127.0.0.1:3000"

    # Simulated outside services (real HTTP on loopback).
    hsa_url: str = "http://127.0.0.1:8101"
    pu_url: str = "http://127.0.0.1:8102"
    fk_url: str = "http://127.0.0.1:8103"
    ts_url: str = "http://127.0.0.1:8104"
    ehr_url: str = "http://127.0.0.1:8105"
    http_timeout_seconds: float = 5.0

    # Secrets. The defaults are for development only; set real ones in production.
    launch_token_secret: str = "dev-launch-token-secret-change-me-in-production"
    launch_token_ttl_seconds: int = 300
    # EHR systems, as JSON: {"system": {"api_key": "...", "webhook_url": "...", "units": [...]}}.
    # When empty, ehr_api_keys ("system:key,system2:key2") lists the systems, each for every
    # unit; the "demo-ehr" system's webhook is then ehr_url + "/notifications".
    ehr_systems: str = ""
    ehr_api_keys: str = "demo-ehr:demo-ehr-key"
    notification_hmac_secret: str = "dev-notification-secret"
    # Försäkringskassan's credential for the inbound message endpoint (POST /api/v1/messages,
    # SendMessageToCare), sent as X-Api-Key; the FK simulator sends the same setting.
    fk_api_key: str = "dev-fk-key"
    notification_poll_seconds: float = 5.0  # how often the delivery worker looks for work
    notification_coalesce_seconds: int = 30  # "utkast ändrat" waits this long for more edits

    session_cookie_name: str = "webcert_session"
    session_timeout_minutes: int = 30
    cookie_secure: bool = False

    # Testability API (fake login, clock, PU outage...). Never on in production.
    testability_enabled: bool = False

    def ehr_system_list(self) -> list[EhrSystem]:
        """The configured EHR systems (read at call time, so tests may change the URLs)."""
        if self.ehr_systems.strip():
            try:
                raw = json.loads(self.ehr_systems)
                if not isinstance(raw, dict):
                    raise ValueError("ehr_systems must be a JSON object")
                return [EhrSystem(name=name, **conf) for name, conf in raw.items()]
            except (ValueError, TypeError, ValidationError) as exc:
                raise ValueError(f"WEBCERT_EHR_SYSTEMS is not valid: {exc}") from exc
        systems = []
        for pair in self.ehr_api_keys.split(","):
            name, _, key = (part.strip() for part in pair.partition(":"))
            if name and key:
                webhook = (
                    self.ehr_url.rstrip("/") + "/notifications" if name == DEMO_EHR_SYSTEM else None
                )
                systems.append(EhrSystem(name=name, api_key=key, webhook_url=webhook))
        return systems

    def ehr_system(self, name: str) -> EhrSystem | None:
        """One EHR system by name."""
        return next((s for s in self.ehr_system_list() if s.name == name), None)


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """Return the process-wide settings (read once from the environment)."""
    return Settings()
