"""Swedish personnummer and samordningsnummer: normalisation, validation and formatting.

The canonical form everywhere in the application is 12 digits, ``ÅÅÅÅMMDDNNNN``.
A samordningsnummer is a personnummer whose day of month has 60 added (``ÅÅÅÅMM(DD+60)NNNN``).
Validation uses python-stdnum (Luhn check digit over the last 10 digits, date check).
"""

from __future__ import annotations

import datetime
import re

from stdnum import luhn
from stdnum.exceptions import ValidationError
from stdnum.se import personnummer as stdnum_personnummer

from services.errors import InvalidInput

__all__ = [
    "InvalidPersonnummer",
    "format",
    "is_samordningsnummer",
    "is_valid",
    "normalize",
]

SAMORDNING_DAY_OFFSET = 60

# ÅÅÅÅMMDD-NNNN, ÅÅÅÅMMDDNNNN, ÅÅMMDD-NNNN, ÅÅMMDD+NNNN (100 years or older), ÅÅMMDDNNNN
# ASCII digits only: \d alone would take other scripts' digits (int() reads them too).
_PATTERN = re.compile(
    r"^(?P<century>\d{2})?(?P<date>\d{6})(?P<sep>[-+]?)(?P<tail>\d{4})$", re.ASCII
)


class InvalidPersonnummer(InvalidInput):
    """The text is not a valid personnummer or samordningsnummer."""

    code = "INVALID_PERSONNUMMER"
    default_message = "Personnumret är inte giltigt. Ange det som ÅÅÅÅMMDD-NNNN."


def _infer_century(yymmdd: str, sep: str, today: datetime.date) -> int:
    """Century for a 10-digit number, the way Skatteverket defines it ('+' = 100 years or older)."""
    year, month, day = int(yymmdd[:2]), int(yymmdd[2:4]), int(yymmdd[4:6])
    if day > SAMORDNING_DAY_OFFSET:
        day -= SAMORDNING_DAY_OFFSET
    century = today.year // 100
    # The whole birth date decides, not the year alone: born later this year is last century.
    if (year, month, day) > (today.year % 100, today.month, today.day):
        century -= 1
    if sep == "+":
        century -= 1
    return century


def normalize(value: str, *, today: datetime.date | None = None) -> str:
    """Return the 12-digit form of a personnummer or samordningsnummer.

    Accepts 10 or 12 digits, with or without '-' (or '+' for 100 years or older).
    Raises InvalidPersonnummer with a Swedish message when the number is not valid.
    """
    if not isinstance(value, str):
        raise InvalidPersonnummer()
    text = value.strip().replace(" ", "")
    match = _PATTERN.match(text)
    if not match:
        raise InvalidPersonnummer(
            "Personnumret har fel format. Ange det som ÅÅÅÅMMDD-NNNN (12 siffror)."
        )
    century_text, date_text, sep, tail = match.group("century", "date", "sep", "tail")
    if century_text is None:
        century = _infer_century(date_text, sep, today or datetime.date.today())
        century_text = f"{century:02d}"
    elif sep == "+":
        raise InvalidPersonnummer(
            "Personnumret har fel format. Ange det som ÅÅÅÅMMDD-NNNN (12 siffror)."
        )
    digits = f"{century_text}{date_text}{tail}"

    year, month, day = int(digits[0:4]), int(digits[4:6]), int(digits[6:8])
    if day > SAMORDNING_DAY_OFFSET:
        day -= SAMORDNING_DAY_OFFSET
    try:
        datetime.date(year, month, day)
    except ValueError:
        raise InvalidPersonnummer(
            "Personnumret innehåller ett födelsedatum som inte finns."
        ) from None
    try:
        if is_samordningsnummer_digits(digits):
            luhn.validate(digits[2:])
        else:
            stdnum_personnummer.validate(f"{digits[:8]}-{digits[8:]}")
    except ValidationError:
        raise InvalidPersonnummer(
            "Personnumret är inte korrekt: kontrollsiffran stämmer inte."
        ) from None
    return digits


def is_valid(value: str) -> bool:
    """True if ``value`` is a valid personnummer or samordningsnummer."""
    try:
        normalize(value)
    except InvalidPersonnummer:
        return False
    return True


def is_samordningsnummer_digits(digits: str) -> bool:
    """True if the 12-digit string has a samordningsnummer day (61-91)."""
    return int(digits[6:8]) > SAMORDNING_DAY_OFFSET


def is_samordningsnummer(value: str) -> bool:
    """True if ``value`` is a valid samordningsnummer (day of month + 60)."""
    try:
        digits = normalize(value)
    except InvalidPersonnummer:
        return False
    return is_samordningsnummer_digits(digits)


def format(value: str) -> str:
    """Format as ``ÅÅÅÅMMDD-NNNN`` (raises InvalidPersonnummer if invalid)."""
    digits = normalize(value)
    return f"{digits[:8]}-{digits[8:]}"
