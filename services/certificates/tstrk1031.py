"""TSTRK1031 Transportstyrelsens läkarintyg diabetes (TS-diabetes, version 4).

Labels and code texts are Transportstyrelsen's, from ``texterTS_TSTRK_1031_v4.2.xml`` (see
SOURCES.md); help texts are our own. Question ids name the answer, ``ref`` is TS's number.

Rules (Transportstyrelsen's rules for the form):

* mandatory: intyget avser (1), identitet (2), vårdnivå (205), diagnosår (35, not after this
  year), diabetestyp (18; "Annan" needs its text, max 53 characters), medicinering (207),
  komplikationer (206, with a text when yes) and bedömning (33);
* medicinering yes → risk för hypoglykemi (208); 208 yes → behandling (209, "Annan" with text),
  start date (210) and the hypoglycaemia questions 200, 201, 110, 202, 106 and 107 (200 no → why,
  106 yes → when; 107 yes → 107.3, and 107.3 yes → when);
* a certificate for C1 … Taxi (VAR1–VAR9) → 203 (with date when yes) and 204;
* dates of events may not be after today; bedömning: "Kan inte ta ställning" stands alone and a
  chosen higher behörighet must be one the certificate concerns.
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
    all_,
    any_,
    contains,
    equals,
)
from services.certificates.common import (
    code_options,
    form_label,
    form_question,
    ts_bedomning_within_avser,
    ts_details,
    ts_identity_section,
    ts_section,
    ts_specialist_question,
    ts_yes_no,
)
from services.roles import Role

TEXT_VERSION = "4.2"
TEXT_SOURCE = "texterTS_TSTRK_1031_v4.2.xml"

# Labels and code texts, copied as data from texterTS_TSTRK_1031_v4.2.xml (version 4.2).
_T: dict[str, str] = {
    "KAT_1.RBK": "Intyget avser",
    "FRG_1.RBK": "Intyget avser följande behörigheter",
    "KAT_2.RBK": "Identitet",
    "FRG_2.RBK": "Identitet styrkt genom",
    "KV_ID_KONTROLL.IDK1.RBK": "ID-kort",
    "KV_ID_KONTROLL.IDK2.RBK": "Företagskort eller tjänstekort",
    "KV_ID_KONTROLL.IDK3.RBK": "Svenskt körkort",
    "KV_ID_KONTROLL.IDK4.RBK": "Personlig kännedom",
    "KV_ID_KONTROLL.IDK5.RBK": "Försäkran enligt 18 kap 4 §",
    "KV_ID_KONTROLL.IDK6.RBK": "Pass",
    "KAT_3.RBK": "Allmänt",
    "FRG_205.RBK": "Patienten följs avseende sin diabetessjukdom regelbundet av:",
    "KV_VARDNIVA_VN1.RBK": "Primärvård",
    "KV_VARDNIVA_VN2.RBK": "Specialistvård",
    "FRG_35.RBK": "Vilket år ställdes diagnosen diabetes?",
    "FRG_18.RBK": "Vilken typ av diabetes har patienten?",
    "FRG_207.RBK": "Har patienten medicinering för sin diabetes?",
    "FRG_208.RBK": "Har patienten medicinering som medför risk för hypoglykemi?",
    "SVAR_TYP1.RBK": "Typ 1",
    "SVAR_TYP2.RBK": "Typ 2",
    "SVAR_LADA.RBK": "LADA",
    "SVAR_ANNAN.RBK": "Annan",
    "DFR_18.2.RBK": "Ange vilken",
    "FRG_209.RBK": "Ange vilken behandling patienten har:",
    "DFR_209.1.RBK": "Insulin",
    "DFR_209.2.RBK": "Tabletter",
    "DFR_209.3.RBK": "Annan",
    "DFR_209.4.RBK": "Ange vilken",
    "FRG_210.RBK": "Ange när patienten började medicineringen som medför risk för hypoglykemi",
    "SVAR_JA.RBK": "Ja",
    "SVAR_NEJ.RBK": "Nej",
    "KAT_4.RBK": "Hypoglykemi",
    "FRG_200.RBK": (
        "Har patienten tillräcklig kontroll över sitt sjukdomstillstånd med avseende på "
        "risken för hypoglykemi?"
    ),
    "DFR_200.2.RBK": "Varför?",
    "FRG_201.RBK": (
        "Förstår patienten riskerna med hypoglykemi och vilka konsekvenser det kan ha för"
        " förmågan att köra körkortspliktiga fordon?"
    ),
    "FRG_110.RBK": "Har patienten förmåga att känna varningstecken (awareness) på hypoglykemi?",
    "FRG_202.RBK": (
        "Kan och har patienten möjlighet att vidta adekvata åtgärder vid tecken på hypoglykemi?"
    ),
    "FRG_106.RBK": (
        "Har patienten haft återkommande allvarlig hypoglykemi under de senaste tolv månaderna?"
    ),
    "DFR_106.2.RBK": "När inträffade den senaste allvarliga hypoglykemin?",
    "DFR_106.3.RBK": "Kontrolleras diabetessjukdomen regelbundet?",
    "DFR_106.5.RBK": "Utgör tillståndet någon trafiksäkerhetsrisk?",
    "FRG_107.RBK": (
        "Har patienten haft återkommande allvarlig hypoglykemi i vaket tillstånd under "
        "den senaste tolvmånadersperioden?"
    ),
    "DFR_107.3.RBK": (
        "Har i så fall den senaste allvarliga hypoglykemin inträffat under de senaste tre"
        " månaderna?"
    ),
    "DFR_107.5.RBK": "När inträffade det senast?",
    "FRG_203.RBK": "Har patienten haft allvarlig hypoglykemi under de senaste tolv månaderna?",
    "DFR_203.2.RBK": "När inträffade det senast?",
    "FRG_204.RBK": (
        "Genomför patienten regelbundna blodsockerkontroller minst två gånger om dagen "
        "och i samband med körning?"
    ),
    "KAT_6.RBK": "Övrigt",
    "FRG_206.RBK": (
        "Föreligger det några komplikationer till följd av sjukdomen som var för sig "
        "eller tillsammans kan påverka patientens förmåga att framföra ett "
        "körkortspliktigt fordon på ett trafiksäkert sätt?"
    ),
    "DFR_206.2.RBK": "Ange vilka komplikationer",
    "FRG_34.RBK": (
        "Patienten bör före ärendets avgörande undersökas av läkare med specialistkompetens i:"
    ),
    "KAT_7.RBK": "Bedömning",
    "FRG_33.RBK": (
        "Patienten uppfyller kraven enligt 6 kap. i Transportstyrelsens föreskrifter och "
        "allmänna råd (TSFS 2010:125) om medicinska krav för innehav av körkort m.m. "
        "Föreskrivna krav på läkarens specialistkompetens vid diabetessjukdom anges i 17 "
        "kap."
    ),
    "FRG_32.RBK": "Övriga upplysningar och kommentarer",
    "KV_KORKORTSBEHORIGHET.VAR12.RBK": "AM",
    "KV_KORKORTSBEHORIGHET.VAR13.RBK": "A1",
    "KV_KORKORTSBEHORIGHET.VAR14.RBK": "A2",
    "KV_KORKORTSBEHORIGHET.VAR15.RBK": "A",
    "KV_KORKORTSBEHORIGHET.VAR16.RBK": "B",
    "KV_KORKORTSBEHORIGHET.VAR17.RBK": "BE",
    "KV_KORKORTSBEHORIGHET.VAR18.RBK": "Traktor",
    "KV_KORKORTSBEHORIGHET.VAR1.RBK": "C1",
    "KV_KORKORTSBEHORIGHET.VAR2.RBK": "C1E",
    "KV_KORKORTSBEHORIGHET.VAR3.RBK": "C",
    "KV_KORKORTSBEHORIGHET.VAR4.RBK": "CE",
    "KV_KORKORTSBEHORIGHET.VAR5.RBK": "D1",
    "KV_KORKORTSBEHORIGHET.VAR6.RBK": "D1E",
    "KV_KORKORTSBEHORIGHET.VAR7.RBK": "D",
    "KV_KORKORTSBEHORIGHET.VAR8.RBK": "DE",
    "KV_KORKORTSBEHORIGHET.VAR9.RBK": "Taxi",
    "KV_KORKORTSBEHORIGHET.VAR11.RBK": "Kan inte ta ställning",
}

SHORT_MAX = 53  # TS's limit for the short "Ange vilken"/"Varför?" answers
LONG_MAX = 189  # TS's limit for 206.2 (komplikationer) and 32 (övriga kommentarer)
SPECIALIST_MAX = 71  # TS's limit for 34 (specialist)

INTYGET_AVSER = "intyget_avser"
BEDOMNING = "bedomning_behorigheter"
MEDICINERING = "medicinering"
HYPO_RISK = "medicinering_hypoglykemirisk"

BEHORIGHET_CODES = (
    *(f"VAR{n}" for n in range(12, 19)),  # AM, A1, A2, A, B, BE, Traktor
    *(f"VAR{n}" for n in range(1, 10)),  # C1, C1E, C, CE, D1, D1E, D, DE, Taxi
)
HIGHER_CODES = tuple(f"VAR{n}" for n in range(1, 10))


def _yes_no(qid: str, ref: str, **extra: object) -> Question:
    return ts_yes_no(_T, qid, ref, **extra)  # type: ignore[arg-type]


def _short_text(qid: str, ref: str, visible: Rule) -> Question:
    return ts_details(_T, qid, ref, visible=visible, max_length=SHORT_MAX)


def _date(qid: str, ref: str, visible: Rule) -> Question:
    """The date of an event, asked and required when visible; not after today."""
    return Question(
        id=qid,
        ref=ref,
        label=form_label(_T, ref),
        kind=FieldKind.DATE,
        visible=visible,
        mandatory=ALWAYS,
        no_future_date=True,
    )


def _section(sid: str, kat: str, *questions: Question) -> Section:
    return ts_section(_T, sid, kat, *questions)


def _behorigheter(codes: tuple[str, ...]) -> tuple[Option, ...]:
    return code_options(_T, "KV_KORKORTSBEHORIGHET", codes)


higher = any_(*(contains(INTYGET_AVSER, code) for code in HIGHER_CODES))
has_risk = all_(equals(MEDICINERING, True), equals(HYPO_RISK, True))
recurring = all_(has_risk, equals("aterkommande_allvarlig", True))  # 106 answered Ja
recurring_awake = all_(has_risk, equals("aterkommande_vaken", True))  # 107 answered Ja

SECTIONS = (
    _section(
        "intyget_avser",
        "KAT_1",
        form_question(
            _T,
            INTYGET_AVSER,
            "1",
            FieldKind.CHECKBOXES,
            options=_behorigheter(BEHORIGHET_CODES),
            help="Markera både de behörigheter patienten har och dem patienten söker.",
            mandatory=ALWAYS,
        ),
    ),
    ts_identity_section(_T, "KAT_2"),
    _section(
        "allmant",
        "KAT_3",
        form_question(
            _T,
            "vardniva",
            "205",
            FieldKind.RADIO,
            options=(
                Option("VN1", _T["KV_VARDNIVA_VN1.RBK"]),
                Option("VN2", _T["KV_VARDNIVA_VN2.RBK"]),
            ),
            help=(
                "Inom specialistvården ska intygsskrivaren vara specialist i internmedicin, "
                "endokrinologi och diabetologi eller barn- och ungdomsmedicin."
            ),
            mandatory=ALWAYS,
        ),
        form_question(
            _T,
            "diagnos_ar",
            "35",
            FieldKind.NUMBER,
            placeholder="åååå",
            mandatory=ALWAYS,
            min_value=1900,
            max_value=2100,
        ),
        form_question(
            _T,
            "diabetes_typ",
            "18",
            FieldKind.RADIO,
            options=(
                Option("E10", _T["SVAR_TYP1.RBK"]),
                Option("E11", _T["SVAR_TYP2.RBK"]),
                Option("E109", _T["SVAR_LADA.RBK"]),
                Option("ANNAN", _T["SVAR_ANNAN.RBK"]),
            ),
            mandatory=ALWAYS,
        ),
        _short_text("diabetes_typ_annan", "18.2", equals("diabetes_typ", "ANNAN")),
        _yes_no(MEDICINERING, "207"),
        _yes_no(
            HYPO_RISK,
            "208",
            help="T.ex. insulin och vissa tabletter (sulfonylurea, glinider).",
            visible=equals(MEDICINERING, True),
        ),
        form_question(
            _T,
            "behandling",
            "209",
            FieldKind.CHECKBOXES,
            options=(
                Option("INSULIN", _T["DFR_209.1.RBK"]),
                Option("TABLETTER", _T["DFR_209.2.RBK"]),
                Option("ANNAN", _T["DFR_209.3.RBK"]),
            ),
            visible=has_risk,
            mandatory=ALWAYS,
        ),
        _short_text("behandling_annan", "209.4", all_(has_risk, contains("behandling", "ANNAN"))),
        _date("medicinering_startdatum", "210", has_risk),
    ),
    _section(
        "hypoglykemi",
        "KAT_4",
        _yes_no("kontroll_sjukdomstillstand", "200", visible=has_risk),
        _short_text(
            "kontroll_sjukdomstillstand_varfor",
            "200.2",
            all_(has_risk, equals("kontroll_sjukdomstillstand", False)),
        ),
        _yes_no("forstar_risker", "201", visible=has_risk),
        _yes_no("kanner_varningstecken", "110", visible=has_risk),
        _yes_no("vidta_atgarder", "202", visible=has_risk),
        _yes_no("aterkommande_allvarlig", "106", visible=has_risk),
        _date("aterkommande_allvarlig_senast", "106.2", recurring),
        _yes_no("aterkommande_allvarlig_kontrolleras", "106.3", visible=recurring),
        _yes_no("aterkommande_allvarlig_trafikrisk", "106.5", visible=recurring),
        _yes_no("aterkommande_vaken", "107", visible=has_risk),
        _yes_no("aterkommande_vaken_tre_manader", "107.3", visible=recurring_awake),
        _date(
            "aterkommande_vaken_senast",
            "107.5",
            all_(recurring_awake, equals("aterkommande_vaken_tre_manader", True)),
        ),
        _yes_no("allvarlig_senaste_aret", "203", visible=higher),
        _date(
            "allvarlig_senaste_aret_senast",
            "203.2",
            all_(higher, equals("allvarlig_senaste_aret", True)),
        ),
        _yes_no(
            "blodsockerkontroller",
            "204",
            help="Kontroll före körning och vid längre körning var annan–var tredje timme.",
            visible=higher,
        ),
    ),
    _section(
        "ovrigt",
        "KAT_6",
        _yes_no("komplikationer", "206"),
        form_question(
            _T,
            "komplikationer_beskrivning",
            "206.2",
            FieldKind.TEXTAREA,
            help="T.ex. synpåverkan, neuropati eller hjärt-kärlsjukdom.",
            visible=equals("komplikationer", True),
            mandatory=ALWAYS,
            max_length=LONG_MAX,
        ),
        ts_specialist_question(_T, max_length=SPECIALIST_MAX),
    ),
    _section(
        "bedomning",
        "KAT_7",
        form_question(
            _T,
            BEDOMNING,
            "33",
            FieldKind.CHECKBOXES,
            options=_behorigheter((*BEHORIGHET_CODES, "VAR11")),
            help="Välj de behörigheter kraven är uppfyllda för, eller Kan inte ta ställning.",
            mandatory=ALWAYS,
            exclusive_options=("VAR11",),
        ),
        form_question(
            _T,
            "ovriga_kommentarer",
            "32",
            FieldKind.TEXTAREA,
            max_length=LONG_MAX,
        ),
    ),
)


def year_validator(content: Content, ctx: ValidationContext) -> list[ValidationMessage]:
    """The diagnosis year may not be after the current year."""
    value = content.get("diagnos_ar")
    if isinstance(value, int) and not isinstance(value, bool) and value > ctx.today.year:
        return [
            ctx.message(
                "diagnos_ar", Severity.ERROR, "Årtalet får inte vara senare än innevarande år."
            )
        ]
    return []


def _avser_for(code: str) -> str | None:
    """A higher behörighet (C1 … Taxi) in the assessment must also be one the certificate
    concerns."""
    return code if code in HIGHER_CODES else None


DEFINITION = CertificateDefinition(
    type="tstrk1031",
    form_id="TSTRK1031",
    name="Transportstyrelsens läkarintyg diabetes",
    version=TEXT_VERSION,
    text_source=TEXT_SOURCE,
    recipient=Recipient.TS,
    roles=frozenset({Role.LAKARE, Role.VARDADMINISTRATOR}),
    description=(
        "Intyget används vid diabetessjukdom. Kraven står i 6 kap. och kraven på läkarens "
        "specialistkompetens i 17 kap. i Transportstyrelsens föreskrifter (TSFS 2010:125)."
    ),
    sections=SECTIONS,
    validators=(year_validator, ts_bedomning_within_avser(BEDOMNING, INTYGET_AVSER, _avser_for)),
)

__all__ = ["DEFINITION"]
