"""Certificate lifecycle: every action on drafts and certificates (manual §4, §8).

Every action takes the logged-in ``user`` (a SessionUser), fetches the patient from
PU-tjänsten (when PU-tjänsten does not answer, everything is locked), asks
:func:`services.rights.decide` first and raises its typed error (Swedish message) when refused.
The change, its PDL audit record and its EHR notification are written in one transaction.

Idempotency against double submission (two quick clicks), on one worker or several:

* ``sign`` — compare-and-set on status and version. A second sign by the same user returns the
  already signed certificate (no second signature, audit record or notification); a sign by
  somebody else after it is refused ("Intyget är redan signerat").
* ``send`` / ``revoke`` — serialised per certificate inside a worker, the recipient is called
  before the compare-and-set and treats a repeated certificate id as already received/revoked
  (409). The second click returns the already sent/revoked certificate; the recipient gets one
  certificate, one revocation.
* ``mark_ready_for_signing`` — the second returns the already marked draft.
* ``renew`` / ``replace`` / ``copy_locked`` — a unique partial index allows one open (unsigned)
  draft per original, relation and care unit: the second returns the existing new draft.
* ``delete_draft`` — the second is refused with NotFound ("Utkastet finns inte").
* ``lock_expired_drafts`` — one UPDATE; running it twice or on several workers locks each
  draft once.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import delete, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from services import audit, clock, collab, locks, notifications, patients, recipients, rights
from services.certificates import get_definition
from services.certificates.base import CarryOver, CertificateDefinition, Recipient
from services.certificates.carry_over import carry_over, previous_period_summary
from services.certificates.validation import Severity, validate
from services.errors import (
    Conflict,
    InvalidInput,
    NotFound,
    PuUnavailable,
    ServiceUnavailable,
)
from services.identity import SessionUser, require_unit
from services.persistence.db import session_scope
from services.persistence.models import (
    Certificate,
    CertificateStatus,
    QuestionThread,
    RelationKind,
)
from services.rights import Action, PatientFlags, RelationFlags

MAX_CONTENT_BYTES = 200_000
MAX_REVOKE_MESSAGE = 4000
LOCK_AFTER = timedelta(days=14)  # §4.1
DRAFT_STATUSES = (CertificateStatus.DRAFT, CertificateStatus.READY_FOR_SIGNING)
SIGNED_STATUSES = (CertificateStatus.SIGNED, CertificateStatus.SENT)
KOMPLT = "KOMPLT"

TEXT_REPLACED_BY = "Intyget har ersatts av detta intyg"
TEXT_REPLACEMENT_DRAFT = "Det finns redan ett påbörjat utkast som ska ersätta detta intyg."
TEXT_REPLACES = "Intyget ersätter ett tidigare intyg."
TEXT_REVOKED_REPLACING = "Intyget ersatte ett tidigare intyg som också kan behöva makuleras."
TEXT_COMPLEMENTED_BY = "Kompletteringsbegäran besvarades med ett nytt intyg"
TEXT_COMPLEMENTS = "Intyget är en komplettering av ett tidigare intyg."
TEXT_RENEWED_BY = "Intyget har förnyats."
TEXT_RENEWS = "Intyget är en förnyelse av ett tidigare intyg."
TEXT_COPIED_BY = "Det låsta utkastet har kopierats."
TEXT_COPY_OF = "Utkastet är en kopia av ett låst utkast."


@dataclass(frozen=True)
class SaveResult:
    version: int
    saved_at: str


@dataclass(frozen=True)
class RelationLink:
    """One relation shown on the certificate page: a text and a link to the other certificate."""

    kind: str  # RelationKind value
    direction: str  # "CHILD" (made from this one) or "PARENT" (this one was made from it)
    certificate_id: str
    status: str  # CertificateStatus value of the other certificate
    text: str
    link_text: str
    href: str


@dataclass(frozen=True)
class RelationsView:
    links: list[RelationLink] = field(default_factory=list)
    previous_period: str | None = None  # renewing draft: grade and end date of the original
    replacement_draft_id: str | None = None  # an unsigned draft replacing this certificate


@dataclass(frozen=True)
class CertificateView:
    """What the certificate page needs after opening (fresh from PU-tjänsten)."""

    certificate: Certificate
    patient: PatientFlags
    actions: set[Action]
    relations: RelationsView


# --- helpers ---------------------------------------------------------------------------------
def patient_snapshot(patient: patients.Patient) -> dict[str, Any]:
    return {
        "personnummer": patient.personnummer,
        "first_name": patient.first_name,
        "middle_name": patient.middle_name or "",
        "last_name": patient.last_name,
        "address": patient.address or "",
        "postal_code": patient.postal_code or "",
        "city": patient.city or "",
        "sekretess": bool(patient.sekretess),
        "deceased": bool(patient.deceased),
    }


def href(certificate_id: str) -> str:
    return f"/intyg/{certificate_id}"


def _audit(
    s: Session,
    user: SessionUser,
    action: audit.AuditAction,
    cert: Certificate,
    detail: str = "",
) -> None:
    audit.record_for(s, user, action, cert, detail)


def _get(s: Session, certificate_id: Any) -> Certificate:
    if not isinstance(certificate_id, str) or not certificate_id or len(certificate_id) > 64:
        raise NotFound("Intyget finns inte.")
    cert = s.get(Certificate, certificate_id)
    if cert is None:
        raise NotFound("Intyget finns inte.")
    return cert


def _relation_flags(s: Session, cert: Certificate) -> RelationFlags:
    children = s.exec(select(Certificate).where(Certificate.parent_id == cert.id)).all()

    def signed(kind: RelationKind) -> bool:
        return any(c.relation_kind == kind and c.status in SIGNED_STATUSES for c in children)

    return RelationFlags(
        replaced_by_signed=signed(RelationKind.REPLACE),
        complemented_by_signed=signed(RelationKind.COMPLEMENT),
    )


def _load_for_user(
    s: Session, user: SessionUser, certificate_id: str, action: Action = Action.READ
) -> Certificate:
    """Load and check ``action`` with the patient flags stored on the certificate.

    For synchronous calls (read, autosave); the async actions use fresh PU data instead.
    """
    require_unit(user)
    cert = _get(s, certificate_id)
    flags = PatientFlags.from_snapshot(cert.patient)
    rights.decide(user, cert, action, flags, relations=_relation_flags(s, cert)).raise_if_denied()
    return cert


async def _fresh_patient(personnummer: str) -> tuple[patients.Patient | None, PatientFlags]:
    """The patient from PU-tjänsten now; PU_DOWN flags when it does not answer."""
    try:
        patient = await patients.get_patient(personnummer)
    except PuUnavailable:
        return None, rights.PU_DOWN
    if patient is None:
        return None, PatientFlags()
    return patient, PatientFlags.from_patient(patient)


@dataclass
class _Prepared:
    cert: Certificate
    patient: patients.Patient | None
    flags: PatientFlags
    relations: RelationFlags
    decision: rights.Decision


async def _prepare(user: SessionUser, certificate_id: Any, action: Action) -> _Prepared:
    """Load the certificate, ask PU-tjänsten, and decide (the decision is not raised here)."""
    require_unit(user)
    with session_scope() as s:
        cert = _get(s, certificate_id)
        rel = _relation_flags(s, cert)
    patient, flags = await _fresh_patient(cert.patient_id)
    if patient is None and flags.pu_available:
        flags = PatientFlags.from_snapshot(cert.patient)  # unknown to PU: use what we have
    decision = rights.decide(user, cert, action, flags, relations=rel)
    return _Prepared(cert, patient, flags, rel, decision)


def _state_only_refusal(decision: rights.Decision) -> bool:
    """A refusal for the certificate's state only (every right checked before it held)."""
    return not decision.allowed and decision.code == "INVALID_STATE"


def _lock_for(certificate_id: str) -> asyncio.Lock:
    return locks.lock_for("lifecycle:" + certificate_id)


def canonical_json(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def content_hash(cert: Certificate) -> str:
    """sha256 of the canonical JSON of what is signed: id, type, version, patient and content."""
    signed = {
        "id": cert.id,
        "type": cert.type,
        "type_version": cert.type_version,
        "patient_id": cert.patient_id,
        "content": cert.content,
    }
    return hashlib.sha256(canonical_json(signed).encode("utf-8")).hexdigest()


def issuer_snapshot(user: SessionUser) -> dict[str, Any]:
    """The issuer as printed on the certificate (§4.5.3, table 4)."""
    unit = require_unit(user)
    return {
        "hsa_id": user.hsa_id,
        "name": user.name,
        "role": user.role,
        "role_label": user.role_label,
        "title": user.title,
        "specialities": list(user.specialities),
        "prescription_code": user.prescription_code,
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


def _definition(cert_type: str) -> CertificateDefinition:
    try:
        return get_definition(cert_type)
    except KeyError as exc:
        raise InvalidInput("Okänd intygstyp.", field="type") from exc


def _require_complete(definition: CertificateDefinition, content: dict[str, Any]) -> None:
    """InvalidInput listing the sections with missing or wrong answers, if any."""
    messages = validate(definition, content, today=clock.today())
    blocking = [m for m in messages if m.severity in (Severity.MISSING, Severity.ERROR)]
    if not blocking:
        return
    missing = {m.section_id for m in blocking if m.severity == Severity.MISSING}
    wrong = {m.section_id for m in blocking if m.severity == Severity.ERROR}
    titles = {s.id: s.title for s in definition.sections}
    order = [s.id for s in definition.sections]
    parts = []
    if missing:
        parts.append(
            "Utkastet saknar uppgifter i följande avsnitt: "
            + ", ".join(titles[i] for i in order if i in missing)
            + "."
        )
    if wrong:
        parts.append(
            "Rätta felen i följande avsnitt: "
            + ", ".join(titles[i] for i in order if i in wrong)
            + "."
        )
    raise InvalidInput(" ".join(parts), field="content", code="INCOMPLETE")


def _who(cert: Certificate | None) -> str:
    if cert is None:
        return "någon annan"
    return cert.updated_by_name or cert.updated_by or "någon annan"


# --- create, read, save ------------------------------------------------------------------------
async def create_draft(
    user: SessionUser,
    *,
    cert_type: str,
    personnummer: str,
    ehr_ref: str | None = None,
    patient_overrides: dict[str, str] | None = None,
) -> Certificate:
    """Create a new draft of ``cert_type`` for a patient on the user's care unit."""
    unit = require_unit(user)
    definition = _definition(cert_type)
    try:
        patient = await patients.get_patient(personnummer)
    except PuUnavailable:
        rights.decide(user, definition.type, Action.CREATE, rights.PU_DOWN).raise_if_denied()
        raise
    if patient is None:
        raise NotFound("Patienten finns inte i personuppgiftstjänsten.")
    rights.decide(
        user, definition.type, Action.CREATE, PatientFlags.from_patient(patient)
    ).raise_if_denied()
    snapshot = patient_snapshot(patient)
    for key, value in (patient_overrides or {}).items():
        if value:
            snapshot[key] = value
    now = clock.now()
    cert = Certificate(
        type=definition.type,
        type_version=definition.version,
        status=CertificateStatus.DRAFT,
        patient_id=patient.personnummer,
        patient=snapshot,
        unit_id=unit.hsa_id,
        unit_name=unit.name,
        care_provider_id=unit.care_provider_id,
        care_provider_name=unit.care_provider_name,
        content={},
        version=1,
        created_at=now,
        created_by=user.hsa_id,
        created_by_name=user.name,
        updated_at=now,
        updated_by=user.hsa_id,
        updated_by_name=user.name,
        ehr_ref=ehr_ref,
        created_alive=not patient.deceased,
    )
    with session_scope() as s:
        s.add(cert)
        _audit(s, user, audit.AuditAction.CREATE, cert)
        notifications.enqueue(s, cert, notifications.Event.SKAPAT)
    return cert


def get_certificate(user: SessionUser, certificate_id: str) -> Certificate:
    """Read a certificate the user may open (audited as a read of patient data).

    Synchronous: checks rights with the patient flags stored on the certificate. Pages should
    prefer :func:`open_certificate`, which asks PU-tjänsten first.
    """
    with session_scope() as s:
        cert = _load_for_user(s, user, certificate_id, Action.READ)
        _audit(s, user, audit.AuditAction.READ, cert)
        return cert


async def open_certificate(user: SessionUser, certificate_id: str) -> CertificateView:
    """Open a certificate with fresh PU data: the certificate, the patient's flags, the actions
    the user may take (for the buttons) and its relations. PuUnavailable locks it."""
    prepared = await _prepare(user, certificate_id, Action.READ)
    prepared.decision.raise_if_denied()
    with session_scope() as s:
        cert = _get(s, prepared.cert.id)
        _audit(s, user, audit.AuditAction.READ, cert)
        rel = _relation_flags(s, cert)
        view = _relations_view(s, cert)
    actions = rights.available_actions(user, cert, prepared.flags, relations=rel)
    return CertificateView(cert, prepared.flags, actions, view)


def save_draft(
    user: SessionUser,
    certificate_id: str,
    *,
    content: Any,
    expected_version: Any,
    viewer: str | None = None,
) -> SaveResult:
    """Compare-and-set save of a draft's content; a stale version is refused.

    With ``viewer`` (an open page's client token) the save is also refused unless that page has
    priority on the draft (§4.2.2, services.collab): a view that lost priority never writes.
    """
    if not isinstance(content, dict):
        raise InvalidInput("Utkastets innehåll har fel format.", field="content")
    if not isinstance(expected_version, int) or isinstance(expected_version, bool):
        raise InvalidInput("Utkastets version saknas.", field="version")
    if len(json.dumps(content, ensure_ascii=False)) > MAX_CONTENT_BYTES:
        raise InvalidInput("Utkastet är för stort för att sparas.", field="content")
    with session_scope() as s:
        cert = _load_for_user(s, user, certificate_id, Action.EDIT)
        if viewer is not None:
            collab.require_holder(cert.id, viewer, name=user.name, hsa_id=user.hsa_id)
        if cert.version != expected_version:
            raise Conflict(
                f"Utkastet har ändrats av {_who(cert)} sedan du öppnade det. Dina senaste "
                "ändringar har inte sparats — ladda om utkastet."
            )
        now = clock.now()
        # Compare-and-set in one statement: exactly one concurrent writer wins a version, and
        # a draft locked or signed in between is never written.
        result = s.execute(
            update(Certificate)
            .where(
                col(Certificate.id) == cert.id,
                col(Certificate.version) == expected_version,
                col(Certificate.status).in_(DRAFT_STATUSES),
            )
            .values(
                content=dict(content),
                version=expected_version + 1,
                updated_at=now,
                updated_by=user.hsa_id,
                updated_by_name=user.name,
            )
        )
        if result.rowcount != 1:
            s.rollback()
            latest = s.get(Certificate, cert.id)
            if latest is not None:
                s.refresh(latest)
            if latest is not None and latest.status not in DRAFT_STATUSES:
                raise rights.InvalidState(
                    f"Utkastet går inte längre att ändra: det är {latest.status.label.lower()}."
                )
            raise Conflict(
                f"Utkastet har ändrats av {_who(latest)} sedan du öppnade det. Dina senaste "
                "ändringar har inte sparats — ladda om utkastet."
            )
        _audit(s, user, audit.AuditAction.WRITE, cert)
        notifications.enqueue(s, cert, notifications.Event.ANDRAT)  # coalesced in enqueue
        return SaveResult(version=expected_version + 1, saved_at=now.isoformat())


def list_for_unit(user: SessionUser, *, limit: int = 200) -> list[dict[str, str]]:
    """Drafts and certificates of the user's care unit, newest first (for the start page).

    Only what the user may open is listed (stored patient flags: sekretess, TS, role types).
    """
    unit = require_unit(user)
    rows: list[dict[str, str]] = []
    with session_scope() as s:
        certs = s.exec(
            select(Certificate)
            .where(Certificate.unit_id == unit.hsa_id)
            .order_by(col(Certificate.updated_at).desc())
            .limit(limit)
        ).all()
        for c in certs:
            flags = PatientFlags.from_snapshot(c.patient)
            if not rights.decide(user, c, Action.READ, flags).allowed:
                continue
            try:
                name = get_definition(c.type).name
            except KeyError:
                name = c.type
            rows.append(
                {
                    "id": c.id,
                    "name": name,
                    "patient": f"{c.patient_id[:8]}-{c.patient_id[8:]}",
                    "status": c.status.label,
                    "updated": c.updated_at.astimezone(clock.SWEDEN).strftime("%Y-%m-%d %H:%M"),
                    "href": href(c.id),
                    "sekretess": "true" if flags.sekretess else "",
                }
            )
    return rows


# --- sign, mark ready, delete ------------------------------------------------------------------
async def sign(
    user: SessionUser, certificate_id: str, *, expected_version: int | None = None
) -> Certificate:
    """Sign a draft (§4.2; the SITHS step is simulated). Records signer, role, unit, time, the
    sha256 of the content and the issuer snapshot. Missing data → InvalidInput listing the
    sections. A repeated sign by the same user returns the signed certificate."""
    prepared = await _prepare(user, certificate_id, Action.SIGN)
    cert = prepared.cert
    if _state_only_refusal(prepared.decision) and cert.status in SIGNED_STATUSES:
        if cert.signed_by == user.hsa_id:
            return cert
    prepared.decision.raise_if_denied()
    if expected_version is not None and expected_version != cert.version:
        raise Conflict(
            f"Utkastet har ändrats av {_who(cert)} sedan du öppnade det. Ladda om utkastet "
            "innan du signerar."
        )
    definition = _definition(cert.type)
    _require_complete(definition, cert.content)
    now = clock.now()
    issuer = issuer_snapshot(user)
    digest = content_hash(cert)
    with session_scope() as s:
        result = s.execute(
            update(Certificate)
            .where(
                col(Certificate.id) == cert.id,
                col(Certificate.version) == cert.version,
                col(Certificate.status).in_(DRAFT_STATUSES),
            )
            .values(
                status=CertificateStatus.SIGNED,
                signed_at=now,
                signed_by=user.hsa_id,
                signed_by_name=user.name,
                signed_by_role=user.role,
                issuer=issuer,
                signature_hash=digest,
                version=cert.version + 1,
                updated_at=now,
                updated_by=user.hsa_id,
                updated_by_name=user.name,
            )
        )
        if result.rowcount != 1:
            s.rollback()
            latest = _get(s, cert.id)
            s.refresh(latest)
            if latest.status in SIGNED_STATUSES and latest.signed_by == user.hsa_id:
                return latest  # the other click won: one signature
            if latest.status in SIGNED_STATUSES:
                raise rights.InvalidState(
                    f"Intyget är redan signerat av {latest.signed_by_name or latest.signed_by}."
                )
            if latest.status not in DRAFT_STATUSES:
                raise rights.InvalidState(
                    f"Utkastet kan inte signeras: det är {latest.status.label.lower()}."
                )
            raise Conflict(
                f"Utkastet har ändrats av {_who(latest)} sedan du öppnade det. Ladda om "
                "utkastet innan du signerar."
            )
        signed = _get(s, cert.id)
        s.refresh(signed)
        _audit(s, user, audit.AuditAction.SIGN, signed, detail=f"sha256={digest}")
        notifications.enqueue(s, signed, notifications.Event.SIGNAT)
        if signed.relation_kind == RelationKind.RENEW and signed.parent_id:
            _handle_complement_requests(s, signed.parent_id)
        return signed


def _handle_complement_requests(
    s: Session, parent_id: str, *, answered_with: str | None = None
) -> None:
    """§4.6: signing a renewal marks open kompletteringsbegäran on the original as handled;
    administrative questions stay open. §6.3.1/§6.3.4: sending a complementing certificate
    (``answered_with``) answers them all with it. Reminders of them are handled too (§6.4)."""
    from services import questions  # the Q&A rules live there (it imports this module)

    questions.handle_complement_requests(s, parent_id, answered_with=answered_with)


async def mark_ready_for_signing(user: SessionUser, certificate_id: str) -> Certificate:
    """Vårdadministratör: mark a complete draft ready for signing (§4.2.1); notifies the EHR
    (KFSIGN). A repeated click returns the already marked draft."""
    prepared = await _prepare(user, certificate_id, Action.MARK_READY)
    cert = prepared.cert
    if (
        _state_only_refusal(prepared.decision)
        and cert.status == CertificateStatus.READY_FOR_SIGNING
    ):
        return cert
    prepared.decision.raise_if_denied()
    _require_complete(_definition(cert.type), cert.content)
    now = clock.now()
    with session_scope() as s:
        result = s.execute(
            update(Certificate)
            .where(
                col(Certificate.id) == cert.id,
                col(Certificate.status) == CertificateStatus.DRAFT,
                col(Certificate.version) == cert.version,
            )
            .values(
                status=CertificateStatus.READY_FOR_SIGNING,
                ready_for_signing_at=now,
                version=cert.version + 1,
                updated_at=now,
                updated_by=user.hsa_id,
                updated_by_name=user.name,
            )
        )
        if result.rowcount != 1:
            s.rollback()
            latest = _get(s, cert.id)
            s.refresh(latest)
            if latest.status == CertificateStatus.READY_FOR_SIGNING:
                return latest
            if latest.status != CertificateStatus.DRAFT:
                raise rights.InvalidState(
                    f"Utkastet kan inte markeras: det är {latest.status.label.lower()}."
                )
            raise Conflict(
                f"Utkastet har ändrats av {_who(latest)} sedan du öppnade det. Ladda om utkastet."
            )
        marked = _get(s, cert.id)
        s.refresh(marked)
        _audit(s, user, audit.AuditAction.WRITE, marked, detail="Klart för signering")
        notifications.enqueue(s, marked, notifications.Event.KFSIGN)
        return marked


async def delete_draft(user: SessionUser, certificate_id: str) -> None:
    """Delete a draft and all its data (§4.3); notifies the EHR (RADERA). A deleted
    replacement/renewal draft frees the original for a new one."""
    prepared = await _prepare(user, certificate_id, Action.DELETE)
    prepared.decision.raise_if_denied()
    cert = prepared.cert
    with session_scope() as s:
        result = s.execute(
            delete(Certificate).where(
                col(Certificate.id) == cert.id,
                col(Certificate.status).in_(DRAFT_STATUSES),
            )
        )
        if result.rowcount != 1:
            s.rollback()
            latest = s.get(Certificate, cert.id)
            if latest is None:
                raise NotFound("Utkastet finns inte. Det kan redan ha raderats.")
            raise rights.InvalidState(
                f"Utkastet kan inte raderas: det är {latest.status.label.lower()}."
            )
        _audit(s, user, audit.AuditAction.DELETE, cert)
        notifications.enqueue(s, cert, notifications.Event.RADERA)


# --- send and revoke (the recipient simulators) ----------------------------------------------
def _recipient(cert: Certificate) -> Recipient:
    return _definition(cert.type).recipient


async def _post(recipient: Recipient, path: str, body: dict[str, Any]) -> httpx.Response:
    return await recipients.post(recipient, path, body)


def _unavailable(recipient: Recipient, what: str) -> ServiceUnavailable:
    return ServiceUnavailable(
        f"{recipient.label} svarar inte just nu. {what} Försök igen om en stund.",
        code="RECIPIENT_UNAVAILABLE",
    )


def certificate_payload(cert: Certificate) -> dict[str, Any]:
    """The signed certificate as handed to the recipient."""
    return {
        "id": cert.id,
        "type": cert.type,
        "typeVersion": cert.type_version,
        "patient": cert.patient,
        "patientId": cert.patient_id,
        "content": cert.content,
        "signedAt": cert.signed_at.isoformat() if cert.signed_at else None,
        "signedBy": cert.signed_by,
        "issuer": cert.issuer,
        "signatureHash": cert.signature_hash,
        "unitId": cert.unit_id,
        "careProviderId": cert.care_provider_id,
        "relation": (
            {"kind": cert.relation_kind.value, "certificateId": cert.parent_id}
            if cert.relation_kind and cert.parent_id
            else None
        ),
    }


async def send(user: SessionUser, certificate_id: str, *, patient_consent: Any) -> Certificate:
    """Send a signed certificate to FK or TS after the patient's consent (§4.4): status Skickat.
    A recipient that stays down → ServiceUnavailable, status stays Signerat. A repeated send
    returns the already sent certificate."""
    if patient_consent is not True:
        raise InvalidInput(
            "Intyget kan endast skickas om patienten har lämnat sitt samtycke till det.",
            field="consent",
        )
    require_unit(user)
    if not isinstance(certificate_id, str):
        raise NotFound("Intyget finns inte.")
    async with _lock_for(certificate_id):
        prepared = await _prepare(user, certificate_id, Action.SEND)
        cert = prepared.cert
        if _state_only_refusal(prepared.decision) and cert.status == CertificateStatus.SENT:
            return cert
        prepared.decision.raise_if_denied()
        recipient = _recipient(cert)
        try:
            response = await _post(recipient, "/certificates", certificate_payload(cert))
        except recipients.UNREACHABLE as exc:
            raise _unavailable(recipient, "Intyget har inte skickats.") from exc
        if response.status_code not in (200, 201, 409):  # 409: already received
            raise _unavailable(recipient, "Intyget har inte skickats.")
        now = clock.now()
        with session_scope() as s:
            result = s.execute(
                update(Certificate)
                .where(
                    col(Certificate.id) == cert.id,
                    col(Certificate.status) == CertificateStatus.SIGNED,
                )
                .values(status=CertificateStatus.SENT, sent_at=now)
            )
            latest = _get(s, cert.id)
            s.refresh(latest)
            if result.rowcount != 1:
                if latest.status == CertificateStatus.SENT:
                    return latest
                raise rights.InvalidState(
                    f"Intyget kan inte skickas: det är {latest.status.label.lower()}."
                )
            _audit(s, user, audit.AuditAction.SEND, latest, detail=recipient.value)
            notifications.enqueue(s, latest, notifications.Event.SKICKA)
            if latest.relation_kind == RelationKind.COMPLEMENT and latest.parent_id:
                _handle_complement_requests(s, latest.parent_id, answered_with=latest.id)
            return latest


def _check_revoke_reason(reason_code: Any, message: Any) -> tuple[str, str]:
    if not isinstance(reason_code, str) or reason_code not in rights.REVOKE_REASONS:
        raise InvalidInput("Välj en orsak till makuleringen.", field="reason")
    text = message.strip() if isinstance(message, str) else ""
    if message is not None and not isinstance(message, str):
        raise InvalidInput("Meddelandet har fel format.", field="message")
    if len(text) > MAX_REVOKE_MESSAGE:
        raise InvalidInput(
            f"Meddelandet får vara högst {MAX_REVOKE_MESSAGE} tecken.", field="message"
        )
    if reason_code in rights.REVOKE_MESSAGE_REQUIRED and not text:
        raise InvalidInput("Beskriv felet i intyget.", field="message")
    return reason_code, text


async def revoke(
    user: SessionUser, certificate_id: str, *, reason_code: Any, message: Any = ""
) -> Certificate:
    """Revoke a signed certificate or a locked draft (§4.9). A recipient that has it is told the
    reason first; open question threads are marked handled. The row stays (status Makulerat).
    A repeated revoke returns the already revoked certificate."""
    reason_code, text = _check_revoke_reason(reason_code, message)
    require_unit(user)
    if not isinstance(certificate_id, str):
        raise NotFound("Intyget finns inte.")
    async with _lock_for(certificate_id):
        prepared = await _prepare(user, certificate_id, Action.REVOKE)
        cert = prepared.cert
        if _state_only_refusal(prepared.decision) and cert.status == CertificateStatus.REVOKED:
            return cert
        prepared.decision.raise_if_denied()
        if cert.status == CertificateStatus.SENT:
            recipient = _recipient(cert)
            body = {
                "reason": reason_code,
                "reasonText": rights.REVOKE_REASONS[reason_code],
                "message": text,
                "revokedBy": user.hsa_id,
                "revokedByName": user.name,
            }
            try:
                response = await _post(recipient, f"/certificates/{cert.id}/revoke", body)
            except recipients.UNREACHABLE as exc:
                raise _unavailable(recipient, "Intyget har inte makulerats.") from exc
            if response.status_code not in (200, 201, 409):  # 409: already revoked there
                raise _unavailable(recipient, "Intyget har inte makulerats.")
        now = clock.now()
        with session_scope() as s:
            result = s.execute(
                update(Certificate)
                .where(
                    col(Certificate.id) == cert.id,
                    col(Certificate.status).in_(
                        (
                            CertificateStatus.SIGNED,
                            CertificateStatus.SENT,
                            CertificateStatus.LOCKED,
                        )
                    ),
                )
                .values(
                    status=CertificateStatus.REVOKED,
                    revoked_at=now,
                    revoked_by=user.hsa_id,
                    revoke_reason=reason_code,
                    revoke_message=text,
                )
            )
            latest = _get(s, cert.id)
            s.refresh(latest)
            if result.rowcount != 1:
                if latest.status == CertificateStatus.REVOKED:
                    return latest
                raise rights.InvalidState(
                    f"Intyget kan inte makuleras: det är {latest.status.label.lower()}."
                )
            _audit(s, user, audit.AuditAction.REVOKE, latest, detail=reason_code)
            notifications.enqueue(
                s, latest, notifications.Event.MAKULE, reason=reason_code, message=text
            )
            _handle_all_questions(s, latest)
            return latest


def _handle_all_questions(s: Session, cert: Certificate) -> None:
    """§4.9.1: open question threads are marked handled when the certificate is revoked."""
    now = clock.now()
    threads = s.exec(
        select(QuestionThread).where(
            QuestionThread.certificate_id == cert.id,
            QuestionThread.handled == False,  # noqa: E712
        )
    ).all()
    for thread in threads:
        thread.handled = True
        thread.handled_at = now
        s.add(thread)
        event = (
            notifications.Event.HANFRFM
            if thread.direction == "FROM_FK"
            else notifications.Event.HANFRFV
        )
        notifications.enqueue(s, cert, event, questionId=thread.id, topic=thread.topic)


# --- renew, replace, copy --------------------------------------------------------------------
def _open_child(s: Session, parent_id: str, kind: RelationKind, unit_id: str) -> Certificate | None:
    return s.exec(
        select(Certificate).where(
            Certificate.parent_id == parent_id,
            Certificate.relation_kind == kind,
            Certificate.unit_id == unit_id,
            col(Certificate.status).in_(DRAFT_STATUSES),
        )
    ).first()


_MODES = {
    RelationKind.RENEW: (Action.RENEW, CarryOver.RENEW),
    RelationKind.REPLACE: (Action.REPLACE, CarryOver.REPLACE),
    RelationKind.COPY: (Action.COPY, CarryOver.COPY),
    # Komplettera (§6.3.1): part of ärendekommunikation; rights.decide_complement adds the rest.
    RelationKind.COMPLEMENT: (Action.QUESTIONS, CarryOver.COMPLEMENT),
}


async def _derive(user: SessionUser, certificate_id: str, kind: RelationKind) -> Certificate:
    """A new draft on the user's unit from ``certificate_id``; the open one if it exists."""
    unit = require_unit(user)
    action, mode = _MODES[kind]
    prepared = await _prepare(user, certificate_id, action)
    if kind == RelationKind.COMPLEMENT:
        rights.decide_complement(
            user, prepared.cert, prepared.flags, relations=prepared.relations
        ).raise_if_denied()
    else:
        prepared.decision.raise_if_denied()
    parent = prepared.cert
    with session_scope() as s:
        existing = _open_child(s, parent.id, kind, unit.hsa_id)
        if existing is not None:
            return existing
    definition = _definition(parent.type)
    snapshot = dict(parent.patient or {})
    if prepared.patient is not None:  # fresh from PU-tjänsten (§4.6)
        snapshot.update(patient_snapshot(prepared.patient))
    now = clock.now()
    child = Certificate(
        type=parent.type,
        type_version=definition.version,
        status=CertificateStatus.DRAFT,
        patient_id=parent.patient_id,
        patient=snapshot,
        unit_id=unit.hsa_id,
        unit_name=unit.name,
        care_provider_id=unit.care_provider_id,
        care_provider_name=unit.care_provider_name,
        content=carry_over(definition, parent.content, mode),
        version=1,
        created_at=now,
        created_by=user.hsa_id,
        created_by_name=user.name,
        updated_at=now,
        updated_by=user.hsa_id,
        updated_by_name=user.name,
        parent_id=parent.id,
        relation_kind=kind,
        ehr_ref=parent.ehr_ref,
        created_alive=not prepared.flags.deceased,
    )
    try:
        with session_scope() as s:
            s.add(child)
            _audit(s, user, audit.AuditAction.CREATE, child, detail=f"{kind.value} {parent.id}")
            notifications.enqueue(s, child, notifications.Event.SKAPAT)
    except IntegrityError:
        # Another click (or worker) made the open draft first: return that one.
        with session_scope() as s:
            existing = _open_child(s, parent.id, kind, unit.hsa_id)
        if existing is None:
            raise
        return existing
    return child


async def renew(user: SessionUser, certificate_id: str) -> Certificate:
    """Förnya (§4.6): a new draft on the user's unit with fresh PU data; for FK7804 grund för
    MU, sjukskrivningsperioder and kontakt do not follow. Returns the open renewal draft of
    this certificate on the unit if there is one."""
    return await _derive(user, certificate_id, RelationKind.RENEW)


async def replace(user: SessionUser, certificate_id: str) -> Certificate:
    """Ersätt (§4.7): a new draft where everything follows. Returns the existing unsigned
    replacement draft if there is one (see :func:`existing_replacement_draft`)."""
    return await _derive(user, certificate_id, RelationKind.REPLACE)


async def copy_locked(user: SessionUser, certificate_id: str) -> Certificate:
    """Kopiera låst utkast (§4.8): a new editable draft with everything; the locked one stays.
    Returns the open copy on the unit if there is one."""
    return await _derive(user, certificate_id, RelationKind.COPY)


async def complement(user: SessionUser, certificate_id: str) -> Certificate:
    """Komplettera (§6.3.1 A): a new draft where everything follows, answering the
    kompletteringsbegäran of a sent FK certificate. Returns the open complement draft on the
    unit if there is one ("Öppna utkastet", §6.3.2); a deleted one frees the original for a
    new one. Refused once a complementing certificate is signed (§6.3.4). Sending the new
    certificate handles every open kompletteringsbegäran (see :func:`send`). Callers normally
    go through :mod:`services.questions`, which also requires an open kompletteringsbegäran."""
    return await _derive(user, certificate_id, RelationKind.COMPLEMENT)


def open_complement_draft(s: Session, certificate_id: str, unit_id: str) -> Certificate | None:
    """The unsigned complement draft of ``certificate_id`` on the unit, if any (§6.3.2)."""
    return _open_child(s, certificate_id, RelationKind.COMPLEMENT, unit_id)


def existing_replacement_draft(user: SessionUser, certificate_id: str) -> Certificate | None:
    """The unsigned draft replacing this certificate, for the "continue on the draft?" dialog."""
    with session_scope() as s:
        cert = _load_for_user(s, user, certificate_id, Action.READ)
        return _open_child(s, cert.id, RelationKind.REPLACE, cert.unit_id)


# --- the 14-day lock ----------------------------------------------------------------------------
def lock_expired_drafts(now: datetime | None = None) -> int:
    """Lock drafts created 14 days ago or earlier (§4.1); returns how many were locked now.

    One UPDATE ... WHERE status is a draft status: idempotent and safe on several workers.
    The version is bumped so that an autosave racing with the lock is refused.
    """
    now = now or clock.now()
    with session_scope() as s:
        result = s.execute(
            update(Certificate)
            .where(
                col(Certificate.status).in_(DRAFT_STATUSES),
                col(Certificate.created_at) <= now - LOCK_AFTER,
            )
            .values(
                status=CertificateStatus.LOCKED,
                locked_at=now,
                version=Certificate.version + 1,
            )
        )
        return int(result.rowcount or 0)


# --- relations shown on the page -------------------------------------------------------------
def relations(user: SessionUser, certificate_id: str) -> RelationsView:
    """Links and texts about replaced/replacing, renewed/renewing, complemented and copied."""
    with session_scope() as s:
        cert = _load_for_user(s, user, certificate_id, Action.READ)
        return _relations_view(s, cert)


def _relations_view(s: Session, cert: Certificate) -> RelationsView:
    links: list[RelationLink] = []
    replacement_draft_id: str | None = None
    previous_period: str | None = None
    children = s.exec(
        select(Certificate)
        .where(Certificate.parent_id == cert.id)
        .order_by(col(Certificate.created_at))
    ).all()
    for child in children:
        kind = child.relation_kind
        signed = child.status in SIGNED_STATUSES
        text = ""
        link_text = "Öppna intyget"
        if kind == RelationKind.REPLACE and signed:
            text = TEXT_REPLACED_BY
        elif kind == RelationKind.REPLACE and child.status in DRAFT_STATUSES:
            replacement_draft_id = child.id
            text, link_text = TEXT_REPLACEMENT_DRAFT, "Öppna utkastet"
        elif kind == RelationKind.COMPLEMENT and signed:
            text = TEXT_COMPLEMENTED_BY
        elif kind == RelationKind.RENEW and signed:
            text = TEXT_RENEWED_BY
        elif kind == RelationKind.COPY and child.status in DRAFT_STATUSES:
            text, link_text = TEXT_COPIED_BY, "Öppna utkastet"
        if text:
            links.append(
                RelationLink(
                    kind=kind.value if kind else "",
                    direction="CHILD",
                    certificate_id=child.id,
                    status=child.status.value,
                    text=text,
                    link_text=link_text,
                    href=href(child.id),
                )
            )
    if cert.parent_id and cert.relation_kind:
        parent = s.get(Certificate, cert.parent_id)
        if parent is not None:
            kind = cert.relation_kind
            if kind == RelationKind.REPLACE:
                text = (
                    TEXT_REVOKED_REPLACING
                    if cert.status == CertificateStatus.REVOKED
                    else TEXT_REPLACES
                )
            elif kind == RelationKind.RENEW:
                text = TEXT_RENEWS
                if cert.status in DRAFT_STATUSES:
                    try:
                        definition = get_definition(parent.type)
                    except KeyError:
                        definition = None
                    previous_period = previous_period_summary(parent.content, definition)
            elif kind == RelationKind.COMPLEMENT:
                text = TEXT_COMPLEMENTS
            else:
                text = TEXT_COPY_OF
            links.append(
                RelationLink(
                    kind=kind.value,
                    direction="PARENT",
                    certificate_id=parent.id,
                    status=parent.status.value,
                    text=text,
                    link_text="Öppna intyget",
                    href=href(parent.id),
                )
            )
    return RelationsView(
        links=links, previous_period=previous_period, replacement_draft_id=replacement_draft_id
    )


__all__ = [
    "CertificateView",
    "RelationLink",
    "RelationsView",
    "SaveResult",
    "complement",
    "content_hash",
    "copy_locked",
    "create_draft",
    "delete_draft",
    "existing_replacement_draft",
    "get_certificate",
    "list_for_unit",
    "lock_expired_drafts",
    "mark_ready_for_signing",
    "open_certificate",
    "relations",
    "renew",
    "replace",
    "revoke",
    "save_draft",
    "send",
    "sign",
]


def saved_draft(certificate_id: str) -> tuple[int, dict[str, Any]] | None:
    """The saved version and content of a draft (for a view that has just been given
    priority, so that its first save compares against what is really saved)."""
    with session_scope() as s:
        cert = s.get(Certificate, certificate_id)
        if cert is None or not cert.status.is_draft:
            return None
        return cert.version, dict(cert.content)
