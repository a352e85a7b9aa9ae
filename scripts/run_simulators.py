"""Run the simulators for this Webcert: HSA, PU-tjänsten, FK, TS and the demo EHR on loopback.

The simulators stand for outside systems and read none of Webcert's settings; this runner
tells them where Webcert is and the credentials they share with it (the demo EHR's API key
and notification secret, FK's key, the SMART client secret), and takes their ports from the
URLs Webcert's settings point at (WEBCERT_HSA_URL etc., defaults 8101-8105).

    python -m scripts.run_simulators [--only hsa pu ...] [--log-level info]
"""

from __future__ import annotations

import argparse
from urllib.parse import urlsplit

from services.settings import get_settings
from simulators.config import SimulatorConfig
from simulators.runner import SIMULATOR_NAMES, serve_forever

EHR_SYSTEM = "demo-ehr"  # the demo EHR's name among Webcert's EHR systems


def _ehr_api_key() -> str:
    system = get_settings().ehr_system(EHR_SYSTEM)
    return system.api_key if system else ""


def _ehr_hmac_secret() -> str:
    settings = get_settings()
    system = settings.ehr_system(EHR_SYSTEM)
    return (system.hmac_secret if system else None) or settings.notification_hmac_secret


def config_from_settings() -> SimulatorConfig:
    """The simulators' view of this Webcert, read from its settings at each use (so a test
    that changes a setting while the simulators run is followed)."""
    return SimulatorConfig(
        webcert_url=lambda: get_settings().public_url,
        ehr_api_key=_ehr_api_key,
        ehr_hmac_secret=_ehr_hmac_secret,
        fk_api_key=lambda: get_settings().fk_api_key,
        smart_client_secret=lambda: get_settings().smart_client_secret,
    )


def ports_from_settings() -> dict[str, int]:
    """The ports of hsa_url, pu_url, fk_url, ts_url and ehr_url in Webcert's settings."""
    settings = get_settings()
    ports = {}
    for name in SIMULATOR_NAMES:
        url = urlsplit(getattr(settings, f"{name}_url"))
        ports[name] = url.port or (443 if url.scheme == "https" else 80)
    return ports


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m scripts.run_simulators", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument(
        "--only",
        nargs="+",
        choices=SIMULATOR_NAMES,
        default=list(SIMULATOR_NAMES),
        help="run only these simulators",
    )
    parser.add_argument("--log-level", default="info")
    args = parser.parse_args(argv)
    serve_forever(
        config_from_settings(),
        ports_from_settings(),
        host=args.host,
        only=tuple(args.only),
        log_level=args.log_level,
    )


if __name__ == "__main__":
    main()
