"""SQLModel tables. Timestamps are timezone-aware UTC (sqlmodel.UTCDateTime)."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Column, Index, Text, UniqueConstraint, text
from sqlmodel import Field, SQLModel


def new_id() -> str:
    return str(uuid.uuid4())


class CertificateStatus(StrEnum):
    DRAFT = "DRAFT"  # Utkast (being written)
    READY_FOR_SIGNING = "READY_FOR_SIGNING"  # Klart för signering (§4.2.1)
    LOCKED = "LOCKED"  # Låst utkast (§4.1, 14 days)
    SIGNED = "SIGNED"
    SENT = "SENT"  # Skickat (signed and sent to the recipient)
    REVOKED = "REVOKED"  # Makulerat

    @property
    def label(self) -> str:
        return STATUS_LABELS[self]

    @property
    def is_draft(self) -> bool:
        return self in (CertificateStatus.DRAFT, CertificateStatus.READY_FOR_SIGNING)


STATUS_LABELS = {
    CertificateStatus.DRAFT: "Utkast",
    CertificateStatus.READY_FOR_SIGNING: "Klart för signering",
    CertificateStatus.LOCKED: "Låst utkast",
    CertificateStatus.SIGNED: "Signerat",
    CertificateStatus.SENT: "Skickat",
    CertificateStatus.REVOKED: "Makulerat",
}


class RelationKind(StrEnum):
    REPLACE = "REPLACE"  # Ersätt
    RENEW = "RENEW"  # Förnya
    COMPLEMENT = "COMPLEMENT"  # Komplettera
    COPY = "COPY"  # Kopiera låst utkast


_OPEN_CHILD_WHERE = (
    "status IN ('DRAFT', 'READY_FOR_SIGNING') "
    "AND relation_kind IN ('RENEW', 'REPLACE', 'COPY', 'COMPLEMENT')"
)


_UNDELIVERED = "delivered_at IS NULL AND failed IS false"  # as the outbox queries say it


def _partial_index(name: str, *columns: str, where: str, unique: bool = False) -> Index:
    """An index of the rows ``where`` holds for, on SQLite and PostgreSQL alike."""
    return Index(
        name, *columns, unique=unique, sqlite_where=text(where), postgresql_where=text(where)
    )


class Certificate(SQLModel, table=True):
    """A draft or a certificate. Signed content is immutable (enforced in services)."""

    __tablename__ = "certificate"
    __table_args__ = (
        Index("ix_certificate_unit_status", "unit_id", "status"),
        Index("ix_certificate_parent", "parent_id", "relation_kind"),
        # 1 M certificates (issue 17): unit lists newest first; the 14-day lock by age.
        Index("ix_certificate_unit_updated", "unit_id", "updated_at"),
        Index("ix_certificate_status_created", "status", "created_at"),
        # At most one open (unsigned) renewal/replacement/copy/complement draft per original
        # and care unit: two quick clicks on Förnya/Ersätt/Kopiera/Komplettera make one draft,
        # on every worker.
        _partial_index(
            "uq_certificate_open_child",
            "parent_id",
            "relation_kind",
            "unit_id",
            where=_OPEN_CHILD_WHERE,
            unique=True,
        ),
    )

    id: str = Field(default_factory=new_id, primary_key=True, max_length=64)
    type: str = Field(max_length=32)  # "fk7804"
    type_version: str = Field(max_length=16)
    status: CertificateStatus = Field(default=CertificateStatus.DRAFT, max_length=32)

    patient_id: str = Field(index=True, max_length=12)  # personnummer, 12 digits
    patient: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))

    unit_id: str = Field(max_length=64)
    unit_name: str = Field(default="", max_length=200)
    care_provider_id: str = Field(default="", max_length=64)
    care_provider_name: str = Field(default="", max_length=200)

    content: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    version: int = Field(default=1)  # optimistic locking (compare-and-set)

    created_at: datetime
    created_by: str = Field(max_length=64)
    created_by_name: str = Field(default="", max_length=200)
    updated_at: datetime
    updated_by: str = Field(max_length=64)
    updated_by_name: str = Field(default="", max_length=200)

    ready_for_signing_at: datetime | None = None
    locked_at: datetime | None = None
    signed_at: datetime | None = None
    signed_by: str | None = Field(default=None, max_length=64)
    signed_by_name: str | None = Field(default=None, max_length=200)
    signed_by_role: str | None = Field(default=None, max_length=32)
    issuer: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    signature_hash: str | None = Field(default=None, max_length=128)
    sent_at: datetime | None = None
    revoked_at: datetime | None = None
    revoked_by: str | None = Field(default=None, max_length=64)
    revoke_reason: str | None = Field(default=None, max_length=64)
    revoke_message: str | None = None

    # The certificate this one was made from, and how (replace/renew/complement/copy).
    parent_id: str | None = Field(default=None, foreign_key="certificate.id", max_length=64)
    relation_kind: RelationKind | None = Field(default=None, max_length=16)

    ehr_ref: str | None = Field(default=None, max_length=200)  # the EHR's own reference
    created_alive: bool = True  # the patient was alive when the draft was created (§8)


class QuestionThread(SQLModel, table=True):
    """Ärende: a question to or from Försäkringskassan and its answer (§6)."""

    __tablename__ = "question_thread"

    id: str = Field(default_factory=new_id, primary_key=True, max_length=64)
    certificate_id: str = Field(foreign_key="certificate.id", index=True, max_length=64)
    external_id: str | None = Field(default=None, max_length=128, unique=True)
    topic: str = Field(max_length=32)  # AVSTMN, KOMPLT, KONTKT, OVRIGT, PAMINN
    direction: str = Field(max_length=16)  # FROM_FK | TO_FK
    subject: str = Field(default="", max_length=255)
    message: str = Field(default="")
    sent_at: datetime
    author_name: str = Field(default="", max_length=200)
    complements: list[dict[str, Any]] = Field(
        default_factory=list, sa_column=Column(JSON, nullable=False)
    )
    reminder_of: str | None = Field(default=None, max_length=64)
    answer: str | None = None
    answered_at: datetime | None = None
    answered_by_name: str | None = Field(default=None, max_length=200)
    answer_draft: str = Field(default="")  # autosaved answer being written
    handled: bool = False
    handled_at: datetime | None = None
    answered_with_certificate_id: str | None = Field(default=None, max_length=64)


class QuestionDraft(SQLModel, table=True):
    """A new question to Försäkringskassan being written (§6: autosaved, survives leaving the
    page). One per certificate and care unit; removed when the question is sent."""

    __tablename__ = "question_draft"

    certificate_id: str = Field(foreign_key="certificate.id", primary_key=True, max_length=64)
    unit_id: str = Field(primary_key=True, max_length=64)
    topic: str = Field(default="", max_length=32)
    text: str = Field(default="")
    updated_at: datetime
    updated_by: str = Field(default="", max_length=64)


class NotificationOutbox(SQLModel, table=True):
    """Notifications to the care unit's EHR (§7), written with the change they describe."""

    __tablename__ = "notification_outbox"
    __table_args__ = (
        Index("ix_outbox_pending", "delivered_at", "failed", "next_attempt_at"),
        # The next batch and "an earlier undelivered row of the same certificate" read only
        # the few undelivered rows of a large outbox.
        _partial_index(
            "ix_outbox_undelivered",
            "certificate_id",
            "id",
            where=_UNDELIVERED,
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    certificate_id: str = Field(index=True, max_length=64)
    unit_id: str = Field(max_length=64)
    event: str = Field(max_length=16)  # SKAPAT, KFSIGN, SIGNAT, ...
    legacy_event: str | None = Field(default=None, max_length=8)  # HAN1 ... HAN11
    payload: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    created_at: datetime
    attempts: int = 0
    next_attempt_at: datetime
    delivered_at: datetime | None = None
    failed: bool = False
    last_error: str | None = None


class SignedDocument(SQLModel, table=True):
    """The certificate as signed with the signer's SITHS card: RegisterCertificate v3 XML with
    its XMLDSig in ``underskrift`` (services.interop.signing). Kept apart from the certificate
    row so lists never load it; written once, in the signing transaction."""

    __tablename__ = "signed_document"

    certificate_id: str = Field(foreign_key="certificate.id", primary_key=True, max_length=64)
    xml: str = Field(sa_column=Column(Text, nullable=False))
    signer_hsa_id: str = Field(max_length=64)
    created_at: datetime


_CROSS_PROVIDER = "resource_care_provider_id <> care_provider_id"


class AuditRecord(SQLModel, table=True):
    """PDL log (patientdatalagen): who did what with which patient's data, when and where.

    The fields follow Webcert's PDL log message: activity type (Läsa/Skriva/Signera/Radera/
    Utskrift), purpose, user (HSA id, name, role/assignment), the user's care unit and care
    provider, the patient, the resource (type, id, owning unit and care provider), the time
    and additional info. Append-only (database triggers, see services.persistence.audit_ddl)
    and hash-chained: ``id`` is the position in the chain (no gaps) and ``chain`` is the
    SHA-256 over the previous record's ``chain`` and this record's content (services.audit).
    """

    __tablename__ = "audit_record"
    __table_args__ = (
        # The log page reads one care provider's records (made on its units, or about its
        # certificates) by patient or user, newest first (services.pdl_log._newest).
        # Every index ends with (at, id), the page's order, so a page is one short index walk;
        # there is deliberately no index on ``at`` alone: the planner would walk it for a
        # LIMIT and filter a million rows when the patient has none at this care provider.
        Index("ix_audit_record_cp_at_id", "care_provider_id", "at", "id"),
        # The accesses from another care provider to this one's certificates are few: their
        # indexes are partial (only such records), so the second branch costs nothing.
        _partial_index(
            "ix_audit_record_rcp_at_id",
            "resource_care_provider_id",
            "at",
            "id",
            where=_CROSS_PROVIDER,
        ),
        Index("ix_audit_record_cp_patient_at_id", "care_provider_id", "patient_id", "at", "id"),
        Index("ix_audit_record_cp_user_at_id", "care_provider_id", "user_id", "at", "id"),
        _partial_index(
            "ix_audit_record_rcp_patient_at_id",
            "resource_care_provider_id",
            "patient_id",
            "at",
            "id",
            where=_CROSS_PROVIDER,
        ),
        _partial_index(
            "ix_audit_record_rcp_user_at_id",
            "resource_care_provider_id",
            "user_id",
            "at",
            "id",
            where=_CROSS_PROVIDER,
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    at: datetime
    user_id: str = Field(max_length=64)
    user_name: str = Field(default="", max_length=200)
    role: str = Field(default="", max_length=32)  # role/assignment (uppdrag)
    unit_id: str = Field(default="", max_length=64)  # the user's care unit
    # READ, LIST, CREATE, WRITE, SIGN, PRINT, SEND, REVOKE, DELETE, LOGIN, LOG_READ
    action: str = Field(max_length=32)
    certificate_id: str | None = Field(default=None, max_length=64)  # resource id
    patient_id: str | None = Field(default=None, max_length=12)
    detail: str = Field(default="", max_length=500)  # additional info
    activity_type: str = Field(default="", max_length=16)  # Läsa, Skriva, Signera, ...
    purpose: str = Field(default="", max_length=64)  # Vård och behandling
    unit_name: str = Field(default="", max_length=200)
    care_provider_id: str = Field(default="", max_length=64)
    care_provider_name: str = Field(default="", max_length=200)
    resource_type: str = Field(default="", max_length=32)  # Intyg, Intygslista, PDL-logg
    resource_unit_id: str = Field(default="", max_length=64)  # the certificate's unit
    resource_care_provider_id: str = Field(default="", max_length=64)
    sjf: bool = False  # read under sammanhållen journalföring (another unit's certificate)
    system_id: str = Field(default="", max_length=64)  # the system the access came through
    system_name: str = Field(default="", max_length=200)
    refusal_code: str = Field(default="", max_length=32)  # set when the attempt was refused
    count: int = 1  # autosave: the saves this record covers (see AuditWriteWindow)
    chain: str = Field(default="", max_length=64)


class AuditChainHead(SQLModel, table=True):
    """The end of the audit hash chain: one row. Writers update it first, so they take turns
    (a row lock on PostgreSQL, the write lock on SQLite) and the chain stays one line."""

    __tablename__ = "audit_chain_head"

    id: int = Field(default=1, primary_key=True)
    seq: int = 0  # id of the last audit record
    last_hash: str = Field(default="", max_length=64)


class AuditWriteWindow(SQLModel, table=True):
    """Autosave coalescing: at most one WRITE record per draft, user and minute. The record
    that opened the window is ``record_id``; later saves in the minute only count here."""

    __tablename__ = "audit_write_window"

    certificate_id: str = Field(primary_key=True, max_length=64)
    user_id: str = Field(primary_key=True, max_length=64)
    record_id: int
    started_at: datetime
    saves: int = 1


class ServerSession(SQLModel, table=True):
    """A logged-in user's server-side session; the cookie carries only a random token."""

    __tablename__ = "server_session"
    # The SMART write-back finds the launch that brought a patient in on a unit by index.
    __table_args__ = (
        Index("ix_server_session_launch", "origin", "unit_id", "patient_id", "created_at"),
    )

    token_hash: str = Field(primary_key=True, max_length=64)  # sha256 of the cookie value
    user_id: str = Field(max_length=64)
    unit_id: str | None = Field(default=None, max_length=64)
    created_at: datetime
    last_seen_at: datetime
    ended: bool = False
    origin: str = Field(default="", max_length=16)  # DJUPINTEGRATION | DEV
    params: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    sekretess_accepted: bool = False
    # The patient a launch brought in (a SMART launch's personnummer), for the write-back.
    patient_id: str | None = Field(default=None, max_length=32)


class UsedLaunchToken(SQLModel, table=True):
    """Launch tokens are single use."""

    __tablename__ = "used_launch_token"
    __table_args__ = (UniqueConstraint("jti"),)

    id: int | None = Field(default=None, primary_key=True)
    jti: str = Field(max_length=64)
    used_at: datetime


class KeyValue(SQLModel, table=True):
    """Small shared settings (e.g. the testability clock offset) visible to every worker."""

    __tablename__ = "key_value"

    key: str = Field(primary_key=True, max_length=64)
    value: str = Field(default="")


def _install_audit_triggers() -> None:
    from services.persistence.audit_ddl import install_on_create

    install_on_create(AuditRecord.__table__, AuditChainHead.__table__)  # type: ignore[attr-defined]


_install_audit_triggers()
