"""What the simulated outside systems know about Webcert, handed to them by their runner.

The simulators stand for systems outside Webcert (HSA, PU-tjänsten, Försäkringskassan,
Transportstyrelsen, a journalsystem). Like the real ones they are configured by whoever runs
them, never from Webcert's own settings: ``scripts/run_simulators.py`` (``make run``) and the
test fixtures build a :class:`SimulatorConfig` and pass it to :mod:`simulators.runner`.

A value is a string or a function returning one; a function is called at each use, so a
runner may follow a setting that changes while the simulators run (the tests do).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

__all__ = ["SimulatorConfig", "Value", "resolve"]

Value = str | Callable[[], str]


def resolve(value: Value) -> str:
    """The string a :data:`Value` stands for now."""
    return value() if callable(value) else value


@dataclass(frozen=True)
class SimulatorConfig:
    """Webcert's address and the credentials the outside systems share with it."""

    webcert_url: Value = ""  # Webcert's public base URL (FK's messages, the EHR, SMART)
    ehr_api_key: Value = ""  # the demo EHR's key for Webcert's EHR API
    ehr_hmac_secret: Value = ""  # the key Webcert signs its notifications to the EHR with
    fk_api_key: Value = ""  # Försäkringskassan's credential for Webcert's inbound messages
    smart_client_secret: Value = ""  # Webcert's client secret at the EHR's SMART server
