"""FK7800 Läkarutlåtande för sjukersättning (Försäkringskassan, LUSE).

Labels and code texts are Försäkringskassan's, from ``texterMU_LUSE_v1.3.xml`` (see SOURCES.md);
help texts are our own. The form and its rules are built in :mod:`services.certificates.lu`,
which FK7801 shares (and FK7802 in part).
"""

from __future__ import annotations

from services.certificates.lu import build_lu_definition

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


DEFINITION = build_lu_definition(
    form_id="FK7800",
    name="Läkarutlåtande för sjukersättning",
    version=TEXT_VERSION,
    text_source=TEXT_SOURCE,
    texts=_T,
    description=(
        "Utlåtandet används när patienten söker sjukersättning, som kan ges när "
        "arbetsförmågan är stadigvarande nedsatt med minst en fjärdedel och alla "
        "rehabiliteringsmöjligheter bedöms uttömda."
    ),
    formaga_help="Vad patienten klarar trots sina begränsningar.",
)

__all__ = ["DEFINITION"]
