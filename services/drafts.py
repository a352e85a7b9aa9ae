"""Drafts: create, save (autosave), delete and the 14-day lock (manual §4.1, §4.2, §4.3).

Idempotency against double submission: ``save_draft`` is a compare-and-set on the version (a
stale save is refused, never merged); a repeated ``delete_draft`` is refused with NotFound
("Utkastet finns inte"); ``lock_expired_drafts`` is one UPDATE, so running it twice or on several
workers locks each draft once.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete
from sqlmodel import col

from services import audit, clock, notifications, patients, presence, rights
from services.certificate_access import (
    DRAFT_STATUSES,
    compare_and_set,
    definition_for,
    edit_stamp,
    load_for_user,
    lock_where,
    new_certificate,
    patient_snapshot,
    prepare,
    record,
    who,
)
from services.errors import Conflict, InvalidInput, NotFound, PuUnavailable
from services.identity import SessionUser, require_unit
from services.persistence.db import session_scope
from services.persistence.models import Certificate
from services.rights import Action, PatientFlags

MAX_CONTENT_BYTES = 200_000


@dataclass(frozen=True)
class SaveResult:
    version: int
    saved_at: str


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
    definition = definition_for(cert_type)
    try:
        patient = await patients.get_patient(personnummer)
    except PuUnavailable:
        rights.decide(user, definition.type, Action.CREATE, rights.PU_DOWN).about(
            personnummer
        ).raise_if_denied()
        raise
    if patient is None:
        raise NotFound("Patienten finns inte i personuppgiftstjänsten.")
    rights.decide(user, definition.type, Action.CREATE, PatientFlags.from_patient(patient)).about(
        patient.personnummer
    ).raise_if_denied()
    snapshot = patient_snapshot(patient)
    for key, value in (patient_overrides or {}).items():
        if value:
            snapshot[key] = value
    cert = new_certificate(
        user,
        unit,
        definition,
        patient_id=patient.personnummer,
        patient=snapshot,
        content={},
        created_alive=not patient.deceased,
        ehr_ref=ehr_ref,
    )
    with session_scope() as s:
        s.add(cert)
        record(user, audit.AuditAction.CREATE, cert, session=s)
        notifications.enqueue(cert, notifications.Event.SKAPAT, session=s)
    return cert


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
    priority on the draft (§4.2.2, services.presence): a view that lost priority never writes.
    PU-tjänsten is asked first: while it does not answer, nothing is saved (§4.10.2).
    """
    if not isinstance(content, dict):
        raise InvalidInput("Utkastets innehåll har fel format.", field="content")
    if not isinstance(expected_version, int) or isinstance(expected_version, bool):
        raise InvalidInput("Utkastets version saknas.", field="version")
    if len(json.dumps(content, ensure_ascii=False)) > MAX_CONTENT_BYTES:
        raise InvalidInput("Utkastet är för stort för att sparas.", field="content")
    with session_scope() as s:
        cert = load_for_user(user, certificate_id, Action.EDIT, session=s, ask_pu=True)
        if viewer is not None:
            presence.require_holder(
                cert.id,
                viewer,
                name=user.name,
                hsa_id=user.hsa_id,
                unit_id=user.unit.hsa_id if user.unit else "",
            )
        if cert.version != expected_version:
            raise Conflict(
                f"Utkastet har ändrats av {who(cert)} sedan du öppnade det. Dina senaste "
                "ändringar har inte sparats — ladda om utkastet."
            )
        now = clock.now()
        # Compare-and-set in one statement: exactly one concurrent writer wins a version, and
        # a draft locked or signed in between is never written.
        won, latest = compare_and_set(
            cert.id,
            session=s,
            statuses=DRAFT_STATUSES,
            version=expected_version,
            values={
                "content": dict(content),
                **edit_stamp(user, now, expected_version),
            },
        )
        if not won:
            if latest is not None and latest.status not in DRAFT_STATUSES:
                raise rights.InvalidState(
                    f"Utkastet går inte längre att ändra: det är {latest.status.label.lower()}."
                )
            raise Conflict(
                f"Utkastet har ändrats av {who(latest)} sedan du öppnade det. Dina senaste "
                "ändringar har inte sparats — ladda om utkastet."
            )
        # PDL: one record per draft, user and minute, with the number of saves it covers.
        audit.record_autosave(user, cert, session=s)
        notifications.enqueue(cert, notifications.Event.ANDRAT, session=s)  # coalesced in enqueue
        return SaveResult(version=expected_version + 1, saved_at=now.isoformat())


def saved_draft(certificate_id: str) -> tuple[int, dict[str, Any]] | None:
    """The saved version and content of a draft (for a view that has just been given
    priority, so that its first save compares against what is really saved)."""
    with session_scope() as s:
        cert = s.get(Certificate, certificate_id)
        if cert is None or not cert.status.is_draft:
            return None
        return cert.version, dict(cert.content)


def saved_content(certificate_id: str) -> tuple[str, dict[str, Any]] | None:
    """The type and saved content of a certificate (what a live push shows the other views)."""
    with session_scope() as s:
        cert = s.get(Certificate, certificate_id)
        return (cert.type, dict(cert.content)) if cert else None


async def delete_draft(user: SessionUser, certificate_id: str) -> None:
    """Delete a draft and all its data (§4.3); notifies the EHR (RADERA). A deleted
    replacement/renewal draft frees the original for a new one."""
    prepared = await prepare(user, certificate_id, Action.DELETE)
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
        record(user, audit.AuditAction.DELETE, cert, session=s)
        notifications.enqueue(cert, notifications.Event.RADERA, session=s)


def lock_expired_drafts(now: datetime | None = None) -> int:
    """Lock drafts created 14 days ago or earlier (§4.1); returns how many were locked now.

    One UPDATE ... WHERE status is a draft status: idempotent and safe on several workers.
    The version is bumped so that an autosave racing with the lock is refused.
    """
    now = now or clock.now()
    with session_scope() as s:
        return lock_where(now, session=s)
