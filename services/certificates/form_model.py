"""Flat form values for the editor ⇄ structured certificate content.

The browser edits a flat ``dict[str, str]`` (one entry per input element, stable keys);
these two functions convert it to and from the content shapes documented in base.py.
Raw text the user typed is kept even when invalid (a bad date stays as typed, so nothing
is lost); validation reports it.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from services.certificates.base import (
    ICF_SUFFIX,
    CertificateDefinition,
    Content,
    FieldKind,
    Question,
)

TRUE = "true"
FALSE = "false"


def diagnosis_rows(question: Question) -> int:
    return question.max_items or 3


def form_keys(question: Question) -> list[str]:
    """Every flat key the editor uses for a question."""
    q = question
    match q.kind:
        case FieldKind.CHECKBOXES:
            return [f"{q.id}.{o.code}" for o in q.options]
        case FieldKind.DATE_CHECKBOXES:
            return [k for o in q.options for k in (f"{q.id}.{o.code}", f"{q.id}.{o.code}.date")]
        case FieldKind.SICK_LEAVE:
            return [k for o in q.options for k in (f"{q.id}.{o.code}.from", f"{q.id}.{o.code}.to")]
        case FieldKind.DIAGNOSES:
            keys = [f"{q.id}.system"]
            for i in range(diagnosis_rows(q)):
                keys += [f"{q.id}.{i}.code", f"{q.id}.{i}.text"]
            return keys
        case _:
            return [q.id]


def to_form(definition: CertificateDefinition, content: Content) -> dict[str, str]:
    """Structured content → flat form values (every key present, '' when empty)."""
    form: dict[str, str] = {}
    for q in definition.questions():
        for key in form_keys(q):
            form[key] = ""
        value = content.get(q.id)
        match q.kind:
            case FieldKind.BOOLEAN:
                form[q.id] = TRUE if value is True else FALSE if value is False else ""
            case FieldKind.CHECKBOX:
                form[q.id] = TRUE if value is True else ""
            case FieldKind.CHECKBOXES:
                for code in value if isinstance(value, list) else []:
                    if f"{q.id}.{code}" in form:
                        form[f"{q.id}.{code}"] = TRUE
            case FieldKind.DATE_CHECKBOXES:
                if isinstance(value, dict):
                    for code, day in value.items():
                        if f"{q.id}.{code}" in form:
                            form[f"{q.id}.{code}"] = TRUE
                            form[f"{q.id}.{code}.date"] = str(day or "")
            case FieldKind.SICK_LEAVE:
                if isinstance(value, dict):
                    for code, period in value.items():
                        if f"{q.id}.{code}.from" in form and isinstance(period, dict):
                            form[f"{q.id}.{code}.from"] = str(period.get("from") or "")
                            form[f"{q.id}.{code}.to"] = str(period.get("to") or "")
            case FieldKind.DIAGNOSES:
                rows = value if isinstance(value, list) else []
                for i, row in enumerate(rows[: diagnosis_rows(q)]):
                    if isinstance(row, dict):
                        form[f"{q.id}.{i}.code"] = str(row.get("code") or "")
                        form[f"{q.id}.{i}.text"] = str(row.get("text") or "")
                        if row.get("system"):
                            form[f"{q.id}.system"] = str(row["system"])
            case _:
                form[q.id] = "" if value is None else str(value)
    return form


def fill_date_on_tick(
    definition: CertificateDefinition, form: dict[str, str], key: str, today: date
) -> list[str]:
    """An option of a DATE_CHECKBOXES question (grund för MU: "min undersökning av patienten"
    ...) just ticked gets today's date when its date is empty, as in Webcert; the date stays
    editable. Changes ``form`` in place and returns the keys changed."""
    qid, _, code = key.partition(".")
    if not code or "." in code or form.get(key) != TRUE:
        return []
    try:
        question = definition.question(qid)
    except KeyError:
        return []
    date_key = f"{key}.date"
    if question.kind != FieldKind.DATE_CHECKBOXES or date_key not in form:
        return []
    if str(form.get(date_key) or "").strip():
        return []
    form[date_key] = today.isoformat()
    return [date_key]


def from_form(
    definition: CertificateDefinition, form: dict[str, Any], previous: Content | None = None
) -> dict[str, Any]:
    """Flat form values → structured content. Unknown keys are ignored."""

    def get(key: str) -> str:
        value = form.get(key, "")
        return value if isinstance(value, str) else str(value)

    content: dict[str, Any] = {}
    for q in definition.questions():
        match q.kind:
            case FieldKind.BOOLEAN:
                if get(q.id) in (TRUE, FALSE):
                    content[q.id] = get(q.id) == TRUE
            case FieldKind.CHECKBOX:
                if get(q.id) == TRUE:
                    content[q.id] = True
            case FieldKind.NUMBER:
                raw = get(q.id).strip().replace(",", ".")
                if raw:
                    try:
                        number = float(raw)
                        content[q.id] = int(number) if number.is_integer() else number
                    except ValueError:
                        content[q.id] = get(q.id)
            case FieldKind.CHECKBOXES:
                codes = [o.code for o in q.options if get(f"{q.id}.{o.code}") == TRUE]
                if codes:
                    content[q.id] = codes
            case FieldKind.DATE_CHECKBOXES:
                ticked = {
                    o.code: get(f"{q.id}.{o.code}.date").strip()
                    for o in q.options
                    if get(f"{q.id}.{o.code}") == TRUE
                }
                if ticked:
                    content[q.id] = ticked
            case FieldKind.SICK_LEAVE:
                periods = {}
                for o in q.options:
                    start, end = (
                        get(f"{q.id}.{o.code}.from").strip(),
                        get(f"{q.id}.{o.code}.to").strip(),
                    )
                    if start or end:
                        periods[o.code] = {"from": start, "to": end}
                if periods:
                    content[q.id] = periods
            case FieldKind.DIAGNOSES:
                system = get(f"{q.id}.system") or "ICD_10_SE"
                rows = []
                for i in range(diagnosis_rows(q)):
                    code, text = get(f"{q.id}.{i}.code").strip(), get(f"{q.id}.{i}.text").strip()
                    if code or text:
                        rows.append({"code": code, "text": text, "system": system})
                if rows:
                    content[q.id] = rows
            case _:
                raw = get(q.id)
                if raw.strip():
                    content[q.id] = raw
        if q.icf and previous is not None and previous.get(q.id + ICF_SUFFIX):
            content[q.id + ICF_SUFFIX] = previous[q.id + ICF_SUFFIX]
    return content
