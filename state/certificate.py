"""The certificate page: load, edit (autosave, compare-and-set) and show a certificate."""

from __future__ import annotations

import logging
from typing import Any

import reflex as rx

from services import clock, lifecycle
from services.certificates import form_model, get_definition
from services.certificates.base import FieldKind, Severity
from services.certificates.validation import missing_sections, validate
from services.errors import Conflict, WebcertError
from state.session import SessionState, current_user

log = logging.getLogger(__name__)
GENERIC_ERROR = "Ett tekniskt fel uppstod. Dina uppgifter finns kvar; försök igen om en stund."


class CertificateState(rx.State):
    """State of one open certificate page."""

    loading: bool = True
    page_error: str = ""
    cert_id: str = ""
    cert_type: str = ""
    form_id: str = ""
    cert_name: str = ""
    status: str = ""
    status_label: str = ""
    editable: bool = False
    version: int = 0
    values: dict[str, str] = {}
    visible: dict[str, bool] = {}
    required: dict[str, bool] = {}
    field_errors: dict[str, str] = {}
    field_warnings: dict[str, str] = {}
    missing: dict[str, str] = {}
    missing_sections: list[dict[str, str]] = []
    show_missing: bool = False
    help_open: dict[str, bool] = {}
    save_state: str = ""  # "" | "saving" | "saved" | "error"
    save_message: str = ""
    patient_name: str = ""
    patient_pnr: str = ""
    patient_sekretess: bool = False
    patient_deceased: bool = False
    working_time: dict[str, str] = {}
    previous_period: str = ""
    _content: dict[str, Any] = {}

    # --- helpers (not events) ---------------------------------------------------------
    def _definition(self):  # type: ignore[no-untyped-def]
        return get_definition(self.cert_type)

    def _recompute(self) -> None:
        definition = self._definition()
        content = self._content
        self.visible = {q.id: bool(q.visible(content)) for q in definition.questions()}
        self.required = {q.id: bool(q.mandatory(content)) for q in definition.questions()}
        messages = validate(definition, content, today=clock.today())
        errors: dict[str, str] = {}
        warnings: dict[str, str] = {}
        missing: dict[str, str] = {}
        for m in messages:
            target = {Severity.ERROR: errors, Severity.WARNING: warnings}.get(m.severity, missing)
            target.setdefault(m.question_id, m.message)
        self.working_time = self._working_time(definition, content)
        self.field_errors = errors
        self.field_warnings = warnings
        self.missing = missing if self.show_missing else {}
        if self.show_missing:
            self.missing_sections = [
                {"id": s.id, "title": s.title}
                for s in missing_sections(definition, content, today=clock.today())
            ]

    def _working_time(self, definition, content: dict[str, Any]) -> dict[str, str]:  # type: ignore[no-untyped-def]
        """Resulting working time per reduced period (§5.8), from the services."""
        from services.certificates import periods

        result: dict[str, str] = {}
        for section in definition.sections:
            leave = [q for q in section.questions if q.kind == FieldKind.SICK_LEAVE]
            hours = [q for q in section.questions if q.kind == FieldKind.NUMBER]
            if not leave or not hours:
                continue
            raw_hours = content.get(hours[0].id)
            if not isinstance(raw_hours, int | float) or raw_hours <= 0:
                continue
            for code, period in (content.get(leave[0].id) or {}).items():
                start = periods.parse_date(str(period.get("from") or ""))
                end = periods.parse_date(str(period.get("to") or ""))
                if start and end and end >= start:
                    try:
                        result[code] = periods.working_time(float(raw_hours), code, start, end).text
                    except (ValueError, KeyError):
                        continue
        return result

    # --- events -------------------------------------------------------------------------
    @rx.event
    async def load(self):
        self.loading = True
        self.page_error = ""
        self.show_missing = False
        self.missing_sections = []
        cert_id = str(self.router.url.path).rstrip("/").rsplit("/", 1)[-1]
        try:
            user = current_user(self)
            cert = lifecycle.get_certificate(user, cert_id)
            definition = get_definition(cert.type)
        except WebcertError as exc:
            self.page_error = exc.message
            self.loading = False
            return
        except Exception:
            log.exception("loading certificate failed")
            self.page_error = GENERIC_ERROR
            self.loading = False
            return
        self.cert_id = cert.id
        self.cert_type = definition.type
        self.form_id = definition.form_id
        self.cert_name = definition.name
        self.status = cert.status.value
        self.status_label = cert.status.label
        self.editable = cert.status.is_draft and not definition.read_only
        self.version = cert.version
        self._content = dict(cert.content)
        self.values = form_model.to_form(definition, cert.content)
        patient = cert.patient or {}
        self.patient_name = " ".join(
            p
            for p in (
                patient.get("first_name"),
                patient.get("middle_name"),
                patient.get("last_name"),
            )
            if p
        )
        pnr = cert.patient_id
        self.patient_pnr = f"{pnr[:8]}-{pnr[8:]}" if len(pnr) == 12 else pnr
        self.patient_sekretess = bool(patient.get("sekretess"))
        self.patient_deceased = bool(patient.get("deceased"))
        self.save_state = ""
        self.save_message = ""
        self._recompute()
        self.loading = False

    @rx.event
    def set_value(self, key: str, value: Any):
        """An input changed: update, validate and autosave (compare-and-set)."""
        if not self.editable or not isinstance(key, str) or key not in self.values:
            return
        self.values[key] = value if isinstance(value, str) else ("true" if value is True else "")
        self._save()

    @rx.event
    def set_checked(self, key: str, checked: Any):
        self.set_value(key, "true" if checked is True else "")

    def _save(self) -> None:
        definition = self._definition()
        content = form_model.from_form(definition, self.values, self._content)
        self._content = content
        self._recompute()
        self.save_state = "saving"
        try:
            result = lifecycle.save_draft(
                current_user(self), self.cert_id, content=content, expected_version=self.version
            )
        except Conflict as exc:
            self.save_state = "error"
            self.save_message = exc.message
            return
        except WebcertError as exc:
            self.save_state = "error"
            self.save_message = exc.message
            return
        except Exception:
            log.exception("saving draft failed")
            self.save_state = "error"
            self.save_message = GENERIC_ERROR
            return
        self.version = result.version
        self.save_state = "saved"
        self.save_message = "Utkastet är sparat"

    @rx.event
    def apply_end_date_shortcut(self, base: str):
        """§5.7: "d90", "4v", "m3" ... in the t.o.m. field sets the end date on leaving it."""
        from services.certificates import periods

        if not self.editable or not isinstance(base, str) or base + ".to" not in self.values:
            return
        raw = self.values[base + ".to"].strip()
        start = periods.parse_date(self.values.get(base + ".from", ""))
        if not raw or start is None or periods.parse_date(raw) is not None:
            return
        end = periods.parse_end_date_shortcut(raw, start)
        if end is not None:
            self.values[base + ".to"] = periods.format_date(end)
            self._save()

    @rx.event
    def retry_save(self):
        if self.editable:
            self._save()

    @rx.event
    def toggle_help(self, qid: str):
        if isinstance(qid, str):
            self.help_open[qid] = not self.help_open.get(qid, False)

    @rx.event
    def show_what_is_missing(self):
        self.show_missing = True
        self._recompute()


def kind_of(cert_type: str, qid: str) -> FieldKind:
    return get_definition(cert_type).question(qid).kind


__all__ = ["CertificateState", "SessionState"]
