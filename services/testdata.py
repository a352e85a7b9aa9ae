"""Test data for the testability API and the demo seed: certificates in any state."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from services import clock, drafts, identity
from services.errors import InvalidInput
from services.persistence.db import session_scope
from services.persistence.models import Certificate, CertificateStatus


async def create_certificate_in_state(body: dict[str, Any]) -> Certificate:
    """Create a certificate directly in ``body['status']`` (DRAFT, LOCKED, SIGNED, SENT...)."""
    try:
        status = CertificateStatus(str(body.get("status", "DRAFT")))
    except ValueError as exc:
        raise InvalidInput("Okänd status.", field="status") from exc
    content = body.get("content") or {}
    if not isinstance(content, dict):
        raise InvalidInput("content måste vara ett objekt.", field="content")
    user = await identity.acting_user(str(body.get("hsa_id", "")), str(body.get("unit_id", "")))
    cert = await drafts.create_draft(
        user, cert_type=str(body.get("type", "fk7804")), personnummer=str(body.get("personnummer"))
    )
    days = body.get("created_days_ago", 0)
    with session_scope() as s:
        row = s.get(Certificate, cert.id)
        assert row is not None
        row.content = content
        row.status = status
        if isinstance(days, int) and days > 0:
            row.created_at = clock.now() - timedelta(days=days)
        if status in (CertificateStatus.SIGNED, CertificateStatus.SENT, CertificateStatus.REVOKED):
            row.signed_at = clock.now()
            row.signed_by = user.hsa_id
            row.signed_by_name = user.name
            row.signed_by_role = user.role
        if status == CertificateStatus.SENT:
            row.sent_at = clock.now()
        if status == CertificateStatus.REVOKED:
            row.revoked_at = clock.now()
        s.add(row)
        return row
