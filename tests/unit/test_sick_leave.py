"""The sick-leave spell and FMB's maximum per diagnosis (issue 20, item 5)."""

from __future__ import annotations

import gzip
import json
from datetime import date, timedelta

import pytest

from services.diagnoses.codes import DATA_DIR
from services.fmb import fmb_maximum
from services.sick_leave import MAX_GAP_DAYS, dated_periods, length_check, main_diagnosis, spell

D = date(2026, 3, 2)


def days(first: int, last: int) -> tuple[date, date]:
    """A period from D + first to D + last (both included)."""
    return D + timedelta(first), D + timedelta(last)


def test_a_single_certificate_is_its_own_spell() -> None:
    joined = spell([days(0, 13)], [])
    assert joined is not None
    assert (joined.start, joined.end, joined.days, joined.earlier_periods) == (
        D,
        D + timedelta(13),
        14,
        0,
    )
    assert spell([], [[days(0, 13)]]) is None


def test_adjoining_earlier_certificates_join() -> None:
    earlier = [[days(-28, -15)], [days(-14, -1)]]  # two certificates, back to back
    joined = spell([days(0, 13)], earlier)
    assert joined is not None
    assert joined.days == 42 and joined.earlier_periods == 2
    assert joined.start == D - timedelta(28)


def test_a_gap_of_five_days_joins_six_does_not() -> None:
    assert MAX_GAP_DAYS == 5
    # Earlier period ends on D-6: days D-5 .. D-1 (five) are without sick leave.
    five = spell([days(0, 9)], [[days(-20, -6)]])
    assert five is not None and five.days == 10 + 15 and five.earlier_periods == 1
    # Ends on D-7: six days without sick leave, a new spell.
    six = spell([days(0, 9)], [[days(-20, -7)]])
    assert six is not None and six.days == 10 and six.earlier_periods == 0


def test_chains_join_through_a_middle_certificate_and_overlaps_count_once() -> None:
    earlier = [[days(-40, -21)], [days(-18, -3)], [days(-100, -90)]]
    joined = spell([days(-5, 9)], earlier)  # overlaps the second by three days
    assert joined is not None
    assert joined.earlier_periods == 2  # the one far back is its own spell
    assert joined.days == 20 + 16 + 12  # -40..-21, -18..-3 and -2..9; the gap -20..-19 not counted


def test_later_certificates_join_too_and_several_own_periods_count() -> None:
    joined = spell([days(0, 6), days(7, 20)], [[days(23, 30)]])
    assert joined is not None and joined.days == 21 + 8 and joined.end == D + timedelta(30)


def test_dated_periods_and_main_diagnosis_from_content() -> None:
    content = {
        "sjukskrivningar": {
            "HELT_NEDSATT": {"from": "2026-03-02", "to": "2026-03-08"},
            "HALFTEN": {"from": "2026-03-09", "to": ""},  # incomplete: not a period yet
            "TRE_FJARDEDEL": {"from": "2026-03-20", "to": "2026-03-10"},  # reversed: ignored
            "bogus": {"from": "2026-01-01", "to": "2026-12-31"},
        },
        "diagnoser": [{"code": "", "text": ""}, {"code": "J20", "text": "Akut bronkit"}],
    }
    assert dated_periods(content) == [(date(2026, 3, 2), date(2026, 3, 8))]
    assert main_diagnosis(content) == "J20"
    assert dated_periods({"sjukskrivningar": "x"}) == [] and main_diagnosis({}) == ""


def _shipped_maxima() -> dict[str, int | None]:
    """The converted figure per FMB code as shipped (services/data/fmb.json.gz)."""
    with gzip.open(DATA_DIR / "fmb.json.gz", "rt", encoding="utf-8") as handle:
        data = json.load(handle)
    return {c["code"]: c["max_days"] for d in data["diagnoses"] for c in d["codes"]}


@pytest.mark.parametrize(
    ("code", "expected_days", "fmb_code"),
    [
        # Typfall maxima, read in the source: J20 "upp till 2 veckor"; M545 2 weeks; F438
        # 12 months; J45 1 week; K40 4 weeks.
        ("J20", 14, "J20"),
        ("J209", 14, "J20"),  # a subcode inherits its category's figure
        ("M545", 14, "M545"),
        ("F438A", 360, "F438"),
        ("J45", 7, "J45"),
        ("K40", 28, "K40"),
    ],
)
def test_fmb_maximum_per_diagnosis(code: str, expected_days: int, fmb_code: str) -> None:
    found = fmb_maximum(code)
    assert found is not None
    assert (found.days, found.fmb_code) == (expected_days, fmb_code)
    assert found.title


def test_no_figure_no_maximum() -> None:
    assert fmb_maximum("A00") is None  # no FMB information at all
    no_figure = [code for code, days in _shipped_maxima().items() if days is None]
    assert no_figure, "the data has FMB codes without a typfall figure"
    assert all(fmb_maximum(code) is None for code in no_figure if len(code) == 3)


def test_length_check_threshold_from_the_data() -> None:
    def content(last_day: int, code: str = "J20") -> dict:
        start, end = days(0, last_day)
        return {
            "diagnoser": [{"code": code, "text": "", "system": "ICD_10_SE"}],
            "sjukskrivningar": {"HELT_NEDSATT": {"from": start.isoformat(), "to": end.isoformat()}},
        }

    at_max = length_check("fk7804", content(13), [])  # 14 days, J20's maximum is 14
    assert at_max is not None and not at_max.exceeds and at_max.message == ""
    over = length_check("fk7804", content(14), [])
    assert over is not None and over.exceeds
    assert (
        "15 dagar" in over.message and "14 dagar" in over.message and "Akut bronkit" in over.message
    )
    # Earlier certificates push a short one over the limit.
    renewal = length_check("fk7804", content(6), [[days(-10, -1)]])
    assert renewal is not None and renewal.spell.days == 17 and renewal.exceeds
    assert "1 tidigare intyg" in renewal.message
    # No figure, no diagnosis, other type: no check.
    assert length_check("fk7804", content(400, code="A00"), []) is None
    assert length_check("fk7804", {"sjukskrivningar": content(400)["sjukskrivningar"]}, []) is None
    assert length_check("fk7263", content(400), []) is None
    # A longer FMB maximum (F438A: 360 days) is not exceeded by 15 days.
    long_max = length_check("fk7804", content(14, code="F438A"), [])
    assert long_max is not None and not long_max.exceeds


def test_the_pdf_prints_the_reason() -> None:
    from services.pdf import render_pdf
    from tests.pdf_helpers import body_text, complete_content, make, pages_text

    reason = "Kvarstående hosta och feber, röstkrävande yrke."
    label = "Patientens arbetsförmåga bedöms nedsatt längre tid"
    content = {**complete_content(), "motivering_langre_an_fmb": reason}
    printed = body_text(pages_text(render_pdf(make(content=content))))
    assert label in printed and reason in printed
    content.pop("motivering_langre_an_fmb")
    assert label not in body_text(pages_text(render_pdf(make(content=content))))


def test_typfall_figures_in_days() -> None:
    from scripts.convert_fmb_icf import typfall_max_days

    def rec(amount: str | None, unit: str | None) -> dict:
        return {"maximalsjukskrivningstid": amount, "maximalsjukskrivningsenhet": unit}

    assert typfall_max_days(rec("10", "d")) == 10
    assert typfall_max_days(rec("3", "wk")) == 21
    assert typfall_max_days(rec("2", "mo")) == 60
    assert typfall_max_days(rec("0", "d")) == 0  # "ingen sjukskrivning" is a figure
    assert typfall_max_days(rec(None, None)) is None
    assert typfall_max_days(None) is None
    with pytest.raises(ValueError):
        typfall_max_days(rec("1", "yr"))
