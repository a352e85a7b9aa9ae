"""format_answer: the display lines of every FieldKind, shared by the PDF and the UI."""

from __future__ import annotations

from datetime import date

import pytest

from services.certificates.base import ICF_SUFFIX, FieldKind, Option, Question
from services.certificates.formatting import format_answer, icf_line


def q(kind: FieldKind, **kwargs: object) -> Question:
    return Question(id="q", label="Fråga", kind=kind, **kwargs)  # type: ignore[arg-type]


GRADES = (
    Option("HELT_NEDSATT", "100 procent"),
    Option("TRE_FJARDEDEL", "75 procent"),
    Option("HALFTEN", "50 procent"),
    Option("EN_FJARDEDEL", "25 procent"),
)
BASIS = (
    Option("UNDERSOKNING", "min undersökning av patienten"),
    Option("TELEFONKONTAKT", "min telefonkontakt med patienten"),
    Option("JOURNALUPPGIFTER", "journaluppgifter från den"),
)


@pytest.mark.parametrize(
    "kind",
    [
        FieldKind.TEXT,
        FieldKind.TEXTAREA,
        FieldKind.BOOLEAN,
        FieldKind.CHECKBOX,
        FieldKind.DATE,
        FieldKind.NUMBER,
        FieldKind.RADIO,
        FieldKind.CHECKBOXES,
        FieldKind.DATE_CHECKBOXES,
        FieldKind.DIAGNOSES,
        FieldKind.SICK_LEAVE,
    ],
)
@pytest.mark.parametrize("value", [None, "", "   ", [], {}])
def test_unanswered_is_empty(kind: FieldKind, value: object) -> None:
    assert format_answer(q(kind), value, {}) == []


def test_text_keeps_lines_and_swedish_characters() -> None:
    value = "Åtta år – ”svår” värk…\r\nÖvrigt: é\n"
    assert format_answer(q(FieldKind.TEXTAREA), value, {}) == [
        "Åtta år – ”svår” värk…",
        "Övrigt: é",
    ]
    assert format_answer(q(FieldKind.TEXT), "Kort svar", {}) == ["Kort svar"]


def test_boolean_and_checkbox() -> None:
    assert format_answer(q(FieldKind.BOOLEAN), True, {}) == ["Ja"]
    assert format_answer(q(FieldKind.BOOLEAN), False, {}) == ["Nej"]
    assert format_answer(q(FieldKind.CHECKBOX), True, {}) == ["Ja"]
    assert format_answer(q(FieldKind.CHECKBOX), False, {}) == []


def test_date_and_number() -> None:
    assert format_answer(q(FieldKind.DATE), "2026-11-20", {}) == ["2026-11-20"]
    assert format_answer(q(FieldKind.DATE), date(2026, 1, 2), {}) == ["2026-01-02"]
    assert format_answer(q(FieldKind.NUMBER), 40, {}) == ["40"]
    assert format_answer(q(FieldKind.NUMBER), 0, {}) == ["0"]
    unit = q(FieldKind.NUMBER, sub_label="timmar/vecka")
    assert format_answer(unit, 40, {}) == ["40 timmar/vecka"]


def test_radio_uses_option_label_and_falls_back_to_code() -> None:
    question = q(FieldKind.RADIO, options=(Option("A", "Alternativ A"), Option("B", "Bä")))
    assert format_answer(question, "B", {}) == ["Bä"]
    assert format_answer(question, "OKAND", {}) == ["OKAND"]


def test_checkboxes_in_option_order() -> None:
    question = q(FieldKind.CHECKBOXES, options=(Option("A", "Ett"), Option("B", "Två")))
    assert format_answer(question, ["B", "A", "B"], {}) == ["Ett", "Två"]
    assert format_answer(question, ["X", "A"], {}) == ["Ett", "X"]


def test_date_checkboxes() -> None:
    question = q(FieldKind.DATE_CHECKBOXES, options=BASIS)
    value = {"JOURNALUPPGIFTER": "2026-11-01", "UNDERSOKNING": "2026-11-20"}
    assert format_answer(question, value, {}) == [
        "min undersökning av patienten: 2026-11-20",
        "journaluppgifter från den: 2026-11-01",
    ]


def test_diagnoses() -> None:
    value = [
        {"code": "J20", "text": "Akut bronkit", "system": "ICD_10_SE"},
        {"code": "F432", "text": "Anpassningsstörningar", "system": "ICD_10_SE"},
        {"code": "", "text": ""},
        {"code": "M54"},
    ]
    assert format_answer(q(FieldKind.DIAGNOSES), value, {}) == [
        "J20 – Akut bronkit",
        "F432 – Anpassningsstörningar",
        "M54",
    ]


def test_sick_leave_per_grade_in_time_order() -> None:
    question = q(FieldKind.SICK_LEAVE, options=GRADES)
    value = {
        "HALFTEN": {"from": "2026-12-04", "to": "2026-12-17"},
        "HELT_NEDSATT": {"from": "2026-11-20", "to": "2026-12-03"},
    }
    assert format_answer(question, value, {}) == [
        "100 procent: 2026-11-20 – 2026-12-03",
        "50 procent: 2026-12-04 – 2026-12-17",
    ]
    partial = {"EN_FJARDEDEL": {"from": "2027-01-01", "to": ""}}
    assert format_answer(question, partial, {}) == ["25 procent: från och med 2027-01-01"]


def test_icf_categories_come_before_the_text() -> None:
    question = Question(id="funk", label="Funktionsnedsättning", kind=FieldKind.TEXTAREA, icf=True)
    content = {
        "funk": "Nedsatt rörlighet.",
        f"funk{ICF_SUFFIX}": [
            {"code": "b710", "name": "Funktioner för rörlighet i leder"},
            {"code": "b455", "name": "Funktioner för fysisk uthållighet"},
        ],
    }
    assert format_answer(question, content["funk"], content) == [
        "Funktioner för rörlighet i leder, Funktioner för fysisk uthållighet",
        "Nedsatt rörlighet.",
    ]
    # categories alone still count as an answer; without icf=True they are ignored
    only = {f"funk{ICF_SUFFIX}": [{"code": "b710", "name": "Rörlighet"}]}
    assert format_answer(question, None, only) == ["Rörlighet"]
    plain = Question(id="funk", label="x", kind=FieldKind.TEXTAREA)
    assert format_answer(plain, "Text", content) == ["Text"]
    assert icf_line(plain, content) == ""


def test_malformed_values_never_raise() -> None:
    assert format_answer(q(FieldKind.SICK_LEAVE, options=GRADES), "konstigt", {}) == ["konstigt"]
    assert format_answer(q(FieldKind.DATE_CHECKBOXES), ["x"], {}) == ["['x']"]
    assert format_answer(q(FieldKind.DIAGNOSES), "J20", {}) == ["J20"]
    assert format_answer(q(FieldKind.CHECKBOXES), "A", {}) == ["A"]
