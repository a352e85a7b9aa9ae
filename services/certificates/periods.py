"""Dates and sick-leave periods: strict date parsing, the end-date shortcut and working time.

* :func:`parse_date` / :func:`format_date` — dates are entered and shown as ``åååå-mm-dd``;
  ``ååååmmdd`` is accepted as input too. Anything else (or an impossible date) is ``None``.
* :func:`parse_end_date_shortcut` — the manual's §5.7 "kortkommando": after a start date, typing
  ``d90``/``90d`` (days), ``v4``/``4v`` (weeks) or ``m3``/``3m`` (months), at most three digits,
  in the t.o.m. field sets the end date. The manual's example says that ``d90`` makes the period
  *90 days long*; the start day is the first of those days, so the end date is
  ``start + 89 days``. Weeks and months follow the same rule: ``v4`` is four weeks counted from
  the start day (``start + 27 days``) and ``m3`` ends the day before the same day three months
  later (2026-01-15 + ``m3`` → 2026-04-14; month ends are clamped by ``relativedelta``).
* :func:`working_time` — §5.8: the hours per week the patient still works during a period with
  reduced capacity, e.g. "Arbetstid: 30,00 timmar/vecka i 20 dagar" for 40 hours/week, 25 percent
  reduction, 20 days (both end points counted).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from dateutil.relativedelta import relativedelta

from services.certificates.base import CertificateDefinition, FieldKind

__all__ = [
    "GRADES",
    "WorkingTime",
    "format_date",
    "grade_percent",
    "parse_date",
    "parse_end_date_shortcut",
    "period_days",
    "working_time",
]

# Sick-leave grades (KV_FKMU_0003): code -> how many percent the work capacity is reduced by.
GRADES: dict[str, int] = {
    "EN_FJARDEDEL": 25,
    "HALFTEN": 50,
    "TRE_FJARDEDEL": 75,
    "HELT_NEDSATT": 100,
}

_ISO = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$", re.ASCII)  # ASCII digits only
_COMPACT = re.compile(r"^(\d{4})(\d{2})(\d{2})$", re.ASCII)  # ASCII digits only
_SHORTCUT = re.compile(r"^(?:([dvm])(\d{1,3})|(\d{1,3})([dvm]))$", re.ASCII)  # ASCII digits only


def parse_date(text: object) -> date | None:
    """``date`` for ``"åååå-mm-dd"`` or ``"ååååmmdd"`` (surrounding blanks allowed), else ``None``.

    Strict: no other separators, no missing zeros, no impossible dates (2026-02-30).
    """
    if isinstance(text, date):
        return text
    if not isinstance(text, str):
        return None
    value = text.strip()
    match = _ISO.match(value) or _COMPACT.match(value)
    if match is None:
        return None
    year, month, day = (int(part) for part in match.groups())
    try:
        return date(year, month, day)
    except ValueError:
        return None


def looks_like_date(text: object) -> bool:
    """Whether ``text`` has a date's shape (even if the date itself does not exist)."""
    return isinstance(text, str) and bool(_ISO.match(text.strip()) or _COMPACT.match(text.strip()))


def format_date(d: date) -> str:
    """``åååå-mm-dd``."""
    return d.isoformat()


def parse_end_date_shortcut(text: str, start: date) -> date | None:
    """End date for a §5.7 shortcut typed in the t.o.m. field, or ``None`` if it is not one.

    ``d``/``v``/``m`` (days, weeks, months) before or after 1–3 digits, case-insensitive; the
    count must be at least 1. The period includes the start day (see the module docstring).
    """
    if not isinstance(text, str) or not isinstance(start, date):
        return None
    match = _SHORTCUT.match(text.strip().lower())
    if match is None:
        return None
    unit = match.group(1) or match.group(4)
    count = int(match.group(2) or match.group(3))
    if count < 1:
        return None
    if unit == "d":
        return start + timedelta(days=count - 1)
    if unit == "v":
        return start + timedelta(days=7 * count - 1)
    return start + relativedelta(months=count) - timedelta(days=1)


def period_days(start: date, end: date) -> int:
    """Number of days from ``start`` to ``end``, both included."""
    return (end - start).days + 1


def grade_percent(grade_code: str) -> int:
    """Percent of reduction for a grade code (``"HALFTEN"`` → 50); also accepts ``"50"``."""
    code = str(grade_code).strip().upper()
    if code in GRADES:
        return GRADES[code]
    if code.isdigit() and int(code) in GRADES.values():
        return int(code)
    raise ValueError(f"Okänd sjukskrivningsgrad: {grade_code!r}")


@dataclass(frozen=True)
class WorkingTime:
    hours_per_week: float  # the patient's normal working hours per week
    reduction_percent: int  # 25, 50, 75 or 100
    days: int  # length of the period, both end points included
    remaining_hours_per_week: float  # what the patient still works

    @property
    def text(self) -> str:
        """ "Arbetstid: 30,00 timmar/vecka i 20 dagar" (decimal comma, two decimals)."""
        hours = f"{self.remaining_hours_per_week:.2f}".replace(".", ",")
        unit = "dag" if self.days == 1 else "dagar"
        return f"Arbetstid: {hours} timmar/vecka i {self.days} {unit}"


def working_time(hours_per_week: float, grade_code: str, start: date, end: date) -> WorkingTime:
    """Working time left during one period (§5.8).

    Raises ``ValueError`` for negative or absurd hours (over 168), an unknown grade or an end
    before the start.
    """
    hours = float(hours_per_week)
    if hours < 0 or hours > 168:
        raise ValueError("Antal timmar per vecka måste vara mellan 0 och 168.")
    if end < start:
        raise ValueError("Slutdatum får inte vara tidigare än startdatum.")
    percent = grade_percent(grade_code)
    exact = Decimal(str(hours)) * (100 - percent) / 100
    remaining = float(exact.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))  # 28,125 → 28,13
    return WorkingTime(
        hours_per_week=hours,
        reduction_percent=percent,
        days=period_days(start, end),
        remaining_hours_per_week=remaining,
    )


def working_times(definition: CertificateDefinition, content: dict[str, Any]) -> dict[str, str]:
    """The resulting working time of each reduced sick-leave period of ``content`` (§5.8), by
    grade code: for every section with a sick-leave field and a number field (hours per
    week). A period without valid dates, or without hours, has none."""
    result: dict[str, str] = {}
    for section in definition.sections:
        leave = [q for q in section.questions if q.kind == FieldKind.SICK_LEAVE]
        hours = [q for q in section.questions if q.kind == FieldKind.NUMBER]
        if not leave or not hours:
            continue
        raw_hours = content.get(hours[0].id)
        if isinstance(raw_hours, str):
            try:
                raw_hours = float(raw_hours.replace(",", "."))
            except ValueError:
                continue
        if not isinstance(raw_hours, int | float) or raw_hours <= 0:
            continue
        for code, period in (content.get(leave[0].id) or {}).items():
            if not isinstance(period, dict):
                continue
            start = parse_date(str(period.get("from") or ""))
            end = parse_date(str(period.get("to") or ""))
            if start and end and end >= start:
                try:
                    result[code] = working_time(float(raw_hours), code, start, end).text
                except (ValueError, KeyError):
                    continue
    return result
