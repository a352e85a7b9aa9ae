"""FK7800 Läkarutlåtande för sjukersättning (Försäkringskassan, LUSE).

Labels and code texts are Försäkringskassan's, from ``texterMU_LUSE_v1.3.xml`` (see SOURCES.md);
help texts are our own. The builders below (``grund_section`` …) are shared with FK7801 and
FK7802, which pass their own texts.

Mandatory and validation rules (FK's rules for the form):

* grund för MU (1) at least one, with a date; "annat" needs its text; kännedom om patienten (2);
  the kännedom date may not be later than the date of the examination or of the relative's
  account;
* "Finns andra utredningar eller underlag?" (3); if yes at least one underlag (4), each with
  type, date and where FK can get it (at most three);
* bakgrund (5), diagnoses (6, 1–3, FK's code rules), diagnosgrund (7), ny bedömning (45) and,
  when yes, which diagnoses (45.2);
* at least one of the seven funktionsnedsättningar (8–14); aktivitetsbegränsningar (17);
  medicinska förutsättningar för arbete (22). Everything else is optional.
"""

from __future__ import annotations

from services.certificates.base import (
    ALWAYS,
    CertificateDefinition,
    Content,
    FieldKind,
    Option,
    Question,
    Recipient,
    Rule,
    Section,
    Severity,
    ValidationContext,
    ValidationMessage,
    Validator,
    contains,
    equals,
    is_filled,
)
from services.certificates.periods import parse_date
from services.certificates.validation import diagnosis_validator

TEXT_VERSION = "1.3"
TEXT_SOURCE = "texterMU_LUSE_v1.3.xml"

# Labels and code texts, copied as data from texterMU_LUSE_v1.3.xml (version 1.3).
_T: dict[str, str] = {
    "DFR_1.3.RBK": "Ange vad annat är:",
    "DFR_10.1.RBK": (
        "Beskriv eventuella undersökningsfynd och grad av funktionsnedsättning (lätt, "
        "måttlig, stor, total)"
    ),
    "DFR_11.1.RBK": (
        "Beskriv eventuella undersökningsfynd och grad av funktionsnedsättning (lätt, "
        "måttlig, stor, total)"
    ),
    "DFR_12.1.RBK": (
        "Beskriv eventuella undersökningsfynd och grad av funktionsnedsättning (lätt, "
        "måttlig, stor, total)"
    ),
    "DFR_13.1.RBK": (
        "Beskriv eventuella undersökningsfynd och grad av funktionsnedsättning (lätt, "
        "måttlig, stor, total)"
    ),
    "DFR_14.1.RBK": (
        "Beskriv eventuella undersökningsfynd och grad av funktionsnedsättning (lätt, "
        "måttlig, stor, total)"
    ),
    "DFR_17.1.RBK": "Ge konkreta exempel",
    "DFR_18.1.RBK": (
        "Ange under vilka perioder de pågick och vilka resultat de gav. Ange även "
        "erbjudna men inte genomförda/avböjda behandlingar/åtgärder."
    ),
    "DFR_19.1.RBK": "Ange vad syftet är och om möjligt tidplan samt ansvarig vårdenhet",
    "DFR_20.1.RBK": "Ange vad syftet är och om möjligt tidplan samt ansvarig vårdenhet",
    "DFR_21.1.RBK": (
        "Substansintag (ordinerade läkemedel och övriga eventuella substansintag, "
        "exempelvis narkotika eller överkonsumtion av alkohol)"
    ),
    "DFR_26.1.RBK": "Jag önskar att Försäkringskassan kontaktar mig",
    "DFR_26.2.RBK": "Ange gärna varför du vill ha kontakt",
    "DFR_4.3.RBK": (
        "Från vilken vårdgivare kan Försäkringskassan hämta information om utredningen/underlaget?"
    ),
    "DFR_45.2.RBK": "Beskriv vilken eller vilka diagnoser som avses",
    "DFR_6.2.RBK": "Diagnoskod enligt ICD-10 SE",
    "DFR_8.1.RBK": (
        "Beskriv eventuella iakttagelser alternativt testresultat från psykologutredning"
    ),
    "DFR_9.1.RBK": (
        "Beskriv eventuella undersökningsfynd och grad av funktionsnedsättning (lätt, "
        "måttlig, stor, total)"
    ),
    "FRG_1.RBK": "Utlåtandet är baserat på",
    "FRG_10.RBK": "Uppmärksamhet, koncentration och exekutiv funktion",
    "FRG_11.RBK": "Annan psykisk funktion",
    "FRG_12.RBK": "Sinnesfunktioner och smärta",
    "FRG_13.RBK": "Balans, koordination och motorik",
    "FRG_14.RBK": "Annan kroppslig funktion",
    "FRG_17.RBK": (
        "Aktivitetsbegränsningar - beskriv vad har patienten svårt att göra på grund av "
        "den eller de funktionsnedsättningar som beskrivs ovan"
    ),
    "FRG_18.RBK": "Avslutade medicinska behandlingar/åtgärder",
    "FRG_19.RBK": "Pågående medicinska behandlingar/åtgärder",
    "FRG_2.RBK": "Jag har känt patienten sedan den",
    "FRG_20.RBK": "Planerade medicinska behandlingar/åtgärder",
    "FRG_21.RBK": "Substansintag",
    "FRG_22.RBK": (
        "Hur bedömer du att patientens medicinska förutsättningar för arbete, helt eller "
        "delvis, kan utvecklas över tid? Beskriv även om det finns medicinska skäl till "
        "särskilda arbetstider."
    ),
    "FRG_23.RBK": "Beskriv vad patienten kan göra trots sin sjukdom eller sina begränsningar",
    "FRG_25.RBK": "Övriga upplysningar",
    "FRG_26.RBK": "Kontakt med Försäkringskassan",
    "FRG_3.RBK": "Är utlåtandet även baserat på andra medicinska utredningar eller underlag?",
    "FRG_4.RBK": "Ange utredning eller underlag",
    "FRG_45.RBK": "Finns skäl till att revidera/uppdatera tidigare satt diagnos?",
    "FRG_5.RBK": "Bakgrund - beskriv kortfattat förloppet för aktuella sjukdomar",
    "FRG_6.RBK": "Diagnos/diagnoser för sjukdom som orsakar nedsatt arbetsförmåga",
    "FRG_7.RBK": "När och var ställdes diagnosen/diagnoserna?",
    "FRG_8.RBK": "Intellektuell funktion",
    "FRG_9.RBK": "Övergripande psykosociala funktioner",
    "KAT_1.RBK": "Grund för medicinskt underlag",
    "KAT_10.RBK": "Kontakt",
    "KAT_3.RBK": "Bakgrund",
    "KAT_4.RBK": "Diagnos",
    "KAT_5.RBK": "Funktionsnedsättningar",
    "KAT_6.RBK": "Aktivitetsbegränsningar",
    "KAT_7.RBK": "Medicinsk behandling",
    "KAT_8.RBK": "Medicinska förutsättningar för arbete",
    "KAT_9.RBK": "Övrigt",
    "KV_FKMU_0001.ANHORIG.RBK": "anhörigs beskrivning av patienten",
    "KV_FKMU_0001.ANNAT.RBK": "annat",
    "KV_FKMU_0001.JOURNALUPPGIFTER.RBK": "journaluppgifter från den",
    "KV_FKMU_0001.UNDERSOKNING.RBK": "min undersökning av patienten",
    "KV_FKMU_0005.ARBETSTERAPEUT.RBK": "Underlag från arbetsterapeut",
    "KV_FKMU_0005.FORETAGSHALSOVARD.RBK": "Underlag från företagshälsovård",
    "KV_FKMU_0005.FYSIOTERAPEUT.RBK": "Underlag från fysioterapeut",
    "KV_FKMU_0005.HABILITERING.RBK": "Underlag från habiliteringen",
    "KV_FKMU_0005.LOGOPED.RBK": "Underlag från logoped",
    "KV_FKMU_0005.NEUROPSYKIATRISKT.RBK": "Neuropsykiatriskt utlåtande",
    "KV_FKMU_0005.OVRIGT_UTLATANDE.RBK": "Övrigt",
    "KV_FKMU_0005.PSYKOLOG.RBK": "Underlag från psykolog",
    "KV_FKMU_0005.SPECIALISTKLINIK.RBK": "Utredning av annan specialistklinik",
    "KV_FKMU_0005.VARD_UTOMLANDS.RBK": "Utredning från vårdinrättning utomlands",
}

TEXTAREA_MAX = 4000
TEXT_MAX = 250
UNDERLAG_ROWS = 3

GRUND = "grund_for_mu"
GRUND_ANNAT = "grund_for_mu_annat"
KANNEDOM = "kannedom_om_patienten"
UNDERLAG_FINNS = "underlag_finns"
DIAGNOSER = "diagnoser"
FUNKTION_IDS = (
    ("funktion_intellektuell", "8"),
    ("funktion_psykosocial", "9"),
    ("funktion_koncentration", "10"),
    ("funktion_annan_psykisk", "11"),
    ("funktion_sinnen_smarta", "12"),
    ("funktion_balans_motorik", "13"),
    ("funktion_annan_kroppslig", "14"),
)

UNDERLAG_CODES = (
    "NEUROPSYKIATRISKT",
    "HABILITERING",
    "ARBETSTERAPEUT",
    "FYSIOTERAPEUT",
    "LOGOPED",
    "PSYKOLOG",
    "SKOLHALSOVARD",
    "FORETAGSHALSOVARD",
    "SPECIALISTKLINIK",
    "VARD_UTOMLANDS",
    "OVRIGT_UTLATANDE",
)


def options(texts: dict[str, str], codesystem: str, *codes: str) -> tuple[Option, ...]:
    """Options for the codes that the text file names (others are left out)."""
    return tuple(
        Option(code, texts[f"{codesystem}.{code}.RBK"])
        for code in codes
        if f"{codesystem}.{code}.RBK" in texts
    )


def underlag_ids(row: int) -> tuple[str, str, str]:
    return (f"underlag_{row}_typ", f"underlag_{row}_datum", f"underlag_{row}_hamtas_fran")


def _row_started(row: int) -> Rule:
    ids = underlag_ids(row)
    return lambda c: any(is_filled(c.get(q)) for q in ids)


def grund_section(texts: dict[str, str]) -> Section:
    """Grund för medicinskt underlag: 1, 1.3, 2, 3 and up to three underlag (4)."""
    has_underlag = equals(UNDERLAG_FINNS, True)
    questions = [
        Question(
            id=GRUND,
            ref="1",
            label=texts["FRG_1.RBK"],
            kind=FieldKind.DATE_CHECKBOXES,
            options=options(
                texts, "KV_FKMU_0001", "UNDERSOKNING", "JOURNALUPPGIFTER", "ANHORIG", "ANNAT"
            ),
            help="Ange vad utlåtandet bygger på och datum för varje underlag.",
            mandatory=ALWAYS,
            no_future_date=True,
        ),
        Question(
            id=GRUND_ANNAT,
            ref="1.3",
            label=texts["DFR_1.3.RBK"],
            kind=FieldKind.TEXT,
            visible=contains(GRUND, "ANNAT"),
            mandatory=ALWAYS,
            max_length=TEXT_MAX,
        ),
        Question(
            id=KANNEDOM,
            ref="2",
            label=texts["FRG_2.RBK"],
            kind=FieldKind.DATE,
            help="Datum då du först fick kännedom om patienten, t.ex. första besöket.",
            mandatory=ALWAYS,
            no_future_date=True,
        ),
        Question(
            id=UNDERLAG_FINNS,
            ref="3",
            label=texts["FRG_3.RBK"],
            kind=FieldKind.BOOLEAN,
            help="Svara ja om det finns utredningar eller underlag som FK bör känna till.",
            mandatory=ALWAYS,
        ),
    ]
    for row in range(1, UNDERLAG_ROWS + 1):
        typ, datum, kalla = underlag_ids(row)
        required = has_underlag if row == 1 else _row_started(row)
        questions += [
            Question(
                id=typ,
                ref="4.1",
                label=texts["FRG_4.RBK"],
                kind=FieldKind.RADIO,
                options=options(texts, "KV_FKMU_0005", *UNDERLAG_CODES),
                visible=has_underlag,
                mandatory=required,
                missing_text="Välj ett alternativ.",
            ),
            Question(
                id=datum,
                ref="4.2",
                label="Datum",
                kind=FieldKind.DATE,
                visible=has_underlag,
                mandatory=required,
                no_future_date=True,
            ),
            Question(
                id=kalla,
                ref="4.3",
                label=texts["DFR_4.3.RBK"],
                kind=FieldKind.TEXT,
                help="T.ex. vilken klinik på vilket sjukhus, eller annan vårdgivare.",
                visible=has_underlag,
                mandatory=required,
                max_length=TEXT_MAX,
            ),
        ]
    return Section(id="grund_for_mu", title=texts["KAT_1.RBK"], questions=tuple(questions))


def diagnos_question(texts: dict[str, str]) -> Question:
    return Question(
        id=DIAGNOSER,
        ref="6",
        label=texts["FRG_6.RBK"],
        sub_label=texts["DFR_6.2.RBK"],
        kind=FieldKind.DIAGNOSES,
        help=(
            "Ange upp till tre diagnoser, den viktigaste först, med så många positioner som "
            "möjligt (ICD-10-SE eller KSH97-P)."
        ),
        mandatory=ALWAYS,
        max_items=3,
    )


def text_question(
    texts: dict[str, str],
    qid: str,
    ref: str,
    *,
    help: str = "",
    mandatory: Rule | None = None,
    sub: str | None = None,
    **extra: object,
) -> Question:
    """A TEXTAREA labelled with FK's FRG text (and DFR text as sub label when there is one)."""
    sub_key = sub or f"DFR_{ref}.1.RBK"
    kwargs: dict[str, object] = {
        "id": qid,
        "ref": ref,
        "label": texts[f"FRG_{ref}.RBK"],
        "sub_label": texts.get(sub_key, ""),
        "kind": FieldKind.TEXTAREA,
        "help": help,
        "max_length": TEXTAREA_MAX,
    }
    if mandatory is not None:
        kwargs["mandatory"] = mandatory
    kwargs.update(extra)
    return Question(**kwargs)  # type: ignore[arg-type]


def kontakt_section(texts: dict[str, str], kat: str) -> Section:
    return Section(
        id="kontakt",
        title=texts[f"{kat}.RBK"],
        questions=(
            Question(
                id="kontakt_fk",
                ref="26",
                label=texts["FRG_26.RBK"],
                sub_label=texts["DFR_26.1.RBK"],
                kind=FieldKind.CHECKBOX,
                help="Handläggaren kontaktar dig när underlaget har kommit in.",
            ),
            Question(
                id="kontakt_fk_anledning",
                ref="26.2",
                label=texts["DFR_26.2.RBK"],
                kind=FieldKind.TEXTAREA,
                visible=equals("kontakt_fk", True),
                max_length=TEXTAREA_MAX,
            ),
        ),
    )


def funktion_section(texts: dict[str, str]) -> Section:
    """The seven funktionsnedsättningar (8–14): at least one must be described."""
    return Section(
        id="funktionsnedsattning",
        title=texts["KAT_5.RBK"],
        help="Beskriv minst en funktionsnedsättning. Ange grad: lätt, måttlig, stor eller total.",
        questions=tuple(
            text_question(
                texts,
                qid,
                ref,
                help="Beskriv undersökningsfynd och hur svår nedsättningen är.",
            )
            for qid, ref in FUNKTION_IDS
        ),
    )


def at_least_one_funktion(content: Content, ctx: ValidationContext) -> list[ValidationMessage]:
    if any(is_filled(content.get(qid)) for qid, _ in FUNKTION_IDS):
        return []
    return [
        ctx.message(
            FUNKTION_IDS[0][0],
            Severity.MISSING,
            "Beskriv minst en funktionsnedsättning.",
        )
    ]


def kannedom_validator(content: Content, ctx: ValidationContext) -> list[ValidationMessage]:
    """Kännedom om patienten may not be later than the examination or the relative's account."""
    known = parse_date(content.get(KANNEDOM))
    basis = content.get(GRUND)
    if known is None or not isinstance(basis, dict):
        return []
    for code in ("UNDERSOKNING", "ANHORIG"):
        when = parse_date(basis.get(code))
        if when is not None and known > when:
            return [
                ctx.message(
                    KANNEDOM,
                    Severity.ERROR,
                    "Datum för kännedom om patienten får inte vara senare än datum för "
                    "undersökningen eller anhörigs beskrivning.",
                )
            ]
    return []


def lu_validators(*extra: Validator) -> tuple[Validator, ...]:
    return (diagnosis_validator(DIAGNOSER), kannedom_validator, *extra)


def _build() -> CertificateDefinition:
    t = _T
    return CertificateDefinition(
        type="fk7800",
        form_id="FK7800",
        name="Läkarutlåtande för sjukersättning",
        version=TEXT_VERSION,
        text_source=TEXT_SOURCE,
        recipient=Recipient.FK,
        description=(
            "Utlåtandet används när patienten söker sjukersättning, som kan ges när "
            "arbetsförmågan är stadigvarande nedsatt med minst en fjärdedel och alla "
            "rehabiliteringsmöjligheter bedöms uttömda."
        ),
        sections=(
            grund_section(t),
            Section(
                id="bakgrund",
                title=t["KAT_3.RBK"],
                questions=(
                    text_question(
                        t,
                        "sjukdomsforlopp",
                        "5",
                        help="Kort om hur de aktuella sjukdomarna har utvecklats.",
                        mandatory=ALWAYS,
                    ),
                ),
            ),
            Section(
                id="diagnos",
                title=t["KAT_4.RBK"],
                questions=(
                    diagnos_question(t),
                    text_question(
                        t,
                        "diagnosgrund",
                        "7",
                        help="När och var diagnoserna ställdes, och på vilket underlag.",
                        mandatory=ALWAYS,
                    ),
                    Question(
                        id="ny_bedomning_diagnos",
                        ref="45",
                        label=t["FRG_45.RBK"],
                        kind=FieldKind.BOOLEAN,
                        help="T.ex. om utredningen är gammal eller symtombilden har ändrats.",
                        mandatory=ALWAYS,
                    ),
                    Question(
                        id="ny_bedomning_diagnos_beskrivning",
                        ref="45.2",
                        label=t["DFR_45.2.RBK"],
                        kind=FieldKind.TEXTAREA,
                        visible=equals("ny_bedomning_diagnos", True),
                        mandatory=ALWAYS,
                        max_length=TEXTAREA_MAX,
                    ),
                ),
            ),
            funktion_section(t),
            Section(
                id="aktivitetsbegransning",
                title=t["KAT_6.RBK"],
                questions=(
                    text_question(
                        t,
                        "aktivitetsbegransning",
                        "17",
                        help="Konkreta exempel på vad patienten har svårt att göra.",
                        mandatory=ALWAYS,
                    ),
                ),
            ),
            Section(
                id="medicinsk_behandling",
                title=t["KAT_7.RBK"],
                questions=(
                    text_question(t, "avslutad_behandling", "18", help="Med tid och resultat."),
                    text_question(t, "pagaende_behandling", "19", help="Syfte och tidplan."),
                    text_question(t, "planerad_behandling", "20", help="Syfte och tidplan."),
                    text_question(t, "substansintag", "21", help="Läkemedel och andra substanser."),
                ),
            ),
            Section(
                id="medicinska_forutsattningar",
                title=t["KAT_8.RBK"],
                questions=(
                    text_question(
                        t,
                        "medicinska_forutsattningar",
                        "22",
                        help="Hur förutsättningarna för arbete kan utvecklas över tid.",
                        mandatory=ALWAYS,
                    ),
                    text_question(
                        t,
                        "formaga_trots_begransning",
                        "23",
                        help="Vad patienten klarar trots sina begränsningar.",
                    ),
                ),
            ),
            Section(
                id="ovrigt",
                title=t["KAT_9.RBK"],
                questions=(text_question(t, "ovrigt", "25", help="Annat av betydelse för FK."),),
            ),
            kontakt_section(t, "KAT_10"),
        ),
        validators=lu_validators(at_least_one_funktion),
    )


DEFINITION = _build()

__all__ = ["DEFINITION"]
