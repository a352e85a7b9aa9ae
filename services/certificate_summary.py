"""What an EHR system is told about a certificate: one summary for the API and the
notifications (manual §7), and the full detail for ``GET /api/v1/certificates/{id}``."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from services.certificates import get_definition
from services.persistence.models import Certificate


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def type_name(cert_type: str) -> str:
    """The type's name ("Läkarintyg för sjukpenning"), or the code of an unknown type."""
    try:
        return get_definition(cert_type).name
    except KeyError:
        return cert_type


def patient_summary(cert: Certificate) -> dict[str, str]:
    """The patient's personnummer and names as stored on the certificate."""
    patient = cert.patient or {}
    return {
        "personnummer": cert.patient_id,
        "firstName": patient.get("first_name", ""),
        "middleName": patient.get("middle_name", ""),
        "lastName": patient.get("last_name", ""),
    }


def certificate_summary(cert: Certificate, counts: dict[str, Any]) -> dict[str, Any]:
    """The certificate as listed to an EHR system, with its question counts."""
    return {
        "id": cert.id,
        "type": cert.type,
        "typeVersion": cert.type_version,
        "typeName": type_name(cert.type),
        "status": cert.status.value if cert.status else None,
        "statusLabel": cert.status.label if cert.status else None,
        "patient": patient_summary(cert),
        "unitId": cert.unit_id,
        "unitName": cert.unit_name,
        "careProviderId": cert.care_provider_id,
        "createdAt": _iso(cert.created_at),
        "createdBy": cert.created_by,
        "updatedAt": _iso(cert.updated_at),
        "signedAt": _iso(cert.signed_at),
        "signedBy": cert.signed_by,
        "sentAt": _iso(cert.sent_at),
        "revokedAt": _iso(cert.revoked_at),
        "ref": cert.ehr_ref,
        "questions": counts,
    }


def certificate_detail(cert: Certificate, counts: dict[str, Any]) -> dict[str, Any]:
    """The summary plus content, version, the full patient and who did what."""
    patient = cert.patient or {}
    return {
        **certificate_summary(cert, counts),
        "version": cert.version,
        "patient": {
            **patient_summary(cert),
            "address": patient.get("address", ""),
            "postalCode": patient.get("postal_code", ""),
            "city": patient.get("city", ""),
            "sekretess": bool(patient.get("sekretess")),
            "deceased": bool(patient.get("deceased")),
        },
        "careProviderName": cert.care_provider_name,
        "createdByName": cert.created_by_name,
        "updatedBy": cert.updated_by,
        "updatedByName": cert.updated_by_name,
        "readyForSigningAt": _iso(cert.ready_for_signing_at),
        "lockedAt": _iso(cert.locked_at),
        "signedByName": cert.signed_by_name,
        "revokeReason": cert.revoke_reason,
        "parentId": cert.parent_id,
        "relationKind": cert.relation_kind.value if cert.relation_kind else None,
        "content": cert.content,
    }
