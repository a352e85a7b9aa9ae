"""Identity: launch tokens for EHR deep links, server sessions and the logged-in user.

The browser holds only a random session token (CSPRNG) in an HttpOnly, SameSite cookie;
everything else lives server-side in ``server_session``. Reflex's own client token is
never used as a credential. Sessions end after ``session_timeout_minutes`` of inactivity.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import asdict, dataclass, field
from datetime import timedelta
from http.cookies import SimpleCookie
from typing import Any

import jwt
from sqlalchemy.exc import IntegrityError

from services import audit, clock, hsa
from services.errors import NotAuthorized, WebcertError
from services.persistence.db import session_scope
from services.persistence.models import ServerSession, UsedLaunchToken
from services.settings import get_settings

# Parameters the EHR may pass on a deep link (manual §3.2 / Webcert's integration parameters).
LAUNCH_PARAMETERS = (
    "enhet",
    "sjf",
    "inaktivEnhet",
    "kopieringOK",
    "alternatePatientSSn",
    "avliden",
    "fornamn",
    "mellannamn",
    "efternamn",
    "postadress",
    "postnummer",
    "postort",
    "ref",
    "responsibleHospName",
)
TOUCH_GRANULARITY = timedelta(seconds=15)
_ended_in_process = 0  # sessions this process has ended (see ended_generation)
_BOOLEAN_PARAMETERS = {"sjf", "inaktivEnhet", "kopieringOK", "avliden"}
# Sessions that may hold §3.2 flags without a launch certificate: the testability login and
# the tests' own sessions (a deep link always names its certificate; SMART carries no flags).
SESSION_WIDE_FLAG_ORIGINS = frozenset({"DEV", "TEST"})


class InvalidLaunchToken(WebcertError):
    code = "LAUNCH_INVALID"
    default_message = (
        "Länken från journalsystemet är ogiltig eller har gått ut. Öppna intyget på nytt "
        "från journalsystemet."
    )


class SessionExpired(WebcertError):
    code = "SESSION_EXPIRED"
    default_message = (
        "Du har blivit utloggad eftersom du varit inaktiv längre än 30 minuter. Öppna "
        "intyget på nytt från journalsystemet."
    )


class LaunchParametersTampered(InvalidLaunchToken):
    code = "LAUNCH_TAMPERED"
    default_message = (
        "Länken från journalsystemet har ändrats efter att den skapades. Öppna intyget på "
        "nytt från journalsystemet."
    )


class UnitRequired(WebcertError):
    code = "UNIT_REQUIRED"
    default_message = "Välj den vårdenhet du vill logga in på."


@dataclass(frozen=True)
class LaunchClaims:
    hsa_id: str
    unit_id: str | None
    certificate_id: str | None
    jti: str
    params: dict[str, Any] = field(default_factory=dict)  # §3.2 parameters, signed


@dataclass(frozen=True)
class SessionUser:
    """The logged-in user as services see it: who, in which role, on which care unit."""

    token_hash: str
    hsa_id: str
    name: str
    role: str  # hsa.Role value
    role_label: str
    title: str
    specialities: tuple[str, ...]
    prescription_code: str
    sekretess: bool  # the user is themselves sekretessmarkerad (§4.10)
    sekretess_accepted: bool
    units: tuple[hsa.CareUnit, ...]
    unit: hsa.CareUnit | None  # None until a unit is chosen
    params: dict[str, Any] = field(default_factory=dict)  # the launch's signed parameters
    origin: str = "DEV"
    system_roles: tuple[str, ...] = ()  # HSA system roles (the PDL log right, services.rights)
    system_name: str = ""  # the EHR system an API call on the user's behalf came from
    # The certificate the launch was for: the patient parameters apply to it alone, once.
    launch_certificate: str | None = None
    patient_parameters_applied: bool = False

    @property
    def is_doctor(self) -> bool:
        """Läkare or tandläkare: may sign, revoke, replace (table 3)."""
        return self.role in (hsa.Role.LAKARE.value, hsa.Role.TANDLAKARE.value)

    def launch_value(self, name: str, subject: object = None) -> Any:
        """A §3.2 flag of the launch (sjf, kopieringOK, inaktivEnhet, avliden) for ``subject``.

        The flags belong to the certificate of the launch that carried them, as the patient
        parameters do: for that certificate the launch's value counts; for any other
        certificate, and for a type to create, the launch said nothing (None). Only a session
        started without a launch certificate (the testability login, the tests' factories;
        :func:`login` keeps no flags for any other such session) has them session-wide.
        """
        if name not in self.params:
            return None
        if self.launch_certificate is None:
            return self.params[name]
        if getattr(subject, "id", None) != self.launch_certificate:
            return None
        return self.params[name]

    def flag(self, name: str, subject: object = None) -> bool:
        """Is the launch's flag ``name`` set for ``subject`` (see :meth:`launch_value`)?"""
        return bool(self.launch_value(name, subject))


# --- launch tokens -----------------------------------------------------------------------
def issue_launch_token(
    *,
    hsa_id: str,
    unit_id: str | None,
    certificate_id: str | None,
    ttl_seconds: int | None = None,
    params: dict[str, Any] | None = None,
) -> str:
    """A short-lived signed token the EHR puts on the deep link (single use).

    ``params`` are the manual's §3.2 launch parameters (sjf, enhet, alternatePatientSSn, the
    patient's names ...): they travel inside the signed token, never as trusted URL values.
    """
    settings = get_settings()
    now = clock.now()
    payload = {
        "sub": hsa_id,
        "unit": unit_id,
        "cert": certificate_id,
        "params": parse_launch_params(params or {}),
        "jti": secrets.token_hex(16),
        "iat": int(now.timestamp()),
        "exp": int(
            (now + timedelta(seconds=ttl_seconds or settings.launch_token_ttl_seconds)).timestamp()
        ),
    }
    return jwt.encode(payload, settings.launch_token_secret, algorithm="HS256")


def verify_launch_token(token: str, *, certificate_id: str | None = None) -> LaunchClaims:
    """Check signature, expiry (against the app clock), target and single use."""
    if not token or len(token) > 4096:
        raise InvalidLaunchToken()
    try:
        payload = jwt.decode(
            token,
            get_settings().launch_token_secret,
            algorithms=["HS256"],
            options={"verify_exp": False, "require": ["sub", "exp", "jti"]},
        )
    except jwt.PyJWTError as exc:
        raise InvalidLaunchToken() from exc
    raw_params = payload.get("params")
    if int(payload["exp"]) < clock.now().timestamp():
        raise InvalidLaunchToken()
    if certificate_id is not None and payload.get("cert") not in (None, certificate_id):
        raise InvalidLaunchToken()
    try:
        with session_scope() as s:
            s.add(UsedLaunchToken(jti=str(payload["jti"]), used_at=clock.now()))
    except IntegrityError as exc:
        raise InvalidLaunchToken() from exc
    return LaunchClaims(
        hsa_id=str(payload["sub"]),
        unit_id=payload.get("unit"),
        certificate_id=payload.get("cert"),
        jti=str(payload["jti"]),
        params=parse_launch_params(raw_params if isinstance(raw_params, dict) else {}),
    )


def check_url_parameters(claims: LaunchClaims, query: dict[str, str]) -> None:
    """Refuse a deep link whose query copies of §3.2 parameters disagree with the token.

    The token's claims are what counts; a copy in the URL may repeat a signed value (links
    look as the manual shows them) but never add or change one.
    """
    copies = parse_launch_params(query)
    for name, value in copies.items():
        if name not in claims.params or claims.params[name] != value:
            raise LaunchParametersTampered()


def parse_launch_params(query: dict[str, Any]) -> dict[str, Any]:
    """Keep the manual's parameters only; booleans as bool; strings trimmed and bounded."""
    params: dict[str, Any] = {}
    for name in LAUNCH_PARAMETERS:
        if name not in query:
            continue
        value = query[name]
        if isinstance(value, bool):
            value = "true" if value else "false"
        raw = str(value).strip()[:200]
        params[name] = raw.lower() in ("true", "1", "ja") if name in _BOOLEAN_PARAMETERS else raw
    return params


# --- sessions ------------------------------------------------------------------------------
def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def token_hash(token: str) -> str:
    """The hash a session is stored under (SessionUser.token_hash) for a cookie token, computed
    without the database."""
    return _hash(token)


async def login(
    hsa_id: str,
    unit_id: str | None,
    *,
    origin: str,
    params: dict[str, Any] | None = None,
    certificate_id: str | None = None,
    extra: dict[str, Any] | None = None,
    patient_id: str | None = None,
) -> str:
    """Create a server session for an HSA user; returns the cookie token.

    The role is derived from HSA (table 1); a user without a role or without a commission
    on the requested unit is refused. ``params`` are the launch's signed parameters; the
    patient parameters among them apply to ``certificate_id`` only. ``extra``: what the
    launch path keeps with the session (a SMART launch: its EHR, patient and encounter);
    ``patient_id``: the patient the launch brought in (indexed, for the SMART write-back).
    """
    user = await hsa.get_user(hsa_id)
    if user is None or user.role is None:
        raise NotAuthorized(
            "Du saknar behörighet att använda Webcert. Det krävs ett medarbetaruppdrag med "
            "ändamål ”Vård och behandling” i HSA."
        )
    units = user.units
    chosen: hsa.CareUnit | None = None
    if unit_id:
        chosen = next((u for u in units if u.hsa_id == unit_id), None)
        if chosen is None:
            raise NotAuthorized("Du har inget medarbetaruppdrag på den valda vårdenheten.")
    elif len(units) == 1:
        chosen = units[0]
    snapshot = {
        "name": user.full_name,
        "role": user.role.value,
        "role_label": user.role.label,
        "title": user.title or "",
        "specialities": list(user.specialities),
        "prescription_code": user.prescription_code or "",
        "sekretess": bool(user.sekretess),
        "units": [asdict(u) for u in units],
        "system_roles": list(user.system_roles),
    }
    params = dict(params or {})
    if certificate_id is None and origin not in SESSION_WIDE_FLAG_ORIGINS:
        # The flags belong to a launch's certificate; a session without one holds none.
        for name in _BOOLEAN_PARAMETERS:
            params.pop(name, None)
    token = secrets.token_urlsafe(32)
    now = clock.now()
    with session_scope() as s:
        s.add(
            ServerSession(
                token_hash=_hash(token),
                user_id=user.hsa_id,
                unit_id=chosen.hsa_id if chosen else None,
                created_at=now,
                last_seen_at=now,
                origin=origin,
                patient_id=patient_id,
                params={
                    "launch": params,
                    "launch_certificate": certificate_id,
                    "user": snapshot,
                    **({"extra": extra} if extra else {}),
                },
            )
        )
        audit.record(
            session=s,
            user_id=user.hsa_id,
            user_name=user.full_name,
            role=user.role.value,
            unit_id=chosen.hsa_id if chosen else "",
            unit_name=chosen.name if chosen else "",
            care_provider_id=chosen.care_provider_id if chosen else "",
            care_provider_name=chosen.care_provider_name if chosen else "",
            action=audit.AuditAction.LOGIN,
            detail=origin,
        )
    return token


def _to_user(row: ServerSession) -> SessionUser:
    snap = row.params.get("user", {})
    units = tuple(hsa.CareUnit(**u) for u in snap.get("units", []))
    unit = next((u for u in units if u.hsa_id == row.unit_id), None)
    return SessionUser(
        token_hash=row.token_hash,
        hsa_id=row.user_id,
        name=snap.get("name", row.user_id),
        role=snap.get("role", ""),
        role_label=snap.get("role_label", ""),
        title=snap.get("title", ""),
        specialities=tuple(snap.get("specialities", [])),
        prescription_code=snap.get("prescription_code", ""),
        sekretess=bool(snap.get("sekretess")),
        sekretess_accepted=row.sekretess_accepted,
        units=units,
        unit=unit,
        params=dict(row.params.get("launch", {})),
        origin=row.origin,
        system_roles=tuple(snap.get("system_roles", [])),
        launch_certificate=row.params.get("launch_certificate"),
        patient_parameters_applied=bool(row.params.get("patient_parameters_applied")),
    )


def mark_patient_parameters_applied(user: SessionUser) -> None:
    """The launch's patient parameters have been applied (they apply once)."""
    with session_scope() as s:
        row = s.get(ServerSession, user.token_hash)
        if row is not None:
            row.params = {**row.params, "patient_parameters_applied": True}
            s.add(row)


def record_refused_launch(
    *, hsa_id: str, unit_id: str | None, certificate_id: str | None, code: str
) -> None:
    """The PDL log's record of a refused launch (who, when known from the token; which
    certificate; why), in a transaction of its own."""
    with session_scope() as s:
        audit.record(
            session=s,
            user_id=(hsa_id or "okänd")[:64],
            user_name="",
            role="",
            unit_id=(unit_id or "")[:64],
            action=audit.AuditAction.LOGIN,
            certificate_id=(certificate_id or "")[:64] or None,
            detail="nekad inloggning från journalsystemet",
            refusal_code=code,
        )


def session_owner(token_hash: str) -> str:
    """The HSA id of the user of the session with ``token_hash`` (ended or not), or ""."""
    if not token_hash or len(token_hash) > 64:
        return ""
    with session_scope() as s:
        row = s.get(ServerSession, token_hash)
        return row.user_id if row is not None else ""


def end_session(token: str | None) -> None:
    """End a session for good (a refused launch leaves nobody logged in)."""
    if not token or len(token) > 200:
        return
    with session_scope() as s:
        row = s.get(ServerSession, _hash(token))
        if row is not None and not row.ended:
            row.ended = True
            s.add(row)
    _count_ended()


def _count_ended() -> None:
    global _ended_in_process
    _ended_in_process += 1


def ended_generation() -> int:
    """A number that changes whenever this process ends a session (logout, a refused launch,
    a timeout noticed here): whoever remembers that a session was valid a moment ago (the UI
    state binding, state.session_binding) asks the database again after a change."""
    return _ended_in_process


def get_session(token: str | None, *, touch: bool = True) -> SessionUser:
    """The session for a cookie token. Raises SessionExpired when missing or inactive."""
    if not token or len(token) > 200:
        raise SessionExpired("Du är inte inloggad. Öppna Webcert från ditt journalsystem.")
    timeout = timedelta(minutes=get_settings().session_timeout_minutes)
    now = clock.now()
    with session_scope() as s:
        row = s.get(ServerSession, _hash(token))
        if row is None:
            raise SessionExpired("Du är inte inloggad. Öppna Webcert från ditt journalsystem.")
        if row.ended:
            raise SessionExpired()
        if now - row.last_seen_at > timeout:
            _count_ended()
            row.ended = True  # ended for good: a later request cannot revive it
            s.add(row)
            s.commit()
            raise SessionExpired()
        if touch and now - row.last_seen_at > TOUCH_GRANULARITY:
            # Activity is recorded at most every few seconds: one write per keystroke would
            # only cost time, the 30-minute timeout does not need more precision.
            row.last_seen_at = now
            s.add(row)
        return _to_user(row)


def _update_session(token: str | None, user: SessionUser, **values: Any) -> SessionUser:
    """Set ``values`` on the session row of ``user``; the session as it is now."""
    with session_scope() as s:
        row = s.get(ServerSession, user.token_hash)
        assert row is not None
        for name, value in values.items():
            setattr(row, name, value)
        s.add(row)
    return get_session(token)


def choose_unit(token: str | None, unit_id: str) -> SessionUser:
    """Pick the care unit for a session (only one of the user's own units)."""
    user = get_session(token)
    if not any(u.hsa_id == unit_id for u in user.units):
        raise NotAuthorized("Du har inget medarbetaruppdrag på den valda vårdenheten.")
    return _update_session(token, user, unit_id=unit_id)


def accept_sekretess(token: str | None) -> SessionUser:
    """The sekretessmarkerad user accepted the information dialog (§4.10)."""
    return _update_session(token, get_session(token), sekretess_accepted=True)


def require_unit(user: SessionUser) -> hsa.CareUnit:
    if user.unit is None:
        raise UnitRequired()
    return user.unit


def staff_at_unit(user: SessionUser) -> dict[str, Any]:
    """The user and their care unit as a RIV-TA HosPersonal names them (the signer in the
    issuer snapshot, the sender of a revocation or a question to FK)."""
    unit = require_unit(user)
    return {
        "hsa_id": user.hsa_id,
        "name": user.name,
        "workplace_code": unit.workplace_code,
        "unit_id": unit.hsa_id,
        "unit_name": unit.name,
        "unit_address": unit.address,
        "unit_postal_code": unit.postal_code,
        "unit_city": unit.city,
        "unit_phone": unit.phone,
        "care_provider_id": unit.care_provider_id,
        "care_provider_name": unit.care_provider_name,
    }


def token_from_cookie_header(cookie_header: str | None) -> str | None:
    """Read our session token from a raw Cookie header."""
    if not cookie_header:
        return None
    jar: SimpleCookie = SimpleCookie()
    try:
        jar.load(cookie_header)
    except Exception:  # noqa: BLE001 - a malformed cookie header is just "no session"
        return None
    morsel = jar.get(get_settings().session_cookie_name)
    return morsel.value if morsel else None


async def acting_user(
    hsa_id: str, unit_id: str, *, origin: str = "API", system_name: str = ""
) -> SessionUser:
    """A SessionUser for an EHR API call made on behalf of ``hsa_id`` on ``unit_id``.

    Nothing is stored: the EHR system is authenticated by its API key, the user's role and
    commission are checked against HSA exactly as at login.
    """
    user = await hsa.get_user(hsa_id)
    if user is None or user.role is None:
        raise NotAuthorized("Användaren saknar behörighet att använda Webcert.")
    units = user.units
    unit = next((u for u in units if u.hsa_id == unit_id), None)
    if unit is None:
        raise NotAuthorized("Användaren har inget medarbetaruppdrag på vårdenheten.")
    return SessionUser(
        token_hash="",
        hsa_id=user.hsa_id,
        name=user.full_name,
        role=user.role.value,
        role_label=user.role.label,
        title=user.title or "",
        specialities=tuple(user.specialities),
        prescription_code=user.prescription_code or "",
        sekretess=bool(user.sekretess),
        sekretess_accepted=True,
        units=units,
        unit=unit,
        origin=origin,
        system_roles=tuple(user.system_roles),
        system_name=system_name,
    )
