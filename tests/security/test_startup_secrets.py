"""Item 4: no default secrets in production; secure cookies unless plain-http localhost."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from services.settings import PROJECT_ROOT as ROOT
from services.settings import InsecureConfiguration, Settings

STRONG = "s" * 40


def _production(**changes: str) -> Settings:
    values = {
        "launch_token_secret": STRONG,
        "notification_hmac_secret": STRONG + "n",
        "fk_api_key": STRONG + "f",
        "smart_client_secret": STRONG + "c",
        "ehr_systems": json.dumps(
            {"journal": {"api_key": STRONG + "e", "units": ["TSTNMT2321000156-ALVC"]}}
        ),
        "testability_enabled": False,
        "dev_mode": False,
    }
    values.update(changes)
    return Settings(**values)


def test_a_production_configuration_starts() -> None:
    _production().check_production()


@pytest.mark.parametrize(
    ("changes", "named"),
    [
        ({"launch_token_secret": Settings().launch_token_secret}, "WEBCERT_LAUNCH_TOKEN_SECRET"),
        ({"launch_token_secret": "kort"}, "WEBCERT_LAUNCH_TOKEN_SECRET"),
        ({"notification_hmac_secret": "dev-notification-secret"}, "NOTIFICATION_HMAC_SECRET"),
        ({"fk_api_key": "dev-fk-key"}, "WEBCERT_FK_API_KEY"),
        ({"fk_api_key": "x" * 31}, "WEBCERT_FK_API_KEY"),
        ({"smart_client_secret": "dev-smart-client-secret"}, "WEBCERT_SMART_CLIENT_SECRET"),
        ({"smart_client_secret": "y" * 31}, "WEBCERT_SMART_CLIENT_SECRET"),
        ({"trusted_proxies": "10.0.0.1,proxyn"}, "WEBCERT_TRUSTED_PROXIES"),
        ({"ehr_systems": "", "ehr_api_keys": "demo-ehr:demo-ehr-key"}, "WEBCERT_EHR_API_KEYS"),
        (
            {"ehr_systems": json.dumps({"j": {"api_key": STRONG, "units": ["*"]}})},
            "alla vårdenheter",
        ),
        (
            {
                "ehr_systems": json.dumps(
                    {"j": {"api_key": STRONG, "units": ["U"], "hmac_secret": "kort"}}
                )
            },
            "hmac_secret",
        ),
    ],
)
def test_a_default_or_short_secret_refuses_to_start(changes, named) -> None:
    with pytest.raises(InsecureConfiguration) as refused:
        _production(**changes).check_production()
    assert named in str(refused.value)
    assert "startar inte" in str(refused.value)


def test_dev_and_testability_mode_accept_the_dev_defaults() -> None:
    Settings(testability_enabled=True).check_production()
    Settings(dev_mode=True).check_production()
    with pytest.raises(InsecureConfiguration):
        Settings(testability_enabled=False, dev_mode=False).check_production()


def test_the_server_process_refuses_to_start_with_the_defaults() -> None:
    """Importing the Reflex app module (what the backend does first) fails and names it."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("WEBCERT_") and k != "REDIS_URL"}
    env["WEBCERT_DATABASE_URL"] = "sqlite://"
    result = subprocess.run(
        [sys.executable, "-c", "import webcert_ui.webcert_ui"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0
    assert "WEBCERT_LAUNCH_TOKEN_SECRET" in result.stderr
    assert "Traceback" in result.stderr or "InsecureConfiguration" in result.stderr


@pytest.mark.parametrize(
    ("public_url", "secure"),
    [
        ("http://127.0.0.1:3000", False),
        ("http://localhost:3000", False),
        ("https://webcert.example.se", True),
        ("http://webcert.example.se", True),
    ],
)
def test_cookies_are_secure_unless_plain_http_localhost(public_url, secure) -> None:
    assert Settings(public_url=public_url).secure_cookies() is secure
    assert Settings(public_url=public_url, cookie_secure=False).secure_cookies() is False


def test_state_store_expiry_and_origins_follow_the_settings() -> None:
    """Item 5/6: a tab's state lives about as long as the session; only our origin(s)."""
    import rxconfig
    from services.settings import get_settings

    settings = get_settings()
    config = rxconfig.config
    timeout = settings.session_timeout_minutes * 60
    assert timeout <= config.redis_token_expiration <= timeout + 120
    assert list(config.cors_allowed_origins) == settings.public_origins()
    assert "*" not in config.cors_allowed_origins
    assert Settings(
        public_url="https://webcert.example.se/app", allowed_origins="https://b.example.se"
    ).public_origins() == ["https://webcert.example.se", "https://b.example.se"]
