"""Personnummer / samordningsnummer normalisation, validation and formatting."""

from __future__ import annotations

import datetime

import pytest

from services import personnummer as pnr
from services.errors import InvalidInput, WebcertError
from tests.factories import luhn_digit

TODAY = datetime.date(2025, 6, 1)


@pytest.mark.parametrize(
    "text",
    ["191212121212", "19121212-1212", " 19121212-1212 ", "121212+1212", "19121212 1212"],
)
def test_tolvan_in_every_spelling(text):
    # "+" marks a person aged 100 or more, so 121212+1212 is born 1912.
    assert pnr.normalize(text, today=TODAY) == "191212121212"


def test_ten_digits_without_plus_is_the_latest_possible_century():
    assert pnr.normalize("1212121212", today=TODAY) == "201212121212"
    assert pnr.normalize("121212-1212", today=TODAY) == "201212121212"
    # Year 26 is after 2025: it must be 1926 (nobody is born in the future).
    nine = "260101123"
    number = nine[:6] + "-" + nine[6:] + luhn_digit(nine)
    assert pnr.normalize(number, today=TODAY) == "19" + nine + luhn_digit(nine)


def test_generated_valid_numbers_are_accepted_and_bad_check_digit_refused():
    nine = "850709123"
    good = "19" + nine + luhn_digit(nine)
    assert pnr.normalize(good) == good
    bad = good[:-1] + str((int(good[-1]) + 1) % 10)
    with pytest.raises(pnr.InvalidPersonnummer) as info:
        pnr.normalize(bad)
    assert "kontrollsiffran" in info.value.message


@pytest.mark.parametrize(
    "text",
    ["", "abc", "1912121212", "19121212-121", "1912121212123", "19121212--1212", "19121212+1212"],
)
def test_bad_format(text):
    with pytest.raises(pnr.InvalidPersonnummer) as info:
        pnr.normalize(text)
    assert info.value.message  # Swedish text for the user
    assert info.value.code == "INVALID_PERSONNUMMER"


def test_impossible_date():
    nine = "191302301"  # 1913-02-30
    with pytest.raises(pnr.InvalidPersonnummer) as info:
        pnr.normalize("19" + nine + luhn_digit(nine))
    assert "datum" in info.value.message


def test_not_a_string():
    with pytest.raises(pnr.InvalidPersonnummer):
        pnr.normalize(191212121212)  # type: ignore[arg-type]


def test_error_is_an_invalid_input_webcert_error():
    with pytest.raises(InvalidInput):
        pnr.normalize("x")
    assert issubclass(pnr.InvalidPersonnummer, WebcertError)


def test_samordningsnummer():
    # Sam Samordningsson in the PU test data: day 87 = 27 + 60.
    assert pnr.normalize("195401875769") == "195401875769"
    assert pnr.normalize("540187-5769", today=TODAY) == "195401875769"
    assert pnr.is_samordningsnummer("19540187-5769")
    assert not pnr.is_samordningsnummer("19121212-1212")
    assert not pnr.is_samordningsnummer("not a number")
    # Day 92 would be the 32nd: no such date.
    nine = "540192576"
    assert not pnr.is_valid("19" + nine + luhn_digit(nine))


def test_format_and_is_valid():
    assert pnr.format("191212121212") == "19121212-1212"
    assert pnr.format("121212+1212") == "19121212-1212"
    assert pnr.is_valid("19121212-1212")
    assert not pnr.is_valid("19121212-1213")
    with pytest.raises(pnr.InvalidPersonnummer):
        pnr.format("19121212-1213")


def test_stdnum_accepts_twelve_digits_with_century():
    # The brief's concern: python-stdnum must handle the 12-digit form we store.
    from stdnum.se import personnummer

    assert personnummer.is_valid("19121212-1212")
    assert personnummer.is_valid("191212121212")
