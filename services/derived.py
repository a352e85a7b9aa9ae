"""Certificates derived from another one: renew, replace, copy a locked draft, complement
(manual §4.6, §4.7, §4.8, §6.3.1).

Idempotency against double submission: a unique partial index allows one open (unsigned) draft
per original, relation and care unit, so a second click returns the existing new draft.
"""

from __future__ import annotations

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from services import audit, notifications, rights
from services.certificate_access import (
    DRAFT_STATUSES,
    definition_for,
    load_for_user,
    new_certificate,
    patient_snapshot,
    prepare,
    record,
)
from services.certificates.base import CarryOver
from services.certificates.carry_over import carry_over
from services.identity import SessionUser, require_unit
from services.persistence.db import session_scope
from services.persistence.models import Certificate, RelationKind
from services.rights import Action


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
    prepared = await prepare(user, certificate_id, action)
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
    definition = definition_for(parent.type)
    snapshot = dict(parent.patient or {})
    if prepared.patient is not None:  # fresh from PU-tjänsten (§4.6)
        snapshot.update(patient_snapshot(prepared.patient))
    child = new_certificate(
        user,
        unit,
        definition,
        patient_id=parent.patient_id,
        patient=snapshot,
        content=carry_over(definition, parent.content, mode),
        created_alive=not prepared.flags.deceased,
        ehr_ref=parent.ehr_ref,
        parent_id=parent.id,
        relation_kind=kind,
    )
    try:
        with session_scope() as s:
            s.add(child)
            record(
                user, audit.AuditAction.CREATE, child, session=s, detail=f"{kind.value} {parent.id}"
            )
            notifications.enqueue(child, notifications.Event.SKAPAT, session=s)
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
    certificate handles every open kompletteringsbegäran (see :func:`services.sending.send`).
    Callers normally go through :mod:`services.questions`, which also requires an open
    kompletteringsbegäran."""
    return await _derive(user, certificate_id, RelationKind.COMPLEMENT)


def open_complement_draft(
    certificate_id: str, unit_id: str, *, session: Session
) -> Certificate | None:
    """The unsigned complement draft of ``certificate_id`` on the unit, if any (§6.3.2)."""
    return _open_child(session, certificate_id, RelationKind.COMPLEMENT, unit_id)


def existing_replacement_draft(user: SessionUser, certificate_id: str) -> Certificate | None:
    """The unsigned draft replacing this certificate, for the "continue on the draft?" dialog."""
    with session_scope() as s:
        cert = load_for_user(user, certificate_id, Action.READ, session=s)
        return _open_child(s, cert.id, RelationKind.REPLACE, cert.unit_id)
