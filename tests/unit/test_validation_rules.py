"""Table-driven: every mandatory and validation rule of every type, a valid and an invalid case.

Each case starts from a complete, signable draft of the type, applies a patch for the valid and
for the invalid variant (``None`` removes a key), and checks that the expected message appears
only for the invalid one. The expectations come from the manual and the FK/TS texts and rules.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from services.certificates import get_definition, validation
from services.certificates.base import Severity
from services.certificates.validation import can_sign, missing_sections, validate

TODAY = date(2026, 3, 10)
M, E, W = Severity.MISSING, Severity.ERROR, Severity.WARNING


@pytest.fixture(autouse=True)
def _no_code_lookup(monkeypatch: pytest.MonkeyPatch) -> None:
    """Code existence comes from services.diagnoses; these tests check the rules only."""
    monkeypatch.setattr(validation, "_diagnosis_checker", lambda: None)


def diagnosis(code: str = "J20", text: str = "Akut bronkit", system: str = "ICD_10_SE") -> dict:
    return {"code": code, "text": text, "system": system}


def period(start: str, end: str) -> dict:
    return {"from": start, "to": end}


BASE: dict[str, dict[str, Any]] = {
    "fk7804": {
        "grund_for_mu": {"UNDERSOKNING": "2026-03-10"},
        "sysselsattning": ["NUVARANDE_ARBETE"],
        "nuvarande_arbete": "Snickare, bygger trappor",
        "diagnoser": [diagnosis()],
        "funktionsnedsattning": "Hosta, feber",
        "aktivitetsbegransning": "Kan inte bära tungt",
        "sjukskrivningar": {"HELT_NEDSATT": period("2026-03-10", "2026-03-23")},
        "prognos": "STOR_SANNOLIKHET",
        "atgarder": ["EJ_AKTUELLT"],
    },
    "fk7800": {
        "grund_for_mu": {"UNDERSOKNING": "2026-03-01"},
        "kannedom_om_patienten": "2025-01-01",
        "underlag_finns": False,
        "sjukdomsforlopp": "Långvarig smärta",
        "diagnoser": [diagnosis("M797", "Fibromyalgi")],
        "diagnosgrund": "Ställd 2024 på reumatologen",
        "ny_bedomning_diagnos": False,
        "funktion_intellektuell": "Lätt nedsatt",
        "aktivitetsbegransning": "Kan inte sitta länge",
        "medicinska_forutsattningar": "Oförändrat",
    },
    "fk7802": {
        "grund_for_mu": {"UNDERSOKNING": "2026-03-01"},
        "kannedom_om_patienten": "2025-01-01",
        "underlag_finns": False,
        "diagnoser": [diagnosis("F900", "ADHD")],
        "funktionsnedsattning_debut": "Sedan lågstadiet",
        "funktionsnedsattning_paverkan": "Klarar inte heltid",
    },
    "tstrk1007": {
        "intyget_avser": ["IAV1"],
        "identitet": "IDK1",
        **{
            qid: False
            for qid in (
                "synfaltsdefekter",
                "nattblindhet",
                "progressiv_ogonsjukdom",
                "diplopi",
                "nystagmus",
                "balansrubbningar",
                "nedsatt_rorlighet",
                "hjart_karlsjukdom",
                "hjarnskada",
                "riskfaktorer_stroke",
                "har_diabetes",
                "neurologisk_sjukdom",
                "medvetandestorning",
                "nedsatt_njurfunktion",
                "sviktande_kognitiv_funktion",
                "somn_vakenhetsstorning",
                "tecken_pa_missbruk",
                "vard_for_missbruk",
                "lakemedel_trafikrisk",
                "psykisk_sjukdom",
                "psykisk_utvecklingsstorning",
                "adhd_med_mera",
                "sjukhusvard",
                "stadigvarande_medicinering",
            )
        },
        "synskarpa_hoger_utan": "1,0",
        "synskarpa_vanster_utan": "1,0",
        "synskarpa_binokulart_utan": "1,0",
        "bedomning_behorigheter": ["VAR1"],
    },
    "tstrk1031": {
        "intyget_avser": ["VAR16"],
        "identitet": "IDK1",
        "vardniva": "VN1",
        "diagnos_ar": 2010,
        "diabetes_typ": "E10",
        "medicinering": False,
        "komplikationer": False,
        "bedomning_behorigheter": ["VAR16"],
    },
}
BASE["fk7801"] = dict(BASE["fk7800"])

TS_BOOLEANS = [k for k, v in BASE["tstrk1007"].items() if v is False]

HALF = {"HALFTEN": period("2026-03-10", "2026-03-23")}
RISK = {"medicinering": True, "medicinering_hypoglykemirisk": True}
RISK_ANSWERS = {
    "behandling": ["INSULIN"],
    "medicinering_startdatum": "2015-01-01",
    "kontroll_sjukdomstillstand": True,
    "forstar_risker": True,
    "kanner_varningstecken": True,
    "vidta_atgarder": True,
    "aterkommande_allvarlig": False,
    "aterkommande_vaken": False,
}
ROW1 = {
    "underlag_finns": True,
    "underlag_1_typ": "PSYKOLOG",
    "underlag_1_datum": "2025-05-01",
    "underlag_1_hamtas_fran": "Psykologmottagningen, X-stad",
}
LONG = "x" * 4001

# (case id, type, valid patch, invalid patch, question id, severity)
CASES: list[tuple[str, str, dict, dict, str, Severity]] = [
    # ---- FK7804 ------------------------------------------------------------------------------
    ("7804 grund mandatory", "fk7804", {}, {"grund_for_mu": None}, "grund_for_mu", M),
    (
        "7804 grund date missing",
        "fk7804",
        {},
        {"grund_for_mu": {"UNDERSOKNING": ""}},
        "grund_for_mu",
        M,
    ),
    (
        "7804 grund bad date format",
        "fk7804",
        {"grund_for_mu": {"UNDERSOKNING": "20260310"}},
        {"grund_for_mu": {"UNDERSOKNING": "2026-3-10"}},
        "grund_for_mu",
        E,
    ),
    (
        "7804 grund impossible date",
        "fk7804",
        {"grund_for_mu": {"UNDERSOKNING": "2024-02-29"}},
        {"grund_for_mu": {"UNDERSOKNING": "2026-02-30"}},
        "grund_for_mu",
        E,
    ),
    (
        "7804 grund unknown code",
        "fk7804",
        {"grund_for_mu": {"TELEFONKONTAKT": "2026-03-09"}},
        {"grund_for_mu": {"VIDEO": "2026-03-09"}},
        "grund_for_mu",
        E,
    ),
    (
        "7804 annat needs text",
        "fk7804",
        {"grund_for_mu": {"ANNAT": "2026-03-01"}, "grund_for_mu_annat": "Intyg från skolan"},
        {"grund_for_mu": {"ANNAT": "2026-03-01"}},
        "grund_for_mu_annat",
        M,
    ),
    (
        "7804 annat text too long",
        "fk7804",
        {"grund_for_mu": {"ANNAT": "2026-03-01"}, "grund_for_mu_annat": "x" * 250},
        {"grund_for_mu": {"ANNAT": "2026-03-01"}, "grund_for_mu_annat": "x" * 251},
        "grund_for_mu_annat",
        E,
    ),
    (
        "7804 future examination warns",
        "fk7804",
        {"grund_for_mu": {"UNDERSOKNING": "2026-03-10"}},
        {"grund_for_mu": {"UNDERSOKNING": "2026-03-11"}},
        "grund_for_mu",
        W,
    ),
    (
        "7804 sysselsattning mandatory",
        "fk7804",
        {},
        {"sysselsattning": None, "nuvarande_arbete": None},
        "sysselsattning",
        M,
    ),
    (
        "7804 sysselsattning unknown code",
        "fk7804",
        {"sysselsattning": ["STUDIER"]},
        {"sysselsattning": ["PENSION"]},
        "sysselsattning",
        E,
    ),
    (
        "7804 nuvarande arbete needs text",
        "fk7804",
        {},
        {"nuvarande_arbete": "  "},
        "nuvarande_arbete",
        M,
    ),
    (
        "7804 nuvarande arbete too long",
        "fk7804",
        {"nuvarande_arbete": "x" * 4000},
        {"nuvarande_arbete": LONG},
        "nuvarande_arbete",
        E,
    ),
    ("7804 diagnosis mandatory", "fk7804", {}, {"diagnoser": []}, "diagnoser", M),
    (
        "7804 at most 3 diagnoses",
        "fk7804",
        {"diagnoser": [diagnosis("J20"), diagnosis("J45"), diagnosis("R05")]},
        {"diagnoser": [diagnosis("J20"), diagnosis("J45"), diagnosis("R05"), diagnosis("R50")]},
        "diagnoser",
        E,
    ),
    (
        "7804 diagnosis needs text",
        "fk7804",
        {},
        {"diagnoser": [diagnosis(text="")]},
        "diagnoser",
        M,
    ),
    (
        "7804 diagnosis needs code",
        "fk7804",
        {},
        {"diagnoser": [diagnosis(code="")]},
        "diagnoser",
        M,
    ),
    (
        "7804 code at least 3 positions",
        "fk7804",
        {"diagnoser": [diagnosis("J20")]},
        {"diagnoser": [diagnosis("J2")]},
        "diagnoser",
        E,
    ),
    (
        "7804 code at most 5 positions",
        "fk7804",
        {"diagnoser": [diagnosis("S8240")]},
        {"diagnoser": [diagnosis("S82401")]},
        "diagnoser",
        E,
    ),
    (
        "7804 dot only after three positions",
        "fk7804",
        {"diagnoser": [diagnosis("M54.5")]},
        {"diagnoser": [diagnosis("M5.45")]},
        "diagnoser",
        E,
    ),
    (
        "7804 F code at least 4",
        "fk7804",
        {"diagnoser": [diagnosis("F321", "Depression")]},
        {"diagnoser": [diagnosis("F32", "Depression")]},
        "diagnoser",
        E,
    ),
    (
        "7804 Z73 at least 4",
        "fk7804",
        {"diagnoser": [diagnosis("Z730", "Utbrändhet")]},
        {"diagnoser": [diagnosis("Z73", "Utbrändhet")]},
        "diagnoser",
        E,
    ),
    (
        "7804 code only once",
        "fk7804",
        {"diagnoser": [diagnosis("J20"), diagnosis("J45")]},
        {"diagnoser": [diagnosis("J20"), diagnosis("j20")]},
        "diagnoser",
        E,
    ),
    (
        "7804 code system",
        "fk7804",
        {"diagnoser": [diagnosis("J20", system="KSH_97_P")]},
        {"diagnoser": [diagnosis("J20", system="SNOMED")]},
        "diagnoser",
        E,
    ),
    (
        "7804 funktionsnedsattning mandatory",
        "fk7804",
        {},
        {"funktionsnedsattning": ""},
        "funktionsnedsattning",
        M,
    ),
    (
        "7804 aktivitetsbegransning mandatory",
        "fk7804",
        {},
        {"aktivitetsbegransning": None},
        "aktivitetsbegransning",
        M,
    ),
    (
        "7804 behandling too long",
        "fk7804",
        {"pagaende_behandling": "Antibiotika"},
        {"pagaende_behandling": LONG},
        "pagaende_behandling",
        E,
    ),
    ("7804 periods mandatory", "fk7804", {}, {"sjukskrivningar": {}}, "sjukskrivningar", M),
    (
        "7804 period needs end",
        "fk7804",
        {},
        {"sjukskrivningar": {"HELT_NEDSATT": period("2026-03-10", "")}},
        "sjukskrivningar",
        M,
    ),
    (
        "7804 period needs start",
        "fk7804",
        {},
        {"sjukskrivningar": {"HELT_NEDSATT": period("", "2026-03-23")}},
        "sjukskrivningar",
        M,
    ),
    (
        "7804 period from <= to",
        "fk7804",
        {"sjukskrivningar": {"HELT_NEDSATT": period("2026-03-10", "2026-03-10")}},
        {"sjukskrivningar": {"HELT_NEDSATT": period("2026-03-11", "2026-03-10")}},
        "sjukskrivningar",
        E,
    ),
    (
        "7804 period bad date",
        "fk7804",
        {},
        {"sjukskrivningar": {"HELT_NEDSATT": period("2026-03-10", "23/3")}},
        "sjukskrivningar",
        E,
    ),
    (
        "7804 only the four grades",
        "fk7804",
        {},
        {"sjukskrivningar": {"TIO_PROCENT": period("2026-03-10", "2026-03-23")}},
        "sjukskrivningar",
        E,
    ),
    (
        "7804 at most 4 periods",
        "fk7804",
        {
            "arbetstidsforlaggning": False,
            "sjukskrivningar": {
                "HELT_NEDSATT": period("2026-03-10", "2026-03-16"),
                "TRE_FJARDEDEL": period("2026-03-17", "2026-03-23"),
                "HALFTEN": period("2026-03-24", "2026-03-30"),
                "EN_FJARDEDEL": period("2026-03-31", "2026-04-06"),
            },
        },
        {
            "arbetstidsforlaggning": False,
            "sjukskrivningar": {
                "HELT_NEDSATT": period("2026-03-10", "2026-03-16"),
                "TRE_FJARDEDEL": period("2026-03-17", "2026-03-23"),
                "HALFTEN": period("2026-03-24", "2026-03-30"),
                "EN_FJARDEDEL": period("2026-03-31", "2026-04-06"),
                "NOLL": period("2026-04-07", "2026-04-13"),
            },
        },
        "sjukskrivningar",
        E,
    ),
    (
        "7804 each grade once (one entry per grade)",
        "fk7804",
        {},
        {"sjukskrivningar": [{"grade": "HALFTEN"}, {"grade": "HALFTEN"}]},
        "sjukskrivningar",
        E,
    ),
    (
        "7804 periods do not overlap",
        "fk7804",
        {
            "arbetstidsforlaggning": False,
            "sjukskrivningar": {
                "HELT_NEDSATT": period("2026-03-10", "2026-03-14"),
                "HALFTEN": period("2026-03-15", "2026-03-30"),
            },
        },
        {
            "arbetstidsforlaggning": False,
            "sjukskrivningar": {
                "HELT_NEDSATT": period("2026-03-10", "2026-03-15"),
                "HALFTEN": period("2026-03-15", "2026-03-30"),
            },
        },
        "sjukskrivningar",
        E,
    ),
    (
        "7804 arbetstidsforlaggning when below 100 %",
        "fk7804",
        {"sjukskrivningar": HALF, "arbetstidsforlaggning": False},
        {"sjukskrivningar": HALF},
        "arbetstidsforlaggning",
        M,
    ),
    (
        "7804 arbetstidsforlaggning text when yes",
        "fk7804",
        {
            "sjukskrivningar": HALF,
            "arbetstidsforlaggning": True,
            "arbetstidsforlaggning_motivering": "Orkar bara förmiddagar",
        },
        {"sjukskrivningar": HALF, "arbetstidsforlaggning": True},
        "arbetstidsforlaggning_motivering",
        M,
    ),
    (
        "7804 arbetstidsforlaggning yes/no only",
        "fk7804",
        {"sjukskrivningar": HALF, "arbetstidsforlaggning": False},
        {"sjukskrivningar": HALF, "arbetstidsforlaggning": "kanske"},
        "arbetstidsforlaggning",
        E,
    ),
    (
        "7804 hours per week in range",
        "fk7804",
        {"arbetstid_timmar_per_vecka": 40},
        {"arbetstid_timmar_per_vecka": 200},
        "arbetstid_timmar_per_vecka",
        E,
    ),
    (
        "7804 hours per week a number",
        "fk7804",
        {"arbetstid_timmar_per_vecka": "37,5"},
        {"arbetstid_timmar_per_vecka": "fyrtio"},
        "arbetstid_timmar_per_vecka",
        E,
    ),
    ("7804 prognos mandatory", "fk7804", {}, {"prognos": None}, "prognos", M),
    (
        "7804 prognos known code",
        "fk7804",
        {"prognos": "PROGNOS_OKLAR"},
        {"prognos": "KANSKE"},
        "prognos",
        E,
    ),
    (
        "7804 prognos needs time",
        "fk7804",
        {"prognos": "ATER_X_ANTAL_DGR", "prognos_dagar_till_arbete": "NITTIO_DGR"},
        {"prognos": "ATER_X_ANTAL_DGR"},
        "prognos_dagar_till_arbete",
        M,
    ),
    ("7804 atgarder mandatory", "fk7804", {}, {"atgarder": []}, "atgarder", M),
    (
        "7804 inte aktuellt stands alone",
        "fk7804",
        {"atgarder": ["ARBETSTRANING", "HJALPMEDEL"]},
        {"atgarder": ["EJ_AKTUELLT", "ARBETSTRANING"]},
        "atgarder",
        E,
    ),
    (
        "7804 atgarder text too long",
        "fk7804",
        {"atgarder": ["ARBETSTRANING"], "atgarder_beskrivning": "Successiv ökning"},
        {"atgarder": ["ARBETSTRANING"], "atgarder_beskrivning": LONG},
        "atgarder_beskrivning",
        E,
    ),
    ("7804 ovrigt too long", "fk7804", {"ovrigt": "x" * 4000}, {"ovrigt": LONG}, "ovrigt", E),
    (
        "7804 kontakt text too long",
        "fk7804",
        {"kontakt_fk": True, "kontakt_fk_anledning": "Ring"},
        {"kontakt_fk": True, "kontakt_fk_anledning": LONG},
        "kontakt_fk_anledning",
        E,
    ),
    (
        "7804 longer than 6 months warns",
        "fk7804",
        {"sjukskrivningar": {"HELT_NEDSATT": period("2026-03-10", "2026-09-09")}},
        {"sjukskrivningar": {"HELT_NEDSATT": period("2026-03-10", "2026-09-10")}},
        "sjukskrivningar",
        W,
    ),
    (
        "7804 6 months over several periods warns",
        "fk7804",
        {
            "arbetstidsforlaggning": False,
            "sjukskrivningar": {
                "HELT_NEDSATT": period("2026-03-10", "2026-05-31"),
                "HALFTEN": period("2026-06-01", "2026-09-09"),
            },
        },
        {
            "arbetstidsforlaggning": False,
            "sjukskrivningar": {
                "HELT_NEDSATT": period("2026-03-10", "2026-05-31"),
                "HALFTEN": period("2026-06-01", "2026-09-30"),
            },
        },
        "sjukskrivningar",
        W,
    ),
    (
        "7804 start more than a week back warns",
        "fk7804",
        {"sjukskrivningar": {"HELT_NEDSATT": period("2026-03-03", "2026-03-23")}},
        {"sjukskrivningar": {"HELT_NEDSATT": period("2026-03-02", "2026-03-23")}},
        "sjukskrivningar",
        W,
    ),
    # smittbärarpenning: the fields FK lists become optional ...
    *[
        (
            f"7804 smitta makes {qid} optional",
            "fk7804",
            {"avstangning_smittskydd": True, qid: None},
            {qid: None},
            qid,
            M,
        )
        for qid in (
            "grund_for_mu",
            "sysselsattning",
            "funktionsnedsattning",
            "aktivitetsbegransning",
            "prognos",
            "atgarder",
        )
    ],
    (
        "7804 smitta makes arbetstidsforlaggning optional",
        "fk7804",
        {"avstangning_smittskydd": True, "sjukskrivningar": HALF},
        {"sjukskrivningar": HALF},
        "arbetstidsforlaggning",
        M,
    ),
    # ... but diagnosis and periods stay mandatory
    (
        "7804 smitta still needs diagnosis",
        "fk7804",
        {"avstangning_smittskydd": True},
        {"avstangning_smittskydd": True, "diagnoser": None},
        "diagnoser",
        M,
    ),
    (
        "7804 smitta still needs periods",
        "fk7804",
        {"avstangning_smittskydd": True},
        {"avstangning_smittskydd": True, "sjukskrivningar": None},
        "sjukskrivningar",
        M,
    ),
    # ---- FK7800 ------------------------------------------------------------------------------
    ("7800 grund mandatory", "fk7800", {}, {"grund_for_mu": {}}, "grund_for_mu", M),
    (
        "7800 grund no future date",
        "fk7800",
        {"grund_for_mu": {"UNDERSOKNING": "2026-03-10"}},
        {"grund_for_mu": {"UNDERSOKNING": "2026-03-11"}},
        "grund_for_mu",
        E,
    ),
    (
        "7800 annat needs text",
        "fk7800",
        {"grund_for_mu": {"ANNAT": "2026-03-01"}, "grund_for_mu_annat": "Skolans utredning"},
        {"grund_for_mu": {"ANNAT": "2026-03-01"}},
        "grund_for_mu_annat",
        M,
    ),
    (
        "7800 telefonkontakt not an option",
        "fk7800",
        {"grund_for_mu": {"ANHORIG": "2026-03-01"}},
        {"grund_for_mu": {"TELEFONKONTAKT": "2026-03-01"}},
        "grund_for_mu",
        E,
    ),
    (
        "7800 kannedom mandatory",
        "fk7800",
        {},
        {"kannedom_om_patienten": None},
        "kannedom_om_patienten",
        M,
    ),
    (
        "7800 kannedom not after examination",
        "fk7800",
        {"kannedom_om_patienten": "2026-03-01"},
        {"kannedom_om_patienten": "2026-03-02"},
        "kannedom_om_patienten",
        E,
    ),
    (
        "7800 kannedom not after relative's account",
        "fk7800",
        {"grund_for_mu": {"ANHORIG": "2026-02-01"}, "kannedom_om_patienten": "2026-02-01"},
        {"grund_for_mu": {"ANHORIG": "2026-02-01"}, "kannedom_om_patienten": "2026-02-02"},
        "kannedom_om_patienten",
        E,
    ),
    (
        "7800 underlag question mandatory",
        "fk7800",
        {},
        {"underlag_finns": None},
        "underlag_finns",
        M,
    ),
    (
        "7800 underlag yes needs a type",
        "fk7800",
        ROW1,
        {**ROW1, "underlag_1_typ": None},
        "underlag_1_typ",
        M,
    ),
    (
        "7800 underlag yes needs a date",
        "fk7800",
        ROW1,
        {**ROW1, "underlag_1_datum": None},
        "underlag_1_datum",
        M,
    ),
    (
        "7800 underlag yes needs a source",
        "fk7800",
        ROW1,
        {**ROW1, "underlag_1_hamtas_fran": ""},
        "underlag_1_hamtas_fran",
        M,
    ),
    (
        "7800 second underlag complete",
        "fk7800",
        {
            **ROW1,
            "underlag_2_typ": "LOGOPED",
            "underlag_2_datum": "2025-06-01",
            "underlag_2_hamtas_fran": "Logopeden",
        },
        {**ROW1, "underlag_2_typ": "LOGOPED"},
        "underlag_2_datum",
        M,
    ),
    (
        "7800 underlag type from LUSE's list",
        "fk7800",
        ROW1,
        {**ROW1, "underlag_1_typ": "SKOLHALSOVARD"},
        "underlag_1_typ",
        E,
    ),
    ("7800 sjukdomsforlopp mandatory", "fk7800", {}, {"sjukdomsforlopp": ""}, "sjukdomsforlopp", M),
    ("7800 diagnosis mandatory", "fk7800", {}, {"diagnoser": None}, "diagnoser", M),
    (
        "7800 F code at least 4",
        "fk7800",
        {"diagnoser": [diagnosis("F432", "Anpassning")]},
        {"diagnoser": [diagnosis("F43", "Anpassning")]},
        "diagnoser",
        E,
    ),
    ("7800 diagnosgrund mandatory", "fk7800", {}, {"diagnosgrund": None}, "diagnosgrund", M),
    (
        "7800 ny bedomning mandatory",
        "fk7800",
        {},
        {"ny_bedomning_diagnos": None},
        "ny_bedomning_diagnos",
        M,
    ),
    (
        "7800 ny bedomning yes needs text",
        "fk7800",
        {"ny_bedomning_diagnos": True, "ny_bedomning_diagnos_beskrivning": "F432 bör ses över"},
        {"ny_bedomning_diagnos": True},
        "ny_bedomning_diagnos_beskrivning",
        M,
    ),
    (
        "7800 at least one funktionsnedsattning",
        "fk7800",
        {"funktion_intellektuell": None, "funktion_balans_motorik": "Nedsatt balans"},
        {"funktion_intellektuell": None},
        "funktion_intellektuell",
        M,
    ),
    (
        "7800 aktivitetsbegransning mandatory",
        "fk7800",
        {},
        {"aktivitetsbegransning": ""},
        "aktivitetsbegransning",
        M,
    ),
    (
        "7800 medicinska forutsattningar mandatory",
        "fk7800",
        {},
        {"medicinska_forutsattningar": None},
        "medicinska_forutsattningar",
        M,
    ),
    (
        "7800 text too long",
        "fk7800",
        {"substansintag": "Inga"},
        {"substansintag": LONG},
        "substansintag",
        E,
    ),
    # ---- FK7801 ------------------------------------------------------------------------------
    ("7801 grund mandatory", "fk7801", {}, {"grund_for_mu": None}, "grund_for_mu", M),
    (
        "7801 kannedom not after examination",
        "fk7801",
        {"kannedom_om_patienten": "2026-02-28"},
        {"kannedom_om_patienten": "2026-03-05"},
        "kannedom_om_patienten",
        E,
    ),
    (
        "7801 underlag yes needs a type (skolhälsovård allowed)",
        "fk7801",
        {**ROW1, "underlag_1_typ": "SKOLHALSOVARD"},
        {**ROW1, "underlag_1_typ": None},
        "underlag_1_typ",
        M,
    ),
    (
        "7801 at least one funktionsnedsattning",
        "fk7801",
        {"funktion_intellektuell": None, "funktion_annan_psykisk": "Ångest"},
        {"funktion_intellektuell": None},
        "funktion_intellektuell",
        M,
    ),
    (
        "7801 diagnosis code rules",
        "fk7801",
        {"diagnoser": [diagnosis("F840", "Autism")]},
        {"diagnoser": [diagnosis("F84", "Autism")]},
        "diagnoser",
        E,
    ),
    (
        "7801 ny bedomning yes needs text",
        "fk7801",
        {"ny_bedomning_diagnos": True, "ny_bedomning_diagnos_beskrivning": "Ses över"},
        {"ny_bedomning_diagnos": True},
        "ny_bedomning_diagnos_beskrivning",
        M,
    ),
    (
        "7801 medicinska forutsattningar mandatory",
        "fk7801",
        {},
        {"medicinska_forutsattningar": ""},
        "medicinska_forutsattningar",
        M,
    ),
    (
        "7801 underlatta arbete too long",
        "fk7801",
        {"underlatta_arbete": "Praktik"},
        {"underlatta_arbete": LONG},
        "underlatta_arbete",
        E,
    ),
    # ---- FK7802 ------------------------------------------------------------------------------
    ("7802 grund mandatory", "fk7802", {}, {"grund_for_mu": None}, "grund_for_mu", M),
    (
        "7802 annat needs text",
        "fk7802",
        {"grund_for_mu": {"ANNAT": "2026-03-01"}, "grund_for_mu_annat": "Skolans utredning"},
        {"grund_for_mu": {"ANNAT": "2026-03-01"}},
        "grund_for_mu_annat",
        M,
    ),
    (
        "7802 kannedom mandatory",
        "fk7802",
        {},
        {"kannedom_om_patienten": ""},
        "kannedom_om_patienten",
        M,
    ),
    (
        "7802 kannedom valid date",
        "fk7802",
        {"kannedom_om_patienten": "2025-01-31"},
        {"kannedom_om_patienten": "2025-01-32"},
        "kannedom_om_patienten",
        E,
    ),
    (
        "7802 underlag question mandatory",
        "fk7802",
        {},
        {"underlag_finns": None},
        "underlag_finns",
        M,
    ),
    (
        "7802 underlag yes needs a source",
        "fk7802",
        ROW1,
        {**ROW1, "underlag_1_hamtas_fran": None},
        "underlag_1_hamtas_fran",
        M,
    ),
    ("7802 diagnosis mandatory", "fk7802", {}, {"diagnoser": []}, "diagnoser", M),
    (
        "7802 diagnosis code rules",
        "fk7802",
        {"diagnoser": [diagnosis("F900", "ADHD")]},
        {"diagnoser": [diagnosis("F90", "ADHD")]},
        "diagnoser",
        E,
    ),
    (
        "7802 debut mandatory",
        "fk7802",
        {},
        {"funktionsnedsattning_debut": None},
        "funktionsnedsattning_debut",
        M,
    ),
    (
        "7802 paverkan mandatory",
        "fk7802",
        {},
        {"funktionsnedsattning_paverkan": ""},
        "funktionsnedsattning_paverkan",
        M,
    ),
    # ---- TSTRK1007 ---------------------------------------------------------------------------
    ("1007 intyget avser mandatory", "tstrk1007", {}, {"intyget_avser": []}, "intyget_avser", M),
    (
        "1007 intyget avser known codes",
        "tstrk1007",
        {},
        {"intyget_avser": ["IAV1", "IAV11"]},
        "intyget_avser",
        E,
    ),
    ("1007 identitet mandatory", "tstrk1007", {}, {"identitet": None}, "identitet", M),
    (
        "1007 identitet known code",
        "tstrk1007",
        {"identitet": "IDK6"},
        {"identitet": "IDK7"},
        "identitet",
        E,
    ),
    *[
        (
            f"1007 {qid} mandatory",
            "tstrk1007",
            {qid: True}
            if qid
            in (
                "synfaltsdefekter",
                "nattblindhet",
                "progressiv_ogonsjukdom",
                "diplopi",
                "nystagmus",
                "balansrubbningar",
                "hjart_karlsjukdom",
                "hjarnskada",
                "neurologisk_sjukdom",
                "nedsatt_njurfunktion",
                "sviktande_kognitiv_funktion",
                "somn_vakenhetsstorning",
                "psykisk_sjukdom",
                "psykisk_utvecklingsstorning",
                "adhd_med_mera",
                "medvetandestorning",
            )
            else {},
            {qid: None},
            qid,
            M,
        )
        for qid in TS_BOOLEANS
    ],
    (
        "1007 hearing question for D/Taxi",
        "tstrk1007",
        {
            "intyget_avser": ["IAV9"],
            "bedomning_behorigheter": ["VAR9"],
            "svart_uppfatta_samtal": False,
            "kan_inte_hjalpa_passagerare": False,
        },
        {
            "intyget_avser": ["IAV9"],
            "bedomning_behorigheter": ["VAR9"],
            "kan_inte_hjalpa_passagerare": False,
        },
        "svart_uppfatta_samtal",
        M,
    ),
    (
        "1007 passenger question for D/Taxi",
        "tstrk1007",
        {
            "intyget_avser": ["IAV7"],
            "bedomning_behorigheter": ["VAR7"],
            "svart_uppfatta_samtal": False,
            "kan_inte_hjalpa_passagerare": False,
        },
        {
            "intyget_avser": ["IAV7"],
            "bedomning_behorigheter": ["VAR7"],
            "svart_uppfatta_samtal": False,
        },
        "kan_inte_hjalpa_passagerare",
        M,
    ),
    (
        "1007 rorlighet yes needs type",
        "tstrk1007",
        {"nedsatt_rorlighet": True, "nedsatt_rorlighet_beskrivning": "Amputerad fot"},
        {"nedsatt_rorlighet": True},
        "nedsatt_rorlighet_beskrivning",
        M,
    ),
    (
        "1007 stroke risk yes needs type",
        "tstrk1007",
        {"riskfaktorer_stroke": True, "riskfaktorer_stroke_beskrivning": "Förmaksflimmer"},
        {"riskfaktorer_stroke": True},
        "riskfaktorer_stroke_beskrivning",
        M,
    ),
    (
        "1007 diabetes yes needs type",
        "tstrk1007",
        {"har_diabetes": True, "diabetes_typ": "DIABETES_TYP_1"},
        {"har_diabetes": True},
        "diabetes_typ",
        M,
    ),
    (
        "1007 type 2 needs treatment",
        "tstrk1007",
        {"har_diabetes": True, "diabetes_typ": "DIABETES_TYP_2", "diabetes_behandling": ["KOST"]},
        {"har_diabetes": True, "diabetes_typ": "DIABETES_TYP_2"},
        "diabetes_behandling",
        M,
    ),
    (
        "1007 missbruk yes asks for samples",
        "tstrk1007",
        {"tecken_pa_missbruk": True, "provtagning_behovs": False},
        {"tecken_pa_missbruk": True},
        "provtagning_behovs",
        M,
    ),
    (
        "1007 vard for missbruk asks for samples",
        "tstrk1007",
        {"vard_for_missbruk": True, "provtagning_behovs": True},
        {"vard_for_missbruk": True},
        "provtagning_behovs",
        M,
    ),
    (
        "1007 lakemedel yes needs drug and dose",
        "tstrk1007",
        {"lakemedel_trafikrisk": True, "lakemedel_trafikrisk_beskrivning": "Oxascand 10 mg"},
        {"lakemedel_trafikrisk": True},
        "lakemedel_trafikrisk_beskrivning",
        M,
    ),
    *[
        (
            f"1007 sjukhusvard yes needs {qid}",
            "tstrk1007",
            {
                "sjukhusvard": True,
                "sjukhusvard_tidpunkt": "2019",
                "sjukhusvard_vardinrattning": "Sahlgrenska",
                "sjukhusvard_anledning": "Fraktur",
            },
            {
                "sjukhusvard": True,
                "sjukhusvard_tidpunkt": "2019",
                "sjukhusvard_vardinrattning": "Sahlgrenska",
                "sjukhusvard_anledning": "Fraktur",
                qid: None,
            },
            qid,
            M,
        )
        for qid in ("sjukhusvard_tidpunkt", "sjukhusvard_vardinrattning", "sjukhusvard_anledning")
    ],
    (
        "1007 medicinering yes needs drugs",
        "tstrk1007",
        {"stadigvarande_medicinering": True, "stadigvarande_medicinering_beskrivning": "Levaxin"},
        {"stadigvarande_medicinering": True},
        "stadigvarande_medicinering_beskrivning",
        M,
    ),
    (
        "1007 acuity mandatory",
        "tstrk1007",
        {},
        {"synskarpa_hoger_utan": None},
        "synskarpa_hoger_utan",
        M,
    ),
    (
        "1007 acuity may be sent separately",
        "tstrk1007",
        {"synskarpa_skickas_separat": True, "synskarpa_hoger_utan": None},
        {"synskarpa_hoger_utan": None},
        "synskarpa_hoger_utan",
        M,
    ),
    (
        "1007 acuity at most 2,0",
        "tstrk1007",
        {"synskarpa_vanster_utan": "2,0"},
        {"synskarpa_vanster_utan": "2,1"},
        "synskarpa_vanster_utan",
        E,
    ),
    (
        "1007 acuity a decimal",
        "tstrk1007",
        {"synskarpa_vanster_utan": "0.5"},
        {"synskarpa_vanster_utan": "halv"},
        "synskarpa_vanster_utan",
        E,
    ),
    (
        "1007 correction needed below 0,1 (C/D/Taxi)",
        "tstrk1007",
        {
            "synskarpa_hoger_utan": "0,05",
            "synskarpa_hoger_med": "1,0",
            "synskarpa_vanster_med": "1,0",
            "synskarpa_binokulart_med": "1,0",
        },
        {"synskarpa_hoger_utan": "0,05"},
        "synskarpa_hoger_med",
        M,
    ),
    (
        "1007 correction needed both below 0,8",
        "tstrk1007",
        {"synskarpa_hoger_utan": "0,8", "synskarpa_vanster_utan": "0,7"},
        {"synskarpa_hoger_utan": "0,7", "synskarpa_vanster_utan": "0,7"},
        "synskarpa_binokulart_med",
        M,
    ),
    (
        "1007 correction needed for Annat below 0,5",
        "tstrk1007",
        {
            "intyget_avser": ["IAV10"],
            "bedomning_behorigheter": ["VAR10"],
            "synskarpa_binokulart_utan": "0,5",
        },
        {
            "intyget_avser": ["IAV10"],
            "bedomning_behorigheter": ["VAR10"],
            "synskarpa_binokulart_utan": "0,4",
        },
        "synskarpa_vanster_med",
        M,
    ),
    (
        "1007 bedomning mandatory",
        "tstrk1007",
        {},
        {"bedomning_behorigheter": None},
        "bedomning_behorigheter",
        M,
    ),
    (
        "1007 kan inte ta stallning stands alone",
        "tstrk1007",
        {"bedomning_behorigheter": ["VAR11"]},
        {"bedomning_behorigheter": ["VAR1", "VAR11"]},
        "bedomning_behorigheter",
        E,
    ),
    (
        "1007 bedomning matches intyget avser",
        "tstrk1007",
        {"intyget_avser": ["IAV1", "IAV3"], "bedomning_behorigheter": ["VAR3"]},
        {"bedomning_behorigheter": ["VAR3"]},
        "bedomning_behorigheter",
        E,
    ),
    (
        "1007 comment too long",
        "tstrk1007",
        {"ovrig_kommentar": "x" * 2000},
        {"ovrig_kommentar": "x" * 2001},
        "ovrig_kommentar",
        E,
    ),
    # ---- TSTRK1031 ---------------------------------------------------------------------------
    *[
        (f"1031 {qid} mandatory", "tstrk1031", {}, {qid: None}, qid, M)
        for qid in (
            "intyget_avser",
            "identitet",
            "vardniva",
            "diagnos_ar",
            "diabetes_typ",
            "medicinering",
            "komplikationer",
            "bedomning_behorigheter",
        )
    ],
    (
        "1031 intyget avser known codes",
        "tstrk1031",
        {"intyget_avser": ["VAR18"]},
        {"intyget_avser": ["VAR10"]},
        "intyget_avser",
        E,
    ),
    (
        "1031 diagnosis year not in the future",
        "tstrk1031",
        {"diagnos_ar": 2026},
        {"diagnos_ar": 2027},
        "diagnos_ar",
        E,
    ),
    (
        "1031 diagnosis year plausible",
        "tstrk1031",
        {"diagnos_ar": 1950},
        {"diagnos_ar": 1850},
        "diagnos_ar",
        E,
    ),
    (
        "1031 annan typ needs text",
        "tstrk1031",
        {"diabetes_typ": "ANNAN", "diabetes_typ_annan": "MODY"},
        {"diabetes_typ": "ANNAN"},
        "diabetes_typ_annan",
        M,
    ),
    (
        "1031 annan typ at most 53",
        "tstrk1031",
        {"diabetes_typ": "ANNAN", "diabetes_typ_annan": "x" * 53},
        {"diabetes_typ": "ANNAN", "diabetes_typ_annan": "x" * 54},
        "diabetes_typ_annan",
        E,
    ),
    (
        "1031 medicinering yes asks hypoglycaemia risk",
        "tstrk1031",
        {"medicinering": True, "medicinering_hypoglykemirisk": False},
        {"medicinering": True},
        "medicinering_hypoglykemirisk",
        M,
    ),
    *[
        (
            f"1031 risk needs {qid}",
            "tstrk1031",
            {**RISK, **RISK_ANSWERS},
            {**RISK, **RISK_ANSWERS, qid: None},
            qid,
            M,
        )
        for qid in RISK_ANSWERS
    ],
    (
        "1031 annan behandling needs text",
        "tstrk1031",
        {**RISK, **RISK_ANSWERS, "behandling": ["ANNAN"], "behandling_annan": "GLP-1"},
        {**RISK, **RISK_ANSWERS, "behandling": ["ANNAN"]},
        "behandling_annan",
        M,
    ),
    (
        "1031 start date not in the future",
        "tstrk1031",
        {**RISK, **RISK_ANSWERS},
        {**RISK, **RISK_ANSWERS, "medicinering_startdatum": "2026-03-11"},
        "medicinering_startdatum",
        E,
    ),
    (
        "1031 no control needs why",
        "tstrk1031",
        {
            **RISK,
            **RISK_ANSWERS,
            "kontroll_sjukdomstillstand": False,
            "kontroll_sjukdomstillstand_varfor": "Ny behandling",
        },
        {**RISK, **RISK_ANSWERS, "kontroll_sjukdomstillstand": False},
        "kontroll_sjukdomstillstand_varfor",
        M,
    ),
    (
        "1031 recurrent severe needs date",
        "tstrk1031",
        {
            **RISK,
            **RISK_ANSWERS,
            "aterkommande_allvarlig": True,
            "aterkommande_allvarlig_senast": "2026-01-01",
            "aterkommande_allvarlig_kontrolleras": True,
            "aterkommande_allvarlig_trafikrisk": False,
        },
        {
            **RISK,
            **RISK_ANSWERS,
            "aterkommande_allvarlig": True,
            "aterkommande_allvarlig_kontrolleras": True,
            "aterkommande_allvarlig_trafikrisk": False,
        },
        "aterkommande_allvarlig_senast",
        M,
    ),
    (
        "1031 recurrent severe date not in the future",
        "tstrk1031",
        {
            **RISK,
            **RISK_ANSWERS,
            "aterkommande_allvarlig": True,
            "aterkommande_allvarlig_senast": "2026-03-10",
            "aterkommande_allvarlig_kontrolleras": True,
            "aterkommande_allvarlig_trafikrisk": False,
        },
        {
            **RISK,
            **RISK_ANSWERS,
            "aterkommande_allvarlig": True,
            "aterkommande_allvarlig_senast": "2026-04-01",
            "aterkommande_allvarlig_kontrolleras": True,
            "aterkommande_allvarlig_trafikrisk": False,
        },
        "aterkommande_allvarlig_senast",
        E,
    ),
    (
        "1031 awake recurrent asks three months",
        "tstrk1031",
        {
            **RISK,
            **RISK_ANSWERS,
            "aterkommande_vaken": True,
            "aterkommande_vaken_tre_manader": False,
        },
        {**RISK, **RISK_ANSWERS, "aterkommande_vaken": True},
        "aterkommande_vaken_tre_manader",
        M,
    ),
    (
        "1031 within three months needs date",
        "tstrk1031",
        {
            **RISK,
            **RISK_ANSWERS,
            "aterkommande_vaken": True,
            "aterkommande_vaken_tre_manader": True,
            "aterkommande_vaken_senast": "2026-02-01",
        },
        {
            **RISK,
            **RISK_ANSWERS,
            "aterkommande_vaken": True,
            "aterkommande_vaken_tre_manader": True,
        },
        "aterkommande_vaken_senast",
        M,
    ),
    (
        "1031 higher licence needs 203",
        "tstrk1031",
        {
            "intyget_avser": ["VAR1"],
            "bedomning_behorigheter": ["VAR1"],
            "allvarlig_senaste_aret": False,
            "blodsockerkontroller": True,
        },
        {
            "intyget_avser": ["VAR1"],
            "bedomning_behorigheter": ["VAR1"],
            "blodsockerkontroller": True,
        },
        "allvarlig_senaste_aret",
        M,
    ),
    (
        "1031 higher licence needs 204",
        "tstrk1031",
        {
            "intyget_avser": ["VAR9"],
            "bedomning_behorigheter": ["VAR9"],
            "allvarlig_senaste_aret": False,
            "blodsockerkontroller": True,
        },
        {
            "intyget_avser": ["VAR9"],
            "bedomning_behorigheter": ["VAR9"],
            "allvarlig_senaste_aret": False,
        },
        "blodsockerkontroller",
        M,
    ),
    (
        "1031 severe last year needs date",
        "tstrk1031",
        {
            "intyget_avser": ["VAR1"],
            "bedomning_behorigheter": ["VAR1"],
            "allvarlig_senaste_aret": True,
            "allvarlig_senaste_aret_senast": "2025-12-24",
            "blodsockerkontroller": True,
        },
        {
            "intyget_avser": ["VAR1"],
            "bedomning_behorigheter": ["VAR1"],
            "allvarlig_senaste_aret": True,
            "blodsockerkontroller": True,
        },
        "allvarlig_senaste_aret_senast",
        M,
    ),
    (
        "1031 complications yes needs text",
        "tstrk1031",
        {"komplikationer": True, "komplikationer_beskrivning": "Retinopati"},
        {"komplikationer": True},
        "komplikationer_beskrivning",
        M,
    ),
    (
        "1031 kan inte ta stallning stands alone",
        "tstrk1031",
        {"bedomning_behorigheter": ["VAR11"]},
        {"bedomning_behorigheter": ["VAR16", "VAR11"]},
        "bedomning_behorigheter",
        E,
    ),
    (
        "1031 higher bedomning matches intyget avser",
        "tstrk1031",
        {"bedomning_behorigheter": ["VAR15"]},
        {"bedomning_behorigheter": ["VAR2"]},
        "bedomning_behorigheter",
        E,
    ),
    (
        "1031 comments too long",
        "tstrk1031",
        {"ovriga_kommentarer": "Inga"},
        {"ovriga_kommentarer": "x" * 2001},
        "ovriga_kommentarer",
        E,
    ),
]


def apply(base: dict, patch: dict) -> dict:
    content = dict(base)
    for key, value in patch.items():
        if value is None:
            content.pop(key, None)
        else:
            content[key] = value
    return content


def hits(type_: str, content: dict, qid: str, severity: Severity) -> list:
    return [
        m
        for m in validate(get_definition(type_), content, today=TODAY)
        if m.question_id == qid and m.severity == severity
    ]


@pytest.mark.parametrize("type_", sorted(BASE))
def test_base_drafts_are_signable(type_: str) -> None:
    definition = get_definition(type_)
    messages = validate(definition, BASE[type_], today=TODAY)
    assert [m for m in messages if m.severity != W] == []
    assert can_sign(definition, BASE[type_], today=TODAY)


@pytest.mark.parametrize(
    ("type_", "valid", "invalid", "qid", "severity"),
    [case[1:] for case in CASES],
    ids=[case[0] for case in CASES],
)
def test_rule(type_: str, valid: dict, invalid: dict, qid: str, severity: Severity) -> None:
    base = BASE[type_]
    assert hits(type_, apply(base, invalid), qid, severity), "invalid case not reported"
    assert not hits(type_, apply(base, valid), qid, severity), "valid case reported"
    if severity == W:  # warnings never block signing
        assert can_sign(get_definition(type_), apply(base, invalid), today=TODAY)
    else:
        assert not can_sign(get_definition(type_), apply(base, invalid), today=TODAY)


def test_smitta_needs_only_diagnosis_and_periods() -> None:
    content = {
        "avstangning_smittskydd": True,
        "diagnoser": [diagnosis("A090", "Gastroenterit")],
        "sjukskrivningar": {"HELT_NEDSATT": period("2026-03-10", "2026-03-12")},
    }
    assert can_sign(get_definition("fk7804"), content, today=TODAY)


def test_missing_sections_in_order_figure_19() -> None:
    definition = get_definition("fk7804")
    sections = missing_sections(definition, {"diagnoser": [diagnosis()]}, today=TODAY)
    assert [s.title for s in sections] == [
        "Grund för medicinskt underlag",
        "Sysselsättning",
        "Sjukdomens konsekvenser",
        "Bedömning",
        "Åtgärder",
    ]


def test_missing_texts_use_the_manuals_words() -> None:
    messages = validate(get_definition("fk7804"), {}, today=TODAY)
    texts = {m.question_id: m.message for m in messages if m.severity == M}
    assert texts["funktionsnedsattning"] == "Ange ett svar."
    assert texts["sysselsattning"] == "Välj minst ett alternativ."
    assert texts["prognos"] == "Välj ett alternativ."


def test_field_level_messages_point_at_the_part() -> None:
    content = apply(
        BASE["fk7804"],
        {"sjukskrivningar": {"HELT_NEDSATT": period("2026-03-10", "2026-02-31")}},
    )
    (message,) = hits("fk7804", content, "sjukskrivningar", E)
    assert message.field == "HELT_NEDSATT.to"
    assert message.section_id == "bedomning"
    assert "giltigt datum" in message.message


def test_validation_never_changes_the_content() -> None:
    content = apply(BASE["fk7804"], {"nuvarande_arbete": LONG, "grund_for_mu": {"X": "bad"}})
    before = repr(content)
    validate(get_definition("fk7804"), content, today=TODAY)
    assert repr(content) == before


def test_hidden_questions_are_not_validated() -> None:
    # 33.2 is only asked when 33 is "Ja"; a stale over-long text there is not an error
    content = apply(BASE["fk7804"], {"arbetstidsforlaggning_motivering": LONG})
    assert can_sign(get_definition("fk7804"), content, today=TODAY)


def test_read_only_type_cannot_be_signed() -> None:
    assert not can_sign(get_definition("fk7263"), {}, today=TODAY)


def test_code_lookup_is_used_when_available(monkeypatch: pytest.MonkeyPatch) -> None:
    calls = []

    def fake(code: str, system: str) -> str | None:
        calls.append((code, system))
        return "Diagnoskoden finns inte." if code == "J209" else None

    monkeypatch.setattr(validation, "_diagnosis_checker", lambda: fake)
    definition = get_definition("fk7804")
    assert can_sign(definition, BASE["fk7804"], today=TODAY)
    bad = apply(BASE["fk7804"], {"diagnoser": [diagnosis("J20.9")]})
    assert [m.message for m in hits("fk7804", bad, "diagnoser", E)] == ["Diagnoskoden finns inte."]
    assert ("J209", "ICD_10_SE") in calls
