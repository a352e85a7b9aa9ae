"""TSTRK1007 Transportstyrelsens läkarintyg (TS-bas) — högre behörigheter och taxi.

Labels and code texts are Transportstyrelsen's, from ``texterTS_TSTRK_1007_v7.0.xml`` (see
SOURCES.md); help texts are our own. Question ids name the answer, ``ref`` is TS's number.

Rules (Transportstyrelsen's rules for the form):

* every Ja/Nej question is mandatory, except 11 (hearing at four metres) and 13 (helping
  passengers), which are asked only when the certificate concerns D1, D1E, D, DE or Taxi;
* a "Ja" asks for its details: 12 → type of impairment, 16 → type of disease, 26 → drug and dose,
  30 → when, where and why, 31 → which drugs; diabetes (17) → type, and for type 2 the treatment;
  25.1 or 25.2 → whether samples are needed (25.3);
* visual acuity (8): without correction for both eyes and binocular, unless the values are sent
  separately (8.1); values are decimals 0,0–2,0; with correction is required when the
  certificate concerns C/D/Taxi and either eye is below 0,1 or both are below 0,8, and when it
  concerns "Annat" and binocular is below 0,5;
* bedömning (33): at least one; "Kan inte ta ställning" stands alone; a chosen behörighet must be
  one the certificate concerns (1).
"""

from __future__ import annotations

import re

from services.certificates.base import (
    ALWAYS,
    NEVER,
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
    any_,
    contains,
    equals,
    filled,
    not_,
)
from services.certificates.common import (
    TS_TEXTAREA_MAX,
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

TEXT_VERSION = "7.0"
TEXT_SOURCE = "texterTS_TSTRK_1007_v7.0.xml"

# Labels and code texts, copied as data from texterTS_TSTRK_1007_v7.0.xml (version 7.0).
_T: dict[str, str] = {
    "KAT_99.RBK": "Intyget avser",
    "FRG_1.RBK": (
        "Detta intyg ska användas vid förlängd giltighet av högre behörighet, ansökan om "
        "körkortstillstånd för grupp II och III och vid ansökan om taxiförarlegitimation."
        " Intyget kan också användas när Transportstyrelsen i andra fall begärt ett "
        "läkarintyg. Markera då endast i rutan Annat nedan."
    ),
    "KV_INTYGET_AVSER.IAV1.RBK": "C1",
    "KV_INTYGET_AVSER.IAV2.RBK": "C1E",
    "KV_INTYGET_AVSER.IAV3.RBK": "C",
    "KV_INTYGET_AVSER.IAV4.RBK": "CE",
    "KV_INTYGET_AVSER.IAV5.RBK": "D1",
    "KV_INTYGET_AVSER.IAV6.RBK": "D1E",
    "KV_INTYGET_AVSER.IAV7.RBK": "D",
    "KV_INTYGET_AVSER.IAV8.RBK": "DE",
    "KV_INTYGET_AVSER.IAV9.RBK": "Taxi",
    "KV_INTYGET_AVSER.IAV10.RBK": "Annat",
    "KAT_100.RBK": "Identitet",
    "FRG_2.RBK": "Identitet styrkt genom",
    "KV_ID_KONTROLL.IDK1.RBK": "ID-kort",
    "KV_ID_KONTROLL.IDK2.RBK": "Företagskort eller tjänstekort.",
    "KV_ID_KONTROLL.IDK3.RBK": "Svenskt körkort",
    "KV_ID_KONTROLL.IDK4.RBK": "Personlig kännedom",
    "KV_ID_KONTROLL.IDK5.RBK": "Försäkran enligt 18 kap 4 §",
    "KV_ID_KONTROLL.IDK6.RBK": "Pass",
    "KAT_1.RBK": "Synfunktioner",
    "FRG_3.RBK": "Tecken på synfältsdefekter vid undersökning enligt Donders konfrontationsmetod?",
    "FRG_4.RBK": (
        "Framkommer anamnestiska uppgifter om begränsning av seendet vid nedsatt belysning?"
    ),
    "FRG_5.RBK": "Har patienten någon progressiv ögonsjukdom?",
    "FRG_6.RBK": (
        "Framkommer dubbelseende vid prövning av ögats rörlighet (prövningen ska göras i "
        "de åtta huvudmeridianerna)?"
    ),
    "FRG_7.RBK": "Förekommer nystagmus?",
    "FRG_8.RBK": "Värden för synskärpa",
    "DFR_8.1.RBK": "Uppgifter om synskärpa skickas separat",
    "DFR_8.2.RBK": "Höger öga utan korrektion",
    "DFR_8.3.RBK": "Vänster öga utan korrektion",
    "DFR_8.4.RBK": "Binokulärt utan korrektion",
    "DFR_8.5.RBK": "Höger öga med korrektion",
    "DFR_8.6.RBK": "Vänster öga med korrektion",
    "DFR_8.7.RBK": "Binokulärt med korrektion",
    "DFR_8.8.RBK": "Kontaktlinser på höger öga",
    "DFR_8.9.RBK": "Kontaktlinser på vänster öga",
    "FRG_9.RBK": "Korrektionsglasens styrka",
    "DFR_9.1.RBK": "Högsta styrka i något av glasen överskrider plus 8 dioptrier",
    "KAT_2.RBK": "Hörsel och balanssinne",
    "FRG_10.RBK": "Har patienten överraskande anfall av balansrubbningar eller yrsel?",
    "FRG_11.RBK": (
        "Har patienten svårt att uppfatta vanlig samtalsstämma på fyra meters avstånd "
        "(hörapparat får användas)?"
    ),
    "KAT_3.RBK": "Rörelseorganens funktioner",
    "FRG_12.RBK": (
        "Har patienten någon sjukdom eller funktionsnedsättning som påverkar rörligheten "
        "och som medför att fordon inte kan köras på ett trafiksäkert sätt?"
    ),
    "DFR_12.2.RBK": "Ange vilken typ av nedsättning eller sjukdom",
    "FRG_13.RBK": (
        "Finns en nedsättning av rörelseförmågan som gör att patienten inte kan hjälpa "
        "passagerare in och ut ur fordonet samt med bilbälte?"
    ),
    "KAT_4.RBK": "Hjärt- och kärlsjukdomar",
    "FRG_14.RBK": (
        "Föreligger hjärt- eller kärlsjukdom som kan medföra en påtaglig risk för att "
        "hjärnans funktioner akut försämras eller som i övrigt innebär en "
        "trafiksäkerhetsrisk?"
    ),
    "FRG_15.RBK": (
        "Finns tecken på hjärnskada efter trauma, stroke eller annan sjukdom i centrala "
        "nervsystemet?"
    ),
    "FRG_16.RBK": (
        "Föreligger viktiga riskfaktorer för stroke (tidigare stroke eller TIA, förhöjt "
        "blodtryck, förmaksflimmer eller kärlmissbildning)?"
    ),
    "DFR_16.2.RBK": "Typ av sjukdom",
    "KAT_5.RBK": "Diabetes",
    "FRG_17.RBK": "Har patienten diabetes?",
    "FRG_18.RBK": "Vilken typ?",
    "FRG_19.RBK": "Ange behandling",
    "DFR_19.1.RBK": "Kost",
    "DFR_19.2.RBK": "Tabletter",
    "DFR_19.3.RBK": "Insulin",
    "KAT_6.RBK": "Neurologiska sjukdomar",
    "FRG_20.RBK": "Finns tecken på neurologisk sjukdom?",
    "KAT_7.RBK": "Epilepsi, epileptiskt anfall och annan medvetandestörning",
    "FRG_21.RBK": (
        "Har eller har patienten haft epilepsi, epileptiskt anfall eller annan medvetandestörning?"
    ),
    "DFR_21.2.RBK": (
        "Om det är frågan om annan medvetandestörning, ange när den inträffade och orsak"
    ),
    "KAT_8.RBK": "Njursjukdomar",
    "FRG_22.RBK": (
        "Föreligger allvarligt nedsatt njurfunktion som kan innebära en trafiksäkerhetsrisk?"
    ),
    "KAT_9.RBK": "Demens och andra kognitiva störningar",
    "FRG_23.RBK": "Finns tecken på sviktande kognitiv funktion?",
    "KAT_10.RBK": "Sömn- och vakenhetsstörningar",
    "FRG_24.RBK": (
        "Finns tecken på, eller anamnestiska uppgifter som talar för sömn- eller vakenhetsstörning?"
    ),
    "KAT_11.RBK": "Alkohol, narkotika och läkemedel",
    "DFR_25.1.RBK": (
        "Finns journaluppgifter, anamnestiska uppgifter, resultat av laboratorieprover "
        "eller andra tecken på missbruk eller beroende av alkohol, narkotika eller "
        "läkemedel?"
    ),
    "DFR_25.2.RBK": (
        "Har patienten vid något tillfälle varit föremål för vårdinsatser för missbruk "
        "eller beroende av alkohol, narkotika eller läkemedel?"
    ),
    "DFR_25.3.RBK": "Behövs det provtagning avseende aktuellt bruk av alkohol eller narkotika?",
    "FRG_26.RBK": (
        "Pågår regelbundet läkarordinerat bruk av läkemedel som kan innebära en "
        "trafiksäkerhetsrisk?"
    ),
    "DFR_26.2.RBK": "Läkemedel och ordinerad dos",
    "KAT_12.RBK": "Psykiska sjukdomar och störningar",
    "FRG_27.RBK": (
        "Har eller har patienten haft psykisk sjukdom eller störning, till exempel "
        "schizofreni, annan psykos eller bipolär (manodepressiv) sjukdom?"
    ),
    "KAT_13.RBK": (
        "ADHD, autismspektrumtillstånd och likartade tillstånd samt psykisk utvecklingsstörning"
    ),
    "FRG_28.RBK": "Har patienten någon psykisk utvecklingsstörning?",
    "FRG_29.RBK": (
        "Har patienten till exempel ADHD, ADD, DAMP, Aspergers syndrom eller Tourettes syndrom?"
    ),
    "KAT_14.RBK": "Sjukhusvård",
    "FRG_30.RBK": (
        "Har patienten vårdats på sjukhus eller haft kontakt med läkare med anledning av "
        "något som efterfrågats i tidigare frågor i intyget?"
    ),
    "DFR_30.2.RBK": "Om frågan besvarats med ja, när?",
    "DFR_30.3.RBK": "Vårdinrättningens namn och klinik/er",
    "DFR_30.4.RBK": "För vad?",
    "KAT_15.RBK": "Övrig medicinering",
    "FRG_31.RBK": "Har patienten någon stadigvarande medicinering?",
    "DFR_31.2.RBK": "Vilken eller vilka mediciner?",
    "KAT_16.RBK": "Övrig kommentar",
    "FRG_32.RBK": "Övriga kommentarer som är relevant ur trafiksäkerhetssynpunkt.",
    "KAT_101.RBK": "Bedömning",
    "FRG_33.RBK": (
        "Ange för vilka behörigheter som patienten uppfyller kraven enligt "
        "Transportstyrelsens föreskrifter och allmänna råd om medicinska krav för innehav"
        " av körkort m.m.(TSFS 2010:125)"
    ),
    "DFR_33.2.RBK": "Kan inte ta ställning",
    "FRG_34.RBK": (
        "Patienten bör före ärendets avgörande undersökas av läkare med specialistkompetens i"
    ),
    "KV_KORKORTSBEHORIGHET.VAR1.RBK": "C1",
    "KV_KORKORTSBEHORIGHET.VAR2.RBK": "C1E",
    "KV_KORKORTSBEHORIGHET.VAR3.RBK": "C",
    "KV_KORKORTSBEHORIGHET.VAR4.RBK": "CE",
    "KV_KORKORTSBEHORIGHET.VAR5.RBK": "D1",
    "KV_KORKORTSBEHORIGHET.VAR6.RBK": "D1E",
    "KV_KORKORTSBEHORIGHET.VAR7.RBK": "D",
    "KV_KORKORTSBEHORIGHET.VAR8.RBK": "DE",
    "KV_KORKORTSBEHORIGHET.VAR9.RBK": "Taxi",
    "KV_KORKORTSBEHORIGHET.VAR10.RBK": "Annat",
    "KV_KORKORTSBEHORIGHET.VAR11.RBK": "Kan inte ta ställning",
}

INTYGET_AVSER = "intyget_avser"
SKICKAS_SEPARAT = "synskarpa_skickas_separat"
UTAN = ("synskarpa_hoger_utan", "synskarpa_vanster_utan", "synskarpa_binokulart_utan")
MED = ("synskarpa_hoger_med", "synskarpa_vanster_med", "synskarpa_binokulart_med")
BEDOMNING = "bedomning_behorigheter"

AVSER_CODES = tuple(f"IAV{n}" for n in range(1, 11))
HIGHER_CODES = tuple(f"IAV{n}" for n in range(1, 10))  # C1 … Taxi
D_TAXI_CODES = ("IAV5", "IAV6", "IAV7", "IAV8", "IAV9")
BEDOMNING_CODES = tuple(f"VAR{n}" for n in range(1, 12))


def _yes_no(qid: str, ref: str, **extra: object) -> Question:
    return ts_yes_no(_T, qid, ref, **extra)  # type: ignore[arg-type]


def _details(qid: str, ref: str, parent: str, **extra: object) -> Question:
    """A text that is asked, and required, when ``parent`` is answered Ja."""
    return ts_details(_T, qid, ref, visible=equals(parent, True), **extra)  # type: ignore[arg-type]


def _section(sid: str, kat: str, *questions: Question) -> Section:
    return ts_section(_T, sid, kat, *questions)


d_or_taxi = any_(*(contains(INTYGET_AVSER, code) for code in D_TAXI_CODES))
values_here = not_(equals(SKICKAS_SEPARAT, True))

_ACUITY = re.compile(r"^\d(?:[.,]\d{1,2})?$")


def parse_acuity(value: object) -> float | None:
    """``"0,8"`` → 0.8; ``None`` for anything that is not a decimal 0,0–2,0."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        number = float(value)
    elif isinstance(value, str) and _ACUITY.match(value.strip()):
        number = float(value.strip().replace(",", "."))
    else:
        return None
    return number if 0.0 <= number <= 2.0 else None


def _low_vision(c: Content) -> bool:
    right, left, both = (parse_acuity(c.get(q)) for q in UTAN)
    higher = any(code in (c.get(INTYGET_AVSER) or []) for code in HIGHER_CODES)
    annat = "IAV10" in (c.get(INTYGET_AVSER) or [])
    eyes = [v for v in (right, left) if v is not None]
    if higher and eyes and (min(eyes) < 0.1 or (len(eyes) == 2 and max(eyes) < 0.8)):
        return True
    return annat and both is not None and both < 0.5


def _acuity_question(qid: str, ref: str, *, mandatory: Rule) -> Question:
    return Question(
        id=qid,
        ref=ref,
        label=form_label(_T, ref),
        kind=FieldKind.TEXT,
        help="Decimaltal 0,0–2,0. Är synskärpan sämre än 0,1 anges 0,0.",
        placeholder="0,0",
        mandatory=mandatory,
        visible=values_here,
        max_length=4,
    )


def _checkbox(qid: str, ref: str, **extra: object) -> Question:
    return Question(id=qid, ref=ref, label=form_label(_T, ref), kind=FieldKind.CHECKBOX, **extra)  # type: ignore[arg-type]


SECTIONS = (
    _section(
        "intyget_avser",
        "KAT_99",
        form_question(
            _T,
            INTYGET_AVSER,
            "1",
            FieldKind.CHECKBOXES,
            options=code_options(_T, "KV_INTYGET_AVSER", AVSER_CODES),
            help=(
                "Grupp II: AM–CE, grupp III: AM–DE. Taxi avser taxiförarlegitimation. Välj "
                "Annat när Transportstyrelsen i andra fall har begärt intyget."
            ),
            mandatory=ALWAYS,
        ),
    ),
    ts_identity_section(_T, "KAT_100"),
    _section(
        "synfunktioner",
        "KAT_1",
        _yes_no("synfaltsdefekter", "3"),
        _yes_no("nattblindhet", "4"),
        _yes_no("progressiv_ogonsjukdom", "5"),
        _yes_no("diplopi", "6"),
        _yes_no("nystagmus", "7"),
        _checkbox(
            SKICKAS_SEPARAT,
            "8.1",
            help="Kryssa i om värdena skickas till Transportstyrelsen på annat sätt.",
        ),
        *(
            _acuity_question(qid, ref, mandatory=ALWAYS)
            for qid, ref in zip(UTAN, ("8.2", "8.3", "8.4"), strict=True)
        ),
        *(
            _acuity_question(qid, ref, mandatory=_low_vision)
            for qid, ref in zip(MED, ("8.5", "8.6", "8.7"), strict=True)
        ),
        _checkbox("kontaktlins_hoger", "8.8", visible=filled(MED[0])),
        _checkbox("kontaktlins_vanster", "8.9", visible=filled(MED[1])),
        _checkbox(
            "korrektionsglas_over_8_dioptrier",
            "9.1",
            sub_label=_T["FRG_9.RBK"],
            visible=any_(*(filled(q) for q in MED)),
        ),
    ),
    _section(
        "horsel_balans",
        "KAT_2",
        _yes_no("balansrubbningar", "10"),
        _yes_no("svart_uppfatta_samtal", "11", mandatory=d_or_taxi, visible=d_or_taxi),
    ),
    _section(
        "rorelseorgan",
        "KAT_3",
        _yes_no("nedsatt_rorlighet", "12"),
        _details("nedsatt_rorlighet_beskrivning", "12.2", "nedsatt_rorlighet"),
        _yes_no("kan_inte_hjalpa_passagerare", "13", mandatory=d_or_taxi, visible=d_or_taxi),
    ),
    _section(
        "hjart_karl",
        "KAT_4",
        _yes_no("hjart_karlsjukdom", "14"),
        _yes_no("hjarnskada", "15"),
        _yes_no("riskfaktorer_stroke", "16"),
        _details("riskfaktorer_stroke_beskrivning", "16.2", "riskfaktorer_stroke"),
    ),
    _section(
        "diabetes",
        "KAT_5",
        _yes_no("har_diabetes", "17"),
        form_question(
            _T,
            "diabetes_typ",
            "18",
            FieldKind.RADIO,
            options=(Option("DIABETES_TYP_1", "Typ 1"), Option("DIABETES_TYP_2", "Typ 2")),
            visible=equals("har_diabetes", True),
            mandatory=ALWAYS,
        ),
        form_question(
            _T,
            "diabetes_behandling",
            "19",
            FieldKind.CHECKBOXES,
            options=(
                Option("KOST", _T["DFR_19.1.RBK"]),
                Option("TABLETTER", _T["DFR_19.2.RBK"]),
                Option("INSULIN", _T["DFR_19.3.RBK"]),
            ),
            help="Vid tablett- eller insulinbehandling krävs även TS läkarintyg diabetes.",
            visible=equals("diabetes_typ", "DIABETES_TYP_2"),
            mandatory=ALWAYS,
        ),
    ),
    _section("neurologi", "KAT_6", _yes_no("neurologisk_sjukdom", "20")),
    _section(
        "epilepsi",
        "KAT_7",
        _yes_no("medvetandestorning", "21"),
        _details("medvetandestorning_beskrivning", "21.2", "medvetandestorning", mandatory=NEVER),
    ),
    _section("njurar", "KAT_8", _yes_no("nedsatt_njurfunktion", "22")),
    _section("kognitivt", "KAT_9", _yes_no("sviktande_kognitiv_funktion", "23")),
    _section("somn_vakenhet", "KAT_10", _yes_no("somn_vakenhetsstorning", "24")),
    _section(
        "alkohol_narkotika_lakemedel",
        "KAT_11",
        _yes_no("tecken_pa_missbruk", "25.1"),
        _yes_no("vard_for_missbruk", "25.2"),
        _yes_no(
            "provtagning_behovs",
            "25.3",
            help="Görs provtagning redovisas resultatet separat.",
            visible=any_(equals("tecken_pa_missbruk", True), equals("vard_for_missbruk", True)),
        ),
        _yes_no("lakemedel_trafikrisk", "26"),
        _details("lakemedel_trafikrisk_beskrivning", "26.2", "lakemedel_trafikrisk"),
    ),
    _section("psykiskt", "KAT_12", _yes_no("psykisk_sjukdom", "27")),
    _section(
        "utvecklingsstorning",
        "KAT_13",
        _yes_no("psykisk_utvecklingsstorning", "28"),
        _yes_no("adhd_med_mera", "29"),
    ),
    _section(
        "sjukhusvard",
        "KAT_14",
        _yes_no("sjukhusvard", "30"),
        # TS's limits for 30.2–30.4 (tstrk1007.v7 schematron): 40, 40 and 50 characters
        _details("sjukhusvard_tidpunkt", "30.2", "sjukhusvard", max_length=40),
        _details("sjukhusvard_vardinrattning", "30.3", "sjukhusvard", max_length=40),
        _details("sjukhusvard_anledning", "30.4", "sjukhusvard", max_length=50),
    ),
    _section(
        "ovrig_medicinering",
        "KAT_15",
        _yes_no("stadigvarande_medicinering", "31"),
        _details("stadigvarande_medicinering_beskrivning", "31.2", "stadigvarande_medicinering"),
    ),
    _section(
        "ovrig_kommentar",
        "KAT_16",
        form_question(
            _T,
            "ovrig_kommentar",
            "32",
            FieldKind.TEXTAREA,
            max_length=TS_TEXTAREA_MAX,
        ),
    ),
    _section(
        "bedomning",
        "KAT_101",
        form_question(
            _T,
            BEDOMNING,
            "33",
            FieldKind.CHECKBOXES,
            options=code_options(_T, "KV_KORKORTSBEHORIGHET", BEDOMNING_CODES),
            help="Välj de behörigheter patienten uppfyller kraven för, eller Kan inte ta "
            "ställning.",
            mandatory=ALWAYS,
            exclusive_options=("VAR11",),
        ),
        ts_specialist_question(
            _T, help="Ange specialitet om patienten bör undersökas av specialist först."
        ),
    ),
)


def acuity_validator(content: Content, ctx: ValidationContext) -> list[ValidationMessage]:
    """Visual acuity values are decimals between 0,0 and 2,0."""
    if equals(SKICKAS_SEPARAT, True)(content):
        return []
    out = []
    for qid in (*UTAN, *MED):
        value = content.get(qid)
        if value not in (None, "") and parse_acuity(value) is None:
            out.append(
                ctx.message(qid, Severity.ERROR, "Ange synskärpa som ett tal mellan 0,0 och 2,0.")
            )
    return out


def _avser_for(code: str) -> str | None:
    """VARn in the assessment (n ≤ 10) needs IAVn, the same behörighet, in intyget avser."""
    n = code[3:]
    return f"IAV{n}" if code.startswith("VAR") and n.isdigit() and int(n) <= 10 else None


DEFINITION = CertificateDefinition(
    type="tstrk1007",
    form_id="TSTRK1007",
    name="Transportstyrelsens läkarintyg",
    version=TEXT_VERSION,
    text_source=TEXT_SOURCE,
    recipient=Recipient.TS,
    roles=frozenset({Role.LAKARE, Role.VARDADMINISTRATOR}),
    description=(
        "Intyget används vid förlängd giltighet av högre behörighet från 45 år, vid ansökan om "
        "körkortstillstånd för grupp II och III och om taxiförarlegitimation, och när "
        "Transportstyrelsen i annat fall begär ett läkarintyg om lämplighet att ha körkort."
    ),
    sections=SECTIONS,
    validators=(acuity_validator, ts_bedomning_within_avser(BEDOMNING, INTYGET_AVSER, _avser_for)),
)

__all__ = ["DEFINITION", "parse_acuity"]
