"""Reading the PDL log: the care provider's follow-up and the patient's loggutdrag.

Only a user with the log-reading right (services.rights.decide_log_reading: a verksamhetschef/
PDL-ansvarig) reads, and only the records of their unit's care provider: accesses made on its
units and accesses to its certificates. Every read — a page, a CSV export, a loggutdrag — is
itself written to the log (LOG_READ) before any record is returned.

Filters: patient (personnummer), user (HSA id), activity, date range (Swedish dates, both ends
included). Pages are newest first and fetched with one extra row to know whether a next page
exists (no COUNT over the whole log). The CSV export streams in batches, walking the
(at, id) order with a keyset, so memory stays flat however many rows match.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import and_, or_, union_all
from sqlalchemy.orm import aliased
from sqlmodel import Session, col, select

from services import audit, clock, hsa, personnummer, rights
from services.errors import InvalidInput
from services.identity import SessionUser
from services.localtime import format_datetime
from services.persistence.db import session_scope
from services.persistence.models import AuditRecord, AuditWriteWindow

PAGE_SIZE = 50
MAX_PAGE = 10_000
EXPORT_BATCH = 2000
MAX_RANGE_DAYS = 3660

ACTION_CHOICES: dict[str, str] = {a.value: a.label for a in audit.AuditAction}

CSV_COLUMNS = (
    ("Tidpunkt", "time"),
    ("Aktivitet", "activity_type"),
    ("Händelse", "action_label"),
    ("Syfte", "purpose"),
    ("Användare (HSA-id)", "user_id"),
    ("Namn", "user_name"),
    ("Roll", "role"),
    ("Vårdenhet (HSA-id)", "unit_id"),
    ("Vårdenhet", "unit_name"),
    ("Vårdgivare (HSA-id)", "care_provider_id"),
    ("Vårdgivare", "care_provider_name"),
    ("Patient", "patient"),
    ("Resurstyp", "resource_type"),
    ("Resurs-id", "resource_id"),
    ("Resursens vårdenhet", "resource_unit_id"),
    ("Sammanhållen journalföring", "sjf"),
    ("System", "system"),
    ("Nekad (kod)", "refusal_code"),
    ("Antal", "count"),
    ("Övrigt", "detail"),
    ("Post", "id"),
)


@dataclass(frozen=True)
class LogFilter:
    """A validated filter. Build it with :meth:`parse` from what the user typed."""

    patient_id: str = ""
    user_id: str = ""
    action: str = ""
    date_from: date | None = None
    date_to: date | None = None

    @classmethod
    def parse(
        cls,
        *,
        patient: Any = "",
        user: Any = "",
        action: Any = "",
        date_from: Any = "",
        date_to: Any = "",
    ) -> LogFilter:
        """Validate the user's filter; InvalidInput (Swedish, with the field) when wrong."""
        patient_id = ""
        if _text(patient, "patient"):
            try:
                patient_id = personnummer.normalize(_text(patient, "patient"))
            except InvalidInput as exc:
                raise InvalidInput(
                    "Personnumret är inte giltigt. Ange det som ÅÅÅÅMMDD-NNNN.", field="patient"
                ) from exc
        user_id = _text(user, "user")
        if len(user_id) > 64:
            raise InvalidInput("HSA-id:t är för långt.", field="user")
        action_value = _text(action, "action").upper()
        if action_value and action_value not in ACTION_CHOICES:
            raise InvalidInput("Välj en händelse i listan.", field="action")
        start = _date(date_from, "date_from")
        end = _date(date_to, "date_to")
        if start and end and end < start:
            raise InvalidInput("Slutdatum kan inte vara före startdatum.", field="date_to")
        if start and end and (end - start).days > MAX_RANGE_DAYS:
            raise InvalidInput("Välj en period på högst tio år.", field="date_to")
        return cls(patient_id, user_id, action_value, start, end)

    def describe(self) -> str:
        """The filter in words (for the log's own record)."""
        parts = []
        if self.patient_id:
            parts.append(f"patient {personnummer.format(self.patient_id)}")
        if self.user_id:
            parts.append(f"användare {self.user_id}")
        if self.action:
            parts.append(f"händelse {ACTION_CHOICES[self.action]}")
        if self.date_from:
            parts.append(f"från {self.date_from.isoformat()}")
        if self.date_to:
            parts.append(f"till {self.date_to.isoformat()}")
        return ", ".join(parts) or "inget filter"


def _text(value: Any, field: str) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise InvalidInput("Fältet har fel format.", field=field)
    return value.strip()[:200]


def _date(value: Any, field: str) -> date | None:
    text = _text(value, field)
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise InvalidInput("Ange datumet som ÅÅÅÅ-MM-DD.", field=field) from exc


@dataclass(frozen=True)
class LogPage:
    rows: list[dict[str, str]]
    page: int
    has_next: bool


def _filters(flt: LogFilter) -> list[Any]:
    conditions: list[Any] = []
    if flt.patient_id:
        conditions.append(col(AuditRecord.patient_id) == flt.patient_id)
    if flt.user_id:
        conditions.append(col(AuditRecord.user_id) == flt.user_id)
    if flt.action:
        conditions.append(col(AuditRecord.action) == flt.action)
    if flt.date_from:
        start = datetime.combine(flt.date_from, time.min, tzinfo=clock.SWEDEN)
        conditions.append(col(AuditRecord.at) >= start)
    if flt.date_to:
        end = datetime.combine(flt.date_to + timedelta(days=1), time.min, tzinfo=clock.SWEDEN)
        conditions.append(col(AuditRecord.at) < end)
    return conditions


_NEWEST_FIRST = (col(AuditRecord.at).desc(), col(AuditRecord.id).desc())


def _newest(
    care_provider_id: str,
    flt: LogFilter,
    *,
    limit: int,
    offset: int = 0,
    extra: tuple[Any, ...] = (),
) -> Any:
    """The care provider's records matching ``flt``, newest first: the accesses made on its
    units, and the accesses from elsewhere to its certificates. Two index-ordered branches
    (care_provider_id / resource_care_provider_id, then patient or user, then time), each cut
    at ``offset + limit``, merged — so a page never scans more than it shows."""
    conditions = [*_filters(flt), *extra]
    own = (
        select(AuditRecord)
        .where(col(AuditRecord.care_provider_id) == care_provider_id, *conditions)
        .order_by(*_NEWEST_FIRST)
        .limit(offset + limit)
        .subquery()
    )
    other = (
        select(AuditRecord)
        .where(
            col(AuditRecord.resource_care_provider_id) == care_provider_id,
            # = care_provider_id != resource_care_provider_id, in the partial indexes' words
            col(AuditRecord.resource_care_provider_id) != col(AuditRecord.care_provider_id),
            *conditions,
        )
        .order_by(*_NEWEST_FIRST)
        .limit(offset + limit)
        .subquery()
    )
    both = union_all(select(own), select(other)).subquery()
    record = aliased(AuditRecord, both)
    return select(record).order_by(both.c.at.desc(), both.c.id.desc()).offset(offset).limit(limit)


def _row(record: AuditRecord, saves: int | None = None) -> dict[str, str]:
    try:
        label = audit.AuditAction(record.action).label
    except ValueError:
        label = record.action
    count = saves if saves is not None else record.count
    return {
        "id": str(record.id),
        "time": format_datetime(record.at, seconds=True),
        "activity_type": record.activity_type,
        "action": record.action,
        "action_label": label,
        "purpose": record.purpose,
        "user_id": record.user_id,
        "user_name": record.user_name,
        "role": _role_label(record.role),
        "unit_id": record.unit_id,
        "unit_name": record.unit_name or record.unit_id,
        "care_provider_id": record.care_provider_id,
        "care_provider_name": record.care_provider_name,
        "patient": _pnr(record.patient_id),
        "resource_type": record.resource_type,
        "resource_id": record.certificate_id or "",
        "resource_short": (record.certificate_id or "")[:8],
        "resource_unit_id": record.resource_unit_id,
        "sjf": "Ja" if record.sjf else "",
        "system": record.system_name or record.system_id,
        "refusal_code": record.refusal_code,
        "count": str(count),
        "detail": record.detail,
    }


def _role_label(value: str) -> str:
    try:
        return hsa.Role(value).label
    except ValueError:
        return {"JOURNALSYSTEM": "Journalsystem"}.get(value, value)


def _pnr(value: str | None) -> str:
    if not value:
        return ""
    return f"{value[:8]}-{value[8:]}" if len(value) == 12 else value


def _saves(s: Session, records: list[AuditRecord]) -> dict[int, int]:
    """Autosave counts of the WRITE records whose minute is still open."""
    ids = [r.id for r in records if r.action == audit.AuditAction.WRITE.value and r.id]
    if not ids:
        return {}
    windows = s.exec(select(AuditWriteWindow).where(col(AuditWriteWindow.record_id).in_(ids)))
    return {w.record_id: w.saves for w in windows}


def _log_read(s: Session, user: SessionUser, flt: LogFilter, what: str) -> None:
    audit.record(
        session=s,
        user_id=user.hsa_id,
        user_name=user.name,
        role=user.role,
        unit_id=user.unit.hsa_id if user.unit else "",
        unit_name=user.unit.name if user.unit else "",
        care_provider_id=user.unit.care_provider_id if user.unit else "",
        care_provider_name=user.unit.care_provider_name if user.unit else "",
        action=audit.AuditAction.LOG_READ,
        patient_id=flt.patient_id or None,
        resource_type=audit.RESOURCE_LOG,
        detail=f"{what}: {flt.describe()}",
    )


def _checked_scope(user: SessionUser) -> str:
    decision = rights.decide_log_reading(user)
    if not decision.allowed:
        audit.refused(
            user,
            audit.AuditAction.LOG_READ,
            code=decision.code,
            detail="Försök att läsa PDL-loggen",
        )
        decision.raise_if_denied()
    return rights.log_scope(user)


def read_page(user: SessionUser, flt: LogFilter, *, page: Any = 1) -> LogPage:
    """One page (newest first) of the care provider's log records matching ``flt``."""
    if not isinstance(page, int) or isinstance(page, bool) or not 1 <= page <= MAX_PAGE:
        raise InvalidInput("Sidan finns inte.", field="page")
    care_provider_id = _checked_scope(user)
    with session_scope() as s:
        _log_read(s, user, flt, f"Loggsida {page}")
        s.flush()
        query = _newest(care_provider_id, flt, offset=(page - 1) * PAGE_SIZE, limit=PAGE_SIZE + 1)
        records = list(s.exec(query).all())
        has_next = len(records) > PAGE_SIZE
        records = records[:PAGE_SIZE]
        saves = _saves(s, records)
        rows = [_row(r, saves.get(r.id or 0)) for r in records]
    return LogPage(rows=rows, page=page, has_next=has_next)


def export_csv(user: SessionUser, flt: LogFilter) -> Iterator[str]:
    """The filtered records as CSV (semicolon-separated, Swedish headers), newest first.

    The right is checked and the export is logged before the first line is produced; the
    rows stream in batches of :data:`EXPORT_BATCH`."""
    care_provider_id = _checked_scope(user)
    with session_scope() as s:
        _log_read(s, user, flt, "CSV-export")
    return _csv_lines(care_provider_id, flt)


def _csv_lines(care_provider_id: str, flt: LogFilter) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")

    def take() -> str:
        value = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
        return value

    writer.writerow([title for title, _ in CSV_COLUMNS])
    yield "\ufeff" + take()  # BOM: spreadsheet programs read the file as UTF-8
    after: tuple[datetime, int] | None = None
    while True:
        with session_scope() as s:
            extra: tuple[Any, ...] = ()
            if after is not None:
                at, rid = after
                extra = (
                    or_(
                        col(AuditRecord.at) < at,
                        and_(col(AuditRecord.at) == at, col(AuditRecord.id) < rid),
                    ),
                )
            query = _newest(care_provider_id, flt, limit=EXPORT_BATCH, extra=extra)
            records = list(s.exec(query).all())
            saves = _saves(s, records)
        if not records:
            return
        for record in records:
            row = _row(record, saves.get(record.id or 0))
            writer.writerow([row[key] for _, key in CSV_COLUMNS])
        yield take()
        last = records[-1]
        after = (last.at, int(last.id or 0))
        if len(records) < EXPORT_BATCH:
            return


def csv_filename(flt: LogFilter) -> str:
    suffix = f"-{flt.patient_id}" if flt.patient_id else ""
    return f"pdl-logg{suffix}-{clock.today().isoformat()}.csv"


# --- the patient's loggutdrag -----------------------------------------------------------------
MAX_EXTRACT_ROWS = 5000


@dataclass(frozen=True)
class PatientExtract:
    filename: str
    data: bytes
    rows: int


def patient_extract(user: SessionUser, patient: Any) -> PatientExtract:
    """Loggutdrag: who has accessed the patient's data, when and from which unit (PDF).

    Within the reader's care provider; logged as a read of the log about that patient."""
    flt = LogFilter.parse(patient=patient)
    if not flt.patient_id:
        raise InvalidInput("Ange patientens personnummer.", field="patient")
    care_provider_id = _checked_scope(user)
    with session_scope() as s:
        _log_read(s, user, flt, "Loggutdrag (PDF)")
        s.flush()
        query = _newest(
            care_provider_id,
            flt,
            limit=MAX_EXTRACT_ROWS + 1,
            extra=(col(AuditRecord.action) != audit.AuditAction.LOG_READ.value,),
        )
        records = list(s.exec(query).all())
        saves = _saves(s, records)
    truncated = len(records) > MAX_EXTRACT_ROWS
    rows = [_row(r, saves.get(r.id or 0)) for r in records[:MAX_EXTRACT_ROWS]]
    provider = user.unit.care_provider_name if user.unit else ""
    data = render_extract(flt.patient_id, rows, provider=provider, truncated=truncated)
    return PatientExtract(
        filename=f"loggutdrag-{flt.patient_id}-{clock.today().isoformat()}.pdf",
        data=data,
        rows=len(rows),
    )


def render_extract(
    patient_id: str, rows: list[dict[str, str]], *, provider: str, truncated: bool = False
) -> bytes:
    """The loggutdrag PDF (A4 landscape, fpdf2, the app's Liberation Sans)."""
    from fpdf import FPDF

    from services.pdf.fonts import FAMILY, FastOutputProducer, install_fonts

    pdf = FPDF(orientation="L", unit="mm", format="A4")
    install_fonts(pdf)
    pdf.set_auto_page_break(auto=True, margin=14)
    pdf.set_title(f"Loggutdrag {_pnr(patient_id)}")
    pdf.add_page()
    pdf.set_font(FAMILY, "B", 15)
    pdf.cell(0, 9, "Loggutdrag ur Webcerts PDL-logg", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FAMILY, "", 10)
    now = format_datetime(clock.now())
    for line in (
        f"Patient: {_pnr(patient_id)}",
        f"Vårdgivare: {provider}",
        f"Utskrivet: {now}",
        "Visar vem som har tagit del av patientens uppgifter i Webcert, när och från vilken "
        "vårdenhet (nyast först). Syfte: Vård och behandling.",
    ):
        pdf.multi_cell(0, 5.5, line, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)
    widths = (33, 20, 30, 52, 60, 30, 52)
    headers = ("Tidpunkt", "Aktivitet", "Händelse", "Användare", "Vårdenhet", "Intyg", "Övrigt")
    if not rows:
        pdf.set_font(FAMILY, "", 11)
        pdf.cell(0, 8, "Inga åtkomster finns loggade för patienten.")
        return bytes(pdf.output(output_producer_class=FastOutputProducer))
    pdf.set_font(FAMILY, "", 8)
    with pdf.table(
        col_widths=widths, line_height=4.5, text_align="LEFT", first_row_as_headings=True
    ) as table:
        table.row(headers)
        for r in rows:
            who = f"{r['user_name']} ({r['user_id']})"
            if r["role"]:
                who += f", {r['role']}"
            extra = r["detail"]
            if r["sjf"]:
                extra = "Sammanhållen journalföring. " + extra
            if r["refusal_code"]:
                extra = f"Nekad ({r['refusal_code']}). " + extra
            if r["action"] == audit.AuditAction.WRITE.value and r["count"] not in ("", "1"):
                extra += f" ({r['count']} sparningar)"
            table.row(
                (
                    r["time"],
                    r["activity_type"],
                    r["action_label"],
                    who,
                    r["unit_name"],
                    r["resource_id"][:8],
                    extra[:160],
                )
            )
    if truncated:
        pdf.ln(3)
        pdf.set_font(FAMILY, "", 9)
        pdf.cell(0, 6, f"Endast de {MAX_EXTRACT_ROWS} senaste åtkomsterna visas.")
    return bytes(pdf.output(output_producer_class=FastOutputProducer))
