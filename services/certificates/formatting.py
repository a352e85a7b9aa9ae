"""Display text for answers: one function shared by the PDF and the UI's read-only view.

:func:`format_answer` turns the stored value of any :class:`~.base.FieldKind` into the lines a
reader sees ("Ja", option labels, "J20 – Akut bronkit", "100 procent: 2026-11-20 – 2026-12-03",
...). It is pure: no I/O, no clock, no database; unknown or malformed values never raise, they
are shown as well as they can be.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, datetime
from typing import Any

from services.certificates.base import ICF_SUFFIX, Content, FieldKind, Question, is_filled

__all__ = ["DASH", "format_answer", "format_date", "icf_line"]

DASH = "\u2013"  # en dash, used between a code and its text and between two dates


def format_date(value: Any) -> str:
    """``"YYYY-MM-DD"`` for a date, a datetime or a string (strings are shown as given)."""
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return str(value).strip() if value is not None else ""


def _text_lines(value: Any) -> list[str]:
    text = str(value).replace("\r\n", "\n").replace("\r", "\n").strip("\n")
    if not text.strip():
        return []
    return [line.rstrip() for line in text.split("\n")]


def _ordered_codes(question: Question, codes: Iterable[str]) -> list[str]:
    """The given codes in the order of the question's options, unknown codes last."""
    wanted = [c for c in codes if isinstance(c, str) and c]
    order = {option.code: index for index, option in enumerate(question.options)}
    known = sorted((c for c in wanted if c in order), key=order.__getitem__)
    unknown = [c for c in wanted if c not in order]
    seen: set[str] = set()
    result = []
    for code in known + unknown:
        if code not in seen:
            seen.add(code)
            result.append(code)
    return result


def icf_line(question: Question, content: Content) -> str:
    """The chosen ICF categories of an ``icf`` question as one line ("" when none)."""
    if not question.icf:
        return ""
    categories = content.get(f"{question.id}{ICF_SUFFIX}")
    if not isinstance(categories, list | tuple):
        return ""
    names = []
    for category in categories:
        if isinstance(category, Mapping):
            name = str(category.get("name") or category.get("code") or "").strip()
        else:
            name = str(category).strip()
        if name:
            names.append(name)
    return ", ".join(names)


def _diagnosis_line(row: Any) -> str:
    if not isinstance(row, Mapping):
        return str(row).strip() if is_filled(row) else ""
    code = str(row.get("code") or "").strip()
    text = str(row.get("text") or "").strip()
    if code and text:
        return f"{code} {DASH} {text}"
    return code or text


def _period_text(period: Any) -> str:
    if not isinstance(period, Mapping):
        return format_date(period) if is_filled(period) else ""
    start = format_date(period.get("from")) if is_filled(period.get("from")) else ""
    end = format_date(period.get("to")) if is_filled(period.get("to")) else ""
    if start and end:
        return f"{start} {DASH} {end}"
    if start:
        return f"från och med {start}"
    if end:
        return f"till och med {end}"
    return ""


def _period_start(period: Any) -> str:
    if isinstance(period, Mapping) and is_filled(period.get("from")):
        return format_date(period.get("from"))
    return "\uffff"


def format_answer(question: Question, value: Any, content: Content) -> list[str]:
    """The display lines of ``value`` as the answer to ``question``; ``[]`` when unanswered.

    ``content`` is the whole certificate content, needed for the ICF categories of an ``icf``
    question (kept under ``question.id + ICF_SUFFIX``), which come before the free text.
    """
    kind = question.kind
    if kind in (FieldKind.TEXT, FieldKind.TEXTAREA):
        lines = _text_lines(value) if is_filled(value) else []
        icf = icf_line(question, content)
        return ([icf] if icf else []) + lines
    if not is_filled(value):
        return []
    if kind is FieldKind.BOOLEAN:
        if value is True:
            return ["Ja"]
        if value is False:
            return ["Nej"]
        return [str(value)]
    if kind is FieldKind.CHECKBOX:
        return ["Ja"] if value is True else []
    if kind is FieldKind.DATE:
        return [format_date(value)]
    if kind is FieldKind.NUMBER:  # the sub label is the unit: "40 timmar/vecka"
        return [f"{value} {question.sub_label}".strip()]
    if kind is FieldKind.RADIO:
        return [question.option_label(str(value))]
    if kind is FieldKind.CHECKBOXES:
        codes = value if isinstance(value, list | tuple | set) else [value]
        return [question.option_label(code) for code in _ordered_codes(question, codes)]
    if kind is FieldKind.DATE_CHECKBOXES:
        if not isinstance(value, Mapping):
            return [str(value)]
        lines = []
        for code in _ordered_codes(question, value.keys()):
            when = value[code]
            label = question.option_label(code)
            lines.append(f"{label}: {format_date(when)}" if is_filled(when) else label)
        return lines
    if kind is FieldKind.DIAGNOSES:
        rows = value if isinstance(value, list | tuple) else [value]
        return [line for line in (_diagnosis_line(row) for row in rows) if line]
    if kind is FieldKind.SICK_LEAVE:
        if not isinstance(value, Mapping):
            return [str(value)]
        lines = []
        # periods in time order (undated ones last, in the order of the options)
        codes = _ordered_codes(question, value.keys())
        codes.sort(key=lambda code: _period_start(value[code]))
        for code in codes:
            label = question.option_label(code)
            period = _period_text(value[code])
            lines.append(f"{label}: {period}" if period else label)
        return lines
    return [str(value)]
