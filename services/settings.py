"""One settings object for the whole application (pydantic-settings).

Every value can be overridden by an environment variable prefixed ``WEBCERT_``
(for example ``WEBCERT_DATABASE_URL``); ``DATABASE_URL`` and ``REDIS_URL`` are
also read without the prefix, as the README documents.
"""

from __future__ import annotations

import json
from functools import lru_cache
from ipaddress import IPv4Network, IPv6Network, ip_network
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

from pydantic import AliasChoices, BaseModel, Field, ValidationError
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent


DEMO_EHR_SYSTEM = "demo-ehr"
MIN_SECRET_LENGTH = 32
LOCAL_HOSTS = ("127.0.0.1", "localhost", "::1")


class InsecureConfiguration(RuntimeError):
    """The settings hold development secrets while the server runs for real."""


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower()


def parse_networks(text: str) -> tuple[IPv4Network | IPv6Network, ...]:
    """Addresses or networks, comma separated; ValueError (Swedish) naming a bad one."""
    networks = []
    for item in text.split(","):
        if item.strip():
            try:
                networks.append(ip_network(item.strip(), strict=False))
            except ValueError as exc:
                raise ValueError(
                    f"WEBCERT_TRUSTED_PROXIES: {item.strip()!r} är ingen IP-adress eller ett nät."
                ) from exc
    return tuple(networks)


class EhrSystem(BaseModel):
    """An EHR system (journalsystem) allowed to call the API and receiving notifications."""

    name: str
    api_key: str
    webhook_url: str | None = None  # where notifications (§7) for its units are POSTed
    units: tuple[str, ...] = ("*",)  # care units it may act for; "*" means every unit
    hmac_secret: str | None = None  # per-system notification secret (default: the global one)
    # CertificateStatusUpdateForCare v3 (RIV-TA, SOAP): where it is sent, and which contract
    # the system takes: "json" (the webhook), "riv" (the SOAP contract) or "both".
    riv_url: str | None = None
    notification_format: Literal["json", "riv", "both"] = "json"

    @property
    def wants_json(self) -> bool:
        return self.notification_format in ("json", "both") and bool(self.webhook_url)

    @property
    def wants_riv(self) -> bool:
        return self.notification_format in ("riv", "both") and bool(self.riv_url)

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
    # SMART on FHIR (services/smart.py): the FHIR base URLs (iss) of the EHRs allowed to launch
    # Webcert, comma separated (empty: the demo EHR, ehr_url + "/fhir"), and Webcert's client id.
    smart_issuers: str = ""
    smart_client_id: str = "webcert"
    # Webcert's secret at the EHR's token endpoint (client_credentials, for the write-back).
    smart_client_secret: str = "dev-smart-client-secret"
    # Which contract the demo EHR (simulators/ehr.py) gets: "json", "riv" or "both".
    demo_ehr_notification_format: Literal["json", "riv", "both"] = "json"
    # Försäkringskassan's credential for the inbound message endpoint (POST /api/v1/messages,
    # SendMessageToCare), sent as X-Api-Key; the FK simulator sends the same setting.
    fk_api_key: str = "dev-fk-key"
    notification_poll_seconds: float = 5.0  # how often the delivery worker looks for work
    notification_coalesce_seconds: int = 30  # "utkast ändrat" waits this long for more edits

    session_cookie_name: str = "webcert_session"
    session_timeout_minutes: int = 30
    # None: on, unless the public URL is plain-http localhost (see secure_cookies()).
    cookie_secure: bool | None = None
    # Further origins (scheme://host[:port]) allowed on the websocket and for CORS, comma
    # separated; the public URL's origin is always allowed.
    allowed_origins: str = ""

    # Rate limits (the `limits` library's notation), per client address and per API key.
    # Counters live in memory, or in Redis when redis_url is set (several workers).
    rate_limit_api: str = "600/minute"
    rate_limit_bad_key: str = "10/minute"
    rate_limit_launch: str = "60/minute"
    # Reverse proxies in front of the app (addresses or networks, comma separated, e.g.
    # "10.0.0.5,10.1.0.0/16"). Only a request from one of them has its X-Forwarded-For read
    # (the right-most address that is not a trusted proxy is the client); empty: the header is
    # ignored and the peer address is the client.
    trusted_proxies: str = ""

    # Testability API (fake login, clock, PU outage...). Never on in production.
    testability_enabled: bool = False
    # Development mode: the dev defaults of the secrets are accepted (never in production).
    dev_mode: bool = False

    def smart_issuer_list(self) -> tuple[str, ...]:
        """The FHIR base URLs (iss) allowed to launch Webcert with SMART on FHIR."""
        raw = self.smart_issuers.strip() or self.ehr_url.rstrip("/") + "/fhir"
        return tuple(i.strip().rstrip("/") for i in raw.split(",") if i.strip())

    def trusted_proxy_networks(self) -> tuple[IPv4Network | IPv6Network, ...]:
        """The networks of ``trusted_proxies`` (a bare address is a /32 or /128)."""
        return parse_networks(self.trusted_proxies)

    def secure_cookies(self) -> bool:
        """Secure cookies unless set explicitly or served over plain-http localhost."""
        if self.cookie_secure is not None:
            return self.cookie_secure
        url = urlsplit(self.public_url)
        return not (url.scheme == "http" and url.hostname in LOCAL_HOSTS)

    def public_origins(self) -> list[str]:
        """The origins allowed to open the websocket and to call the API from a browser."""
        origins = [_origin(self.public_url)]
        for extra in self.allowed_origins.split(","):
            if extra.strip() and _origin(extra.strip()) not in origins:
                origins.append(_origin(extra.strip()))
        return origins

    def insecure_settings(self) -> list[str]:
        """What makes this configuration unfit for production (Swedish, naming the setting)."""
        problems: list[str] = []

        def check(setting: str, value: str | None, dev_default: str) -> None:
            if not value or value == dev_default or value.startswith("dev-"):
                problems.append(f"{setting} har sitt utvecklingsvärde; ange en egen hemlighet.")
            elif len(value) < MIN_SECRET_LENGTH:
                problems.append(
                    f"{setting} är för kort; en hemlighet ska vara minst "
                    f"{MIN_SECRET_LENGTH} tecken."
                )

        defaults = type(self).model_fields
        check(
            "WEBCERT_LAUNCH_TOKEN_SECRET",
            self.launch_token_secret,
            defaults["launch_token_secret"].default,
        )
        check(
            "WEBCERT_NOTIFICATION_HMAC_SECRET",
            self.notification_hmac_secret,
            defaults["notification_hmac_secret"].default,
        )
        check("WEBCERT_FK_API_KEY", self.fk_api_key, defaults["fk_api_key"].default)
        check(
            "WEBCERT_SMART_CLIENT_SECRET",
            self.smart_client_secret,
            defaults["smart_client_secret"].default,
        )
        try:
            self.trusted_proxy_networks()
        except ValueError as exc:
            problems.append(str(exc))
        setting = "WEBCERT_EHR_SYSTEMS" if self.ehr_systems.strip() else "WEBCERT_EHR_API_KEYS"
        try:
            systems = self.ehr_system_list()
        except ValueError as exc:
            return [*problems, str(exc)]
        default_key = defaults["ehr_api_keys"].default.partition(":")[2]
        for system in systems:
            check(f"{setting} ({system.name}, API-nyckel)", system.api_key, default_key)
            if system.hmac_secret is not None:
                check(f"{setting} ({system.name}, hmac_secret)", system.hmac_secret, "")
            if "*" in system.units:
                problems.append(
                    f'{setting} ({system.name}) gäller alla vårdenheter ("*"); ange '
                    "journalsystemets vårdenheter."
                )
        return problems

    def check_production(self) -> None:
        """Refuse to start with development secrets outside dev/testability mode."""
        if self.dev_mode or self.testability_enabled:
            return
        problems = self.insecure_settings()
        if problems:
            raise InsecureConfiguration(
                "Webcert startar inte: inställningarna är inte säkra för drift.\n- "
                + "\n- ".join(problems)
            )

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
                demo = name == DEMO_EHR_SYSTEM
                systems.append(
                    EhrSystem(
                        name=name,
                        api_key=key,
                        webhook_url=webhook,
                        riv_url=(
                            self.ehr_url.rstrip("/") + "/riv/CertificateStatusUpdateForCare/3"
                            if demo
                            else None
                        ),
                        notification_format=(self.demo_ehr_notification_format if demo else "json"),
                    )
                )
        return systems

    def ehr_system(self, name: str) -> EhrSystem | None:
        """One EHR system by name."""
        return next((s for s in self.ehr_system_list() if s.name == name), None)


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """Return the process-wide settings (read once from the environment)."""
    return Settings()
