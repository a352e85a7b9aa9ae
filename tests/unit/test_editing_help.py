"""Issue 15 items 14 and 15: rules the editor reads from the services."""

from __future__ import annotations

from datetime import date

from services.certificates import get_definition, shows_fmb
from services.certificates.form_model import fill_date_on_tick, to_form
from services.certificates.validation import missing_fields, newly_required
from services.rights import has_question_communication

TODAY = date(2026, 7, 14)


def test_ticking_a_basis_fills_todays_date_once() -> None:
    definition = get_definition("fk7804")
    form = to_form(definition, {})
    form["grund_for_mu.UNDERSOKNING"] = "true"
    assert fill_date_on_tick(definition, form, "grund_for_mu.UNDERSOKNING", TODAY) == [
        "grund_for_mu.UNDERSOKNING.date"
    ]
    assert form["grund_for_mu.UNDERSOKNING.date"] == "2026-07-14"
    form["grund_for_mu.UNDERSOKNING.date"] = "2026-07-01"  # edited: never overwritten
    assert fill_date_on_tick(definition, form, "grund_for_mu.UNDERSOKNING", TODAY) == []
    assert form["grund_for_mu.UNDERSOKNING.date"] == "2026-07-01"
    form["grund_for_mu.ANNAT"] = ""  # unticking fills nothing
    assert fill_date_on_tick(definition, form, "grund_for_mu.ANNAT", TODAY) == []
    form["avstangning_smittskydd"] = "true"  # a plain checkbox has no date
    assert fill_date_on_tick(definition, form, "avstangning_smittskydd", TODAY) == []
    assert fill_date_on_tick(definition, form, "nope.X", TODAY) == []


def test_a_partial_period_brings_in_a_new_mandatory_question() -> None:
    definition = get_definition("fk7804")
    before: dict = {}
    after = {"sjukskrivningar": {"HALFTEN": {"from": "2026-07-14", "to": "2026-07-27"}}}
    assert [q.id for q in newly_required(definition, before, after)] == ["arbetstidsforlaggning"]
    assert newly_required(definition, after, after) == []
    full = {"sjukskrivningar": {"HELT_NEDSATT": {"from": "2026-07-14", "to": "2026-07-27"}}}
    assert newly_required(definition, before, full) == []


def test_missing_fields_name_each_field_under_its_section() -> None:
    definition = get_definition("fk7804")
    content = {"sjukskrivningar": {"HALFTEN": {"from": "2026-07-14", "to": "2026-07-27"}}}
    groups = {
        s.id: [q.id for q in qs] for s, qs in missing_fields(definition, content, today=TODAY)
    }
    bedomning = definition.section_of("arbetstidsforlaggning").id
    assert "arbetstidsforlaggning" in groups[bedomning]
    for section_id, qids in groups.items():
        assert all(definition.section_of(q).id == section_id for q in qids)


def test_side_panels_follow_the_recipient() -> None:
    assert has_question_communication("fk7804") and shows_fmb("fk7804")
    assert not has_question_communication("tstrk1007") and not shows_fmb("tstrk1007")
    assert not has_question_communication("tstrk1031") and not shows_fmb("tstrk1031")
