"""Everyday search terms for ICD-10-SE codes, taken from the data the app already ships (issue 20).

Three sources, in this order (a term found by an earlier source is not counted again):

- ``ksh97p``: KSH97-P's texts and alternative terms ("Hösnuva", "Magsår", "Gulsot"). KSH97-P
  codes are ICD-10 codes or primary-care groupings of them, so each term goes to the ICD-10-SE
  code with the same positions ("J30-4" -> J304, "A02-P" -> A02), or to its nearest parent when
  ICD-10-SE has no such code ("R108P" -> R10).
- ``parenthesis``: everyday words in parentheses inside ICD-10-SE texts
  ("Akut nasofaryngit (förkylning)" -> "förkylning" for J00). Qualifiers that recur in many
  texts ("(trafik)", "(misstänkt)") and references ("(I66.1)") are not terms.
- ``fmb``: FMB diagnosis names ("Akut blindtarmsinflammation" -> K35, "Hypotyreos (låg
  ämnesomsättning)" -> E03) for FMB diagnoses of at most three codes (a heading over ten
  injury codes names none of them), or of subcodes of one category (then the category gets it).

A term that is itself the official text of some ICD-10-SE code is not added: the official text
already finds that code (KSH97-P's "Akut bronkit" grouping must not pull J22 up beside J20).
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

from .codes import CodeList, CodeSystem, code_key, load_code_list
from .text import fold

SOURCES = ("ksh97p", "parenthesis", "fmb")

_PAREN_RE = re.compile(r"\(([^()]+)\)")
#: Parenthesised qualifiers used in more texts than this are classification wording, not terms.
MAX_PAREN_CODES = 12
#: External causes (V-Y) have long qualifier chains, no everyday diagnosis words.
_NO_PAREN_CHAPTERS = ("V", "W", "X", "Y")
MAX_FMB_CODES = 3
_FMB_SKIP_PAREN = ("inklusive", "opererad", "opererats")


@dataclass(frozen=True, slots=True)
class Synonym:
    """An extra search term for one code of a code list."""

    code_index: int
    term: str
    source: str


def _target(code_list: CodeList, key: str) -> int | None:
    while len(key) >= 3:
        index = code_list.by_key.get(key)
        if index is not None:
            return index
        key = key[:-1]
    return None


def _paren_terms(text: str) -> list[str]:
    return [" ".join(m.group(1).split()) for m in _PAREN_RE.finditer(text)]


def _usable(term: str) -> bool:
    letters = sum(ch.isalpha() for ch in term)
    return letters >= 4 and not any(ch.isdigit() for ch in term) and "=" not in term


def _fmb_names(entry: dict) -> list[str]:
    title = entry["title"]
    names = [" ".join(_PAREN_RE.sub(" ", title).split())]
    for inner in _paren_terms(title):
        if inner.lower().startswith(_FMB_SKIP_PAREN):
            continue
        names.extend(part.strip() for part in inner.split(","))
    return [name for name in names if name]


def icd_synonyms() -> tuple[list[Synonym], Counter[str]]:
    """The everyday terms for ICD-10-SE codes and how many came from each source."""
    icd = load_code_list(CodeSystem.ICD_10_SE)
    official = {fold(text) for text in icd.texts}
    seen: set[tuple[int, str]] = set()
    result: list[Synonym] = []
    counts: Counter[str] = Counter({source: 0 for source in SOURCES})

    def add(index: int | None, term: str, source: str) -> None:
        term = " ".join(term.split())
        folded = fold(term)
        if index is None or not _usable(term) or folded in official:
            return
        if (index, folded) in seen:
            return
        seen.add((index, folded))
        result.append(Synonym(index, term, source))
        counts[source] += 1

    ksh = load_code_list(CodeSystem.KSH_97_P)
    for code, text, terms in zip(ksh.codes, ksh.texts, ksh.synonyms, strict=True):
        index = _target(icd, code_key(code, CodeSystem.KSH_97_P))
        for term in (text, *terms):
            add(index, term, "ksh97p")

    paren_codes: Counter[str] = Counter()
    found: list[tuple[int, str]] = []
    for index, (code, text) in enumerate(zip(icd.codes, icd.texts, strict=True)):
        if code.startswith(_NO_PAREN_CHAPTERS):
            continue
        for term in _paren_terms(text):
            paren_codes[fold(term)] += 1
            found.append((index, term))
    for index, term in found:
        if paren_codes[fold(term)] <= MAX_PAREN_CODES:
            add(index, term, "parenthesis")

    from ..fmb import fmb_diagnoses  # late import: services.fmb imports this package

    for entry in fmb_diagnoses():
        codes = [c["code"] for c in entry["codes"]]
        categories = {code[:3] for code in codes}
        if len(categories) == 1 and len(codes) > 1:
            codes = [*categories]  # "Graviditetsillamående" names O210..O219: give it to O21
        if len(codes) > MAX_FMB_CODES:
            continue
        for code in codes:
            index = icd.by_key.get(code_key(code))
            for name in _fmb_names(entry):
                add(index, name, "fmb")
    return result, counts
