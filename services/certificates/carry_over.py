"""What follows into a new draft made from an existing certificate (§4.6–4.8, §6.3.1).

Renewal (Förnya, §4.6) copies everything except the questions marked
``follows_on_renew=False`` (for FK7804: grund för medicinskt underlag, the sick-leave periods and
kontakt med FK), and their ICF keys. Replace, copy of a locked draft and complement copy
everything. The original content is never changed.
"""

from __future__ import annotations

import copy

from services.certificates.base import (
    ICF_SUFFIX,
    CarryOver,
    CertificateDefinition,
    Content,
    FieldKind,
)
from services.certificates.periods import GRADES, parse_date

__all__ = ["carry_over", "previous_period_summary"]


def carry_over(definition: CertificateDefinition, content: Content, mode: CarryOver) -> dict:
    """A deep copy of ``content`` for a new draft made by ``mode``."""
    result = copy.deepcopy(dict(content or {}))
    if CarryOver(mode) != CarryOver.RENEW:
        return result
    for question in definition.questions():
        if not question.follows_on_renew:
            result.pop(question.id, None)
            result.pop(f"{question.id}{ICF_SUFFIX}", None)
    return result


def _sick_leave_question_id(content: Content, definition: CertificateDefinition | None) -> str:
    if definition is not None:
        for question in definition.questions():
            if question.kind == FieldKind.SICK_LEAVE:
                return question.id
    return "sjukskrivningar"


def previous_period_summary(
    content: Content, definition: CertificateDefinition | None = None
) -> str | None:
    """The grade and end date of the original certificate's sick leave, shown above the periods
    in the renewing draft (§4.6), e.g.
    "Sjukskrivningsgrad och slutdatum i det ursprungliga intyget: 50 procent t.o.m. 2026-12-01".

    The period that ends last is the one that applied at the end; ``None`` when there is none.
    """
    periods = (content or {}).get(_sick_leave_question_id(content, definition))
    if not isinstance(periods, dict):
        return None
    latest: tuple = ()
    for code, period in periods.items():
        if code not in GRADES or not isinstance(period, dict):
            continue
        end = parse_date(period.get("to"))
        if end is not None and (not latest or end > latest[0]):
            latest = (end, code)
    if not latest:
        return None
    end, code = latest
    return (
        "Sjukskrivningsgrad och slutdatum i det ursprungliga intyget: "
        f"{GRADES[code]} procent t.o.m. {end.isoformat()}"
    )
