"""FK7804 Läkarintyg för sjukpenning (Försäkringskassan, LISJP).

Labels and code texts are Försäkringskassan's, from ``texterMU_LISJP_v1.3.xml`` (see SOURCES.md);
help texts are our own summaries. Question ids name the answer; ``ref`` is FK's question number.

Rules, by the manual and FK's texts:

* Smittbärarpenning (27) makes the questions FK lists as skippable optional: grund för MU (1),
  sysselsättning (28), funktionsnedsättning (35), aktivitetsbegränsning (17),
  arbetstidsförläggning (33), prognos (39) and åtgärder (40). Diagnosis (6) and the periods (32)
  stay mandatory ("Fortsätt till frågorna Diagnos och Nedsättning av arbetsförmåga"). A
  sub-answer of an answer that *was* given (the "annat" text, nuvarande arbete's text) is still
  required.
* Periods (32): 25/50/75/100 %, 1–4 periods, each grade at most once, no overlap, from ≤ to.
* Arbetstidsförläggning (33) is asked and required when any period is below 100 %; its text
  (33.2) when the answer is yes.
* Warnings: a sick leave longer than 6 months, a start more than a week back, a future date in
  "Intyget är baserat på".
* Renewal (§4.6): grund för MU, the periods and kontakt do not follow.
* Minimal print (§4.5.3, table 4): grund för MU, sysselsättning (only "Nuvarande arbete"), the
  periods, arbetstidsförläggning, resor, prognos and åtgärder.
"""

from __future__ import annotations

from datetime import timedelta

from dateutil.relativedelta import relativedelta

from services.certificates.base import (
    ALWAYS,
    CertificateDefinition,
    Content,
    FieldKind,
    Question,
    Recipient,
    Section,
    Severity,
    ValidationContext,
    ValidationMessage,
    all_,
    contains,
    equals,
    filled,
    not_,
)
from services.certificates.common import (
    FK_TEXTAREA_MAX,
    code_options,
    fk_diagnoses_question,
    fk_grund_annat_question,
    fk_kontakt_section,
    fk_text_question,
    form_question,
)
from services.certificates.periods import parse_date
from services.certificates.validation import diagnosis_validator
from services.roles import ALL_ROLES

TEXT_VERSION = "1.3"
TEXT_SOURCE = "texterMU_LISJP_v1.3.xml"

# Labels and code texts, copied as data from texterMU_LISJP_v1.3.xml (version 1.3).
_T: dict[str, str] = {
    "DFR_1.3.RBK": "Ange vad annat är",
    "DFR_17.1.RBK": (
        "Beskriv vad patienten inte kan göra på grund av sin sjukdom. Ange vad uppgiften "
        "grundas på."
    ),
    "DFR_19.1.RBK": "Ange vad syftet är och om möjligt tidplan samt ansvarig vårdenhet.",
    "DFR_20.1.RBK": "Ange vad syftet är och om möjligt tidplan samt ansvarig vårdenhet.",
    "DFR_26.1.RBK": "Jag önskar att Försäkringskassan kontaktar mig.",
    "DFR_26.2.RBK": "Ange gärna varför du vill ha kontakt.",
    "DFR_33.2.RBK": (
        "Beskriv de medicinska skälen till att möjligheterna till återgång i arbete försämras"
    ),
    "DFR_35.1.RBK": "Beskriv undersökningsfynd, testresultat och observationer",
    "DFR_6.2.RBK": "Diagnoskod enligt ICD-10 SE",
    "FRG_1.RBK": "Intyget är baserat på",
    "FRG_17.RBK": "Aktivitetsbegränsning",
    "FRG_19.RBK": "Pågående medicinska behandlingar/åtgärder.",
    "FRG_20.RBK": "Planerade medicinska behandlingar/åtgärder.",
    "FRG_25.RBK": "Övriga upplysningar",
    "FRG_26.RBK": "Kontakt med Försäkringskassan",
    "FRG_27.RBK": (
        "Avstängning enligt smittskyddslagen på grund av smitta. (Fortsätt till frågorna "
        '"Diagnos" och "Nedsättning av arbetsförmåga").'
    ),
    "FRG_28.RBK": "I relation till vilken sysselsättning bedömer du arbetsförmågan?",
    "FRG_29.RBK": "Ange yrke och arbetsuppgifter",
    "FRG_32.RBK": "Min bedömning av patientens nedsättning av arbetsförmågan",
    "FRG_33.RBK": (
        "Kommer möjligheterna till återgång i arbete försämras om arbetstiden förläggs på"
        " annat sätt än att arbetstiden minskas lika mycket varje dag?"
    ),
    "FRG_34.RBK": (
        "Resor till och från arbetet med annat färdmedel än normalt kan göra det möjligt "
        "för patienten att återgå till arbetet under sjukskrivningsperioden."
    ),
    "FRG_35.RBK": "Funktionsnedsättning",
    "FRG_37.RBK": (
        "Patientens arbetsförmåga bedöms nedsatt längre tid än den som Socialstyrelsens "
        "försäkringsmedicinska beslutsstöd anger, därför att"
    ),
    "FRG_39.RBK": "Prognos för arbetsförmåga utifrån aktuellt undersökningstillfälle",
    "FRG_40.RBK": (
        "Här kan du ange åtgärder som du tror skulle göra det lättare för patienten att "
        "återgå i arbete"
    ),
    "FRG_44.RBK": (
        "Här kan du ange fler åtgärder. Du kan också beskriva hur åtgärderna kan "
        "underlätta återgång i arbete."
    ),
    "FRG_6.RBK": "Diagnos/diagnoser för sjukdom som orsakar nedsatt arbetsförmåga",
    "KAT_1.RBK": "Grund för medicinskt underlag",
    "KAT_10.RBK": "Smittbärarpenning",
    "KAT_2.RBK": "Sysselsättning",
    "KAT_3.RBK": "Diagnos",
    "KAT_4.RBK": "Sjukdomens konsekvenser",
    "KAT_5.RBK": "Medicinsk behandling",
    "KAT_6.RBK": "Bedömning",
    "KAT_7.RBK": "Åtgärder",
    "KAT_8.RBK": "Övriga upplysningar",
    "KAT_9.RBK": "Kontakt",
    "KV_FKMU_0001.ANNAT.RBK": "annat",
    "KV_FKMU_0001.JOURNALUPPGIFTER.RBK": "journaluppgifter från den",
    "KV_FKMU_0001.TELEFONKONTAKT.RBK": "min telefonkontakt med patienten",
    "KV_FKMU_0001.UNDERSOKNING.RBK": "min undersökning av patienten",
    "KV_FKMU_0002.ARBETSSOKANDE.RBK": (
        "Arbetssökande - att utföra sådant arbete som är normalt förekommande på arbetsmarknaden"
    ),
    "KV_FKMU_0002.FORALDRALEDIG.RBK": "Föräldraledighet för vård av barn",
    "KV_FKMU_0002.NUVARANDE_ARBETE.RBK": "Nuvarande arbete",
    "KV_FKMU_0002.STUDIER.RBK": "Studier",
    "KV_FKMU_0003.EN_FJARDEDEL.RBK": "25 procent",
    "KV_FKMU_0003.HALFTEN.RBK": "50 procent",
    "KV_FKMU_0003.HELT_NEDSATT.RBK": "100 procent",
    "KV_FKMU_0003.TRE_FJARDEDEL.RBK": "75 procent",
    "KV_FKMU_0004.ARBETSANPASSNING.RBK": "Arbetsanpassning",
    "KV_FKMU_0004.ARBETSTRANING.RBK": "Arbetsträning",
    "KV_FKMU_0004.BESOK_ARBETSPLATS.RBK": "Besök på arbetsplatsen",
    "KV_FKMU_0004.EJ_AKTUELLT.RBK": "Inte aktuellt",
    "KV_FKMU_0004.ERGONOMISK.RBK": "Ergonomisk bedömning",
    "KV_FKMU_0004.HJALPMEDEL.RBK": "Hjälpmedel",
    "KV_FKMU_0004.KONFLIKTHANTERING.RBK": "Konflikthantering",
    "KV_FKMU_0004.KONTAKT_FHV.RBK": "Kontakt med företagshälsovård",
    "KV_FKMU_0004.OMFORDELNING.RBK": "Omfördelning av arbetsuppgifter",
    "KV_FKMU_0004.OVRIGA_ATGARDER.RBK": "Övrigt",
    "KV_FKMU_0004.SOKA_NYTT_ARBETE.RBK": "Söka nytt arbete",
    "KV_FKMU_0006.ATER_X_ANTAL_DGR.RBK": (
        "Patienten förväntas kunna återgå helt i nuvarande sysselsättning inom"
    ),
    "KV_FKMU_0006.PROGNOS_OKLAR.RBK": "Återgång i nuvarande sysselsättning är oklar.",
    "KV_FKMU_0006.SANNOLIKT_INTE.RBK": (
        "Patienten förväntas inte kunna återgå helt i nuvarande sysselsättning inom 12 månader."
    ),
    "KV_FKMU_0006.STOR_SANNOLIKHET.RBK": (
        "Patienten förväntas kunna återgå helt i nuvarande sysselsättning efter denna "
        "sjukskrivning."
    ),
    "KV_FKMU_0007.HUNDRAATTIO_DAGAR.RBK": "6 månader.",
    "KV_FKMU_0007.NITTIO_DGR.RBK": "3 månader.",
    "KV_FKMU_0007.SEXTIO_DGR.RBK": "2 månader.",
    "KV_FKMU_0007.TREHUNDRASEXTIOFEM_DAGAR.RBK": "12 månader.",
    "KV_FKMU_0007.TRETTIO_DGR.RBK": "1 månad.",
}


# question ids
SMITTA = "avstangning_smittskydd"
GRUND = "grund_for_mu"
SYSSELSATTNING = "sysselsattning"
NUVARANDE_ARBETE = "nuvarande_arbete"
DIAGNOSER = "diagnoser"
FUNKTIONSNEDSATTNING = "funktionsnedsattning"
AKTIVITETSBEGRANSNING = "aktivitetsbegransning"
PAGAENDE_BEHANDLING = "pagaende_behandling"
PLANERAD_BEHANDLING = "planerad_behandling"
ARBETSTID_TIMMAR = "arbetstid_timmar_per_vecka"
SJUKSKRIVNINGAR = "sjukskrivningar"
ARBETSTIDSFORLAGGNING = "arbetstidsforlaggning"
ARBETSTIDSFORLAGGNING_MOTIVERING = "arbetstidsforlaggning_motivering"
ARBETSRESOR = "arbetsresor"
MOTIVERING_FMB = "motivering_langre_an_fmb"
PROGNOS = "prognos"
PROGNOS_DAGAR = "prognos_dagar_till_arbete"
ATGARDER = "atgarder"
ATGARDER_BESKRIVNING = "atgarder_beskrivning"
OVRIGT = "ovrigt"

GRADE_CODES = ("EN_FJARDEDEL", "HALFTEN", "TRE_FJARDEDEL", "HELT_NEDSATT")
PROGNOS_CODES = (
    "STOR_SANNOLIKHET",
    "ATER_X_ANTAL_DGR",
    "SANNOLIKT_INTE",
    "PROGNOS_OKLAR",
)
PROGNOS_DAGAR_CODES = (
    "TRETTIO_DGR",
    "SEXTIO_DGR",
    "NITTIO_DGR",
    "HUNDRAATTIO_DAGAR",
    "TREHUNDRASEXTIOFEM_DAGAR",
)
ATGARD_CODES = (
    "EJ_AKTUELLT",
    "ARBETSTRANING",
    "ARBETSANPASSNING",
    "SOKA_NYTT_ARBETE",
    "BESOK_ARBETSPLATS",
    "ERGONOMISK",
    "HJALPMEDEL",
    "KONFLIKTHANTERING",
    "KONTAKT_FHV",
    "OMFORDELNING",
    "OVRIGA_ATGARDER",
)

not_smitta = not_(equals(SMITTA, True))


def has_partial_period(content: Content) -> bool:
    """Whether any period with a date is below 100 percent (then 33 is asked)."""
    periods = content.get(SJUKSKRIVNINGAR)
    if not isinstance(periods, dict):
        return False
    return any(
        code != "HELT_NEDSATT"
        and isinstance(p, dict)
        and (bool(p.get("from")) or bool(p.get("to")))
        for code, p in periods.items()
    )


def has_atgard(content: Content) -> bool:
    value = content.get(ATGARDER)
    return isinstance(value, list) and any(code != "EJ_AKTUELLT" for code in value)


SMITTA_SECTION = Section(
    id="smittbararpenning",
    title=_T["KAT_10.RBK"],
    questions=(
        form_question(
            _T,
            SMITTA,
            "27",
            FieldKind.CHECKBOX,
            help=(
                "Kryssa i om patienten måste avstå från arbetet enligt smittskyddslagen. Då "
                "behöver bara diagnos och nedsättning av arbetsförmåga fyllas i."
            ),
        ),
    ),
)

GRUND_SECTION = Section(
    id="grund_for_mu",
    title=_T["KAT_1.RBK"],
    questions=(
        form_question(
            _T,
            GRUND,
            "1",
            FieldKind.DATE_CHECKBOXES,
            options=code_options(
                _T, "KV_FKMU_0001", ("UNDERSOKNING", "TELEFONKONTAKT", "JOURNALUPPGIFTER", "ANNAT")
            ),
            help=(
                "Ange vad bedömningen bygger på och datum för varje underlag. Intyget ska som "
                "regel utfärdas efter en undersökning; ange kontaktsättet. Ett videosamtal "
                "anges under Övriga upplysningar."
            ),
            mandatory=not_smitta,
            follows_on_renew=False,
            minimal_print=True,
        ),
        fk_grund_annat_question(_T, follows_on_renew=False, minimal_print=True),
    ),
)

SYSSELSATTNING_SECTION = Section(
    id="sysselsattning",
    title=_T["KAT_2.RBK"],
    questions=(
        form_question(
            _T,
            SYSSELSATTNING,
            "28",
            FieldKind.CHECKBOXES,
            options=code_options(
                _T,
                "KV_FKMU_0002",
                ("NUVARANDE_ARBETE", "ARBETSSOKANDE", "FORALDRALEDIG", "STUDIER"),
            ),
            help=(
                "Välj den eller de sysselsättningar arbetsförmågan bedöms mot. Väljer du flera "
                "och omfattningen skiljer sig mellan dem, förklara det under Övriga upplysningar."
            ),
            mandatory=not_smitta,
            max_items=4,
            minimal_print=True,
            minimal_print_when=contains(SYSSELSATTNING, "NUVARANDE_ARBETE"),
        ),
        fk_text_question(
            _T,
            NUVARANDE_ARBETE,
            "29",
            help="Beskriv yrket och de arbetsuppgifter patienten har i dag.",
            visible=contains(SYSSELSATTNING, "NUVARANDE_ARBETE"),
            mandatory=ALWAYS,
        ),
    ),
)

DIAGNOS_SECTION = Section(
    id="diagnos",
    title=_T["KAT_3.RBK"],
    questions=(
        fk_diagnoses_question(
            _T,
            help=(
                "Ange upp till tre diagnoser, den som påverkar arbetsförmågan mest först, med så "
                "många positioner som möjligt (ICD-10-SE eller KSH97-P). Fler diagnoser kan "
                "anges under Övriga upplysningar."
            ),
            missing_text="Ange minst en diagnos.",
        ),
    ),
)

KONSEKVENSER_SECTION = Section(
    id="sjukdomens_konsekvenser",
    title=_T["KAT_4.RBK"],
    questions=(
        fk_text_question(
            _T,
            FUNKTIONSNEDSATTNING,
            "35",
            help=(
                "Beskriv de nedsättningar du har sett eller mätt: avvikande status, "
                "provsvar, testresultat. Vid psykisk sjukdom även psykiskt status och den del "
                "av anamnesen som stöder bedömningen."
            ),
            mandatory=not_smitta,
            icf=True,
        ),
        fk_text_question(
            _T,
            AKTIVITETSBEGRANSNING,
            "17",
            help=(
                "Ge konkreta exempel på vad patienten inte klarar i sin sysselsättning, hur ofta "
                "och hur svårt. Ange om det bygger på egen observation eller på anamnes, och om "
                "någon aktivitet bör undvikas av medicinska skäl eller olycksrisk."
            ),
            mandatory=not_smitta,
            icf=True,
        ),
    ),
)

BEHANDLING_SECTION = Section(
    id="medicinsk_behandling",
    title=_T["KAT_5.RBK"],
    questions=(
        fk_text_question(
            _T,
            PAGAENDE_BEHANDLING,
            "19",
            help="Behandlingar som pågår nu, med syfte och gärna tidplan och ansvarig enhet.",
        ),
        fk_text_question(
            _T,
            PLANERAD_BEHANDLING,
            "20",
            help="Behandlingar som är beslutade men inte påbörjade, med syfte och tidplan.",
        ),
    ),
)

BEDOMNING_SECTION = Section(
    id="bedomning",
    title=_T["KAT_6.RBK"],
    questions=(
        Question(
            id=ARBETSTID_TIMMAR,
            ref="32",
            label="Patienten arbetar i snitt",
            sub_label="timmar/vecka",
            kind=FieldKind.NUMBER,
            help=(
                "Frivilligt. Anges patientens vanliga arbetstid visas under varje period hur "
                "många timmar i veckan patienten kan arbeta."
            ),
            min_value=1,
            max_value=168,
        ),
        form_question(
            _T,
            SJUKSKRIVNINGAR,
            "32",
            FieldKind.SICK_LEAVE,
            options=code_options(_T, "KV_FKMU_0003", GRADE_CODES),
            help=(
                "Bedöm nedsättningen mot patientens normala arbetstid. Ange en till fyra "
                "perioder, varje grad högst en gång och utan överlapp. I t.o.m.-fältet går det "
                "att skriva t.ex. d14, v4 eller m3."
            ),
            mandatory=ALWAYS,
            missing_text="Välj minst ett alternativ.",
            max_items=4,
            follows_on_renew=False,
            minimal_print=True,
        ),
        fk_text_question(
            _T,
            MOTIVERING_FMB,
            "37",
            help=(
                "Fyll i när sjukskrivningen är längre än FMB:s rekommendation för diagnosen: "
                "beskriv avvikande förlopp, komplikationer eller andra skäl och varför de "
                "förlänger tiden."
            ),
            # Shown when it has a text, and by the editor when the sick-leave spell is longer
            # than FMB's maximum for the main diagnosis (services.sick_leave).
            visible=filled(MOTIVERING_FMB),
        ),
        form_question(
            _T,
            ARBETSTIDSFORLAGGNING,
            "33",
            FieldKind.BOOLEAN,
            help="Besvaras bara när arbetsförmågan är delvis nedsatt (under 100 procent).",
            visible=has_partial_period,
            mandatory=not_smitta,
            minimal_print=True,
        ),
        form_question(
            _T,
            ARBETSTIDSFORLAGGNING_MOTIVERING,
            "33.2",
            FieldKind.TEXTAREA,
            visible=all_(has_partial_period, equals(ARBETSTIDSFORLAGGNING, True)),
            mandatory=ALWAYS,
            max_length=FK_TEXTAREA_MAX,
        ),
        form_question(
            _T,
            ARBETSRESOR,
            "34",
            FieldKind.CHECKBOX,
            help="Kryssa i om resor med annat färdmedel kan göra det möjligt att arbeta.",
            minimal_print=True,
        ),
        form_question(
            _T,
            PROGNOS,
            "39",
            FieldKind.RADIO,
            options=code_options(_T, "KV_FKMU_0006", PROGNOS_CODES),
            help="Din bedömning av när patienten kan återgå i sin sysselsättning.",
            mandatory=not_smitta,
            minimal_print=True,
        ),
        Question(
            id=PROGNOS_DAGAR,
            ref="39.3",
            label="Återgång inom",
            kind=FieldKind.RADIO,
            options=code_options(_T, "KV_FKMU_0007", PROGNOS_DAGAR_CODES),
            visible=equals(PROGNOS, "ATER_X_ANTAL_DGR"),
            mandatory=ALWAYS,
            minimal_print=True,
        ),
    ),
)

ATGARDER_SECTION = Section(
    id="atgarder",
    title=_T["KAT_7.RBK"],
    questions=(
        form_question(
            _T,
            ATGARDER,
            "40",
            FieldKind.CHECKBOXES,
            options=code_options(_T, "KV_FKMU_0004", ATGARD_CODES),
            help="Välj åtgärder som kan underlätta återgång i arbete, eller Inte aktuellt.",
            mandatory=not_smitta,
            exclusive_options=("EJ_AKTUELLT",),
            minimal_print=True,
        ),
        fk_text_question(_T, ATGARDER_BESKRIVNING, "44", visible=has_atgard, minimal_print=True),
    ),
)

OVRIGT_SECTION = Section(
    id="ovrigt",
    title=_T["KAT_8.RBK"],
    questions=(
        fk_text_question(
            _T,
            OVRIGT,
            "25",
            help=(
                "Annat som är viktigt för Försäkringskassan, t.ex. fler diagnoser, att "
                "undersökningen gjordes via video eller skäl till ett tidigt startdatum."
            ),
        ),
    ),
)

KONTAKT_SECTION = fk_kontakt_section(_T, "KAT_9", follows_on_renew=False)


# --- rules that span fields -------------------------------------------------------------------
def _dated_periods(content: Content) -> list[tuple[str, object, object]]:
    periods = content.get(SJUKSKRIVNINGAR)
    if not isinstance(periods, dict):
        return []
    result = []
    for code, period in periods.items():
        if code in GRADE_CODES and isinstance(period, dict):
            result.append((code, parse_date(period.get("from")), parse_date(period.get("to"))))
    return result


def period_warnings(content: Content, ctx: ValidationContext) -> list[ValidationMessage]:
    """Warnings for a sick leave over 6 months and a start more than a week back."""
    out: list[ValidationMessage] = []
    periods = _dated_periods(content)
    starts = [(start, code) for code, start, _ in periods if start is not None]
    ends = [end for _, start, end in periods if end is not None and start is not None]
    if starts and ends:
        first = min(starts)[0]
        last = max(ends)
        if last >= first + relativedelta(months=6):
            out.append(
                ctx.message(
                    SJUKSKRIVNINGAR,
                    Severity.WARNING,
                    "Sjukskrivningen är längre än 6 månader. Kontrollera att datumen stämmer.",
                )
            )
    if starts:
        first, code = min(starts)
        if first < ctx.today - timedelta(days=7):
            out.append(
                ctx.message(
                    SJUKSKRIVNINGAR,
                    Severity.WARNING,
                    "Startdatumet ligger mer än en vecka före dagens datum. Ange orsaken under "
                    "Övriga upplysningar.",
                    f"{code}.from",
                )
            )
    return out


def future_basis_warnings(content: Content, ctx: ValidationContext) -> list[ValidationMessage]:
    """A warning for each date in "Intyget är baserat på" that lies after today."""
    basis = content.get(GRUND)
    if not isinstance(basis, dict):
        return []
    out = []
    for code, raw in basis.items():
        value = parse_date(raw)
        if value is not None and value > ctx.today:
            out.append(
                ctx.message(
                    GRUND,
                    Severity.WARNING,
                    "Datumet ligger efter dagens datum. Kontrollera att det stämmer.",
                    str(code),
                )
            )
    return out


DEFINITION = CertificateDefinition(
    type="fk7804",
    form_id="FK7804",
    name="Läkarintyg för sjukpenning",
    version=TEXT_VERSION,
    text_source=TEXT_SOURCE,
    recipient=Recipient.FK,
    roles=ALL_ROLES,
    description=(
        "Intyget används när patienten söker sjukpenning hos Försäkringskassan, och när "
        "patienten stängs av från arbetet enligt smittskyddslagen (smittbärarpenning). "
        "Arbetsförmågan kan vara nedsatt med 25, 50, 75 eller 100 procent. Om du inte känner "
        "patienten ska identiteten styrkas med fotolegitimation."
    ),
    minimal_print=True,
    sections=(
        SMITTA_SECTION,
        GRUND_SECTION,
        SYSSELSATTNING_SECTION,
        DIAGNOS_SECTION,
        KONSEKVENSER_SECTION,
        BEHANDLING_SECTION,
        BEDOMNING_SECTION,
        ATGARDER_SECTION,
        OVRIGT_SECTION,
        KONTAKT_SECTION,
    ),
    validators=(diagnosis_validator(DIAGNOSER), period_warnings, future_basis_warnings),
)

__all__ = ["DEFINITION", "GRADE_CODES", "has_partial_period"]
