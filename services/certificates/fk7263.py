"""FK7263 Läkarintyg (the old sick-pay certificate, replaced by FK7804) — read only.

Existing FK7263 certificates can be shown and printed (full or minimal print) but never created
or edited (manual §2.4, table 2). There is no FK text file for it; the fields follow the old
paper form's numbering, fält 1–17, in our own words. As nothing is ever entered, no question is
mandatory and there are no cross-field rules.

Minimal print (manual §4.5.3, table 4): intyget baseras på (4b), rekommendation kontakt med
företagshälsovården (6a), nuvarande arbete (8a), grad och period (8b), resor (11), and the
issuer fields 14 (datum), 15 (vårdenhetens kontaktuppgifter) and 17 (förskrivarkod och
arbetsplatskod).
"""

from __future__ import annotations

from services.certificates.base import (
    CertificateDefinition,
    FieldKind,
    Option,
    Question,
    Recipient,
    Section,
    contains,
)
from services.roles import ALL_ROLES

TEXT_VERSION = "1.0"

# The code lists, as (code, text) pairs.
GRADES = (
    Option("EN_FJARDEDEL", "Nedsatt med 1/4"),
    Option("HALFTEN", "Nedsatt med hälften"),
    Option("TRE_FJARDEDEL", "Nedsatt med 3/4"),
    Option("HELT_NEDSATT", "Helt nedsatt"),
)
BASIS = (
    Option("UNDERSOKNING", "Min undersökning av patienten"),
    Option("TELEFONKONTAKT", "Min telefonkontakt med patienten"),
    Option("JOURNALUPPGIFTER", "Journaluppgifter"),
    Option("ANNAT", "Annat"),
)
RECOMMENDATIONS = (
    Option("KONTAKT_AF", "Kontakt med Arbetsförmedlingen"),
    Option("KONTAKT_FHV", "Kontakt med företagshälsovården"),
    Option("OVRIGT", "Övrigt"),
)
REHABILITATION = (
    Option("JA", "Ja"),
    Option("NEJ", "Nej"),
    Option("GAR_INTE_ATT_BEDOMA", "Går inte att bedöma"),
)
ASSESSED_AGAINST = (
    Option("NUVARANDE_ARBETE", "Nuvarande arbete"),
    Option("ARBETSLOSHET", "Arbetslöshet"),
    Option("FORALDRALEDIGHET", "Föräldraledighet"),
)
PROGNOSIS = (
    Option("JA", "Ja"),
    Option("JA_DELVIS", "Ja, delvis"),
    Option("NEJ", "Nej"),
    Option("GAR_INTE_ATT_BEDOMA", "Går inte att bedöma"),
)


def _field(qid: str, ref: str, label: str, kind: FieldKind, **extra: object) -> Question:
    return Question(id=qid, ref=ref, label=label, kind=kind, **extra)  # type: ignore[arg-type]


def _text(qid: str, ref: str, label: str, **extra: object) -> Question:
    return _field(qid, ref, label, FieldKind.TEXTAREA, **extra)


SECTIONS = (
    Section(
        id="smittskydd",
        title="Smittskydd",
        questions=(
            _field(
                "avstangning_smittskydd",
                "Fält 1",
                "Avstängning enligt smittskyddslagen på grund av smitta",
                FieldKind.CHECKBOX,
            ),
        ),
    ),
    Section(
        id="diagnos",
        title="Diagnos",
        questions=(
            _field(
                "diagnoser",
                "Fält 2",
                "Diagnos/diagnoser för sjukdom som orsakar nedsatt arbetsförmåga",
                FieldKind.DIAGNOSES,
                max_items=3,
            ),
            _text("diagnos_tillagg", "Fält 2", "Ytterligare diagnoser och upplysningar"),
        ),
    ),
    Section(
        id="sjukdomsforlopp",
        title="Aktuellt sjukdomsförlopp",
        questions=(_text("sjukdomsforlopp", "Fält 3", "Aktuellt sjukdomsförlopp"),),
    ),
    Section(
        id="funktionsnedsattning",
        title="Funktionsnedsättning",
        questions=(
            _text(
                "funktionsnedsattning",
                "Fält 4a",
                "Funktionsnedsättning – observationer, undersökningsfynd och utredningsresultat",
            ),
            _field(
                "intyget_baseras_pa",
                "Fält 4b",
                "Intyget baseras på",
                FieldKind.DATE_CHECKBOXES,
                options=BASIS,
                minimal_print=True,
            ),
            _field(
                "intyget_baseras_pa_annat",
                "Fält 4b",
                "Annat, ange vad",
                FieldKind.TEXT,
                visible=contains("intyget_baseras_pa", "ANNAT"),
                minimal_print=True,
            ),
        ),
    ),
    Section(
        id="aktivitetsbegransning",
        title="Aktivitetsbegränsning",
        questions=(
            _text(
                "aktivitetsbegransning", "Fält 5", "Aktivitetsbegränsning relaterat till diagnos"
            ),
        ),
    ),
    Section(
        id="rekommendationer",
        title="Rekommendationer",
        questions=(
            _field(
                "rekommendationer",
                "Fält 6a",
                "Rekommendationer",
                FieldKind.CHECKBOXES,
                options=RECOMMENDATIONS,
                minimal_print=True,
                minimal_print_when=contains("rekommendationer", "KONTAKT_FHV"),
            ),
            _text("rekommendationer_ovrigt", "Fält 6a", "Övriga rekommendationer"),
            _text(
                "planerad_behandling",
                "Fält 6b",
                "Planerad eller pågående behandling eller åtgärd – inom sjukvården eller annan",
            ),
        ),
    ),
    Section(
        id="rehabilitering",
        title="Arbetslivsinriktad rehabilitering",
        questions=(
            _field(
                "rehabilitering",
                "Fält 7",
                "Är arbetslivsinriktad rehabilitering aktuell?",
                FieldKind.RADIO,
                options=REHABILITATION,
            ),
        ),
    ),
    Section(
        id="arbetsformaga",
        title="Arbetsförmåga",
        questions=(
            _field(
                "arbetsformaga_bedoms_mot",
                "Fält 8a",
                "Patientens arbetsförmåga bedöms i förhållande till",
                FieldKind.CHECKBOXES,
                options=ASSESSED_AGAINST,
                minimal_print=True,
            ),
            _text(
                "nuvarande_arbetsuppgifter",
                "Fält 8a",
                "Nuvarande arbete – ange aktuella arbetsuppgifter",
                minimal_print=True,
            ),
            _field(
                "sjukskrivningar",
                "Fält 8b",
                "Jag bedömer att patientens arbetsförmåga är",
                FieldKind.SICK_LEAVE,
                options=GRADES,
                max_items=4,
                minimal_print=True,
            ),
            _text(
                "arbetsformaga_beskrivning",
                "Fält 9",
                "Patientens arbetsförmåga bedöms nedsatt längre tid än den som det "
                "försäkringsmedicinska beslutsstödet anger, därför att",
            ),
            _field(
                "prognos",
                "Fält 10",
                "Prognos – kommer patienten att återfå sin arbetsförmåga i nuvarande arbete?",
                FieldKind.RADIO,
                options=PROGNOSIS,
            ),
            _text("prognos_beskrivning", "Fält 10", "Förtydligande av prognos"),
            _field(
                "arbetsresor",
                "Fält 11",
                "Kan resor till och från arbetet med annat färdmedel än normalt göra det "
                "möjligt för patienten att återgå i arbete?",
                FieldKind.BOOLEAN,
                minimal_print=True,
            ),
        ),
    ),
    Section(
        id="kontakt",
        title="Kontakt",
        questions=(
            _field(
                "kontakt_fk", "Fält 12", "Kontakt önskas med Försäkringskassan", FieldKind.CHECKBOX
            ),
        ),
    ),
    Section(
        id="ovrigt",
        title="Övriga upplysningar",
        questions=(_text("ovrigt", "Fält 13", "Övriga upplysningar och förtydliganden"),),
    ),
    Section(
        id="intygsutfardare",
        title="Intygsutfärdare",
        questions=(
            _field("signeringsdatum", "Fält 14", "Datum", FieldKind.DATE, minimal_print=True),
            _text(
                "vardenhet_kontaktuppgifter",
                "Fält 15",
                "Vårdenhetens kontaktuppgifter",
                minimal_print=True,
            ),
            _field(
                "intygsutfardare",
                "Fält 16",
                "Läkarens namnförtydligande, befattning och eventuell specialistkompetens",
                FieldKind.TEXT,
            ),
            _field(
                "forskrivarkod_arbetsplatskod",
                "Fält 17",
                "Förskrivarkod och arbetsplatskod",
                FieldKind.TEXT,
                minimal_print=True,
            ),
        ),
    ),
)


DEFINITION = CertificateDefinition(
    type="fk7263",
    form_id="FK7263",
    name="Läkarintyg FK7263",
    version=TEXT_VERSION,
    recipient=Recipient.FK,
    roles=ALL_ROLES,  # endast visning och utskrift
    description=(
        "Det tidigare läkarintyget för sjukpenning, ersatt av FK7804. Befintliga intyg kan "
        "visas och skrivas ut men inte skapas eller ändras."
    ),
    read_only=True,
    minimal_print=True,
    sections=SECTIONS,
)

__all__ = ["DEFINITION"]
