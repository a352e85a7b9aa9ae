"""ICF support (manual §5.4): selections per diagnosis and grouping for several diagnoses."""

from __future__ import annotations

import pytest

from services.icf import IcfField, IcfKind, has_icf, icf_category, icf_for_codes

FN = IcfField.FUNKTIONSNEDSATTNING
AB = IcfField.AKTIVITETSBEGRANSNING


def test_category_names_from_the_icf_classification() -> None:
    pain = icf_category("b280")
    assert pain.name == "Smärta"  # alternative term, as Webcert shows it
    assert pain.title == "Smärtförnimmelse"
    assert pain.description.startswith("Förnimmelse av obehaglig känsla")
    assert "värk" in pain.includes
    assert icf_category("d430").name == "Lyfta och bära föremål"
    assert icf_category("x999") is None


def test_button_active_only_with_icf_selection() -> None:
    assert has_icf(["J20"], FN)
    assert has_icf(["J209"], "AKTIVITETSBEGRANSNING")  # subcode inherits
    assert not has_icf(["A00"], FN)  # no FMB information
    assert not has_icf([], AB)
    assert has_icf(["A00", "M45"], FN)
    with pytest.raises(ValueError):
        has_icf(["J20"], "SYSSELSATTNING")


def test_one_diagnosis_central_before_complementary() -> None:
    groups = icf_for_codes(["M45"], FN)
    assert groups.common is None
    assert len(groups.per_diagnosis) == 1
    group = groups.per_diagnosis[0]
    assert group.title == "Ankyloserande spondylit [Bechterews sjukdom]"
    kinds = [c.kind for c in group.categories]
    assert kinds == sorted(kinds, key=lambda k: k is IcfKind.COMPLEMENTARY)
    names = [c.name for c in group.categories]
    assert {"Syn", "Smärta", "Ledrörlighet", "Sömn"} <= set(names)


def test_two_diagnoses_common_categories_first_figure_18() -> None:
    groups = icf_for_codes(["M45", "N80"], FN)
    common = groups.common
    assert common is not None and common.common
    assert groups.groups[0] is common
    assert common.title == (
        "Ankyloserande spondylit [Bechterews sjukdom], Endometrios (felbelägen livmoderslemhinna)"
    )
    assert common.diagnosis_codes == ("M45", "N80")
    common_names = [c.name for c in common.categories]
    assert common_names[:2] == ["Fysisk uthållighet", "Smärta"]  # central in both, a-ö
    assert [g.title for g in groups.per_diagnosis] == [
        "Ankyloserande spondylit [Bechterews sjukdom]",
        "Endometrios (felbelägen livmoderslemhinna)",
    ]
    spondylit = {c.name for c in groups.per_diagnosis[0].categories}
    assert {"Syn", "Ledrörlighet", "Förnimmelser vad avser muskler och rörelser"} <= spondylit
    for group in groups.per_diagnosis:  # common categories are not repeated
        assert not {c.code for c in group.categories} & {c.code for c in common.categories}


def test_common_means_common_to_all_diagnoses() -> None:
    groups = icf_for_codes(["M45", "N80", "J20"], AB)
    if groups.common is not None:
        codes = {c.code for c in groups.common.categories}
        for diagnosis in (["M45"], ["N80"], ["J20"]):
            own = {c.code for g in icf_for_codes(diagnosis, AB).groups for c in g.categories}
            assert codes <= own


def test_duplicates_and_codes_without_fmb_are_ignored() -> None:
    groups = icf_for_codes(["J20", "J209", "A00"], FN)
    assert groups.common is None
    assert [g.diagnosis_codes for g in groups.per_diagnosis] == [("J20",)]
    assert icf_for_codes(["A00"], FN).is_empty
