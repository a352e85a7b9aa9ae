"""PU-tjänsten (the population register service): client and the Patient domain object.

Manual 4.10 and 8: sekretessmarkering and "avliden" come from PU-tjänsten every time a draft
or certificate is created or opened; when PU-tjänsten does not answer, certificate handling
and question threads are locked (PuUnavailable).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx

from services import http_client
from services import personnummer as pnr
from services.errors import PuUnavailable
from services.settings import get_settings

__all__ = [
    "Patient",
    "PuUnavailable",
    "answers",
    "get_patient",
    "get_patient_sync",
    "patient_from_json",
    "take_noticed_down",
]


@dataclass(frozen=True)
class Patient:
    """A person as PU-tjänsten describes them."""

    personnummer: str  # 12 digits, ÅÅÅÅMMDDNNNN
    first_name: str
    middle_name: str | None
    last_name: str
    address: str | None
    postal_code: str | None
    city: str | None
    sekretess: bool  # sekretessmarkering (protectedPersonIndicator)
    deceased: bool  # avliden

    @property
    def full_name(self) -> str:
        """First, middle and last name."""
        return " ".join(p for p in (self.first_name, self.middle_name, self.last_name) if p)

    @property
    def formatted_personnummer(self) -> str:
        """ÅÅÅÅMMDD-NNNN."""
        return f"{self.personnummer[:8]}-{self.personnummer[8:]}"

    @property
    def is_samordningsnummer(self) -> bool:
        """True for a samordningsnummer (day of month + 60)."""
        return pnr.is_samordningsnummer_digits(self.personnummer)


def patient_from_json(data: dict[str, Any]) -> Patient:
    """Build a Patient from the PU simulator's JSON."""
    return Patient(
        personnummer=str(data["personnummer"]),
        first_name=data.get("first_name") or "",
        middle_name=data.get("middle_name") or None,
        last_name=data.get("last_name") or "",
        address=data.get("address") or None,
        postal_code=None if data.get("postal_code") is None else str(data["postal_code"]),
        city=data.get("city") or None,
        sekretess=bool(data.get("sekretess")),
        deceased=bool(data.get("deceased")),
    )


async def get_patient(personnummer: str, *, base_url: str | None = None) -> Patient | None:
    """Look the person up in PU-tjänsten; None if unknown.

    Raises InvalidPersonnummer for a malformed number and PuUnavailable when PU-tjänsten
    is down or unreachable.
    """
    digits = pnr.normalize(personnummer)
    settings = get_settings()
    try:
        response = await http_client.shared().get(
            f"{(base_url or settings.pu_url).rstrip('/')}/persons/{digits}",
            timeout=settings.http_timeout_seconds,
        )
    except httpx.HTTPError as exc:
        raise _unavailable() from exc
    return _from_response(response)


def get_patient_sync(personnummer: str, *, base_url: str | None = None) -> Patient | None:
    """:func:`get_patient` for synchronous code running in a worker thread (the autosave)."""
    digits = pnr.normalize(personnummer)
    settings = get_settings()
    try:
        response = http_client.shared_sync().get(
            f"{(base_url or settings.pu_url).rstrip('/')}/persons/{digits}",
            timeout=settings.http_timeout_seconds,
        )
    except httpx.HTTPError as exc:
        raise _unavailable() from exc
    return _from_response(response)


_noticed_down = False  # a lookup in this process found PU-tjänsten not answering


def take_noticed_down() -> bool:
    """Whether a lookup in this process found PU-tjänsten not answering since the last call
    (for the watch of open pages, state.pu_watch)."""
    global _noticed_down
    noticed, _noticed_down = _noticed_down, False
    return noticed


def _unavailable() -> PuUnavailable:
    global _noticed_down
    _noticed_down = True
    return PuUnavailable()


def _from_response(response: httpx.Response) -> Patient | None:
    if response.status_code == 404:
        return None
    if response.status_code != 200:
        raise _unavailable()
    try:
        return patient_from_json(response.json())
    except (ValueError, KeyError, TypeError) as exc:
        raise _unavailable() from exc


async def answers(personnummer: str) -> bool:
    """Whether PU-tjänsten answers a lookup of ``personnummer`` now (an unknown person is an
    answer too)."""
    try:
        await get_patient(personnummer)
    except PuUnavailable:
        return False
    return True
