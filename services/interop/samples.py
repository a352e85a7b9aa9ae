"""Complete, signable content for every type that is sent: used by the tests, the benchmark and
the demo. Every mandatory answer is given and most optional ones, so an export exercises the
whole mapping."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any


def _d(today: date, days: int) -> str:
    return (today + timedelta(days=days)).isoformat()


def complete_content(cert_type: str, today: date) -> dict[str, Any]:
    """A complete certificate of ``cert_type`` as of ``today``."""
    builders = {
        "fk7804": _fk7804,
        "fk7800": _fk7800,
        "fk7801": _fk7801,
        "fk7802": _fk7802,
        "tstrk1007": _tstrk1007,
        "tstrk1031": _tstrk1031,
    }
    return builders[cert_type.lower()](today)


def _fk7804(today: date) -> dict[str, Any]:
    return {
        "grund_for_mu": {"UNDERSOKNING": _d(today, -1), "ANNAT": _d(today, -3)},
        "grund_for_mu_annat": "Uppgifter från fysioterapeut",
        "sysselsattning": ["NUVARANDE_ARBETE", "STUDIER"],
        "nuvarande_arbete": "Snickare, tunga lyft",
        "diagnoser": [
            {"code": "M54", "text": "Ryggvärk", "system": "ICD_10_SE"},
            {"code": "F321", "text": "Medelsvår depressiv episod", "system": "ICD_10_SE"},
        ],
        "funktionsnedsattning": "Nedsatt rörlighet i ländryggen.",
        "aktivitetsbegransning": "Kan inte lyfta mer än 5 kg.",
        "pagaende_behandling": "Sjukgymnastik två gånger i veckan.",
        "planerad_behandling": "Uppföljning om fyra veckor.",
        "sjukskrivningar": {
            "HELT_NEDSATT": {"from": _d(today, 0), "to": _d(today, 13)},
            "HALFTEN": {"from": _d(today, 14), "to": _d(today, 27)},
        },
        "motivering_langre_an_fmb": "Komplicerat förlopp.",
        "arbetstidsforlaggning": True,
        "arbetstidsforlaggning_motivering": "Behöver vila mitt på dagen.",
        "arbetsresor": True,
        "prognos": "ATER_X_ANTAL_DGR",
        "prognos_dagar_till_arbete": "SEXTIO_DGR",
        "atgarder": ["ARBETSTRANING", "ERGONOMISK"],
        "atgarder_beskrivning": "Arbetsträning på halvtid.",
        "ovrigt": "Inga övriga upplysningar av vikt.",
        "kontakt_fk": True,
        "kontakt_fk_anledning": "Vill diskutera rehabiliteringen.",
    }


def _lu(today: date) -> dict[str, Any]:
    return {
        "grund_for_mu": {
            "UNDERSOKNING": _d(today, -2),
            "JOURNALUPPGIFTER": _d(today, -30),
            "ANNAT": _d(today, -10),
        },
        "grund_for_mu_annat": "Samtal med arbetsterapeut",
        "kannedom_om_patienten": _d(today, -400),
        "underlag_finns": True,
        "underlag_1_typ": "NEUROPSYKIATRISKT",
        "underlag_1_datum": _d(today, -90),
        "underlag_1_hamtas_fran": "Neuropsykiatriska kliniken, Länssjukhuset",
        "underlag_2_typ": "PSYKOLOG",
        "underlag_2_datum": _d(today, -60),
        "underlag_2_hamtas_fran": "Psykologmottagningen",
        "diagnoser": [{"code": "F840", "text": "Autism i barndomen", "system": "ICD_10_SE"}],
        "ovrigt": "Inget att tillägga.",
        "kontakt_fk": True,
        "kontakt_fk_anledning": "Ring gärna.",
    }


def _fk7800(today: date) -> dict[str, Any]:
    return {
        **_lu(today),
        "sjukdomsforlopp": "Besvären debuterade för tio år sedan.",
        "diagnosgrund": "Diagnosen ställdes 2015 på psykiatriska kliniken.",
        "ny_bedomning_diagnos": True,
        "ny_bedomning_diagnos_beskrivning": "F84 bör omprövas.",
        "funktion_intellektuell": "Nedsatt arbetsminne.",
        "funktion_koncentration": "Svårt att hålla fokus mer än en kvart.",
        "aktivitetsbegransning": "Klarar inte att planera sin dag.",
        "avslutad_behandling": "KBT 2022, viss effekt.",
        "pagaende_behandling": "Läkemedelsbehandling.",
        "planerad_behandling": "Ny utredning.",
        "substansintag": "Inga.",
        "medicinska_forutsattningar": "Förutsättningarna bedöms inte förbättras.",
        "formaga_trots_begransning": "Kan utföra enkla rutinuppgifter.",
    }


def _fk7801(today: date) -> dict[str, Any]:
    return {**_fk7800(today), "underlatta_arbete": "Stöd av handledare."}


def _fk7802(today: date) -> dict[str, Any]:
    content = _lu(today)
    content.update(
        {
            "underlag_1_typ": "SKOLHALSOVARD",
            "funktionsnedsattning_debut": "Debut i tidig skolålder.",
            "funktionsnedsattning_paverkan": "Behöver ett extra år i gymnasiet.",
        }
    )
    return content


def _tstrk1007(today: date) -> dict[str, Any]:
    no = False
    return {
        "intyget_avser": ["IAV3", "IAV9"],
        "identitet": "IDK3",
        "synfaltsdefekter": no,
        "nattblindhet": no,
        "progressiv_ogonsjukdom": no,
        "diplopi": no,
        "nystagmus": no,
        "synskarpa_hoger_utan": "0,9",
        "synskarpa_vanster_utan": "0,8",
        "synskarpa_binokulart_utan": "1,0",
        "synskarpa_hoger_med": "1,0",
        "synskarpa_vanster_med": "1,0",
        "synskarpa_binokulart_med": "1,2",
        "kontaktlins_hoger": True,
        "korrektionsglas_over_8_dioptrier": True,
        "balansrubbningar": no,
        "svart_uppfatta_samtal": no,
        "nedsatt_rorlighet": True,
        "nedsatt_rorlighet_beskrivning": "Stel höft",
        "kan_inte_hjalpa_passagerare": no,
        "hjart_karlsjukdom": no,
        "hjarnskada": no,
        "riskfaktorer_stroke": True,
        "riskfaktorer_stroke_beskrivning": "Förhöjt blodtryck",
        "har_diabetes": True,
        "diabetes_typ": "DIABETES_TYP_2",
        "diabetes_behandling": ["KOST", "TABLETTER"],
        "neurologisk_sjukdom": no,
        "medvetandestorning": True,
        "medvetandestorning_beskrivning": "Svimning 2019 vid feber",
        "nedsatt_njurfunktion": no,
        "sviktande_kognitiv_funktion": no,
        "somn_vakenhetsstorning": no,
        "tecken_pa_missbruk": True,
        "vard_for_missbruk": no,
        "provtagning_behovs": True,
        "lakemedel_trafikrisk": True,
        "lakemedel_trafikrisk_beskrivning": "Oxazepam 5 mg vid behov",
        "psykisk_sjukdom": no,
        "psykisk_utvecklingsstorning": no,
        "adhd_med_mera": no,
        "sjukhusvard": True,
        "sjukhusvard_tidpunkt": "2021",
        "sjukhusvard_vardinrattning": "Länssjukhuset, medicinkliniken",
        "sjukhusvard_anledning": "Lunginflammation",
        "stadigvarande_medicinering": True,
        "stadigvarande_medicinering_beskrivning": "Metformin",
        "ovrig_kommentar": "Inget ytterligare.",
        "bedomning_behorigheter": ["VAR3", "VAR9"],
        "specialist": "Ögonsjukdomar",
    }


def _tstrk1031(today: date) -> dict[str, Any]:
    return {
        "intyget_avser": ["VAR16", "VAR3"],
        "identitet": "IDK1",
        "vardniva": "VN2",
        "diagnos_ar": today.year - 12,
        "diabetes_typ": "E10",
        "medicinering": True,
        "medicinering_hypoglykemirisk": True,
        "behandling": ["INSULIN", "ANNAN"],
        "behandling_annan": "Insulinpump",
        "medicinering_startdatum": _d(today, -3000),
        "kontroll_sjukdomstillstand": False,
        "kontroll_sjukdomstillstand_varfor": "Nyligen ändrad dos",
        "forstar_risker": True,
        "kanner_varningstecken": True,
        "vidta_atgarder": True,
        "aterkommande_allvarlig": True,
        "aterkommande_allvarlig_senast": _d(today, -100),
        "aterkommande_allvarlig_kontrolleras": True,
        "aterkommande_allvarlig_trafikrisk": False,
        "aterkommande_vaken": True,
        "aterkommande_vaken_tre_manader": True,
        "aterkommande_vaken_senast": _d(today, -20),
        "allvarlig_senaste_aret": True,
        "allvarlig_senaste_aret_senast": _d(today, -20),
        "blodsockerkontroller": True,
        "komplikationer": True,
        "komplikationer_beskrivning": "Lätt retinopati",
        "specialist": "Endokrinologi",
        "bedomning_behorigheter": ["VAR16"],
        "ovriga_kommentarer": "Följs tätt.",
    }
