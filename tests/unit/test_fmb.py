"""FMB panel data (manual §5.3) from the shipped Socialstyrelsen data."""

from __future__ import annotations

from services.fmb import (
    SECTION_AKTIVITETSBEGRANSNING,
    SECTION_FUNKTIONSNEDSATTNING,
    SECTION_SJUKSKRIVNING,
    FmbInfo,
    fmb_codes,
    fmb_for_code,
    fmb_for_codes,
    has_fmb,
    make_preview,
)


def test_about_116_diagnoses_are_covered() -> None:
    codes = fmb_codes()
    assert {"J20", "F32", "M45", "N80", "F438", "M659B"} <= codes
    assert all(3 <= len(code) <= 5 for code in codes)


def test_three_character_information_applies_to_subcodes() -> None:
    parent = fmb_for_code("J20")
    for code in ("J209", "j20.9", "J200", "J20"):
        info = fmb_for_code(code)
        assert isinstance(info, FmbInfo)
        assert info.fmb_code == "J20"
        assert info.title == "Akut bronkit"
        assert info.sections == parent.sections
    assert fmb_for_code("J209").diagnosis_text == "Akut bronkit, ospecificerad"


def test_four_character_information_applies_to_five_character_codes() -> None:
    # F438 (Andra specificerade reaktioner på svår stress) carries FMB for utmattningssyndrom.
    assert fmb_for_code("F438A").fmb_code == "F438"
    # M54 has no information of its own, but M544 and M545 do.
    assert fmb_for_code("M545").fmb_code == "M545"
    assert fmb_for_code("M545X").fmb_code == "M545"
    assert fmb_for_code("M54") is None
    assert fmb_for_code("M549") is None


def test_most_specific_level_wins() -> None:
    # Schizophrenia: F20 and F200 both carry information; F200 (5 chars below) finds F200.
    assert fmb_for_code("F200").fmb_code == "F200"
    assert fmb_for_code("F20").fmb_code == "F20"
    assert fmb_for_code("F207").fmb_code == "F20"


def test_ksh97p_codes_and_unknown_codes() -> None:
    assert fmb_for_code("J20-").fmb_code == "J20"
    assert fmb_for_code("F32-P").fmb_code == "F32"
    assert fmb_for_code("A00") is None
    assert fmb_for_code("") is None
    assert fmb_for_code("J2") is None
    assert not has_fmb("Z99") and has_fmb("J209")


def test_sections_in_webcert_order_with_swedish_headings() -> None:
    info = fmb_for_code("J20")
    keys = [section.key for section in info.sections]
    assert keys[:3] == [
        SECTION_SJUKSKRIVNING,
        SECTION_FUNKTIONSNEDSATTNING,
        SECTION_AKTIVITETSBEGRANSNING,
    ]
    # the headings are the panel's words (components/fmb.py), one for every section key
    from components.fmb import SECTION_HEADINGS

    assert [SECTION_HEADINGS[k] for k in keys][:3] == [
        "Sjukskrivningsrekommendation",
        "Om funktionsnedsättning",
        "Om aktivitetsbegränsning",
    ]
    assert all(s.key in SECTION_HEADINGS for s in info.sections)
    typfall = info.section(SECTION_SJUKSKRIVNING)
    assert all(block.kind == "bullet" for block in typfall.blocks)
    assert any("upp till 2 veckor" in block.text for block in typfall.blocks)


def test_preview_and_visa_mer() -> None:
    section = fmb_for_code("J20").section(SECTION_FUNKTIONSNEDSATTNING)
    assert section.has_more
    assert section.preview.endswith("…")
    assert len(section.preview) <= 210
    assert section.full_text.startswith(section.preview[:-2].rstrip())
    assert make_preview("kort text") == "kort text"


def test_no_html_reaches_the_ui() -> None:
    for code in sorted(fmb_codes()):
        info = fmb_for_code(code)
        for section in info.sections:
            for block in section.blocks:
                assert "<p" not in block.text and "</" not in block.text and "<a " not in block.text
                assert block.kind in {"paragraph", "bullet"}
                assert block.text == block.text.strip() and block.text
        for reference in info.references:
            assert reference.url.startswith("https://")


def test_several_diagnoses_radio_list() -> None:
    infos = fmb_for_codes(["J20", "F32", "A00", "J209"])
    assert [i.fmb_code for i in infos] == ["J20", "F32", "J20"]
    assert [i.title for i in infos][:2] == ["Akut bronkit", "Depressiv episod"]
