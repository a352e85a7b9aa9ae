"""ICF support for funktionsnedsättning and aktivitetsbegränsning (manual §5.4, figures 16-18).

Socialstyrelsen's FMB data gives, per diagnosis and field, central and complementary ICF codes
(its "ICF-urval"); names, descriptions and "innefattar" come from the Swedish ICF classification
(services/data/icf.json.gz; the name is the alternative term when there is one, as in Webcert).

With several diagnoses the categories common to all of them come first in one group titled
with all their names, then one group per diagnosis with the rest. Within a group central
categories come first, then (common group only) those central for some and complementary for
others, then complementary ones, each alphabetically by name (Swedish order).
"""

from __future__ import annotations

import enum
import gzip
import json
from dataclasses import dataclass
from functools import cache
from typing import Any

from .diagnoses.codes import DATA_DIR, CodeSystem, lookup
from .fmb import _clean_code, find_fmb_entry

READ_MORE_URL = "https://www.socialstyrelsen.se/statistik-och-data/klassifikationer-och-koder/icf/"
BUTTON_LABEL = "Ta hjälp av ICF"
GROUP_PREFIX = "ICF-kategorier för:"


class IcfField(enum.StrEnum):
    """The two certificate fields with ICF support."""

    FUNKTIONSNEDSATTNING = "FUNKTIONSNEDSATTNING"
    AKTIVITETSBEGRANSNING = "AKTIVITETSBEGRANSNING"

    @property
    def data_key(self) -> str:
        return self.value.lower()


class IcfKind(enum.StrEnum):
    """Whether FMB lists a category as central or complementary (MIXED: differs by diagnosis)."""

    CENTRAL = "CENTRAL"
    MIXED = "MIXED"
    COMPLEMENTARY = "COMPLEMENTARY"


@dataclass(frozen=True, slots=True)
class IcfCategory:
    """One ICF category as shown in the dialog; "visa mer" shows description and includes."""

    code: str  # "b280"
    name: str  # "Smärta" (alternative term, else the official title)
    title: str  # "Smärtförnimmelse" (official title)
    description: str
    includes: str
    kind: IcfKind

    @property
    def is_central(self) -> bool:
        return self.kind is IcfKind.CENTRAL


@dataclass(frozen=True, slots=True)
class IcfGroup:
    """Categories shown under "ICF-kategorier för: <title>"."""

    title: str
    diagnosis_codes: tuple[str, ...]
    categories: tuple[IcfCategory, ...]
    common: bool = False


@dataclass(frozen=True, slots=True)
class IcfGroups:
    """All groups for one field: the common group (if any) first, then one per diagnosis."""

    field: IcfField
    common: IcfGroup | None
    per_diagnosis: tuple[IcfGroup, ...]

    @property
    def groups(self) -> tuple[IcfGroup, ...]:
        return ((self.common,) if self.common else ()) + self.per_diagnosis

    @property
    def is_empty(self) -> bool:
        return not self.groups


@cache
def _categories() -> dict[str, dict[str, str]]:
    with gzip.open(DATA_DIR / "icf.json.gz", "rt", encoding="utf-8") as handle:
        return json.load(handle)["categories"]


def _coerce_field(field: IcfField | str) -> IcfField:
    try:
        return IcfField(str(field).strip().upper())
    except ValueError:
        raise ValueError(f"unknown ICF field {field!r}") from None


_SWEDISH_ORDER = str.maketrans({"å": "z\x01", "ä": "z\x02", "ö": "z\x03", "é": "e"})


def _name_key(category: IcfCategory) -> tuple[str, str]:
    return (category.name.casefold().translate(_SWEDISH_ORDER), category.code)


def icf_category(code: str, kind: IcfKind = IcfKind.CENTRAL) -> IcfCategory | None:
    """Name, description and includes of an ICF code, or None if it is not in the data."""
    raw = _categories().get(str(code or "").strip().lower())
    if raw is None:
        return None
    return IcfCategory(
        code=str(code).strip().lower(),
        name=raw["name"],
        title=raw["title"],
        description=raw["description"],
        includes=raw["includes"],
        kind=kind,
    )


def _diagnosis_title(code: str, entry: dict[str, Any]) -> str:
    found = lookup(code, CodeSystem.ICD_10_SE) or lookup(code, CodeSystem.KSH_97_P)
    return found.text if found else entry["title"]


def _selections(codes: list[str], field: IcfField) -> list[tuple[str, str, dict[str, IcfKind]]]:
    """(chosen code, title, {icf code: kind}) per distinct diagnosis with an ICF selection."""
    result = []
    seen: set[str] = set()
    for code in codes:
        found = find_fmb_entry(code)
        if found is None:
            continue
        fmb_code, entry = found
        if fmb_code in seen:
            continue
        part = entry[field.data_key]
        kinds: dict[str, IcfKind] = {}
        for icf in part["central"]:
            kinds.setdefault(icf, IcfKind.CENTRAL)
        for icf in part["complementary"]:
            kinds.setdefault(icf, IcfKind.COMPLEMENTARY)
        if not kinds:
            continue
        seen.add(fmb_code)
        result.append((_clean_code(code), _diagnosis_title(code, entry), kinds))
    return result


def has_icf(codes: list[str], field: IcfField | str) -> bool:
    """True when a chosen diagnosis has an ICF selection for the field ("Ta hjälp av ICF")."""
    return bool(_selections(list(codes), _coerce_field(field)))


def _group(title: str, codes: tuple[str, ...], kinds: dict[str, IcfKind], common: bool) -> IcfGroup:
    categories = [
        category for icf, kind in kinds.items() if (category := icf_category(icf, kind)) is not None
    ]
    order = {IcfKind.CENTRAL: 0, IcfKind.MIXED: 1, IcfKind.COMPLEMENTARY: 2}
    categories.sort(key=lambda c: (order[c.kind], *_name_key(c)))
    return IcfGroup(title, codes, tuple(categories), common)


def icf_for_codes(codes: list[str], field: IcfField | str) -> IcfGroups:
    """ICF categories for the chosen diagnoses, grouped as in the manual's figure 18."""
    chosen_field = _coerce_field(field)
    selections = _selections(list(codes), chosen_field)
    common_group: IcfGroup | None = None
    common: set[str] = set()
    if len(selections) > 1:
        common = set(selections[0][2])
        for _, _, kinds in selections[1:]:
            common &= set(kinds)
        if common:
            merged: dict[str, IcfKind] = {}
            for icf in common:
                kinds_seen = {kinds[icf] for _, _, kinds in selections}
                merged[icf] = kinds_seen.pop() if len(kinds_seen) == 1 else IcfKind.MIXED
            common_group = _group(
                ", ".join(title for _, title, _ in selections),
                tuple(code for code, _, _ in selections),
                merged,
                common=True,
            )
    per_diagnosis = []
    for code, title, kinds in selections:
        rest = {icf: kind for icf, kind in kinds.items() if icf not in common}
        if rest:
            per_diagnosis.append(_group(title, (code,), rest, common=False))
    return IcfGroups(chosen_field, common_group, tuple(per_diagnosis))
