"""HSA (the national catalogue of care staff and units): client and domain objects.

Role derivation follows the manual, section 2 and table 1:
- no commission (medarbetaruppdrag) with purpose "Vård och behandling" -> no access (None);
- läkare: legitimerad yrkesgrupp Läkare, befattningskod 204010, or befattningskod 203090 with
  gruppförskrivarkod 9300005/9400003, or 204090 with 9100009/9200007;
- tandläkare: legitimerad yrkesgrupp Tandläkare;
- everybody else with such a commission: vårdadministratör.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import httpx

from services import http_client
from services.errors import HsaUnavailable
from services.roles import Role
from services.settings import get_settings

__all__ = [
    "CARE_PURPOSE",
    "DOCTOR_GROUP_PRESCRIPTION_ROUTES",
    "CareUnit",
    "HsaUnavailable",
    "HsaUser",
    "Role",
    "derive_role",
    "get_unit",
    "get_user",
    "list_users",
]

CARE_PURPOSE = "Vård och behandling"
LICENCE_DOCTOR = "Läkare"
LICENCE_DENTIST = "Tandläkare"
BEFATTNING_AT_DOCTOR = "204010"  # Läkare ej legitimerad, allmäntjänstgöring
# (befattningskod, gruppförskrivarkod) pairs of manual table 1.
DOCTOR_GROUP_PRESCRIPTION_ROUTES: frozenset[tuple[str, str]] = frozenset(
    {
        ("203090", "9300005"),  # läkare inom EU/ESS/Schweiz
        ("203090", "9400003"),  # läkare utanför EU/ESS/Schweiz
        ("204090", "9100009"),  # vikarierande examinerad läkare
        ("204090", "9200007"),  # med. student med vikariat
    }
)


def _norm(values: Iterable[str | None] | str | None) -> set[str]:
    if values is None:
        return set()
    if isinstance(values, str):
        values = [values]
    return {v.strip().casefold() for v in values if isinstance(v, str) and v.strip()}


def derive_role(
    *,
    legitimerade_yrkesgrupper: Iterable[str] = (),
    befattningskoder: Iterable[str] = (),
    gruppforskrivarkod: str | Iterable[str] | None = None,
    commission_purposes: Iterable[str] = (),
) -> Role | None:
    """The user's Webcert role per manual table 1 and sections 2.1-2.3; None = no access.

    ``commission_purposes`` are the purposes of all the user's commissions; without
    "Vård och behandling" the user may not use Webcert at all.
    """
    if CARE_PURPOSE.casefold() not in _norm(commission_purposes):
        return None
    licences = _norm(legitimerade_yrkesgrupper)
    codes = _norm(befattningskoder)
    group_codes = _norm(gruppforskrivarkod)
    if LICENCE_DOCTOR.casefold() in licences:
        return Role.LAKARE
    if BEFATTNING_AT_DOCTOR in codes:
        return Role.LAKARE
    if any(
        code in codes and group in group_codes for code, group in DOCTOR_GROUP_PRESCRIPTION_ROUTES
    ):
        return Role.LAKARE
    if LICENCE_DENTIST.casefold() in licences:
        return Role.TANDLAKARE
    return Role.VARDADMINISTRATOR


@dataclass(frozen=True)
class CareUnit:
    """A vårdenhet (or a mottagning under one, then ``parent_unit_id`` is set)."""

    hsa_id: str
    name: str
    care_provider_id: str = ""
    care_provider_name: str = ""
    address: str = ""
    postal_code: str = ""
    city: str = ""
    phone: str = ""
    workplace_code: str = ""  # arbetsplatskod
    parent_unit_id: str | None = None


@dataclass(frozen=True)
class HsaUser:
    """A person in HSA, with the units where they have a "Vård och behandling" commission."""

    hsa_id: str
    first_name: str
    last_name: str
    title: str | None
    legitimerade_yrkesgrupper: tuple[str, ...]
    befattningskoder: tuple[str, ...]
    gruppforskrivarkod: str | None
    specialities: tuple[str, ...]
    prescription_code: str | None
    units: tuple[CareUnit, ...]
    sekretess: bool
    role: Role | None  # None: no "Vård och behandling" commission, no access to Webcert
    default_unit_id: str | None = None
    description: str | None = None  # test-data description for the dev login page
    synthetic: bool = False  # made up by this project (simulators/data/synthetic.json)
    # HSA system roles ("INTYG;PDL-logg-<unit id>": may read the PDL log, services.rights)
    system_roles: tuple[str, ...] = ()

    @property
    def full_name(self) -> str:
        """First and last name."""
        return " ".join(p for p in (self.first_name, self.last_name) if p)

    def unit(self, unit_id: str) -> CareUnit | None:
        """The user's unit with this HSA id, if the user has a commission there."""
        return next((u for u in self.units if u.hsa_id == unit_id), None)


# --------------------------------------------------------------------------- parsing


def _s(value: Any) -> str:
    return "" if value is None else str(value)


def unit_from_json(data: dict[str, Any]) -> CareUnit:
    """Build a CareUnit from the HSA simulator's JSON."""
    return CareUnit(
        hsa_id=_s(data["id"]),
        name=_s(data.get("name")),
        care_provider_id=_s(data.get("care_provider_id")),
        care_provider_name=_s(data.get("care_provider_name")),
        address=_s(data.get("address")),
        postal_code=_s(data.get("postal_code")),
        city=_s(data.get("city")),
        phone=_s(data.get("phone")),
        workplace_code=_s(data.get("workplace_code")),
        parent_unit_id=data.get("parent_unit_id"),
    )


def user_from_json(data: dict[str, Any]) -> HsaUser:
    """Build an HsaUser (role derived here, never trusted from the wire)."""
    commissions = data.get("commissions") or []
    purposes = [p for c in commissions for p in (c.get("purposes") or [])]
    units: list[CareUnit] = []
    for commission in commissions:
        if CARE_PURPOSE not in (commission.get("purposes") or []):
            continue
        unit = commission.get("unit")
        if unit and not any(u.hsa_id == unit["id"] for u in units):
            units.append(unit_from_json(unit))
    licences = tuple(data.get("legitimerade_yrkesgrupper") or ())
    codes = tuple(data.get("befattningskoder") or ())
    group = data.get("gruppforskrivarkod")
    return HsaUser(
        hsa_id=_s(data["hsa_id"]),
        first_name=_s(data.get("first_name")),
        last_name=_s(data.get("last_name")),
        title=data.get("title"),
        legitimerade_yrkesgrupper=licences,
        befattningskoder=codes,
        gruppforskrivarkod=group,
        specialities=tuple(data.get("specialities") or ()),
        prescription_code=data.get("prescription_code"),
        units=tuple(units),
        sekretess=bool(data.get("sekretess")),
        role=derive_role(
            legitimerade_yrkesgrupper=licences,
            befattningskoder=codes,
            gruppforskrivarkod=group,
            commission_purposes=purposes,
        ),
        default_unit_id=data.get("default_unit_id"),
        description=data.get("login_description"),
        synthetic=bool(data.get("synthetic")),
        system_roles=tuple(str(r) for r in data.get("system_roles") or () if r),
    )


# ---------------------------------------------------------------------------- client


async def _get(path: str, base_url: str | None) -> Any | None:
    """GET JSON from HSA; None on 404; HsaUnavailable when HSA does not answer properly."""
    settings = get_settings()
    try:
        response = await http_client.shared().get(
            (base_url or settings.hsa_url).rstrip("/") + path,
            timeout=settings.http_timeout_seconds,
        )
    except httpx.HTTPError as exc:
        raise HsaUnavailable() from exc
    if response.status_code == 404:
        return None
    if response.status_code != 200:
        raise HsaUnavailable()
    try:
        return response.json()
    except ValueError as exc:
        raise HsaUnavailable() from exc


async def get_user(hsa_id: str, *, base_url: str | None = None) -> HsaUser | None:
    """The HSA person with this id, or None if HSA does not know them."""
    if not hsa_id or not isinstance(hsa_id, str):
        return None
    data = await _get(f"/persons/{quote(hsa_id, safe='')}", base_url)
    return None if data is None else user_from_json(data)


async def list_users(*, base_url: str | None = None) -> list[HsaUser]:
    """All HSA persons (for the dev login page), in the simulator's order."""
    data = await _get("/persons", base_url)
    return [user_from_json(item) for item in (data or [])]


async def get_unit(unit_id: str, *, base_url: str | None = None) -> CareUnit | None:
    """The care unit (or mottagning) with this HSA id, or None."""
    if not unit_id or not isinstance(unit_id, str):
        return None
    data = await _get(f"/units/{quote(unit_id, safe='')}", base_url)
    return None if data is None else unit_from_json(data)
