"""FK7801 Läkarutlåtande för aktivitetsersättning vid nedsatt arbetsförmåga (FK, LUAE_NA).

Labels and code texts are Försäkringskassan's, from ``texterMU_LUAE_NA_v1.2.xml`` (see
SOURCES.md); help texts are our own. The form is FK7800's (same builder and rules, see
:mod:`services.certificates.lu`) and adds question 24, what could make it easier for the patient
to start working (optional).
"""

from __future__ import annotations

from services.certificates.fk7800 import _T as _LUSE_TEXTS
from services.certificates.lu import build_lu_definition

TEXT_VERSION = "1.2"
TEXT_SOURCE = "texterMU_LUAE_NA_v1.2.xml"

# Labels and code texts, copied as data from texterMU_LUAE_NA_v1.2.xml (version 1.2). The file
# has every text of texterMU_LUSE_v1.3.xml (FK7800) word for word, except the ones below.
_T: dict[str, str] = {
    **_LUSE_TEXTS,
    "DFR_45.2.RBK": "Beskriv vilken eller vilka diagnoser som avses.",
    "FRG_1.RBK": "Underlaget är baserat på",
    "FRG_17.RBK": (
        "Aktivitetsbegränsningar - beskriv vad har patienten svårt att göra på grund av "
        "den eller de funktionsnedsättningar som beskrivs ovan?"
    ),
    "FRG_24.RBK": (
        "Beskriv eller lämna förslag på vad som kan underlätta för patienten att komma ut i arbete"
    ),
    "KV_FKMU_0005.SKOLHALSOVARD.RBK": "Underlag från skolhälsovård",
}

DEFINITION = build_lu_definition(
    form_id="FK7801",
    name="Läkarutlåtande för aktivitetsersättning vid nedsatt arbetsförmåga",
    version=TEXT_VERSION,
    text_source=TEXT_SOURCE,
    texts=_T,
    description=(
        "Utlåtandet används när en ung person söker aktivitetsersättning, en tidsbegränsad "
        "ersättning vid nedsatt arbetsförmåga på grund av sjukdom, skada eller "
        "funktionsnedsättning."
    ),
    formaga_help="Resurser och förmågor patienten har trots begränsningarna.",
    asks_underlatta_arbete=True,
)

__all__ = ["DEFINITION"]
