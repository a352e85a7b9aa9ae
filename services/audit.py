"""PDL audit log: every read, write, sign, print, send, revoke and delete of patient data."""

from __future__ import annotations

from enum import StrEnum

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
