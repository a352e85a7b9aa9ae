"""The generic validation engine, driven entirely by a :class:`CertificateDefinition`.

``validate`` walks every *visible* question and returns, in question order:

* ``ERROR`` for bad input, always (also in a draft): a badly formed or impossible date, an unknown
  option code, text longer than ``max_length``, too many items, a number out of range, a period
  whose start is after its end, overlapping periods, codes that cannot be combined;
* ``MISSING`` for a question whose ``mandatory`` rule holds and that has no answer (these block
  signing; "Utkastet saknar uppgifter i följande avsnitt:" lists their sections);
* then whatever the definition's own ``validators`` return (cross-field rules and ``WARNING``\\ s).

Validation never changes the content: what the user typed stays as typed, the message only points
at it. Hidden questions (``visible`` false) are not validated.

The helpers at the end (``diagnosis_validator`` …) are shared by the type modules.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable
from datetime import date
from typing import Any

from services.certificates.base import (
    CertificateDefinition,
    Content,
    FieldKind,
    Question,
    Section,
    Severity,
    ValidationContext,
    ValidationMessage,
    Validator,
    is_filled,
)
from services.certificates.periods import looks_like_date, parse_date

__all__ = [
    "MSG_BAD_DATE",
    "MSG_NO_DATE",
    "MSG_NO_SUCH_DATE",
    "NEWLY_REQUIRED_TEXT",
    "answer_given",
    "can_sign",
    "diagnosis_validator",
    "missing_fields",
    "missing_sections",
    "newly_required",
    "validate",
]

# --- texts (Swedish, in the manual's words where it has them) ----------------------------------
MSG_TEXT = "Ange ett svar."
MSG_CHOICE = "Välj ett alternativ."
MSG_CHOICES = "Välj minst ett alternativ."
MSG_NO_DATE = "Ange ett datum."
MSG_DIAGNOSIS = "Ange minst en diagnos."
MSG_BAD_DATE = "Ange datum i formatet åååå-mm-dd."
MSG_NO_SUCH_DATE = "Datumet finns inte. Ange ett giltigt datum."
MSG_FUTURE_DATE = "Datumet får inte vara senare än dagens datum."
MSG_UNKNOWN_CODE = "Okänt svarsalternativ."
MSG_BAD_NUMBER = "Ange ett tal."
MSG_BAD_VALUE = "Svaret har fel form."

SYSTEMS = ("ICD_10_SE", "KSH_97_P")

_DEFAULT_MISSING = {
    FieldKind.TEXT: MSG_TEXT,
    FieldKind.TEXTAREA: MSG_TEXT,
    FieldKind.BOOLEAN: MSG_CHOICE,
    FieldKind.CHECKBOX: "Markera rutan.",
    FieldKind.DATE: MSG_NO_DATE,
    FieldKind.NUMBER: MSG_TEXT,
    FieldKind.RADIO: MSG_CHOICE,
    FieldKind.CHECKBOXES: MSG_CHOICES,
    FieldKind.DATE_CHECKBOXES: MSG_CHOICES,
    FieldKind.DIAGNOSES: MSG_DIAGNOSIS,
    FieldKind.SICK_LEAVE: MSG_CHOICES,
}


def missing_text(question: Question) -> str:
    return question.missing_text or _DEFAULT_MISSING[question.kind]


# --- what counts as an answer -----------------------------------------------------------------
def _period_given(period: Any) -> bool:
    return isinstance(period, dict) and (
        is_filled(period.get("from")) or is_filled(period.get("to"))
    )


def _diagnosis_given(row: Any) -> bool:
    return isinstance(row, dict) and (is_filled(row.get("code")) or is_filled(row.get("text")))


def answer_given(question: Question, value: Any) -> bool:
    """Whether ``value`` answers ``question`` (a ticked date box without a date still counts)."""
    if question.kind == FieldKind.SICK_LEAVE:
        return isinstance(value, dict) and any(_period_given(p) for p in value.values())
    if question.kind == FieldKind.DIAGNOSES:
        return isinstance(value, list) and any(_diagnosis_given(r) for r in value)
    if question.kind == FieldKind.BOOLEAN:
        return isinstance(value, bool)
    if question.kind == FieldKind.CHECKBOX:
        return value is True
    return is_filled(value)


# --- per-kind checks --------------------------------------------------------------------------
Emit = Callable[[Severity, str, str], None]


def _check_date(raw: Any, question: Question, today: date, emit: Emit, field: str = "") -> None:
    if not is_filled(raw):
        return
    if not isinstance(raw, str):
        emit(Severity.ERROR, MSG_BAD_DATE, field)
        return
    parsed = parse_date(raw)
    if parsed is None:
        emit(Severity.ERROR, MSG_NO_SUCH_DATE if looks_like_date(raw) else MSG_BAD_DATE, field)
    elif question.no_future_date and parsed > today:
        emit(Severity.ERROR, MSG_FUTURE_DATE, field)


def _check_text(value: Any, question: Question, emit: Emit) -> None:
    if not isinstance(value, str):
        emit(Severity.ERROR, MSG_BAD_VALUE, "")
    elif question.max_length is not None and len(value) > question.max_length:
        emit(
            Severity.ERROR,
            f"Texten får vara högst {question.max_length} tecken (nu {len(value)}). Korta texten.",
            "",
        )


def _to_number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        text = value.strip().replace(",", ".")
        if re.fullmatch(r"-?\d+(\.\d+)?", text):
            return float(text)
    return None


def _check_number(value: Any, question: Question, emit: Emit) -> None:
    number = _to_number(value)
    if number is None:
        emit(Severity.ERROR, MSG_BAD_NUMBER, "")
        return
    low, high = question.min_value, question.max_value
    if (low is not None and number < low) or (high is not None and number > high):
        if low is not None and high is not None:
            emit(Severity.ERROR, f"Ange ett värde mellan {low} och {high}.", "")
        elif low is not None:
            emit(Severity.ERROR, f"Ange ett värde som är minst {low}.", "")
        else:
            emit(Severity.ERROR, f"Ange ett värde som är högst {high}.", "")


def _check_codes(codes: list[Any], question: Question, emit: Emit) -> None:
    known = {o.code for o in question.options}
    for code in codes:
        if code not in known:
            emit(Severity.ERROR, MSG_UNKNOWN_CODE, str(code))
    if question.max_items is not None and len(codes) > question.max_items:
        emit(Severity.ERROR, f"Välj högst {question.max_items} alternativ.", "")
    exclusive = [c for c in codes if c in question.exclusive_options]
    if exclusive and len(set(codes)) > 1:
        label = question.option_label(exclusive[0])
        emit(Severity.ERROR, f'"{label}" kan inte kombineras med andra alternativ.', "")
    if len(set(map(str, codes))) != len(codes):
        emit(Severity.ERROR, "Samma alternativ har valts flera gånger.", "")


def _check_sick_leave(value: Any, question: Question, today: date, emit: Emit) -> None:
    if not isinstance(value, dict):
        emit(Severity.ERROR, MSG_BAD_VALUE, "")
        return
    known = {o.code for o in question.options}
    given = {code: p for code, p in value.items() if _period_given(p)}
    for code, period in value.items():
        if code not in known:
            emit(Severity.ERROR, "Okänd sjukskrivningsgrad.", str(code))
        elif period is not None and not isinstance(period, dict):
            emit(Severity.ERROR, MSG_BAD_VALUE, str(code))
    if question.max_items is not None and len(given) > question.max_items:
        emit(Severity.ERROR, f"Ange högst {question.max_items} perioder.", "")
    complete: list[tuple[str, date, date]] = []
    for code, period in given.items():
        if code not in known:
            continue
        start_raw, end_raw = period.get("from"), period.get("to")
        _check_date(start_raw, question, today, emit, f"{code}.from")
        _check_date(end_raw, question, today, emit, f"{code}.to")
        if not is_filled(start_raw):
            emit(Severity.MISSING, "Ange ett startdatum.", f"{code}.from")
        if not is_filled(end_raw):
            emit(Severity.MISSING, "Ange ett slutdatum.", f"{code}.to")
        start, end = parse_date(start_raw), parse_date(end_raw)
        if start is None or end is None:
            continue
        if start > end:
            emit(Severity.ERROR, "Startdatum får inte vara senare än slutdatum.", f"{code}.to")
            continue
        complete.append((code, start, end))
    order = {o.code: i for i, o in enumerate(question.options)}
    complete.sort(key=lambda item: (item[1], order.get(item[0], 99)))
    for (_, _, prev_end), (code, start, _) in itertools.pairwise(complete):
        if start <= prev_end:
            emit(Severity.ERROR, "Perioderna får inte överlappa varandra.", f"{code}.from")


def _check_diagnoses(value: Any, question: Question, emit: Emit) -> None:
    if not isinstance(value, list):
        emit(Severity.ERROR, MSG_BAD_VALUE, "")
        return
    rows = [(i, r) for i, r in enumerate(value) if _diagnosis_given(r) or not isinstance(r, dict)]
    if question.max_items is not None and len(rows) > question.max_items:
        emit(Severity.ERROR, f"Ange högst {question.max_items} diagnoser.", "")
    for index, row in rows:
        if not isinstance(row, dict):
            emit(Severity.ERROR, MSG_BAD_VALUE, str(index))
            continue
        if not is_filled(row.get("code")):
            emit(Severity.MISSING, "Ange diagnoskod.", f"{index}.code")
        if not is_filled(row.get("text")):
            emit(Severity.MISSING, "Ange diagnosbeskrivning.", f"{index}.text")
        elif isinstance(row.get("text"), str) and len(row["text"]) > 250:
            emit(Severity.ERROR, "Diagnosbeskrivningen får vara högst 250 tecken.", f"{index}.text")
        system = row.get("system") or "ICD_10_SE"
        if system not in SYSTEMS:
            emit(Severity.ERROR, "Välj kodverk ICD-10-SE eller KSH97-P.", f"{index}.system")


def _check_question(question: Question, value: Any, today: date, emit: Emit) -> None:
    """Format errors for one answer (nothing for an empty answer)."""
    if value is None or (isinstance(value, str) and value.strip() == ""):
        return
    kind = question.kind
    if kind in (FieldKind.TEXT, FieldKind.TEXTAREA):
        _check_text(value, question, emit)
    elif kind == FieldKind.BOOLEAN:
        if not isinstance(value, bool):
            emit(Severity.ERROR, MSG_BAD_VALUE, "")
    elif kind == FieldKind.CHECKBOX:
        if not isinstance(value, bool):
            emit(Severity.ERROR, MSG_BAD_VALUE, "")
    elif kind == FieldKind.DATE:
        _check_date(value, question, today, emit)
    elif kind == FieldKind.NUMBER:
        _check_number(value, question, emit)
    elif kind == FieldKind.RADIO:
        if not isinstance(value, str) or value not in {o.code for o in question.options}:
            emit(Severity.ERROR, MSG_UNKNOWN_CODE, "")
    elif kind == FieldKind.CHECKBOXES:
        if not isinstance(value, list | tuple):
            emit(Severity.ERROR, MSG_BAD_VALUE, "")
        else:
            _check_codes(list(value), question, emit)
    elif kind == FieldKind.DATE_CHECKBOXES:
        if not isinstance(value, dict):
            emit(Severity.ERROR, MSG_BAD_VALUE, "")
            return
        _check_codes(list(value), question, emit)
        for code, raw in value.items():
            if not is_filled(raw):
                emit(Severity.MISSING, MSG_NO_DATE, str(code))
            else:
                _check_date(raw, question, today, emit, str(code))
    elif kind == FieldKind.DIAGNOSES:
        _check_diagnoses(value, question, emit)
    elif kind == FieldKind.SICK_LEAVE:
        _check_sick_leave(value, question, today, emit)


# --- public API -------------------------------------------------------------------------------
def validate(
    definition: CertificateDefinition, content: Content, *, today: date
) -> list[ValidationMessage]:
    """All messages for ``content``: field errors, missing mandatory answers, the type's rules."""
    content = content or {}
    messages: list[ValidationMessage] = []
    for section in definition.sections:
        for question in section.questions:
            if not question.visible(content):
                continue
            value = content.get(question.id)

            def emit(
                severity: Severity,
                text: str,
                field: str,
                q: Question = question,
                s: Section = section,
            ) -> None:
                messages.append(ValidationMessage(q.id, s.id, severity, text, field))

            _check_question(question, value, today, emit)
            if question.mandatory(content) and not answer_given(question, value):
                emit(Severity.MISSING, missing_text(question), "")
    context = ValidationContext(today=today, definition=definition)
    for validator in definition.validators:
        messages.extend(validator(content, context))
    return _unique(messages)


def _unique(messages: list[ValidationMessage]) -> list[ValidationMessage]:
    seen: set[ValidationMessage] = set()
    result = []
    for message in messages:
        if message not in seen:
            seen.add(message)
            result.append(message)
    return result


def missing_sections(
    definition: CertificateDefinition, content: Content, *, today: date
) -> list[Section]:
    """Sections with a ``MISSING`` message, in the definition's order (§5.6, figure 19)."""
    ids = {
        m.section_id
        for m in validate(definition, content, today=today)
        if m.severity == Severity.MISSING
    }
    return [s for s in definition.sections if s.id in ids]


def missing_fields(
    definition: CertificateDefinition, content: Content, *, today: date
) -> list[tuple[Section, list[Question]]]:
    """§5.6: "en lista över obligatoriska fält som saknar information" — the sections with a
    ``MISSING`` message and, in each, the questions that lack an answer (definition order)."""
    qids = {
        m.question_id
        for m in validate(definition, content, today=today)
        if m.severity == Severity.MISSING
    }
    result = []
    for section in definition.sections:
        questions = [q for q in section.questions if q.id in qids]
        if questions:
            result.append((section, questions))
    return result


NEWLY_REQUIRED_TEXT = (
    "Ny obligatorisk fråga: den har tillkommit efter din ändring och ska besvaras."
)


def newly_required(
    definition: CertificateDefinition, before: Content, after: Content
) -> list[Question]:
    """Questions a change has brought in: hidden before it, shown and mandatory after it (a
    sick-leave period under 100 procent brings "arbetstidsförläggning", FK7804 question 33).
    The editor says so where the question appears."""
    return [
        q
        for q in definition.questions()
        if q.visible(after) and q.mandatory(after) and not q.visible(before)
    ]


def can_sign(definition: CertificateDefinition, content: Content, *, today: date) -> bool:
    """True when nothing is missing and nothing is wrong (warnings never block)."""
    if definition.read_only:
        return False
    return not any(
        m.severity in (Severity.MISSING, Severity.ERROR)
        for m in validate(definition, content, today=today)
    )


# --- shared validator builders ----------------------------------------------------------------
_CODE_SHAPE = re.compile(r"^[A-Z][0-9]{2}[0-9A-Z-]*$")


def normalize_code(code: str) -> str:
    """``" f32.1 "`` → ``"F321"`` (Webcert stores codes without the dot)."""
    return re.sub(r"[\s.]", "", str(code)).upper()


def _diagnosis_checker() -> Callable[[str, str], str | None] | None:
    """``services.diagnoses.validate_code_for_fk`` when that module is available."""
    try:
        from services.diagnoses import validate_code_for_fk  # type: ignore[import-not-found]
    except (ImportError, AttributeError):
        return None
    return validate_code_for_fk


def diagnosis_validator(qid: str, *, psychiatric_min_length: bool = True) -> Validator:
    """FK's diagnosis-code rules for question ``qid`` (ERRORs):

    * a code has at least 3 and at most 5 positions (a letter and digits, the dot not counted);
    * psychiatric codes (chapter F) and Z73 need at least 4 positions;
    * the same code only once;
    * the code exists in the chosen code system (only when ``services.diagnoses`` is importable).
    """

    def validator(content: Content, ctx: ValidationContext) -> list[ValidationMessage]:
        rows = content.get(qid)
        question = ctx.definition.question(qid)
        if not isinstance(rows, list) or not question.visible(content):
            return []
        out: list[ValidationMessage] = []
        seen: set[str] = set()
        checker = _diagnosis_checker()
        for index, row in enumerate(rows):
            if not isinstance(row, dict) or not is_filled(row.get("code")):
                continue
            raw = str(row["code"]).strip().upper()
            code = normalize_code(raw)
            field = f"{index}.code"
            misplaced_dot = "." in raw and (raw.count(".") > 1 or raw.index(".") != 3)
            if misplaced_dot or not _CODE_SHAPE.match(code):
                out.append(ctx.message(qid, Severity.ERROR, "Ogiltig diagnoskod.", field))
                continue
            if not 3 <= len(code) <= 5:
                out.append(
                    ctx.message(
                        qid,
                        Severity.ERROR,
                        "Diagnoskoden ska anges med minst tre och högst fem positioner.",
                        field,
                    )
                )
                continue
            if psychiatric_min_length and code.startswith(("F", "Z73")) and len(code) < 4:
                out.append(
                    ctx.message(
                        qid,
                        Severity.ERROR,
                        "Diagnoskoder som börjar med F eller Z73 ska anges med minst fyra "
                        "positioner.",
                        field,
                    )
                )
                continue
            if code in seen:
                out.append(
                    ctx.message(qid, Severity.ERROR, "Diagnoskoden får bara anges en gång.", field)
                )
                continue
            seen.add(code)
            system = row.get("system") or "ICD_10_SE"
            if checker is not None and system in SYSTEMS:
                problem = checker(code, system)
                if problem:
                    out.append(ctx.message(qid, Severity.ERROR, problem, field))
        return out

    return validator


def not_in_future_validator(qid: str, text: str = MSG_FUTURE_DATE) -> Validator:
    """ERROR when the DATE answer ``qid`` lies after today."""

    def validator(content: Content, ctx: ValidationContext) -> list[ValidationMessage]:
        value = parse_date(content.get(qid))
        question = ctx.definition.question(qid)
        if value is not None and value > ctx.today and question.visible(content):
            return [ctx.message(qid, Severity.ERROR, text)]
        return []

    return validator
