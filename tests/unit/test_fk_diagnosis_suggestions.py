"""Issue 15 item 13: three-position F and Z73 codes are marked, with the rule's text, and
offered after the codes that can be signed, for FK certificates."""

from __future__ import annotations

import pytest

from services.certificates import uses_fk_diagnosis_rules
from services.diagnoses import (
    CodeSystem,
    order_for_fk,
    search_by_code,
    search_by_text,
    validate_code_for_fk,
)


@pytest.mark.parametrize(
    ("query", "system"),
    [("F32", CodeSystem.ICD_10_SE), ("Z73", CodeSystem.ICD_10_SE), ("F32", CodeSystem.KSH_97_P)],
)
def test_three_position_codes_are_marked_and_come_last(query: str, system: CodeSystem) -> None:
    found = search_by_code(query, system, 10)
    assert any(len(d.code.replace("-", "").rstrip("P")) == 3 for d in found)  # offered today
    ordered = order_for_fk(found)
    notes = [note for _, note in ordered]
    assert sorted(d.code for d, _ in ordered) == sorted(d.code for d in found)
    marked = [d for d, note in ordered if note]
    assert marked and notes[0] == ""  # a code that can be signed first
    assert notes == sorted(notes, key=bool)  # every marked code after every unmarked one
    for d, note in ordered:
        refusal = validate_code_for_fk(d.code, system)
        # marked exactly when signing would refuse it for its positions, with that text
        assert (note != "") == (refusal is not None and "fyra positioner" in refusal), d
        if note:
            assert note == refusal


def test_other_codes_are_not_marked() -> None:
    for query in ("J20", "M54"):
        assert all(note == "" for _, note in order_for_fk(search_by_code(query, limit=10)))
    assert all(
        note == "" or d.code.startswith(("F", "Z73"))
        for d, note in order_for_fk(search_by_text("depression", limit=10))
    )


def test_only_fk_types_use_the_rule() -> None:
    assert uses_fk_diagnosis_rules("fk7804") and uses_fk_diagnosis_rules("fk7802")
    assert not uses_fk_diagnosis_rules("tstrk1007") and not uses_fk_diagnosis_rules("nope")
