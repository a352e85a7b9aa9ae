"""The users, units, patients and certificates the tests build, in one place.

People and units are the simulators' test data (simulators/data, from Webcert's own test
fixtures); expectations in the tests come from the manual, not from these helpers.

Import what a test needs::

    from tests.factories import DOCTOR, UNIT, TOLVAN, complete_fk7804, login, signed
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import update
from sqlmodel import select

from services import clock, identity, lifecycle
from services.certificates import get_definition
from services.hsa import CareUnit
from services.identity import SessionUser
from services.interop import register, samples
from services.persistence.db import session_scope
from services.persistence.models import (
    AuditRecord,
    Certificate,
    CertificateStatus,
    NotificationOutbox,
    QuestionThread,
)
from services.settings import get_settings

# --- users (HSA simulator) -------------------------------------------------------------------
DOCTOR = "TSTNMT2321000156-DRAA"  # Ajla Doktor, befattningskod 204010 → läkare, 3 units
ADMIN = "TSTNMT2321000156-VAAA"  # Alva Vårdadministratör
DENTIST = "TSTNMT2321000156-TLZR"  # Zandor Tandläkare
SEKRETESS_DOCTOR = "TSTNMT2321000156-DRAF"  # Alf Doktor, sekretessmarkerad user (§4.10)

# --- care units ------------------------------------------------------------------------------
UNIT = "TSTNMT2321000156-ALVC"  # Alfa Vårdcentral
OTHER_UNIT = "TSTNMT2321000156-ALMC"  # Alfa Medicincentrum (same care provider)
DENTIST_UNIT = "TSTNMT2321000156-ZEVC"

# --- patients (PU simulator) -----------------------------------------------------------------
TOLVAN = "191212121212"  # Tolvan Tolvansson
MAJ_SEKRETESS = "195401232540"  # Maj Pärsson, sekretessmarkering
TOD_DECEASED = "190005259809"  # Tod Svensson, deceased (deregistration AV)
SAM = "195401875769"  # a samordningsnummer (day 87 = 27 + 60)


def luhn_digit(nine: str) -> str:
    """The Luhn check digit of nine digits (weights 2,1,2,1,...), computed here, independently
    of the library the services use: the tests' oracle for personnummer."""
    total = 0
    for i, ch in enumerate(nine):
        d = int(ch) * (2 if i % 2 == 0 else 1)
        total += d - 9 if d > 9 else d
    return str((10 - total % 10) % 10)


# --- in-memory objects for the pure rules (no database, no HSA) -------------------------------
UNIT_INFO = CareUnit(hsa_id=UNIT, name="Alfa Vårdcentral")
ROLE_LAKARE, ROLE_TANDLAKARE, ROLE_ADMIN = "LAKARE", "TANDLAKARE", "VARDADMINISTRATOR"


def session_user(
    role: str = ROLE_LAKARE,
    *,
    unit: CareUnit | None = UNIT_INFO,
    units: tuple[CareUnit, ...] = (UNIT_INFO,),
    hsa_id: str = "",
    name: str = "",
    sekretess: bool = False,
    sekretess_accepted: bool = False,
    params: dict[str, Any] | None = None,
    system_roles: tuple[str, ...] = (),
) -> SessionUser:
    """A logged-in user with ``role`` on ``unit`` (None: no unit chosen yet), built directly
    (no HSA, no stored session); ``hsa_id`` and ``name`` default to ones made from the role."""
    return SessionUser(
        token_hash="",
        hsa_id=hsa_id or f"U-{role}",
        name=name or f"Test {role}",
        role=role,
        role_label=role.title(),
        title="",
        specialities=(),
        prescription_code="",
        sekretess=sekretess,
        sekretess_accepted=sekretess_accepted,
        units=units,
        unit=unit,
        params=dict(params or {}),
        system_roles=system_roles,
    )


def certificate_row(
    status: CertificateStatus = CertificateStatus.SIGNED,
    *,
    type_: str = "fk7804",
    unit_id: str = UNIT,
    alive: bool = True,
) -> Certificate:
    """A certificate row, not stored (for the pure rights rules)."""
    now = datetime(2026, 1, 10, tzinfo=UTC)
    return Certificate(
        type=type_,
        type_version="1",
        status=status,
        patient_id=TOLVAN,
        patient={},
        unit_id=unit_id,
        created_at=now,
        created_by="x",
        updated_at=now,
        updated_by="x",
        created_alive=alive,
    )


def stored_row(
    n: int = 0, *, unit_id: str = UNIT, age: timedelta = timedelta(0), sent: bool = False
) -> Certificate:
    """An FK7804 draft row for Tolvan ("Tolvansson{n}") written directly to the database, made
    ``age`` ago (for tests of the outbox and the jobs, not of the lifecycle); ``sent``: signed
    and sent to FK then instead (a certificate that can have questions)."""
    at = clock.now() - age
    done = {"status": CertificateStatus.SENT, "signed_at": at, "sent_at": at} if sent else {}
    cert = Certificate(
        **done,
        type="fk7804",
        type_version="1.0",
        patient_id=TOLVAN,
        patient={"first_name": "Tolvan", "last_name": f"Tolvansson{n}"},
        unit_id=unit_id,
        unit_name="Alfa Vårdcentral",
        created_at=at,
        created_by=DOCTOR,
        updated_at=at,
        updated_by=DOCTOR,
    )
    with session_scope() as s:
        s.add(cert)
    return cert


# --- sessions --------------------------------------------------------------------------------
async def login(
    hsa_id: str = DOCTOR,
    unit: str = UNIT,
    params: dict[str, Any] | None = None,
    **launch_params: Any,
) -> identity.SessionUser:
    """A server session for ``hsa_id`` on ``unit`` (origin TEST), as the services see it, with
    launch parameters (``sjf="true"``, ...) given as ``params`` or as keywords."""
    merged = {**(params or {}), **launch_params}
    token = await identity.login(hsa_id, unit, origin="TEST", params=merged or params)
    return identity.get_session(token)


# --- certificates ----------------------------------------------------------------------------
def complete_fk7804(**extra: Any) -> dict[str, Any]:
    """A signable FK7804: smittbärarpenning needs only diagnosis and period (plus extras)."""
    today = clock.today()
    return {
        "avstangning_smittskydd": True,
        "diagnoser": [{"code": "J20", "text": "Akut bronkit", "system": "ICD_10_SE"}],
        "sjukskrivningar": {
            "HALFTEN": {
                "from": today.isoformat(),
                "to": (today + timedelta(days=13)).isoformat(),
            }
        },
        **extra,
    }


def full_fk7804() -> dict[str, Any]:
    """A complete FK7804 for sick leave (not smittbärarpenning): every mandatory field."""
    today = clock.today()
    return {
        "grund_for_mu": {"UNDERSOKNING": today.isoformat()},
        "sysselsattning": ["NUVARANDE_ARBETE"],
        "nuvarande_arbete": "Snickare",
        "diagnoser": [{"code": "J20", "text": "Akut bronkit", "system": "ICD_10_SE"}],
        "funktionsnedsattning": "Hosta",
        "aktivitetsbegransning": "Inga tunga lyft",
        "sjukskrivningar": {
            "HALFTEN": {"from": today.isoformat(), "to": (today + timedelta(days=13)).isoformat()}
        },
        "arbetstidsforlaggning": False,
        "prognos": "STOR_SANNOLIKHET",
        "atgarder": ["EJ_AKTUELLT"],
    }


async def draft(
    user: identity.SessionUser,
    pnr: str = TOLVAN,
    cert_type: str = "fk7804",
    content: dict[str, Any] | None = None,
) -> Certificate:
    """A new draft through the service; with ``content`` saved as version 2."""
    cert = await lifecycle.create_draft(user, cert_type=cert_type, personnummer=pnr)
    if content is not None:
        lifecycle.save_draft(user, cert.id, content=content, expected_version=1)
    return cert


async def signed(user: identity.SessionUser, pnr: str = TOLVAN, **extra: Any) -> Certificate:
    """A complete FK7804 signed by ``user``."""
    cert = await draft(user, pnr, content=complete_fk7804(**extra))
    return await lifecycle.sign(user, cert.id)


async def sent(
    user: identity.SessionUser | None = None, pnr: str = TOLVAN, **extra: Any
) -> Certificate:
    """A complete FK7804 signed and sent to Försäkringskassan (the simulator); by the doctor
    when no user is given."""
    user = user or await login()
    cert = await signed(user, pnr, **extra)
    return await lifecycle.send(user, cert.id, patient_consent=True)


def force(cert_id: str, **values: Any) -> None:
    """Put a certificate into a state directly (test set-up only)."""
    with session_scope() as s:
        s.execute(update(Certificate).where(Certificate.id == cert_id).values(**values))


def load(cert_id: str) -> Certificate | None:
    with session_scope() as s:
        return s.get(Certificate, cert_id)


def add_question(cert_id: str, topic: str, direction: str = "FROM_FK") -> str:
    """A question thread written directly (for rules about existing threads)."""
    with session_scope() as s:
        q = QuestionThread(
            certificate_id=cert_id,
            topic=topic,
            direction=direction,
            message="?",
            sent_at=clock.now(),
        )
        s.add(q)
        s.flush()
        return q.id


def question(qid: str) -> QuestionThread:
    with session_scope() as s:
        q = s.get(QuestionThread, qid)
        assert q is not None
        return q


# --- what happened ---------------------------------------------------------------------------
def events(cert_id: str) -> list[str]:
    """The certificate's EHR notification events in the outbox, oldest first."""
    with session_scope() as s:
        rows = s.exec(
            select(NotificationOutbox)
            .where(NotificationOutbox.certificate_id == cert_id)
            .order_by(NotificationOutbox.id)
        ).all()
        return [r.event for r in rows]


def audits(cert_id: str) -> list[str]:
    """The certificate's PDL audit actions."""
    with session_scope() as s:
        rows = s.exec(select(AuditRecord).where(AuditRecord.certificate_id == cert_id)).all()
        return [r.action for r in rows]


# --- the simulators --------------------------------------------------------------------------
def received(sim: Any, name: str = "fk") -> dict[str, Any]:
    """What a recipient simulator has received."""
    return httpx.get(sim.url(name) + "/received").json()


def pu_person(sim: Any, pnr: str, **fields: Any) -> None:
    """Add or change a person in the PU simulator."""
    httpx.post(
        sim.pu_url + "/admin/persons", json={"personnummer": pnr, **fields}
    ).raise_for_status()


def outage(sim: Any, name: str, down: bool) -> None:
    """Take a simulator down (or up again)."""
    httpx.post(sim.url(name) + "/admin/outage", json={"down": down}).raise_for_status()


# --- the EHR API (webcert_ui.api, in process) ------------------------------------------------
API_BASE = "http://webcert.test"


def ehr_systems(
    monkeypatch: Any,
    *,
    demo_key: str = "demo-ehr-key",
    scoped_key: str = "scoped-key",
    demo_units: tuple[str, ...] = ("*",),
) -> None:
    """Two EHR systems with API keys: "demo-ehr" for ``demo_units`` ("*": every unit) and
    "scoped" for OTHER_UNIT only."""
    systems = {
        "demo-ehr": {"api_key": demo_key, "units": list(demo_units)},
        "scoped": {"api_key": scoped_key, "units": [OTHER_UNIT]},
    }
    monkeypatch.setattr(get_settings(), "ehr_systems", json.dumps(systems))


def draft_request(
    cert_type: str = "fk7804", *, pnr: str = TOLVAN, user: str = DOCTOR, unit: str = UNIT
) -> dict[str, Any]:
    """The body of ``POST /api/v1/certificates``: the EHR asks for a new draft."""
    return {
        "type": cert_type,
        "patient": {"personnummer": pnr},
        "user_hsa_id": user,
        "unit_id": unit,
    }


def launch_request(
    cert_id: str, *, user: str = DOCTOR, unit: str | None = UNIT, **parameters: Any
) -> dict[str, Any]:
    """The body of ``POST /api/v1/launch-tokens``: the EHR asks for a deep link to ``cert_id``
    (no unit: the user's own choice; ``parameters``: the manual's §3.2 launch parameters)."""
    body: dict[str, Any] = {"user_hsa_id": user, "certificate_id": cert_id}
    if unit:
        body["unit_id"] = unit
    if parameters:
        body["parameters"] = parameters
    return body


@contextlib.asynccontextmanager
async def api_client(**client_args: Any) -> AsyncIterator[httpx.AsyncClient]:
    """An HTTP client on Webcert's API (the ASGI app, no server) at ``API_BASE``."""
    from webcert_ui.api import make_api

    transport = httpx.ASGITransport(app=make_api())
    async with httpx.AsyncClient(transport=transport, base_url=API_BASE, **client_args) as c:
        yield c


# --- Försäkringskassan (the FK simulator posts to Webcert's inbound API at ``api_url``) -----
def fk(sim, path: str, body: dict[str, Any], api_url: str) -> httpx.Response:
    """An FK simulator admin call that posts to Webcert's inbound endpoint."""
    return httpx.post(
        sim.url("fk") + path,
        json={**body, "target_url": api_url + "/api/v1/messages"},
        timeout=20,
    )


def inbound(sim, api_url: str, **body: Any) -> dict[str, Any]:
    r = fk(sim, "/admin/send-question", body, api_url)
    return r.json()


def komplt(sim, api_url: str, cert_id: str, **extra: Any) -> str:
    r = fk(
        sim,
        "/admin/send-complement",
        {
            "certificateId": cert_id,
            "text": "Vi behöver mer information.",
            "fields": [{"questionId": "ovrigt", "text": "Beskriv aktivitetsbegränsningen."}],
            **extra,
        },
        api_url,
    )
    assert r.status_code == 200, r.text
    return r.json()["response"]["id"]


# --- RIV-TA (interop) ---------------------------------------------------------------------
# every type sent over RIV-TA and the simulator that receives it
RIV_RECIPIENTS = [
    ("fk7804", "fk"),
    ("fk7800", "fk"),
    ("fk7801", "fk"),
    ("fk7802", "fk"),
    ("tstrk1007", "ts"),
    ("tstrk1031", "ts"),
]
RIV_ISSUER = {
    "hsa_id": "TSTNMT2321000156-DRAA",
    "name": "Ajla Doktor",
    "prescription_code": "1234567",
    "specialities": ["Allmänmedicin"],
    "workplace_code": "1234567890",
    "unit_id": "TSTNMT2321000156-ALVC",
    "unit_name": "Alfa Vårdcentral",
    "unit_address": "Storgatan 1",
    "unit_postal_code": "12345",
    "unit_city": "Alfastad",
    "unit_phone": "0101234567",
    "care_provider_id": "TSTNMT2321000156-ALFA",
    "care_provider_name": "Alfa Regionen",
}


def register_certificate(
    cert_type: str, *, cert_id: str = "9f1c1c8e-0b7e-4a51-9d35-1f2b9a3c7d10", **content: object
) -> register.CertificateData:
    """A complete certificate of ``cert_type``, signed now by Ajla Doktor (``RIV_ISSUER``), as
    RegisterCertificate data (interop); ``content`` overrides answers."""
    return register.CertificateData(
        id=cert_id,
        type=cert_type,
        version=get_definition(cert_type).version,
        signed_at=datetime.now(UTC),
        patient={
            "personnummer": "191212121212",
            "first_name": "Tolvan",
            "last_name": "Tolvansson",
            "address": "Svensson gatan 1",
            "postal_code": "12345",
            "city": "Tolvstad",
        },
        issuer=RIV_ISSUER,
        content={**samples.complete_content(cert_type, date.today()), **content},
        unit_id=RIV_ISSUER["unit_id"],
    )


# --- hostile XML (RIV-TA endpoints) ----------------------------------------------------------
BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Body>
<x>&lol3;</x></soapenv:Body></soapenv:Envelope>"""
XXE = b"""<?xml version="1.0"?>
<!DOCTYPE foo [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Body>
<x>&xxe;</x></soapenv:Body></soapenv:Envelope>"""
