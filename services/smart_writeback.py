"""Write-back to a SMART-launching EHR: the certificate's PDF as a FHIR DocumentReference.

When a certificate of a patient who was launched into Webcert with SMART on FHIR on the unit
(services/smart.py; the server session keeps the EHR, patient and encounter) is signed, sent
or revoked, :func:`enqueue_document` adds a ``FHIRDOC`` row to the notification outbox in the
same transaction. The outbox's worker (services/notifications.py, same retries and order per
certificate) calls :func:`deliver`: a system token from the EHR's token endpoint
(client_credentials, ``system/DocumentReference.write``), then
``PUT <iss>/DocumentReference/webcert-<certificate id>`` — one document per certificate,
created on signing and updated afterwards (status ``current``, ``entered-in-error`` when
revoked), with the PDF as its attachment, the title, date and author. The resource is built
and validated with ``fhir.resources``.

A certificate that replaces (or complements) one already written back says so: on signing,
its document carries ``relatesTo`` ``replaces`` the original's document, and the original's
document is rewritten with status ``superseded``. If the replacing certificate is revoked, the
original is in force again (services.rights: only a signed, unrevoked replacement counts), so
its document goes back to ``current``.
"""

from __future__ import annotations

import asyncio
import base64
from typing import Any

import httpx
from fhir.resources.R4B import get_fhir_model_class
from sqlmodel import Session, col, select

from services import clock
from services.persistence.db import session_scope
from services.persistence.models import (
    Certificate,
    CertificateStatus,
    NotificationOutbox,
    RelationKind,
    ServerSession,
)
from services.settings import get_settings

EVENT = "FHIRDOC"
WRITE_BACK_EVENTS = ("SIGNAT", "SKICKA", "MAKULE")
# A signed certificate of these relations takes its original's place (services.rights).
REPLACING = (RelationKind.REPLACE, RelationKind.COMPLEMENT)
LOINC_CERTIFICATE = {"system": "http://loinc.org", "code": "64290-0", "display": "Certificate"}


def launch_context(cert: Certificate, *, session: Session) -> dict[str, Any] | None:
    """The SMART launch that brought the certificate's patient into Webcert on its unit."""
    row = session.exec(
        select(ServerSession)
        .where(
            ServerSession.origin == "SMART",
            ServerSession.unit_id == cert.unit_id,
            ServerSession.patient_id == cert.patient_id,
        )
        .order_by(col(ServerSession.created_at).desc())
        .limit(1)
    ).first()  # by the index ix_server_session_launch
    ctx = ((row.params.get("extra") or {}).get("smart") or {}) if row is not None else {}
    if ctx.get("patient") == cert.patient_id and ctx.get("iss"):
        return dict(ctx)
    return None


def _written_back(session: Session, certificate_id: str) -> bool:
    """Has a DocumentReference of ``certificate_id`` been queued for the EHR?"""
    return (
        session.exec(
            select(NotificationOutbox.id).where(
                NotificationOutbox.certificate_id == certificate_id,
                NotificationOutbox.event == EVENT,
            )
        ).first()
        is not None
    )


def _replaced_original(session: Session, cert: Certificate) -> Certificate | None:
    """The certificate ``cert`` replaces (or complements), if its document was written back."""
    if cert.relation_kind not in REPLACING or not cert.parent_id:
        return None
    if not _written_back(session, cert.parent_id):
        return None
    return session.get(Certificate, cert.parent_id)


def _queue(
    session: Session, cert: Certificate, ctx: dict[str, Any], event: str, status: str, **extra: str
) -> None:
    now = clock.now()
    session.add(
        NotificationOutbox(
            certificate_id=cert.id,
            unit_id=cert.unit_id,
            event=EVENT,
            payload={
                "certificateId": cert.id,
                "event": event,
                "status": status,
                **{k: ctx.get(k, "") for k in ("iss", "patient_ref", "encounter_ref")},
                "practitioner_ref": ctx.get("practitioner_ref", ""),
                **extra,
            },
            created_at=now,
            next_attempt_at=now,
        )
    )


def enqueue_document(cert: Certificate, event: str, *, session: Session) -> None:
    """Queue the DocumentReference write of ``cert`` if it was launched with SMART (and, for a
    replacing certificate, the original's document: superseded on signing, current again when
    the replacement is revoked)."""
    if event not in WRITE_BACK_EVENTS:
        return
    ctx = launch_context(cert, session=session)
    if ctx is None:
        return
    original = _replaced_original(session, cert)
    extra = {"replaces": "webcert-" + original.id} if original is not None else {}
    _queue(
        session,
        cert,
        ctx,
        event,
        "entered-in-error" if event == "MAKULE" else "current",
        **extra,
    )
    if original is None or original.status == CertificateStatus.REVOKED:
        return
    if event == "SIGNAT":
        _queue(session, original, ctx, "ERSATT", "superseded")
    elif event == "MAKULE" and not _still_replaced(session, original):
        _queue(session, original, ctx, "ERSATT_MAKULERAT", "current")


def _still_replaced(session: Session, original: Certificate) -> bool:
    """Does another signed, unrevoked certificate replace or complement ``original``?"""
    session.flush()
    return (
        session.exec(
            select(Certificate.id).where(
                Certificate.parent_id == original.id,
                col(Certificate.relation_kind).in_(REPLACING),
                col(Certificate.status).in_((CertificateStatus.SIGNED, CertificateStatus.SENT)),
            )
        ).first()
        is not None
    )


def _pdf_and_facts(certificate_id: str) -> tuple[bytes, dict[str, Any]] | None:
    from services.pdf.render import render_pdf
    from services.printing import printable

    with session_scope() as s:
        cert = s.get(Certificate, certificate_id)
        if cert is None:
            return None
        from services.certificates import get_definition

        definition = get_definition(cert.type)
        facts = {
            "title": f"{definition.form_id} {definition.name}",
            "date": (cert.signed_at or cert.updated_at),
            "author": cert.signed_by or cert.created_by,
            "author_name": cert.signed_by_name or cert.created_by_name,
            "unit": cert.unit_id,
        }
        data = render_pdf(printable(cert))
    return data, facts


def document_reference(payload: dict[str, Any], pdf: bytes, facts: dict[str, Any]) -> dict:
    """The DocumentReference of a certificate (validated with fhir.resources, as JSON)."""
    date = facts["date"]
    if date.tzinfo is None:
        date = date.replace(tzinfo=clock.now().tzinfo)
    resource: dict[str, Any] = {
        "resourceType": "DocumentReference",
        "id": "webcert-" + payload["certificateId"],
        "identifier": [{"system": "urn:webcert:certificate-id", "value": payload["certificateId"]}],
        "status": payload["status"],
        "type": {"coding": [LOINC_CERTIFICATE], "text": "Intyg"},
        "subject": {"reference": payload["patient_ref"]},
        "date": date.isoformat(),
        "author": [
            {
                "reference": payload["practitioner_ref"]
                if payload.get("practitioner_ref", "").endswith(facts["author"])
                else f"Practitioner/{facts['author']}",
                "display": facts["author_name"] or facts["author"],
            }
        ],
        "description": facts["title"],
        "content": [
            {
                "attachment": {
                    "contentType": "application/pdf",
                    "language": "sv",
                    "data": base64.b64encode(pdf).decode(),
                    "title": facts["title"] + ".pdf",
                    "creation": date.isoformat(),
                }
            }
        ],
    }
    if payload.get("replaces"):
        resource["relatesTo"] = [
            {
                "code": "replaces",
                "target": {"reference": "DocumentReference/" + payload["replaces"]},
            }
        ]
    if payload.get("encounter_ref"):
        resource["context"] = {"encounter": [{"reference": payload["encounter_ref"]}]}
    model = get_fhir_model_class("DocumentReference").model_validate(resource)
    return model.model_dump(mode="json", exclude_none=True)


async def _system_token(client: httpx.AsyncClient, iss: str) -> str:
    settings = get_settings()
    conf = (await client.get(iss + "/.well-known/smart-configuration")).json()
    response = await client.post(
        conf["token_endpoint"],
        data={
            "grant_type": "client_credentials",
            "client_id": settings.smart_client_id,
            "client_secret": settings.smart_client_secret,
            "scope": "system/DocumentReference.write",
        },
    )
    response.raise_for_status()
    return str(response.json()["access_token"])


async def deliver(client: httpx.AsyncClient, payload: dict[str, Any]) -> str | None:
    """Write one DocumentReference; an error text (the outbox retries) or None."""
    iss = str(payload.get("iss") or "")
    if iss not in get_settings().smart_issuer_list():
        return f"Journalsystemet {iss!r} är inte längre anslutet."
    made = await asyncio.to_thread(_pdf_and_facts, str(payload.get("certificateId")))
    if made is None:
        return "Intyget finns inte."
    resource = document_reference(payload, *made)
    try:
        token = await _system_token(client, iss)
        response = await client.put(
            f"{iss}/DocumentReference/{resource['id']}",
            json=resource,
            headers={
                "Authorization": f"Bearer {token}",
                "Content-Type": "application/fhir+json",
            },
        )
    except (httpx.HTTPError, ValueError, KeyError) as exc:
        return f"{type(exc).__name__}: {exc}"[:1000]
    if response.is_success:
        return None
    return f"HTTP {response.status_code}: {response.text[:200]}"
