"""Code systems, the Diagnosis value, code normalisation and the shipped code lists.

ICD-10-SE codes are written as the source and Webcert write them: without a dot ("J20", "J209",
"M659B"). KSH97-P codes keep their own markers: "-" pads a three-position category ("J20-",
"F32-") and a trailing "P" marks a primary-care grouping ("A02-P", "F419P"); "F438A" is a
special code. Users may type either system's codes with or without dot, dash and case.
"""

from __future__ import annotations

import enum
import gzip
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

DATA_DIR = Path(__file__).resolve().parent.parent / "data"

#: The heading of the diagnosis field in the certificate, whatever code system is used (§5.2).
CERTIFICATE_DIAGNOSIS_HEADING = "Diagnoskod enligt ICD-10-SE"


class CodeSystem(enum.StrEnum):
    """Diagnosis code systems a certificate can use (Webcert's Diagnoskodverk)."""

    ICD_10_SE = "ICD_10_SE"
    KSH_97_P = "KSH_97_P"

    @property
    def label(self) -> str:
        """The name shown to users: "ICD-10-SE" or "KSH97-P"."""
        return "ICD-10-SE" if self is CodeSystem.ICD_10_SE else "KSH97-P"

    @property
    def certificate_heading(self) -> str:
        """The heading in the certificate: always ICD-10-SE, also for KSH97-P (§5.2)."""
        return CERTIFICATE_DIAGNOSIS_HEADING


@dataclass(frozen=True, slots=True)
class Diagnosis:
    """One diagnosis code with its text, as shown in the suggestions and stored in a draft."""

    code: str
    text: str
    system: CodeSystem
    #: The everyday term that found an ICD-10-SE code ("Magsår" for K25), "" for its own text.
    matched: str = ""


def coerce_system(system: CodeSystem | str) -> CodeSystem:
    """Accept the enum, its value ("KSH_97_P") or its label ("KSH97-P")."""
    if isinstance(system, CodeSystem):
        return system
    value = str(system).strip().upper().replace("-", "_")
    aliases = {
        "ICD_10_SE": CodeSystem.ICD_10_SE,
        "ICD10SE": CodeSystem.ICD_10_SE,
        "KSH_97_P": CodeSystem.KSH_97_P,
        "KSH97_P": CodeSystem.KSH_97_P,
        "KSH97P": CodeSystem.KSH_97_P,
    }
    try:
        return aliases[value]
    except KeyError:
        raise ValueError(f"unknown code system {system!r}") from None


_STRIP_RE = re.compile(r"[\s.\-]")


def code_key(code: str, system: CodeSystem | str = CodeSystem.ICD_10_SE) -> str:
    """The lookup key of a typed code: upper case without spaces, dots and dashes.

    For KSH97-P the trailing primary-care marker "P" is dropped too, so "a02-p", "A02P" and
    "A02" all give "A02" (there are no collisions in the KSH97-P list).
    """
    key = _STRIP_RE.sub("", (code or "").upper())
    if coerce_system(system) is CodeSystem.KSH_97_P and len(key) >= 4 and key.endswith("P"):
        key = key[:-1]
    return key


def positions(code: str, system: CodeSystem | str = CodeSystem.ICD_10_SE) -> int:
    """Number of real code positions, without dots and KSH97-P markers ("F32-P" has 3)."""
    return len(code_key(code, system))


@dataclass(frozen=True, slots=True)
class CodeList:
    """One code system loaded from services/data."""

    system: CodeSystem
    codes: tuple[str, ...]  # sorted, as written in the source
    texts: tuple[str, ...]  # main text of each code
    synonyms: tuple[tuple[str, ...], ...]  # extra search terms (KSH97-P alternative terms)
    by_key: dict[str, int]  # code_key -> index
    keys: tuple[str, ...] = ()  # code_key of each code, in list order


@cache
def load_code_list(system: CodeSystem | str) -> CodeList:
    """Load a shipped code list (cached; the data is immutable)."""
    system = coerce_system(system)
    name = "icd10se.tsv.gz" if system is CodeSystem.ICD_10_SE else "ksh97p.tsv.gz"
    codes: list[str] = []
    texts: list[str] = []
    synonyms: list[tuple[str, ...]] = []
    with gzip.open(DATA_DIR / name, "rt", encoding="utf-8") as handle:
        for line in handle:
            parts = line.rstrip("\n").split("\t")
            codes.append(parts[0])
            texts.append(parts[1])
            extra = parts[2] if len(parts) > 2 else ""
            synonyms.append(tuple(term for term in extra.split("|") if term))
    keys = tuple(code_key(code, system) for code in codes)
    by_key: dict[str, int] = {}
    for index, key in enumerate(keys):
        by_key.setdefault(key, index)
    return CodeList(system, tuple(codes), tuple(texts), tuple(synonyms), by_key, keys)


def lookup(code: str, system: CodeSystem | str = CodeSystem.ICD_10_SE) -> Diagnosis | None:
    """The diagnosis for a typed code in the given system ("j20.9" finds "J209"), or None."""
    code_list = load_code_list(system)
    index = code_list.by_key.get(code_key(code, code_list.system))
    if index is None:
        return None
    return Diagnosis(code_list.codes[index], code_list.texts[index], code_list.system)


def format_code(code: str, system: CodeSystem | str = CodeSystem.ICD_10_SE) -> str:
    """Display form of a code as Webcert shows it: "j20.9" -> "J209", "a02p" -> "A02-P".

    Unknown codes come back upper-cased without spaces and dots.
    """
    found = lookup(code, system)
    if found is not None:
        return found.code
    return re.sub(r"[\s.]", "", (code or "").upper())


# --- FK rules -------------------------------------------------------------------------------

MSG_MISSING = "Ange diagnoskod."
MSG_MIN_3 = "Ange diagnoskod med så många positioner som möjligt, men minst tre positioner."
MSG_PSYCH_4 = "Ange diagnoskod med minst fyra positioner på en psykisk diagnos."
MSG_MAX_5 = "Ange diagnoskod med högst fem positioner."
MSG_INVALID = "Diagnoskoden är inte giltig. Ange en bokstav följd av siffror, till exempel J20."
MSG_MIXED_SYSTEMS = "Alla diagnoser i intyget ska anges med samma kodverk."

_FORMAT_RE = re.compile(r"^[A-Z]\d{2}[0-9A-Z]{0,2}$")


def _msg_unknown(code: str, system: CodeSystem) -> str:
    return f"Diagnoskoden {code} finns inte i {system.label}."


def is_psychiatric(code: str) -> bool:
    """F codes (and Z73, as in Webcert's FK validators) need at least four positions."""
    key = code_key(code)
    return key.startswith("F") or key.startswith("Z73")


def fk_suggestion_note(code: str, system: CodeSystem | str = CodeSystem.ICD_10_SE) -> str:
    """What a suggestion must say for an FK certificate before it is chosen: a three-position
    F or Z73 code is refused at signing, so it is marked with the rule's text; "" otherwise."""
    key = code_key(code, system)
    return MSG_PSYCH_4 if is_psychiatric(key) and len(key) < 4 else ""


def order_for_fk(
    diagnoses: list[Diagnosis],
) -> list[tuple[Diagnosis, str]]:
    """Suggestions for an FK certificate with their notes (:func:`fk_suggestion_note`): the
    codes that can be signed first, those that need more positions after them (stable)."""
    noted = [(d, fk_suggestion_note(d.code, d.system)) for d in diagnoses]
    return sorted(noted, key=lambda pair: pair[1] != "")


def validate_code_for_fk(code: str, system: CodeSystem | str = CodeSystem.ICD_10_SE) -> str | None:
    """Check a diagnosis code against Försäkringskassan's rules; a Swedish message or None.

    Rules, in Webcert's order: a code is required; psychiatric codes (F, and Z73) need at least
    four positions; other codes at least three; at most five; the code must exist in the chosen
    code system. Positions are counted without dots and without the KSH97-P markers "-" and
    trailing "P" (so KSH97-P "F32-" counts three positions and is refused like ICD-10-SE "F32").
    """
    system = coerce_system(system)
    key = code_key(code, system)
    if not key:
        return MSG_MISSING
    if is_psychiatric(key) and len(key) < 4:
        return MSG_PSYCH_4
    if len(key) < 3:
        return MSG_MIN_3
    if len(key) > 5:
        return MSG_MAX_5
    if not _FORMAT_RE.match(key):
        return MSG_INVALID
    if lookup(key, system) is None:
        return _msg_unknown(format_code(code, system), system)
    return None


def validate_code_systems(systems: list[CodeSystem | str]) -> str | None:
    """All diagnoses of one certificate use one code system; a message if they do not."""
    distinct = {coerce_system(system) for system in systems if system}
    return MSG_MIXED_SYSTEMS if len(distinct) > 1 else None
