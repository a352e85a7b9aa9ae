"""Socialstyrelsen's försäkringsmedicinska beslutsstöd (FMB) for chosen diagnoses (manual §5.3).

FMB information is given at the three- or four-character level of an ICD-10-SE code and applies
to all codes below it: "J209" and "J20" both find the "Akut bronkit" information given for J20;
the most specific level wins (as Webcert: the code is shortened one position at a time, down to
three). KSH97-P codes work too ("J20-", "F32-P").

The data is services/data/fmb.json.gz, converted by scripts/convert_fmb_icf.py. The source HTML
is never passed on: sections hold plain-text blocks (paragraphs and bullets) that the UI renders
as text, with a short preview for "Visa mer".
"""

from __future__ import annotations

import gzip
import json
import re
from dataclasses import dataclass
from functools import cache
from typing import Any

from .diagnoses.codes import DATA_DIR, CodeSystem, lookup

MIN_FMB_CODE_LENGTH = 3
PREVIEW_CHARS = 200

# Section keys, in display order (their headings are the panel's words: components/fmb.py).
SECTION_SJUKSKRIVNING = "SJUKSKRIVNINGSREKOMMENDATION"
SECTION_FUNKTIONSNEDSATTNING = "FUNKTIONSNEDSATTNING"
SECTION_AKTIVITETSBEGRANSNING = "AKTIVITETSBEGRANSNING"
SECTION_GENERELL = "GENERELL_INFORMATION"
SECTION_SYMTOM = "SYMTOM_PROGNOS_BEHANDLING"
SECTION_REHABILITERING = "INFORMATION_OM_REHABILITERING"


@dataclass(frozen=True, slots=True)
class FmbBlock:
    """One paragraph or bullet of plain text."""

    kind: str  # "paragraph" | "bullet"
    text: str


@dataclass(frozen=True, slots=True)
class FmbSection:
    """A section of the FMB panel with its full text and a preview for "Visa mer"."""

    key: str  # SECTION_*
    blocks: tuple[FmbBlock, ...]
    preview: str
    full_text: str

    @property
    def has_more(self) -> bool:
        """True when the preview is shorter than the full text ("Visa mer" is shown)."""
        return self.preview != self.full_text


@dataclass(frozen=True, slots=True)
class FmbReference:
    """A link to the diagnosis at Socialstyrelsen."""

    text: str
    url: str


@dataclass(frozen=True, slots=True)
class FmbInfo:
    """FMB information for one chosen diagnosis code."""

    code: str  # the chosen code, as given (upper case, no dot)
    fmb_code: str  # the (parent) code the information is given for, e.g. "J20"
    title: str  # FMB diagnosis heading, e.g. "Akut bronkit"
    diagnosis_text: str  # ICD-10-SE text of the chosen code ("" when unknown)
    sections: tuple[FmbSection, ...]
    references: tuple[FmbReference, ...]

    def section(self, key: str) -> FmbSection | None:
        """The section with this key, or None when FMB has no text for it."""
        return next((s for s in self.sections if s.key == key), None)


@cache
def _data() -> tuple[list[dict[str, Any]], dict[str, int]]:
    with gzip.open(DATA_DIR / "fmb.json.gz", "rt", encoding="utf-8") as handle:
        raw = json.load(handle)
    diagnoses = raw["diagnoses"]
    by_code = {
        entry["code"]: index
        for index, diagnosis in enumerate(diagnoses)
        for entry in diagnosis["codes"]
    }
    return diagnoses, by_code


def fmb_diagnoses() -> list[dict[str, Any]]:
    """The raw FMB diagnosis entries (title, codes, texts), as converted."""
    return _data()[0]


def fmb_codes() -> frozenset[str]:
    """All codes FMB gives information for (three to five characters)."""
    return frozenset(_data()[1])


def _clean_code(code: str) -> str:
    return re.sub(r"[^0-9A-Z]", "", str(code or "").upper())


def find_fmb_entry(code: str) -> tuple[str, dict[str, Any]] | None:
    """(FMB code, raw diagnosis entry) for a code or its nearest parent, or None."""
    diagnoses, by_code = _data()
    candidate = _clean_code(code)
    while len(candidate) >= MIN_FMB_CODE_LENGTH:
        index = by_code.get(candidate)
        if index is not None:
            return candidate, diagnoses[index]
        candidate = candidate[:-1]
    return None


def has_fmb(code: str) -> bool:
    """True when FMB has information for the code (or a parent code)."""
    return find_fmb_entry(code) is not None


@dataclass(frozen=True, slots=True)
class FmbMaximum:
    """FMB's typical maximum sick-leave length for a diagnosis code (the typfall's largest)."""

    days: int
    fmb_code: str  # the (parent) code FMB gives the figure for, e.g. "J20"
    title: str  # FMB diagnosis heading, e.g. "Akut bronkit"


def fmb_maximum(code: str) -> FmbMaximum | None:
    """The FMB maximum for a code or its nearest parent with one; None when FMB has no figure.

    The figure is the largest ``maximalsjukskrivningstid`` of the typfall that list the code,
    in days (converted by scripts/convert_fmb_icf.py: a week is 7 days, a month 30).
    """
    diagnoses, by_code = _data()
    candidate = _clean_code(code)
    while len(candidate) >= MIN_FMB_CODE_LENGTH:
        index = by_code.get(candidate)
        if index is not None:
            entry = diagnoses[index]
            code_entry = next(c for c in entry["codes"] if c["code"] == candidate)
            days = code_entry.get("max_days")
            if days is not None:
                return FmbMaximum(int(days), candidate, entry["title"])
        candidate = candidate[:-1]
    return None


def _blocks(raw: list[list[str]]) -> tuple[FmbBlock, ...]:
    return tuple(
        FmbBlock("bullet" if kind == "li" else "paragraph", text) for kind, text in raw if text
    )


def make_preview(full_text: str, limit: int = PREVIEW_CHARS) -> str:
    """The first ``limit`` characters cut at a word boundary, with "…" when shortened."""
    if len(full_text) <= limit:
        return full_text
    cut = full_text[:limit]
    space = cut.rfind(" ")
    if space > limit // 2:
        cut = cut[:space]
    return cut.rstrip(" ,.;:\n") + " …"


def _section(key: str, blocks: tuple[FmbBlock, ...]) -> FmbSection | None:
    if not blocks:
        return None
    full_text = "\n".join(block.text for block in blocks)
    return FmbSection(key, blocks, make_preview(full_text), full_text)


def fmb_for_code(code: str) -> FmbInfo | None:
    """FMB information for a chosen diagnosis code, inherited from its 4- or 3-character parent."""
    found = find_fmb_entry(code)
    if found is None:
        return None
    fmb_code, entry = found
    code_entry = next(c for c in entry["codes"] if c["code"] == fmb_code)
    candidates = (
        _section(
            SECTION_SJUKSKRIVNING,
            tuple(FmbBlock("bullet", sentence) for sentence in code_entry["typfall"]),
        ),
        _section(SECTION_FUNKTIONSNEDSATTNING, _blocks(entry["funktionsnedsattning"]["text"])),
        _section(SECTION_AKTIVITETSBEGRANSNING, _blocks(entry["aktivitetsbegransning"]["text"])),
        _section(SECTION_GENERELL, _blocks(entry["general"])),
        _section(SECTION_SYMTOM, _blocks(entry["symptoms"])),
        _section(SECTION_REHABILITERING, _blocks(entry["rehabilitation"])),
    )
    chosen = _clean_code(code)
    diagnosis = lookup(chosen, CodeSystem.ICD_10_SE) or lookup(code, CodeSystem.KSH_97_P)
    return FmbInfo(
        code=chosen,
        fmb_code=fmb_code,
        title=entry["title"],
        diagnosis_text=diagnosis.text if diagnosis else "",
        sections=tuple(section for section in candidates if section is not None),
        references=tuple(FmbReference(r["text"], r["uri"]) for r in entry["references"]),
    )


def fmb_for_codes(codes: list[str]) -> list[FmbInfo]:
    """FMB information for each chosen diagnosis that has any, in the given order (radio list)."""
    result: list[FmbInfo] = []
    seen: set[str] = set()
    for code in codes:
        info = fmb_for_code(code)
        if info is not None and info.code not in seen:
            seen.add(info.code)
            result.append(info)
    return result
