"""PDL audit log (patientdatalagen): every access to patient data, refused attempts included.

Writing
    :func:`record` adds one record to the caller's session, so it commits (or rolls back) with
    the change it describes. :func:`record_for` fills it from a logged-in user and a
    certificate (marking reads under sammanhållen journalföring); :func:`record_list` writes one
    record per patient shown in a list; :func:`record_autosave` coalesces autosaves to one
    record per draft, user and minute; :func:`refused` writes a refusal in a transaction of its
    own (the refused action's transaction rolls back).

The chain
    Every record carries ``chain`` = SHA-256(previous chain ‖ position ‖ canonical JSON of the
    record). On PostgreSQL a single record is chained and inserted in one statement (the
    database computes the SHA-256), so the chain costs no extra round trip.
    The record's ``id`` is its position in the chain, handed out by the one-row table
    ``audit_chain_head``: a writer updates that row first, so concurrent writers take turns
    (row lock on PostgreSQL, the write lock on SQLite) and the chain stays one line whatever
    the commit order. A changed, deleted or reordered record breaks the chain;
    ``python -m services.audit verify`` walks it and reports the first broken record.

Append-only
    UPDATE and DELETE of ``audit_record`` are refused by database triggers
    (services.persistence.audit_ddl).
"""

from __future__ import annotations

import hashlib
import json
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import insert, text, update
from sqlmodel import Session, col

from services import clock
from services.persistence.models import AuditChainHead, AuditRecord, AuditWriteWindow

PURPOSE = "Vård och behandling"
WEBCERT_SYSTEM_ID = "WEBCERT"
WEBCERT_SYSTEM_NAME = "Webcert"
AUTOSAVE_WINDOW = timedelta(minutes=1)
GENESIS = "0" * 64


class AuditAction(StrEnum):
    READ = "READ"
    LIST = "LIST"  # a list that showed the patient (the unit's list, the EHR API's list)
    CREATE = "CREATE"
    WRITE = "WRITE"
    SIGN = "SIGN"
    PRINT = "PRINT"
    SEND = "SEND"
    REVOKE = "REVOKE"
    DELETE = "DELETE"
    LOGIN = "LOGIN"
    LOG_READ = "LOG_READ"  # somebody read the PDL log itself

    @property
    def activity_type(self) -> str:
        """Webcert's PDL ActivityType (Läsa, Skriva, Signera, Radera, Utskrift)."""
        return ACTIVITY_TYPES[self]

    @property
    def label(self) -> str:
        """What the log page shows."""
        return ACTION_LABELS[self]


# As Webcert's log messages (se.inera.log.messages.ActivityType): SEND is "Utskrift", REVOKE
# is "Radera".
ACTIVITY_TYPES = {
    AuditAction.READ: "Läsa",
    AuditAction.LIST: "Läsa",
    AuditAction.CREATE: "Skriva",
    AuditAction.WRITE: "Skriva",
    AuditAction.SIGN: "Signera",
    AuditAction.PRINT: "Utskrift",
    AuditAction.SEND: "Utskrift",
    AuditAction.REVOKE: "Radera",
    AuditAction.DELETE: "Radera",
    AuditAction.LOGIN: "Inloggning",
    AuditAction.LOG_READ: "Läsa",
}
ACTION_LABELS = {
    AuditAction.READ: "Läst",
    AuditAction.LIST: "Visad i lista",
    AuditAction.CREATE: "Skapat",
    AuditAction.WRITE: "Skrivit",
    AuditAction.SIGN: "Signerat",
    AuditAction.PRINT: "Skrivit ut",
    AuditAction.SEND: "Skickat",
    AuditAction.REVOKE: "Makulerat",
    AuditAction.DELETE: "Raderat",
    AuditAction.LOGIN: "Loggat in",
    AuditAction.LOG_READ: "Läst PDL-loggen",
}
RESOURCE_CERTIFICATE = "Intyg"
RESOURCE_LIST = "Intygslista"
RESOURCE_LOG = "PDL-logg"

# The fields the chain covers besides the position (``id``), in this order.
CHAINED_FIELDS = (
    "at",
    "action",
    "activity_type",
    "purpose",
    "user_id",
    "user_name",
    "role",
    "unit_id",
    "unit_name",
    "care_provider_id",
    "care_provider_name",
    "patient_id",
    "resource_type",
    "certificate_id",
    "resource_unit_id",
    "resource_care_provider_id",
    "sjf",
    "system_id",
    "system_name",
    "refusal_code",
    "count",
    "detail",
)


@dataclass(frozen=True)
class System:
    """The system an access came through (Webcert itself, or an EHR over the API)."""

    id: str
    name: str


WEBCERT = System(WEBCERT_SYSTEM_ID, WEBCERT_SYSTEM_NAME)


# --- the chain --------------------------------------------------------------------------------
def _timestamp(at: datetime) -> str:
    if at.utcoffset() is None:
        at = at.replace(tzinfo=UTC)
    elif at.utcoffset():
        at = at.astimezone(UTC)
    return at.replace(tzinfo=None).isoformat(timespec="microseconds") + "Z"


_ENCODE = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
_TEXT_FIELDS = tuple(f for f in CHAINED_FIELDS if f not in ("at", "sjf", "count"))


def content_of(row: Any) -> str:
    """The canonical JSON of a record's chained fields (in :data:`CHAINED_FIELDS` order)."""
    values: dict[str, Any] = {"at": _timestamp(row.at)}
    for name in _TEXT_FIELDS:
        values[name] = getattr(row, name) or ""
    values["sjf"] = bool(row.sjf)
    values["count"] = row.count
    return _ENCODE({name: values[name] for name in CHAINED_FIELDS})


def chain_value(previous: str, row: Any) -> str:
    """SHA-256 over the previous record's chain value, this record's position and content."""
    return _link(previous, int(row.id), content_of(row))


def _link(previous: str, position: int, content: str) -> str:
    # PostgreSQL computes the same in _PG_APPEND (sha256 of the UTF-8 text).
    return hashlib.sha256(f"{previous}\n{position}\n{content}".encode()).hexdigest()


def _take_positions(session: Session, n: int) -> tuple[int, str]:
    """Reserve ``n`` positions at the end of the chain: (first id - 1, previous chain value).

    The UPDATE comes first: it makes concurrent writers wait for this transaction to commit
    (PostgreSQL row lock; SQLite's write lock), so each sees the head the previous one left.
    """
    result = session.execute(
        update(AuditChainHead)
        .where(col(AuditChainHead.id) == 1)
        .values(seq=AuditChainHead.seq + n)
        .returning(col(AuditChainHead.seq), col(AuditChainHead.last_hash))
    ).first()
    if result is None:
        raise RuntimeError("audit_chain_head has no row: the database is not migrated")
    seq, last_hash = int(result[0]), str(result[1] or GENESIS)
    return seq - n, last_hash


_STORED = tuple(c.name for c in AuditRecord.__table__.columns if c.name not in ("id", "chain"))  # type: ignore[attr-defined]
# One round trip on PostgreSQL: take the next position under the head row's lock, compute the
# chain value in the database (same formula as _link) and insert the record.
_PG_APPEND = text(
    "WITH head AS (UPDATE audit_chain_head SET seq = seq + 1, last_hash = encode(sha256("
    "convert_to(last_hash || chr(10) || (seq + 1)::text || chr(10) || :content, 'UTF8')), "
    "'hex') WHERE id = 1 RETURNING seq, last_hash) "
    f"INSERT INTO audit_record (id, chain, {', '.join(_STORED)}) "
    f"SELECT head.seq, head.last_hash, {', '.join(':' + c for c in _STORED)} FROM head "
    "RETURNING id, chain"
)


def _append(session: Session, rows: list[AuditRecord]) -> None:
    if not rows:
        return
    if len(rows) == 1 and session.get_bind().dialect.name == "postgresql":
        row = rows[0]
        params = {c: getattr(row, c) for c in _STORED}
        params["content"] = content_of(row)
        result = session.execute(_PG_APPEND, params).one()
        row.id, row.chain = int(result[0]), str(result[1])
        return
    start, previous = _take_positions(session, len(rows))
    for offset, row in enumerate(rows, start=1):
        row.id = start + offset
        row.chain = chain_value(previous, row)
        previous = row.chain
    session.execute(
        insert(AuditRecord), [{c: getattr(r, c) for c in ("id", "chain", *_STORED)} for r in rows]
    )
    session.execute(
        update(AuditChainHead).where(col(AuditChainHead.id) == 1).values(last_hash=previous)
    )


# --- writing ----------------------------------------------------------------------------------
def _new(
    *,
    user_id: str,
    user_name: str,
    role: str,
    unit_id: str,
    action: AuditAction,
    certificate_id: str | None = None,
    patient_id: str | None = None,
    detail: str = "",
    unit_name: str = "",
    care_provider_id: str = "",
    care_provider_name: str = "",
    resource_type: str = "",
    resource_unit_id: str = "",
    resource_care_provider_id: str = "",
    sjf: bool = False,
    system: System = WEBCERT,
    refusal_code: str = "",
    count: int = 1,
    at: datetime | None = None,
) -> AuditRecord:
    action = AuditAction(action)
    if not resource_type and certificate_id:
        resource_type = RESOURCE_CERTIFICATE
    return AuditRecord(
        at=at or clock.now(),
        user_id=(user_id or "")[:64],
        user_name=(user_name or "")[:200],
        role=(role or "")[:32],
        unit_id=(unit_id or "")[:64],
        action=action.value,
        activity_type=action.activity_type,
        purpose=PURPOSE,
        certificate_id=certificate_id,
        patient_id=patient_id,
        detail=(detail or "")[:500],
        unit_name=(unit_name or "")[:200],
        care_provider_id=(care_provider_id or "")[:64],
        care_provider_name=(care_provider_name or "")[:200],
        resource_type=resource_type,
        resource_unit_id=(resource_unit_id or "")[:64],
        resource_care_provider_id=(resource_care_provider_id or "")[:64],
        sjf=bool(sjf),
        system_id=system.id[:64],
        system_name=system.name[:200],
        refusal_code=(refusal_code or "")[:32],
        count=count,
    )


def record(*, session: Session, **fields: Any) -> AuditRecord:
    """Add an audit record to ``session`` — committed with the change it describes.

    ``fields``: the columns as :func:`_new` takes them (user_id, user_name, role, unit_id and
    action are required; certificate_id, patient_id, detail, unit_name, care_provider_id,
    resource_unit_id, sjf, system, refusal_code, count ... are optional)."""
    row = _new(**fields)
    _append(session, [row])
    return row


def user_fields(user: Any) -> dict[str, Any]:
    """The acting user's columns: HSA id, name, role, care unit and care provider."""
    unit = getattr(user, "unit", None)
    return {
        "user_id": user.hsa_id,
        "user_name": user.name,
        "role": user.role,
        "unit_id": unit.hsa_id if unit else "",
        "unit_name": unit.name if unit else "",
        "care_provider_id": unit.care_provider_id if unit else "",
        "care_provider_name": unit.care_provider_name if unit else "",
    }


def _certificate_fields(user: Any, certificate: Any) -> dict[str, Any]:
    if certificate is None:
        return {}
    unit = getattr(user, "unit", None)
    return {
        "certificate_id": certificate.id,
        "patient_id": certificate.patient_id,
        "resource_type": RESOURCE_CERTIFICATE,
        "resource_unit_id": certificate.unit_id,
        "resource_care_provider_id": certificate.care_provider_id,
        # Sammanhållen journalföring: the reader's unit is not the certificate's.
        "sjf": bool(unit is not None and certificate.unit_id != unit.hsa_id),
    }


def system_of(user: Any) -> System:
    """The system a user's access came through (an EHR API call names its system)."""
    name = getattr(user, "system_name", "")
    return ehr_system(name) if name else WEBCERT


def ehr_system(name: str) -> System:
    """An EHR system (journalsystem) calling the API, by its configured name."""
    return System(f"EHR:{name}"[:64], name)


def record_for(
    user: Any,
    action: AuditAction,
    certificate: Any,
    detail: str = "",
    *,
    session: Session,
    system: System | None = None,
    refusal_code: str = "",
) -> AuditRecord:
    """Audit ``action`` by a logged-in user (SessionUser) on a certificate row."""
    row = _new(
        action=action,
        detail=detail,
        system=system or system_of(user),
        refusal_code=refusal_code,
        **user_fields(user),
        **_certificate_fields(user, certificate),
    )
    _append(session, [row])
    return row


def record_list(
    user: Any,
    certificates: Iterable[Any],
    *,
    session: Session,
    detail: str = "",
    system: System | None = None,
) -> list[AuditRecord]:
    """A list view: one LIST record per patient shown, naming the certificates listed."""
    by_patient: dict[str, list[Any]] = {}
    for cert in certificates:
        by_patient.setdefault(cert.patient_id, []).append(cert)
    at = clock.now()
    rows = []
    for patient_id, certs in by_patient.items():
        ids = ",".join(c.id for c in certs)
        unit_ids = {c.unit_id for c in certs}
        providers = {c.care_provider_id for c in certs}
        rows.append(
            _new(
                action=AuditAction.LIST,
                patient_id=patient_id,
                resource_type=RESOURCE_LIST,
                resource_unit_id=unit_ids.pop() if len(unit_ids) == 1 else "",
                resource_care_provider_id=providers.pop() if len(providers) == 1 else "",
                detail=(f"{detail}: " if detail else "") + f"{len(certs)} intyg ({ids})",
                system=system or system_of(user),
                at=at,
                **user_fields(user),
            )
        )
    _append(session, rows)
    return rows


def record_autosave(
    user: Any,
    certificate: Any,
    detail: str = "Utkast sparat",
    *,
    session: Session,
    draft: str = "",
) -> AuditRecord | None:
    """A save of a draft: at most one WRITE record per draft, user and minute.

    The first save opens a window (and writes the record); later saves in the minute only
    count in ``audit_write_window`` — one cheap UPDATE, no chain work. The next record of the
    window's user on the draft names the closed window's count in its additional info, so the
    count of every closed window is in the chain. ``draft`` names another draft on the same
    certificate (a question or an answer being written). Returns the record written, if any."""
    now = clock.now()
    key = f"{certificate.id}:{draft}"[:64] if draft else certificate.id
    window = session.get(AuditWriteWindow, (key, user.hsa_id))
    if window is not None:
        started = window.started_at
        if started.utcoffset() is None:
            started = started.replace(tzinfo=UTC)
        if now - started < AUTOSAVE_WINDOW:
            window.saves += 1
            session.add(window)
            return None
        if window.saves > 1:
            detail = f"{detail} (föregående minut: {window.saves} sparningar)"
    row = record_for(user, AuditAction.WRITE, certificate, detail, session=session)
    if window is None:
        session.add(
            AuditWriteWindow(
                certificate_id=key,
                user_id=user.hsa_id,
                record_id=row.id or 0,
                started_at=now,
                saves=1,
            )
        )
    else:
        window.record_id = row.id or 0
        window.started_at = now
        window.saves = 1
        session.add(window)
    return row


def refused(
    user: Any,
    action: AuditAction,
    certificate: Any = None,
    *,
    code: str,
    detail: str = "",
    patient_id: str | None = None,
    system: System | None = None,
) -> None:
    """Record a refused attempt (with the refusal's code) in a transaction of its own."""
    from services.persistence.db import session_scope

    fields = {**user_fields(user), **_certificate_fields(user, certificate)}
    if patient_id and not fields.get("patient_id"):
        fields["patient_id"] = patient_id
    row = _new(
        action=action,
        detail=detail,
        system=system or system_of(user),
        refusal_code=code or "REFUSED",
        **fields,
    )
    with session_scope() as s:
        _append(s, [row])


NOBODY = "okänd"  # the PDL log's user when an attempt came without any valid session


def refused_event(
    user: Any,
    certificate_id: Any,
    *,
    action: AuditAction,
    code: str,
    detail: str,
) -> bool:
    """Record a refused websocket event about the certificate a tab shows — a payload that does
    not fit its handler, control characters, a tab state built for another or an ended session
    — with the certificate's patient and unit, in a transaction of its own. ``user``: the
    event's session user, or None (nobody logged in: user "okänd"). False, and nothing
    written, when ``certificate_id`` names no certificate."""
    from services.persistence.db import session_scope
    from services.persistence.models import Certificate

    if not isinstance(certificate_id, str) or not 0 < len(certificate_id) <= 64:
        return False
    with session_scope() as s:
        cert = s.get(Certificate, certificate_id)
        if cert is None:
            return False
        who = (
            user_fields(user)
            if user is not None
            else {"user_id": NOBODY, "user_name": "", "role": "", "unit_id": ""}
        )
        row = _new(
            action=action,
            detail=detail,
            system=system_of(user) if user is not None else WEBCERT,
            refusal_code=code,
            **who,
            **_certificate_fields(user, cert),
        )
        _append(s, [row])
    return True


# --- verifying --------------------------------------------------------------------------------
@dataclass(frozen=True)
class VerifyResult:
    ok: bool
    checked: int
    broken_id: int | None = None
    reason: str = ""

    def message(self) -> str:
        if self.ok:
            return f"PDL-loggen är obruten: {self.checked} poster kontrollerade."
        return (
            f"PDL-loggen är bruten vid post {self.broken_id}: {self.reason} "
            f"({self.checked} poster kontrollerade före den)."
        )


def _rows(session: Session, batch: int = 20000) -> Iterator[Any]:
    """Every record in chain order, as plain rows (no ORM objects: verify reads millions)."""
    table = AuditRecord.__table__  # type: ignore[attr-defined]
    last = 0
    while True:
        rows = (
            session.connection()
            .execute(table.select().where(table.c.id > last).order_by(table.c.id).limit(batch))
            .all()
        )
        if not rows:
            return
        yield from rows
        last = int(rows[-1].id)


def verify(*, session: Session) -> VerifyResult:
    """Walk the chain from the first record: ids without gaps, every chain value recomputed,
    and the head pointing at the last record."""
    previous = GENESIS
    expected_id = 1
    checked = 0
    for row in _rows(session):
        if row.id != expected_id:
            return VerifyResult(
                False, checked, expected_id, f"posten saknas (nästa post är {row.id})"
            )
        if chain_value(previous, row) != row.chain:
            return VerifyResult(False, checked, row.id, "innehållet stämmer inte med kedjan")
        previous = row.chain
        expected_id += 1
        checked += 1
    head = session.get(AuditChainHead, 1)
    head_seq = head.seq if head else 0
    if head_seq != checked:
        return VerifyResult(
            False,
            checked,
            checked + 1,
            f"kedjans slut pekar på post {head_seq} men den sista posten är {checked}",
        )
    if head is not None and checked and head.last_hash != previous:
        return VerifyResult(False, checked, checked, "kedjans slut stämmer inte med sista posten")
    return VerifyResult(True, checked)


def main(argv: list[str] | None = None) -> int:
    """``python -m services.audit verify [DATABASE_URL]``"""
    args = list(sys.argv[1:] if argv is None else argv)
    if not args or args[0] != "verify":
        print("Användning: python -m services.audit verify [DATABASE_URL]", file=sys.stderr)
        return 2
    from services.persistence.db import engine_for, get_engine

    engine = engine_for(args[1]) if len(args) > 1 else get_engine()
    with Session(engine) as s:
        result = verify(session=s)
    print(result.message())
    return 0 if result.ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
