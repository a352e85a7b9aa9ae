"""The declarative schema every certificate type is written in.

A certificate type is a :class:`CertificateDefinition`: sections of questions, each with
an id, label, help text, input kind, code values, mandatory rule and the flags that say
whether it follows on renewal and goes on the minimal print. The editor, validation,
the "Visa vad som saknas" list, the PDF and the renew/replace rules are all driven
from this data; nothing per type is hand-written elsewhere.

Content of a certificate is a plain JSON dict keyed by question id. Value shapes per kind:

===================  ==========================================================
kind                 value
===================  ==========================================================
TEXT, TEXTAREA       ``str``
BOOLEAN              ``True`` / ``False`` (Ja/Nej radio) or missing
CHECKBOX             ``True`` or missing (a single tick box)
DATE                 ``"YYYY-MM-DD"``
NUMBER               ``int``
RADIO                one option code, ``str``
CHECKBOXES           list of option codes
DATE_CHECKBOXES      ``{option_code: "YYYY-MM-DD"}`` (ticked options with a date)
DIAGNOSES            ``[{"code": "J20", "text": "Akut bronkit", "system": "ICD_10_SE"}]``
SICK_LEAVE           ``{grade_code: {"from": "YYYY-MM-DD", "to": "YYYY-MM-DD"}}``
===================  ==========================================================

A TEXTAREA question with ``icf=True`` also keeps its chosen ICF categories under the key
``f"{question.id}{ICF_SUFFIX}"`` as a list of ``{"code": ..., "name": ...}`` dicts.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from typing import Any

from services.labelled import LabelledEnum
from services.roles import Role

Content = Mapping[str, Any]
ICF_SUFFIX = "_icf"


class FieldKind(StrEnum):
    TEXT = "text"
    TEXTAREA = "textarea"
    BOOLEAN = "boolean"
    CHECKBOX = "checkbox"
    DATE = "date"
    NUMBER = "number"
    RADIO = "radio"
    CHECKBOXES = "checkboxes"
    DATE_CHECKBOXES = "date_checkboxes"
    DIAGNOSES = "diagnoses"
    SICK_LEAVE = "sick_leave"


class Recipient(LabelledEnum):
    """Who a certificate is sent to."""

    FK = "FK", "Försäkringskassan"
    TS = "TS", "Transportstyrelsen"


class Severity(StrEnum):
    MISSING = "missing"  # mandatory data missing: blocks signing, fine in a draft
    ERROR = "error"  # bad input (bad date, unknown code, too long): shown at once
    WARNING = "warning"  # worth a look, never blocks


class CarryOver(StrEnum):
    """Why content is copied into a new draft."""

    RENEW = "renew"  # Förnya (§4.6)
    REPLACE = "replace"  # Ersätt (§4.7): everything follows
    COPY = "copy"  # Kopiera låst utkast (§4.8): everything follows
    COMPLEMENT = "complement"  # Komplettera (§6.3.1): everything follows


# --- rules ---------------------------------------------------------------------------
Rule = Callable[[Content], bool]


def is_filled(value: Any) -> bool:
    """Whether an answer counts as given (empty strings, lists and dicts do not)."""
    if value is None:
        return False
    if isinstance(value, str):
        return value.strip() != ""
    if isinstance(value, list | tuple | dict | set):
        return len(value) > 0
    return True


def filled(qid: str) -> Rule:
    return lambda c: is_filled(c.get(qid))


def equals(qid: str, expected: Any) -> Rule:
    return lambda c: c.get(qid) == expected


def contains(qid: str, code: str) -> Rule:
    """True when a CHECKBOXES/DATE_CHECKBOXES/SICK_LEAVE answer includes ``code``."""

    def rule(c: Content) -> bool:
        value = c.get(qid)
        return isinstance(value, list | tuple | dict | set) and code in value

    return rule


def not_(rule: Rule) -> Rule:
    return lambda c: not rule(c)


def all_(*rules: Rule) -> Rule:
    return lambda c: all(r(c) for r in rules)


def any_(*rules: Rule) -> Rule:
    return lambda c: any(r(c) for r in rules)


ALWAYS: Rule = lambda c: True  # noqa: E731
NEVER: Rule = lambda c: False  # noqa: E731


# --- schema ----------------------------------------------------------------------------
@dataclass(frozen=True)
class Option:
    code: str
    label: str


@dataclass(frozen=True)
class ValidationMessage:
    question_id: str
    section_id: str
    severity: Severity
    message: str
    field: str = ""  # the part of a compound answer: "UNDERSOKNING", "HALFTEN.to", "0.code"


@dataclass(frozen=True)
class Question:
    id: str
    label: str
    kind: FieldKind
    help: str = ""
    options: tuple[Option, ...] = ()
    mandatory: Rule = NEVER  # required for signing when the rule holds (and visible)
    visible: Rule = ALWAYS
    missing_text: str = ""  # what is missing, shown by the field ("Ange ett svar.")
    max_length: int | None = None
    max_items: int | None = None
    min_value: int | None = None
    max_value: int | None = None
    follows_on_renew: bool = True
    minimal_print: bool = False
    icf: bool = False
    sub_label: str = ""  # a second line under the label (e.g. the DFR text)
    placeholder: str = ""
    ref: str = ""  # the form's own question id ("32", "33.2", "Fält 8b"), for print and transport
    minimal_print_when: Rule = ALWAYS  # with minimal_print: printed only when this holds
    exclusive_options: tuple[str, ...] = ()  # codes that cannot be combined with any other code
    no_future_date: bool = False  # DATE/DATE_CHECKBOXES: a date after today is an error

    def option_label(self, code: str) -> str:
        for option in self.options:
            if option.code == code:
                return option.label
        return code


@dataclass(frozen=True)
class Section:
    id: str
    title: str
    questions: tuple[Question, ...]
    help: str = ""


Validator = Callable[[Content, "ValidationContext"], list[ValidationMessage]]


@dataclass(frozen=True)
class ValidationContext:
    today: date
    definition: CertificateDefinition

    def message(
        self, qid: str, severity: Severity, text: str, field: str = ""
    ) -> ValidationMessage:
        """A message for question ``qid``, with its section filled in."""
        return ValidationMessage(
            question_id=qid,
            section_id=self.definition.section_of(qid).id,
            severity=severity,
            message=text,
            field=field,
        )


@dataclass(frozen=True)
class CertificateDefinition:
    type: str  # our id, lower case: "fk7804"
    form_id: str  # the form's official id: "FK7804"
    name: str  # "Läkarintyg för sjukpenning"
    version: str  # version of the type definition / text file
    recipient: Recipient  # who the certificate is sent to; FK's types have question threads
    sections: tuple[Section, ...]
    roles: frozenset[Role] = frozenset()  # who may write it (manual table 2); none by default
    description: str = ""  # Tips & Hjälp text (§5.5)
    read_only: bool = False  # FK7263: shown and printed, never created or edited
    minimal_print: bool = False  # offers "Minimalt intyg" (§4.5.2)
    validators: tuple[Validator, ...] = field(default=())
    text_source: str = ""  # the text file the labels were taken from ("texterMU_LISJP_v1.3.xml")

    def questions(self) -> list[Question]:
        return [q for s in self.sections for q in s.questions]

    def question(self, qid: str) -> Question:
        for q in self.questions():
            if q.id == qid:
                return q
        raise KeyError(qid)

    def section_of(self, qid: str) -> Section:
        for s in self.sections:
            if any(q.id == qid for q in s.questions):
                return s
        raise KeyError(qid)
