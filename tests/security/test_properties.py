"""Property-based tests (hypothesis) of the input handling behind the trust boundary.

Personnummer/samordningsnummer, date parsing and the d/v/m end-date shortcut, period
validation and the certificate validators are fed generated input and checked against small
independent oracles written here (Luhn, calendar arithmetic, overlap): no crash, no invalid
number or certificate accepted, every valid one accepted. The examples per test add up to
more than 10 000 per run; the number actually generated is printed at the end of the session
(tests/security/conftest.py).
"""

from __future__ import annotations

import calendar
import itertools
from datetime import date, timedelta
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from services import personnummer as pnr
from services.certificates import get_definition
from services.certificates.base import FieldKind
from services.certificates.periods import parse_date, parse_end_date_shortcut
from services.certificates.validation import Severity, can_sign, validate
from tests.factories import complete_fk7804, luhn_digit

GENERATED: list[int] = [0]  # inputs generated in this run (printed by conftest)
TODAY = date(2026, 6, 15)
FAST = {"deadline": None, "suppress_health_check": [HealthCheck.too_slow]}


BATCH = 8  # cheap properties: each example carries a batch of generated inputs


def _count(n: int = 1) -> None:
    GENERATED[0] += n


def batch(*strategies: Any) -> Any:
    """A list of BATCH generated inputs (tuples when several strategies are given)."""
    item = st.tuples(*strategies) if len(strategies) > 1 else strategies[0]
    return st.lists(item, min_size=BATCH, max_size=BATCH)


# --- oracles ---------------------------------------------------------------------------------
def luhn_ok(ten: str) -> bool:
    return luhn_digit(ten[:9]) == ten[9]


def add_months(start: date, months: int) -> date:
    month0 = start.month - 1 + months
    year, month = start.year + month0 // 12, month0 % 12 + 1
    return date(year, month, min(start.day, calendar.monthrange(year, month)[1]))


# --- personnummer / samordningsnummer -------------------------------------------------------
@st.composite
def valid_numbers(draw: Any) -> tuple[str, date, bool]:
    born = draw(st.dates(min_value=date(1890, 1, 1), max_value=TODAY))
    coordination = draw(st.booleans())
    day = born.day + (60 if coordination else 0)
    serial = draw(st.integers(min_value=0, max_value=999))
    nine = f"{born:%y%m}{day:02d}{serial:03d}"
    return f"{born.year // 100:02d}{nine}{luhn_digit(nine)}", born, coordination


def _one_test_every_valid_number_is_accepted_in_each_written_form(number, form) -> None:
    digits, born, coordination = number
    if form == "12":
        text = digits
    elif form == "12-":
        text = f"{digits[:8]}-{digits[8:]}"
    else:
        age = TODAY.year - born.year - ((TODAY.month, TODAY.day) < (born.month, born.day))
        if form == "10" and age >= 100:
            text = digits[2:]  # without '+', a 10-digit number means younger than 100
            assert pnr.normalize(text, today=TODAY) != digits
            return
        sep = "+" if age >= 100 else "-"
        text = f"{digits[2:8]}{sep}{digits[8:]}"
    assert pnr.normalize(text, today=TODAY) == digits
    assert pnr.is_samordningsnummer_digits(digits) is coordination
    assert pnr.format(digits) == f"{digits[:8]}-{digits[8:]}"


@settings(max_examples=300, **FAST)
@given(batch(valid_numbers(), st.sampled_from(["12", "12-", "10", "10sep"])))
def test_every_valid_number_is_accepted_in_each_written_form(inputs) -> None:
    _count(BATCH)
    for number, form in inputs:
        _one_test_every_valid_number_is_accepted_in_each_written_form(number, form)


def _one_test_a_wrong_check_digit_is_refused(number, delta) -> None:
    digits = number[0]
    wrong = digits[:-1] + str((int(digits[-1]) + delta) % 10)
    assert not pnr.is_valid(wrong)


@settings(max_examples=150, **FAST)
@given(batch(valid_numbers(), st.integers(min_value=1, max_value=9)))
def test_a_wrong_check_digit_is_refused(inputs) -> None:
    _count(BATCH)
    for number, delta in inputs:
        _one_test_a_wrong_check_digit_is_refused(number, delta)


@settings(max_examples=1200, **FAST)
@given(
    st.one_of(
        st.text(max_size=20),
        st.text(alphabet="0123456789-+ ", max_size=16),
        st.text(alphabet="0123456789١٢٣۴", min_size=10, max_size=12),  # other scripts
        st.builds(
            "{}{}{}{}".format,
            st.sampled_from(["", "19", "20"]),
            st.integers(0, 999999).map("{:06d}".format),
            st.sampled_from(["", "-", "+"]),
            st.integers(0, 9999).map("{:04d}".format),
        ),
    )
)
def test_any_text_is_refused_cleanly_or_is_a_real_number(text) -> None:
    _count()
    try:
        digits = pnr.normalize(text, today=TODAY)
    except pnr.InvalidPersonnummer as exc:
        assert exc.message  # a Swedish message, never another exception
        return
    assert len(digits) == 12 and digits.isdigit()
    day = int(digits[6:8])
    date(int(digits[:4]), int(digits[4:6]), day - 60 if day > 60 else day)  # a real day
    assert luhn_ok(digits[2:])


# --- dates and the d/v/m shortcut --------------------------------------------------------------
def _one_test_every_date_round_trips(d) -> None:
    assert parse_date(d.isoformat()) == d
    assert parse_date(f" {d:%Y%m%d} ") == d


@settings(max_examples=200, **FAST)
@given(batch(st.dates(min_value=date(1000, 1, 1))))
def test_every_date_round_trips(inputs) -> None:
    _count(BATCH)
    for d in inputs:
        _one_test_every_date_round_trips(d)


DATE_LIKE = st.builds(
    "{}{}{}{}{}".format,
    st.integers(0, 9999).map("{:04d}".format),
    st.sampled_from(["", "-"]),
    st.integers(0, 19).map("{:02d}".format),
    st.sampled_from(["", "-"]),
    st.integers(0, 39).map("{:02d}".format),
)


@settings(max_examples=125, **FAST)
@given(batch(st.one_of(st.text(max_size=12), DATE_LIKE)))
def test_parse_date_accepts_exactly_real_dates(inputs) -> None:
    _count(BATCH)
    for text in inputs:
        _one_parse_date(text)


def _one_parse_date(text: str) -> None:
    got = parse_date(text)
    if got is not None:
        compact = f"{got.year:04d}{got.month:02d}{got.day:02d}"
        assert text.strip() in (got.isoformat(), compact)


@settings(max_examples=250, **FAST)
@given(
    batch(
        st.dates(min_value=date(1900, 1, 1), max_value=date(2900, 1, 1)),
        st.integers(min_value=0, max_value=999),
        st.sampled_from("dvmDVM"),
        st.booleans(),
    )
)
def test_the_end_date_shortcut_matches_calendar_arithmetic(inputs) -> None:
    _count(BATCH)
    for start, count, unit, before in inputs:
        _one_shortcut(start, count, unit, before)


def _one_shortcut(start: date, count: int, unit: str, before: bool) -> None:
    text = f"{unit}{count}" if before else f"{count}{unit}"
    got = parse_end_date_shortcut(text, start)
    if count == 0:
        assert got is None
        return
    expected = {
        "d": start + timedelta(days=count - 1),
        "v": start + timedelta(days=7 * count - 1),
        "m": add_months(start, count) - timedelta(days=1),
    }[unit.lower()]
    assert got == expected and got >= start


def _one_test_anything_else_is_no_shortcut(text) -> None:
    got = parse_end_date_shortcut(text, TODAY)
    assert got is None or got >= TODAY


@settings(max_examples=125, **FAST)
@given(batch(st.text(max_size=8)))
def test_anything_else_is_no_shortcut(inputs) -> None:
    _count(BATCH)
    for text in inputs:
        _one_test_anything_else_is_no_shortcut(text)


# --- period validation and the certificate validators ----------------------------------------
GRADES = ["EN_FJARDEDEL", "HALFTEN", "TRE_FJARDEDEL", "HELT_NEDSATT"]


@st.composite
def periods(draw: Any) -> dict[str, Any]:
    chosen = draw(st.lists(st.sampled_from(GRADES), min_size=1, max_size=4, unique=True))
    out: dict[str, Any] = {}
    for grade in chosen:
        start = draw(st.dates(min_value=TODAY - timedelta(days=60), max_value=TODAY))
        length = draw(st.integers(min_value=-5, max_value=40))
        out[grade] = {
            "from": start.isoformat(),
            "to": (start + timedelta(days=length)).isoformat(),
        }
    return out


def periods_ok(value: dict[str, Any]) -> bool:
    spans = sorted((parse_date(p["from"]), parse_date(p["to"])) for p in value.values())
    if any(a > b for a, b in spans):
        return False
    return all(b1 < a2 for (_, b1), (a2, _) in itertools.pairwise(spans))


@settings(max_examples=800, **FAST)
@given(periods())
def test_period_validation_refuses_reversed_and_overlapping_periods(value) -> None:
    _count()
    definition = get_definition("fk7804")
    content = {**complete_fk7804(), "sjukskrivningar": value}
    errors = [
        m
        for m in validate(definition, content, today=TODAY)
        if m.question_id == "sjukskrivningar" and m.severity == Severity.ERROR
    ]
    assert (errors == []) is periods_ok(value), (value, errors)


JUNK = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=True),
    st.text(max_size=30),
    st.sampled_from(["2026-02-30", "2026-13-01", "idag", "J20", "HALFTEN", "JA", "\x00"]),
    st.lists(st.one_of(st.text(max_size=5), st.integers()), max_size=3),
    st.dictionaries(st.text(max_size=6), st.one_of(st.text(max_size=10), st.none()), max_size=3),
)


def well_formed(kind: FieldKind, codes: set[str], value: Any) -> bool:
    """An independent, minimal oracle: could a signed certificate hold this answer?"""
    if value is None or value == [] or value == {}:
        return True  # empty: its absence is judged by the mandatory rules
    if isinstance(value, str) and not value.strip():
        return True  # blank ("\r", "  ") is no answer either: judged by the mandatory rules
    if kind in (FieldKind.TEXT, FieldKind.TEXTAREA):
        return isinstance(value, str)
    if kind in (FieldKind.BOOLEAN, FieldKind.CHECKBOX):
        return isinstance(value, bool)
    if kind == FieldKind.DATE:
        return isinstance(value, str) and parse_date(value) is not None
    if kind == FieldKind.RADIO:
        return value in codes
    if kind == FieldKind.CHECKBOXES:
        return isinstance(value, list) and all(v in codes for v in value)
    if kind == FieldKind.DATE_CHECKBOXES:
        return isinstance(value, dict) and all(
            k in codes and isinstance(v, str) and parse_date(v) for k, v in value.items()
        )
    if kind == FieldKind.DIAGNOSES:
        return isinstance(value, list) and all(isinstance(r, dict) for r in value)
    if kind == FieldKind.SICK_LEAVE:
        return (
            isinstance(value, dict)
            and all(k in codes and isinstance(p, dict) for k, p in value.items())
            and all(
                isinstance(p.get("from"), str)
                and isinstance(p.get("to"), str)
                and parse_date(p["from"])
                and parse_date(p["to"])
                for p in value.values()
            )
            and periods_ok(value)
        )
    if kind == FieldKind.NUMBER:
        return not isinstance(value, bool) and isinstance(value, int | float | str)
    return True


FK7804 = get_definition("fk7804")
QUESTIONS = [q for section in FK7804.sections for q in section.questions]


@settings(max_examples=1000, **FAST)
@given(
    st.lists(
        st.tuples(st.sampled_from(QUESTIONS), JUNK),
        min_size=1,
        max_size=4,
        unique_by=lambda t: t[0].id,
    )
)
def test_no_malformed_certificate_can_be_signed(changes) -> None:
    _count()
    content = complete_fk7804()
    content["sjukskrivningar"] = {
        "HALFTEN": {"from": TODAY.isoformat(), "to": (TODAY + timedelta(days=13)).isoformat()}
    }
    for question, junk in changes:
        content[question.id] = junk
    messages = validate(FK7804, content, today=TODAY)  # never raises
    if can_sign(FK7804, content, today=TODAY):
        for question in QUESTIONS:
            if question.visible(content):
                codes = {o.code for o in question.options}
                assert well_formed(question.kind, codes, content.get(question.id)), (
                    question.id,
                    content.get(question.id),
                    messages,
                )


def test_enough_inputs_are_generated() -> None:
    """Runs last in this module: the properties above generated at least 10 000 inputs."""
    assert GENERATED[0] >= 10_000 or GENERATED[0] == 0, GENERATED[0]
