"""FMB sick-leave length guidance for FK7804 (issue 20, item 5; later Webcert versions have it).

The *spell* (sjukfall) is this certificate's sick-leave periods plus the patient's earlier signed
FK7804 periods at the same care provider that join it: two periods join when at most
``MAX_GAP_DAYS`` days without sick leave lie between them (periods ending 10 January and
starting 16 January join, starting 17 January they do not). Its length is the number of days
on sick leave (the gap days are not counted).

When the spell is longer than FMB's typical maximum for the main (first) diagnosis
(services.fmb.fmb_maximum: the largest maximalsjukskrivningstid of the diagnosis's typfall),
the certificate shows the total, FMB's figure and diagnosis, and asks for a reason in
FK7804's own field "Patientens arbetsförmåga bedöms nedsatt längre tid än den som
Socialstyrelsens försäkringsmedicinska beslutsstöd anger, därför att" (37). No warning when
FMB gives no figure for the diagnosis.

Earlier certificates are read through the access rules (services.rights.decide, READ): a
certificate on another care unit of the care provider counts only when the user may read it
(sammanhållen journalföring); revoked certificates and drafts never count, nor a certificate
replaced or complemented by a signed one, nor the original a replacing or complementing draft
takes the place of.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlmodel import col, select

from services import audit, rights
from services.certificate_access import SIGNED_STATUSES, load_for_user, record, relation_flags
from services.certificates.periods import GRADES, parse_date
from services.fmb import fmb_maximum
from services.identity import SessionUser
from services.persistence.db import session_scope
from services.persistence.models import Certificate, RelationKind
from services.rights import Action, PatientFlags

#: Certificate types the guidance applies to: their period, diagnosis and reason question ids.
GUIDED_TYPES = {"fk7804": ("sjukskrivningar", "diagnoser", "motivering_langre_an_fmb")}
MAX_GAP_DAYS = 5
SPELL_READ_DETAIL = "Sjukfallets perioder (FMB)"  # the PDL record of an earlier certificate read

Interval = tuple[date, date]

__all__ = [
    "GUIDED_TYPES",
    "MAX_GAP_DAYS",
    "LengthCheck",
    "Spell",
    "dated_periods",
    "earlier_periods",
    "from_json",
    "length_check",
    "main_diagnosis",
    "reason_question",
    "spell",
    "to_json",
]


@dataclass(frozen=True, slots=True)
class Spell:
    """The joined sick-leave spell: first and last day, days on sick leave, earlier periods."""

    start: date
    end: date
    days: int
    earlier_periods: int  # how many earlier certificates' periods joined it


@dataclass(frozen=True, slots=True)
class LengthCheck:
    """The spell against FMB's maximum for the main diagnosis."""

    spell: Spell
    max_days: int
    fmb_code: str
    fmb_title: str
    diagnosis_code: str

    @property
    def exceeds(self) -> bool:
        """True when the spell is longer than FMB's maximum."""
        return self.spell.days > self.max_days

    @property
    def message(self) -> str:
        """The warning shown beside the periods ("" when the spell is within FMB's figure)."""
        if not self.exceeds:
            return ""
        earlier = (
            f" (med {self.spell.earlier_periods} tidigare intyg hos vårdgivaren)"
            if self.spell.earlier_periods
            else ""
        )
        return (
            f"Den totala sjukskrivningsperioden är {self.spell.days} dagar{earlier} och "
            f"överskrider Socialstyrelsens försäkringsmedicinska beslutsstöd (FMB), som för "
            f"{self.fmb_title} ({self.fmb_code}) anger högst {self.max_days} dagar. Ange en "
            "motivering till den längre sjukskrivningen i fältet under perioderna."
        )


def dated_periods(
    content: dict[str, Any] | None, period_qid: str = "sjukskrivningar"
) -> list[Interval]:
    """The (from, to) of every complete period of a content (from ≤ to), in grade order."""
    periods = (content or {}).get(period_qid)
    if not isinstance(periods, dict):
        return []
    result: list[Interval] = []
    for code, period in periods.items():
        if code not in GRADES or not isinstance(period, dict):
            continue
        start, end = parse_date(period.get("from")), parse_date(period.get("to"))
        if start is not None and end is not None and start <= end:
            result.append((start, end))
    return result


def spell(current: list[Interval], earlier: list[list[Interval]]) -> Spell | None:
    """The spell of ``current`` periods joined with the earlier certificates' periods.

    ``earlier`` holds one list of periods per earlier certificate. Periods chain when at most
    MAX_GAP_DAYS days lie between one's end and the next one's start; the spell is every chain
    that holds a current period. None without current periods.
    """
    if not current:
        return None
    tagged = [(start, end, -1) for start, end in current]
    for number, periods in enumerate(earlier):
        tagged.extend((start, end, number) for start, end in periods)
    tagged.sort()
    chains: list[list[tuple[date, date, int]]] = []
    chain_end: date | None = None
    for start, end, owner in tagged:
        if chain_end is None or (start - chain_end).days - 1 > MAX_GAP_DAYS:
            chains.append([])
            chain_end = end
        chains[-1].append((start, end, owner))
        chain_end = max(chain_end, end)
    joined = [item for chain in chains if any(o == -1 for *_, o in chain) for item in chain]
    days: set[date] = set()
    for start, end, _ in joined:
        days.update(start + timedelta(n) for n in range((end - start).days + 1))
    owners = {owner for *_, owner in joined if owner >= 0}
    return Spell(min(days), max(days), len(days), len(owners))


def main_diagnosis(content: dict[str, Any] | None, diagnosis_qid: str = "diagnoser") -> str:
    """The code of the first diagnosis row that has one ("" when none)."""
    rows = (content or {}).get(diagnosis_qid)
    if not isinstance(rows, list):
        return ""
    for row in rows:
        if isinstance(row, dict) and str(row.get("code") or "").strip():
            return str(row["code"]).strip()
    return ""


def length_check(
    cert_type: str, content: dict[str, Any] | None, earlier: list[list[Interval]]
) -> LengthCheck | None:
    """The spell against FMB's maximum for the main diagnosis; None when FMB has no figure,
    there is no main diagnosis or no complete period, or the type has no guidance."""
    qids = GUIDED_TYPES.get(cert_type)
    if qids is None:
        return None
    code = main_diagnosis(content, qids[1])
    maximum = fmb_maximum(code) if code else None
    if maximum is None:
        return None
    joined = spell(dated_periods(content, qids[0]), earlier)
    if joined is None:
        return None
    return LengthCheck(joined, maximum.days, maximum.fmb_code, maximum.title, code)


def reason_question(cert_type: str) -> str:
    """The id of the question that takes the reason for a longer sick leave ("" if none)."""
    qids = GUIDED_TYPES.get(cert_type)
    return qids[2] if qids else ""


def to_json(periods: list[list[Interval]]) -> list[list[list[str]]]:
    """Earlier periods as ISO strings (kept in a UI state between events)."""
    return [[[start.isoformat(), end.isoformat()] for start, end in cert] for cert in periods]


def from_json(raw: object) -> list[list[Interval]]:
    """The inverse of :func:`to_json`; anything malformed is dropped."""
    result: list[list[Interval]] = []
    for cert in raw if isinstance(raw, list) else []:
        periods: list[Interval] = []
        for pair in cert if isinstance(cert, list) else []:
            if isinstance(pair, list) and len(pair) == 2:
                start, end = parse_date(pair[0]), parse_date(pair[1])
                if start is not None and end is not None and start <= end:
                    periods.append((start, end))
        if periods:
            result.append(periods)
    return result


def earlier_periods(user: SessionUser, certificate_id: str) -> list[list[Interval]]:
    """The periods of the patient's other signed certificates of the same type at the same care
    provider that ``user`` may read, one list per certificate ([] for other types)."""
    with session_scope() as s:
        cert = load_for_user(user, certificate_id, Action.READ, session=s)
        qids = GUIDED_TYPES.get(cert.type)
        if qids is None or not cert.care_provider_id:
            return []
        others = s.exec(
            select(Certificate).where(
                Certificate.patient_id == cert.patient_id,
                Certificate.type == cert.type,
                Certificate.care_provider_id == cert.care_provider_id,
                col(Certificate.status).in_(SIGNED_STATUSES),
                Certificate.id != cert.id,
            )
        ).all()
        # A replacing or complementing draft takes the place of its original: not counted.
        superseded = (
            cert.parent_id
            if cert.relation_kind in (RelationKind.REPLACE, RelationKind.COMPLEMENT)
            else None
        )
        result: list[list[Interval]] = []
        for other in others:
            if other.id == superseded:
                continue
            flags = PatientFlags.from_snapshot(other.patient)
            relations = relation_flags(other, session=s)
            if relations.replaced_by_signed or relations.complemented_by_signed:
                continue  # the signed certificate that replaced it counts instead
            if not rights.decide(user, other, Action.READ, flags, relations=relations):
                continue
            periods = dated_periods(other.content, qids[0])
            if periods:
                result.append(periods)
                # PDL: the earlier certificate's periods were read for this user (issue 18)
                record(user, audit.AuditAction.READ, other, session=s, detail=SPELL_READ_DETAIL)
        return result
