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

TEXT_VERSION = "1.0"

GRADES = (
    Option("EN_FJARDEDEL", "Nedsatt med 1/4"),
    Option("HALFTEN", "Nedsatt med hälften"),
    Option("TRE_FJARDEDEL", "Nedsatt med 3/4"),
    Option("HELT_NEDSATT", "Helt nedsatt"),
)


def _text(qid: str, ref: str, label: str, **extra: object) -> Question:
    return Question(id=qid, ref=ref, label=label, kind=FieldKind.TEXTAREA, **extra)  # type: ignore[arg-type]


SECTIONS = (
    Section(
        id="smittskydd",
        title="Smittskydd",
        questions=(
            Question(
                id="avstangning_smittskydd",
                ref="Fält 1",
                label="Avstängning enligt smittskyddslagen på grund av smitta",
                kind=FieldKind.CHECKBOX,
            ),
        ),
    ),
    Section(
        id="diagnos",
        title="Diagnos",
        questions=(
            Question(
                id="diagnoser",
                ref="Fält 2",
                label="Diagnos/diagnoser för sjukdom som orsakar nedsatt arbetsförmåga",
                kind=FieldKind.DIAGNOSES,
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
            Question(
                id="intyget_baseras_pa",
                ref="Fält 4b",
                label="Intyget baseras på",
                kind=FieldKind.DATE_CHECKBOXES,
                options=(
                    Option("UNDERSOKNING", "Min undersökning av patienten"),
                    Option("TELEFONKONTAKT", "Min telefonkontakt med patienten"),
                    Option("JOURNALUPPGIFTER", "Journaluppgifter"),
                    Option("ANNAT", "Annat"),
                ),
                minimal_print=True,
            ),
            Question(
                id="intyget_baseras_pa_annat",
                ref="Fält 4b",
                label="Annat, ange vad",
                kind=FieldKind.TEXT,
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
            Question(
                id="rekommendationer",
                ref="Fält 6a",
                label="Rekommendationer",
                kind=FieldKind.CHECKBOXES,
                options=(
                    Option("KONTAKT_AF", "Kontakt med Arbetsförmedlingen"),
                    Option("KONTAKT_FHV", "Kontakt med företagshälsovården"),
                    Option("OVRIGT", "Övrigt"),
                ),
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
            Question(
                id="rehabilitering",
                ref="Fält 7",
                label="Är arbetslivsinriktad rehabilitering aktuell?",
                kind=FieldKind.RADIO,
                options=(
                    Option("JA", "Ja"),
                    Option("NEJ", "Nej"),
                    Option("GAR_INTE_ATT_BEDOMA", "Går inte att bedöma"),
                ),
            ),
        ),
    ),
    Section(
        id="arbetsformaga",
        title="Arbetsförmåga",
        questions=(
            Question(
                id="arbetsformaga_bedoms_mot",
                ref="Fält 8a",
                label="Patientens arbetsförmåga bedöms i förhållande till",
                kind=FieldKind.CHECKBOXES,
                options=(
                    Option("NUVARANDE_ARBETE", "Nuvarande arbete"),
                    Option("ARBETSLOSHET", "Arbetslöshet"),
                    Option("FORALDRALEDIGHET", "Föräldraledighet"),
                ),
                minimal_print=True,
            ),
            Question(
                id="nuvarande_arbetsuppgifter",
                ref="Fält 8a",
                label="Nuvarande arbete – ange aktuella arbetsuppgifter",
                kind=FieldKind.TEXTAREA,
                minimal_print=True,
            ),
            Question(
                id="sjukskrivningar",
                ref="Fält 8b",
                label="Jag bedömer att patientens arbetsförmåga är",
                kind=FieldKind.SICK_LEAVE,
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
            Question(
                id="prognos",
                ref="Fält 10",
                label="Prognos – kommer patienten att återfå sin arbetsförmåga i nuvarande arbete?",
                kind=FieldKind.RADIO,
                options=(
                    Option("JA", "Ja"),
                    Option("JA_DELVIS", "Ja, delvis"),
                    Option("NEJ", "Nej"),
                    Option("GAR_INTE_ATT_BEDOMA", "Går inte att bedöma"),
                ),
            ),
            _text("prognos_beskrivning", "Fält 10", "Förtydligande av prognos"),
            Question(
                id="arbetsresor",
                ref="Fält 11",
                label=(
                    "Kan resor till och från arbetet med annat färdmedel än normalt göra det "
                    "möjligt för patienten att återgå i arbete?"
                ),
                kind=FieldKind.BOOLEAN,
                minimal_print=True,
            ),
        ),
    ),
    Section(
        id="kontakt",
        title="Kontakt",
        questions=(
            Question(
                id="kontakt_fk",
                ref="Fält 12",
                label="Kontakt önskas med Försäkringskassan",
                kind=FieldKind.CHECKBOX,
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
            Question(
                id="signeringsdatum",
                ref="Fält 14",
                label="Datum",
                kind=FieldKind.DATE,
                minimal_print=True,
            ),
            Question(
                id="vardenhet_kontaktuppgifter",
                ref="Fält 15",
                label="Vårdenhetens kontaktuppgifter",
                kind=FieldKind.TEXTAREA,
                minimal_print=True,
            ),
            Question(
                id="intygsutfardare",
                ref="Fält 16",
                label="Läkarens namnförtydligande, befattning och eventuell specialistkompetens",
                kind=FieldKind.TEXT,
            ),
            Question(
                id="forskrivarkod_arbetsplatskod",
                ref="Fält 17",
                label="Förskrivarkod och arbetsplatskod",
                kind=FieldKind.TEXT,
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
    description=(
        "Det tidigare läkarintyget för sjukpenning, ersatt av FK7804. Befintliga intyg kan "
        "visas och skrivas ut men inte skapas eller ändras."
    ),
    read_only=True,
    minimal_print=True,
    sections=SECTIONS,
)

__all__ = ["DEFINITION"]
