"""§5.7 end-date shortcut, §5.8 working time and strict dates (expectations from the manual)."""

from datetime import date

import pytest

from services.certificates.periods import (
    format_date,
    parse_date,
    parse_end_date_shortcut,
    period_days,
    working_time,
)

START = date(2018, 4, 5)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # "d90 eller 90d sätts till-och-med-datumet så att sjukskrivningsperioden blir 90 dagar"
        ("d90", date(2018, 7, 3)),
        ("90d", date(2018, 7, 3)),
        ("D90", date(2018, 7, 3)),
        (" 90d ", date(2018, 7, 3)),
        ("d1", START),
        ("d20", date(2018, 4, 24)),  # figure 20: 2018-04-05 – 2018-04-24 is 20 days
        ("v4", date(2018, 5, 2)),
        ("4v", date(2018, 5, 2)),
        ("v1", date(2018, 4, 11)),
        ("m3", date(2018, 7, 4)),
        ("3m", date(2018, 7, 4)),
        ("m12", date(2019, 4, 4)),
        ("d999", date(2020, 12, 28)),  # 999 days: the start day plus 998
    ],
)
def test_shortcut_sets_end_date(text: str, expected: date) -> None:
    assert parse_end_date_shortcut(text, START) == expected


def test_shortcut_d90_makes_a_90_day_period() -> None:
    end = parse_end_date_shortcut("d90", START)
    assert end is not None
    assert period_days(START, end) == 90


def test_shortcut_month_end_is_clamped() -> None:
    assert parse_end_date_shortcut("m1", date(2026, 1, 31)) == date(2026, 2, 27)
    assert parse_end_date_shortcut("m1", date(2026, 3, 1)) == date(2026, 3, 31)


@pytest.mark.parametrize(
    "text",
    [
        "d1000",  # at most three digits
        "1000d",
        "d0",
        "0v",
        "d",
        "90",
        "x90",
        "90x",
        "d9d",
        "9d9",
        "d-5",
        "d 90",
        "90 dagar",
        "",
        "2018-05-01",
    ],
)
def test_shortcut_rejects_bad_input(text: str) -> None:
    assert parse_end_date_shortcut(text, START) is None


def test_shortcut_rejects_non_text() -> None:
    assert parse_end_date_shortcut(None, START) is None  # type: ignore[arg-type]


def test_working_time_figure_20() -> None:
    # 40 timmar/vecka, 25 procent nedsatt, 2018-04-05 – 2018-04-24
    result = working_time(40, "EN_FJARDEDEL", date(2018, 4, 5), date(2018, 4, 24))
    assert result.text == "Arbetstid: 30,00 timmar/vecka i 20 dagar"
    assert result.remaining_hours_per_week == 30.0
    assert result.days == 20


@pytest.mark.parametrize(
    ("hours", "grade", "expected_hours"),
    [
        (40, "HALFTEN", "20,00"),
        (40, "TRE_FJARDEDEL", "10,00"),
        (40, "HELT_NEDSATT", "0,00"),
        (37.5, "EN_FJARDEDEL", "28,13"),  # 28.125 shown with two decimals
        (37, "TRE_FJARDEDEL", "9,25"),
        (38.5, "HALFTEN", "19,25"),
        (40, "50", "20,00"),
    ],
)
def test_working_time_arithmetic(hours: float, grade: str, expected_hours: str) -> None:
    result = working_time(hours, grade, date(2026, 1, 1), date(2026, 1, 14))
    assert result.text == f"Arbetstid: {expected_hours} timmar/vecka i 14 dagar"


def test_working_time_one_day_singular() -> None:
    assert working_time(40, "HALFTEN", START, START).text.endswith("i 1 dag")


@pytest.mark.parametrize(
    ("hours", "grade", "start", "end"),
    [
        (-1, "HALFTEN", START, START),
        (169, "HALFTEN", START, START),
        (40, "TIO_PROCENT", START, START),
        (40, "HALFTEN", date(2018, 4, 6), START),
    ],
)
def test_working_time_rejects_bad_input(hours, grade, start, end) -> None:
    with pytest.raises(ValueError):
        working_time(hours, grade, start, end)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-03-10", date(2026, 3, 10)),
        ("20260310", date(2026, 3, 10)),
        (" 2026-03-10 ", date(2026, 3, 10)),
        ("2024-02-29", date(2024, 2, 29)),
        ("2026-02-29", None),  # not a leap year
        ("2026-13-01", None),
        ("2026-3-10", None),
        ("2026/03/10", None),
        ("10-03-2026", None),
        ("2026-03-10T00:00", None),
        ("260310", None),
        ("", None),
        (None, None),
        (20260310, None),
    ],
)
def test_parse_date_is_strict(text, expected) -> None:
    assert parse_date(text) == expected


def test_format_date() -> None:
    assert format_date(date(2026, 3, 1)) == "2026-03-01"
