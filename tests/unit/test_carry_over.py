"""Renew/replace/copy carry-over (§4.6–4.8)."""

from services.certificates import get_definition
from services.certificates.base import ICF_SUFFIX, CarryOver
from services.certificates.carry_over import carry_over, previous_period_summary

FK7804 = get_definition("fk7804")

SIGNED = {
    "grund_for_mu": {"UNDERSOKNING": "2026-11-01"},
    "sysselsattning": ["NUVARANDE_ARBETE"],
    "nuvarande_arbete": "Snickare",
    "diagnoser": [{"code": "J20", "text": "Akut bronkit", "system": "ICD_10_SE"}],
    "funktionsnedsattning": "Hosta",
    "funktionsnedsattning" + ICF_SUFFIX: [{"code": "b440", "name": "Andningsfunktioner"}],
    "aktivitetsbegransning": "Kan inte tala länge",
    "sjukskrivningar": {
        "HELT_NEDSATT": {"from": "2026-11-01", "to": "2026-11-14"},
        "HALFTEN": {"from": "2026-11-15", "to": "2026-12-01"},
    },
    "arbetstidsforlaggning": False,
    "prognos": "STOR_SANNOLIKHET",
    "atgarder": ["EJ_AKTUELLT"],
    "kontakt_fk": True,
    "kontakt_fk_anledning": "Ring gärna",
    "ovrigt": "Inget",
}


def test_renew_drops_the_fields_the_manual_lists() -> None:
    renewed = carry_over(FK7804, SIGNED, CarryOver.RENEW)
    # §4.6: grund för MU, bedömning of the reduction (the periods) and kontakt do not follow
    for qid in ("grund_for_mu", "sjukskrivningar", "kontakt_fk", "kontakt_fk_anledning"):
        assert qid not in renewed
    for qid in ("diagnoser", "sysselsattning", "nuvarande_arbete", "prognos", "atgarder"):
        assert renewed[qid] == SIGNED[qid]
    assert renewed["funktionsnedsattning" + ICF_SUFFIX] == SIGNED["funktionsnedsattning_icf"]


def test_renew_drops_icf_key_of_a_dropped_question() -> None:
    content = {**SIGNED, "grund_for_mu" + ICF_SUFFIX: [{"code": "x", "name": "y"}]}
    assert "grund_for_mu" + ICF_SUFFIX not in carry_over(FK7804, content, CarryOver.RENEW)


def test_other_modes_copy_everything() -> None:
    for mode in (CarryOver.REPLACE, CarryOver.COPY, CarryOver.COMPLEMENT):
        assert carry_over(FK7804, SIGNED, mode) == SIGNED


def test_carry_over_never_touches_the_original() -> None:
    before = repr(SIGNED)
    copied = carry_over(FK7804, SIGNED, CarryOver.REPLACE)
    copied["diagnoser"][0]["code"] = "F32"
    carry_over(FK7804, SIGNED, CarryOver.RENEW)
    assert repr(SIGNED) == before


def test_renew_other_types_keeps_everything() -> None:
    content = {"grund_for_mu": {"UNDERSOKNING": "2026-01-01"}, "sjukdomsforlopp": "x"}
    assert carry_over(get_definition("fk7800"), content, CarryOver.RENEW) == content


def test_previous_period_summary_uses_the_last_period() -> None:
    assert previous_period_summary(SIGNED) == (
        "Sjukskrivningsgrad och slutdatum i det ursprungliga intyget: 50 procent t.o.m. 2026-12-01"
    )


def test_previous_period_summary_none_without_periods() -> None:
    assert previous_period_summary({}) is None
    assert previous_period_summary({"sjukskrivningar": {"HALFTEN": {"from": "2026-01-01"}}}) is None
    assert previous_period_summary({"sjukskrivningar": "trasig"}) is None
