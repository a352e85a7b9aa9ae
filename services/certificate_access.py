"""Access to one certificate, shared by every verb: load for a user, prepare an action, write.

* :func:`load_for_user` — synchronous: load and check an action with the patient flags stored on
  the certificate (reads), or with PU-tjänsten's answer now (``ask_pu``: the autosave).
* :func:`lock_if_expired` — the 14-day lock (§4.1) of one draft, applied the moment it is loaded.
* :func:`prepare` — asynchronous: load, ask PU-tjänsten for the patient now, and decide the action
  (:class:`Prepared`; the decision is not raised here). PU-tjänsten down → ``rights.PU_DOWN``.
* :func:`relation_flags` — the relation facts ``rights.decide`` needs (replaced/complemented by a
  signed certificate).
* :func:`compare_and_set` — the one conditional UPDATE every state change goes through: exactly one
  concurrent writer wins; the loser gets the row as it is now and decides what to say.
  :func:`transition` opens a transaction with it (sign, mark ready, send, revoke).
* :func:`new_certificate` — the one place a ``Certificate`` row is built (a new draft, or a draft
  derived from another certificate).
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import update
from sqlmodel import Session, col, select

from services import audit, clock, locks, patients, rights
from services.certificates import get_definition
from services.certificates.base import CertificateDefinition
from services.errors import InvalidInput, NotFound, PuUnavailable
from services.hsa import CareUnit
from services.identity import SessionUser, require_unit
from services.persistence.db import session_scope
from services.persistence.models import Certificate, CertificateStatus, RelationKind
from services.rights import Action, PatientFlags, RelationFlags

DRAFT_STATUSES = (CertificateStatus.DRAFT, CertificateStatus.READY_FOR_SIGNING)
SIGNED_STATUSES = (CertificateStatus.SIGNED, CertificateStatus.SENT)
LOCK_AFTER = timedelta(days=14)  # §4.1


@dataclass
class Prepared:
    """A certificate with the patient fresh from PU-tjänsten and the decision on an action."""

    cert: Certificate
    patient: patients.Patient | None
    flags: PatientFlags
    relations: RelationFlags
    decision: rights.Decision


def fetch(certificate_id: Any, *, session: Session) -> Certificate:
    """The certificate row; NotFound for an unknown or malformed id."""
    if not isinstance(certificate_id, str) or not certificate_id or len(certificate_id) > 64:
        raise NotFound("Intyget finns inte.")
    cert = session.get(Certificate, certificate_id)
    if cert is None:
        raise NotFound("Intyget finns inte.")
    return cert


def relation_flags(cert: Certificate, *, session: Session) -> RelationFlags:
    """Whether a signed certificate replaces or complements ``cert``."""
    if cert.status in DRAFT_STATUSES:
        return RelationFlags()  # a draft has no children: they are made from signed ones
    children = session.exec(select(Certificate).where(Certificate.parent_id == cert.id)).all()

    def signed(kind: RelationKind) -> bool:
        return any(c.relation_kind == kind and c.status in SIGNED_STATUSES for c in children)

    return RelationFlags(
        replaced_by_signed=signed(RelationKind.REPLACE),
        complemented_by_signed=signed(RelationKind.COMPLEMENT),
    )


def lock_where(now: datetime, *only: Any, session: Session) -> int:
    """The 14-day lock as one UPDATE of the drafts created ``LOCK_AFTER`` before ``now``
    (narrowed by ``only``); the version is bumped so that a racing autosave is refused."""
    result = session.execute(
        update(Certificate)
        .where(
            col(Certificate.status).in_(DRAFT_STATUSES),
            col(Certificate.created_at) <= now - LOCK_AFTER,
            *only,
        )
        .values(
            status=CertificateStatus.LOCKED,
            locked_at=now,
            version=Certificate.version + 1,
        )
    )
    return int(result.rowcount or 0)


def _utc(ts: datetime) -> datetime:
    """A stored time (UTC; the columns return it without a zone) made zone-aware."""
    return ts.astimezone(UTC) if ts.tzinfo else ts.replace(tzinfo=UTC)


def lock_if_expired(cert: Certificate, *, session: Session) -> Certificate:
    """§4.1: a draft 14 days old is locked the moment it is opened, read, saved or signed, not
    only when the job (services.jobs) comes round. The lock is committed at once (the caller's
    session has written nothing yet), so it stands even if the caller's action is refused."""
    if cert.status not in DRAFT_STATUSES or cert.created_at is None:
        return cert
    if _utc(cert.created_at) > clock.now() - LOCK_AFTER:
        return cert
    if lock_where(clock.now(), col(Certificate.id) == cert.id, session=session):
        session.commit()
    session.refresh(cert)
    return cert


def load_for_user(
    user: SessionUser,
    certificate_id: Any,
    action: Action = Action.READ,
    *,
    session: Session,
    ask_pu: bool = False,
) -> Certificate:
    """Load and check ``action`` with the patient flags stored on the certificate, or with
    PU-tjänsten's answer now (``ask_pu``: a save, refused while PU-tjänsten does not answer).

    For synchronous calls (read, autosave); the async actions use :func:`prepare` instead.
    """
    require_unit(user)
    cert = lock_if_expired(fetch(certificate_id, session=session), session=session)
    flags = PatientFlags.from_snapshot(cert.patient)
    if ask_pu:
        try:
            patient = patients.get_patient_sync(cert.patient_id)
        except PuUnavailable:
            patient, flags = None, rights.PU_DOWN
        if patient is not None:
            flags = PatientFlags.from_patient(patient)
    rights.decide(
        user, cert, action, flags, relations=relation_flags(cert, session=session)
    ).raise_if_denied()
    return cert


async def fresh_patient(personnummer: str) -> tuple[patients.Patient | None, PatientFlags]:
    """The patient from PU-tjänsten now; PU_DOWN flags when it does not answer."""
    try:
        patient = await patients.get_patient(personnummer)
    except PuUnavailable:
        return None, rights.PU_DOWN
    if patient is None:
        return None, PatientFlags()
    return patient, PatientFlags.from_patient(patient)


async def prepare(user: SessionUser, certificate_id: Any, action: Action) -> Prepared:
    """Load the certificate, ask PU-tjänsten, and decide (the decision is not raised here)."""
    require_unit(user)
    with session_scope() as s:
        cert = lock_if_expired(fetch(certificate_id, session=s), session=s)
        rel = relation_flags(cert, session=s)
    patient, flags = await fresh_patient(cert.patient_id)
    if patient is None and flags.pu_available:
        flags = PatientFlags.from_snapshot(cert.patient)  # unknown to PU: use what we have
    decision = rights.decide(user, cert, action, flags, relations=rel)
    return Prepared(cert, patient, flags, rel, decision)


def state_only_refusal(decision: rights.Decision) -> bool:
    """A refusal for the certificate's state only (every right checked before it held)."""
    return not decision.allowed and decision.code == "INVALID_STATE"


def already_done(prepared: Prepared, *done: CertificateStatus, by: str | None = None) -> bool:
    """Whether the action is refused only because the certificate is in a ``done`` status
    (signed ``by`` that user, when given) — a repeated click, for which the caller returns
    ``prepared.cert``. Any other refusal is raised here."""
    cert = prepared.cert
    if state_only_refusal(prepared.decision) and cert.status in done:
        if by is None or cert.signed_by == by:
            return True
    prepared.decision.raise_if_denied()
    return False


def lock_for(certificate_id: str) -> asyncio.Lock:
    """The in-worker lock serialising send/revoke of one certificate."""
    return locks.lock_for("lifecycle:" + certificate_id)


def definition_for(cert_type: str) -> CertificateDefinition:
    """The type's definition; InvalidInput for an unknown type."""
    try:
        return get_definition(cert_type)
    except KeyError as exc:
        raise InvalidInput("Okänd intygstyp.", field="type") from exc


def record(
    user: SessionUser,
    action: audit.AuditAction,
    cert: Certificate,
    detail: str = "",
    *,
    session: Session,
) -> None:
    """The PDL audit record of ``user`` acting on ``cert`` (same transaction as the change)."""
    audit.record_for(user, action, cert, detail, session=session)


def who(cert: Certificate | None) -> str:
    """Who changed the certificate last, for "ändrats av ..." messages."""
    if cert is None:
        return "någon annan"
    return cert.updated_by_name or cert.updated_by or "någon annan"


def patient_snapshot(patient: patients.Patient) -> dict[str, Any]:
    """The patient as stored on a certificate."""
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


def new_certificate(
    user: SessionUser,
    unit: CareUnit,
    definition: CertificateDefinition,
    *,
    patient_id: str,
    patient: dict[str, Any],
    content: dict[str, Any],
    created_alive: bool,
    ehr_ref: str | None,
    parent_id: str | None = None,
    relation_kind: RelationKind | None = None,
) -> Certificate:
    """A new draft row (version 1) created now by ``user`` on ``unit``; not yet added."""
    now = clock.now()
    return Certificate(
        type=definition.type,
        type_version=definition.version,
        status=CertificateStatus.DRAFT,
        patient_id=patient_id,
        patient=patient,
        unit_id=unit.hsa_id,
        unit_name=unit.name,
        care_provider_id=unit.care_provider_id,
        care_provider_name=unit.care_provider_name,
        content=content,
        version=1,
        created_at=now,
        created_by=user.hsa_id,
        created_by_name=user.name,
        updated_at=now,
        updated_by=user.hsa_id,
        updated_by_name=user.name,
        parent_id=parent_id,
        relation_kind=relation_kind,
        ehr_ref=ehr_ref,
        created_alive=created_alive,
    )


def edit_stamp(user: SessionUser, now: datetime, version: int) -> dict[str, Any]:
    """The columns every edit of a draft sets: the next version, when and by whom."""
    return {
        "version": version + 1,
        "updated_at": now,
        "updated_by": user.hsa_id,
        "updated_by_name": user.name,
    }


def compare_and_set(
    certificate_id: str,
    *,
    session: Session,
    statuses: Iterable[CertificateStatus],
    version: int | None = None,
    values: dict[str, Any],
) -> tuple[bool, Certificate | None]:
    """``UPDATE certificate SET values WHERE id = certificate_id AND status IN statuses`` (``AND
    version = version`` when given) in one statement.

    Returns ``(won, latest)``: ``won`` when exactly this call changed the row (any concurrent
    writer with the same condition loses); ``latest`` is the row as it is now (None if gone).
    A lost update is rolled back, so the caller can raise or return ``latest`` as it sees fit.
    """
    where = [col(Certificate.id) == certificate_id, col(Certificate.status).in_(tuple(statuses))]
    if version is not None:
        where.append(col(Certificate.version) == version)
    result = session.execute(update(Certificate).where(*where).values(**values))
    won = result.rowcount == 1
    if not won:
        session.rollback()
    latest = session.get(Certificate, certificate_id)
    if latest is not None:
        session.refresh(latest)
    return won, latest


@contextmanager
def transition(
    certificate_id: str,
    *,
    statuses: Iterable[CertificateStatus],
    version: int | None = None,
    values: dict[str, Any],
) -> Iterator[tuple[Session, bool, Certificate | None]]:
    """A state change's transaction, opened by its :func:`compare_and_set`: yields the session
    (for the audit record and the notification of the change), ``won`` and ``latest``."""
    with session_scope() as session:
        won, latest = compare_and_set(
            certificate_id, session=session, statuses=statuses, version=version, values=values
        )
        yield session, won, latest
