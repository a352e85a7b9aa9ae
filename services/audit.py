"""PDL audit log: every read, write, sign, print, send, revoke and delete of patient data."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from sqlmodel import Session

from services import clock
from services.persistence.models import AuditRecord


class AuditAction(StrEnum):
    READ = "READ"
    CREATE = "CREATE"
    WRITE = "WRITE"
    SIGN = "SIGN"
    PRINT = "PRINT"
    SEND = "SEND"
    REVOKE = "REVOKE"
    DELETE = "DELETE"
    LOGIN = "LOGIN"


def record(
    session: Session,
    *,
    user_id: str,
    user_name: str,
    role: str,
    unit_id: str,
    action: AuditAction,
    certificate_id: str | None = None,
    patient_id: str | None = None,
    detail: str = "",
) -> None:
    """Add an audit record to ``session`` — committed with the change it describes."""
    session.add(
        AuditRecord(
            at=clock.now(),
            user_id=user_id,
            user_name=user_name,
            role=role,
            unit_id=unit_id,
            action=action.value,
            certificate_id=certificate_id,
            patient_id=patient_id,
            detail=detail[:500],
        )
    )


def record_for(
    session: Session, user: Any, action: AuditAction, certificate: Any, detail: str = ""
) -> None:
    """Audit ``action`` by a logged-in user (SessionUser) on a certificate row."""
    record(
        session,
        user_id=user.hsa_id,
        user_name=user.name,
        role=user.role,
        unit_id=user.unit.hsa_id if user.unit else "",
        action=action,
        certificate_id=certificate.id,
        patient_id=certificate.patient_id,
        detail=detail,
    )
