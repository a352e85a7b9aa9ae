"""An edit changes (and so sends and re-renders) only the small substates it touched.

The inputs and the read-only certificate read one substate per section (state.sections); the
autosave indicator has its own. These tests run the real handlers on a real draft and look at
the delta Reflex would send to the browser: which substates it names.
"""

from __future__ import annotations

import pytest

from services import identity, lifecycle
from services.certificates import all_definitions, get_definition
from state import runtime
from state.certificate import CertificateState
from state.certificate_view import SECTION_VIEWS, CertificateViewState, rendering
from state.editor_parts import SECTION_VALUES, SaveStatusState
from state.sections import SECTION_COUNT, changed, section_index, split
from tests.factories import DOCTOR, UNIT
from tests.reflex_harness import delta, fn, open_new_draft


def test_every_question_of_every_definition_has_a_section_substate() -> None:
    for definition in all_definitions():
        index = section_index(definition.type)
        assert len(definition.sections) <= SECTION_COUNT
        for i, section in enumerate(definition.sections):
            assert all(index[q.id] == i for q in section.questions)


def test_split_keys_by_question_section_and_report_changes() -> None:
    definition = get_definition("fk7804")
    first = definition.sections[0].questions[0].id
    last_section = len(definition.sections) - 1
    last = definition.sections[last_section].questions[0].id
    parts = split("fk7804", {first: "a", f"{last}.x.y": "b", "okänd": "c"})
    assert parts[0] == {first: "a"} and parts[last_section] == {f"{last}.x.y": "b"}
    assert sum(len(p) for p in parts) == 2  # an unknown key belongs to no section
    again = split("fk7804", {first: "a", f"{last}.x.y": "B"})
    assert changed(parts, again) == [last_section]
    assert changed([], again) == list(range(SECTION_COUNT))


def _names(changes: dict) -> set[str]:
    return {name.rsplit(".", 1)[-1] for name in changes}


@pytest.fixture
async def draft_state(migrated_db, sim):
    cs = await open_new_draft(await identity.login(DOCTOR, UNIT, origin="TEST"))
    root = cs.parent_state
    await delta(root, clean=True)
    return cs, root


async def test_typing_sends_one_section_and_the_save_indicator(draft_state) -> None:
    cs, root = draft_state
    await fn(CertificateState.set_value)(cs, "ovrigt", "Skrivet i övrigt")
    sent_delta = await delta(root)
    section = section_index("fk7804")["ovrigt"]
    expected = {SECTION_VALUES[section].get_name(), SaveStatusState.get_name()}
    assert _names(sent_delta) == expected, sent_delta.keys()
    sent = next(v for k, v in sent_delta.items() if k.endswith(SECTION_VALUES[section].get_name()))
    assert sent["values_rx_state_"]["ovrigt"] == "Skrivet i övrigt"
    saved = lifecycle.saved_draft(cs.cert_id)
    assert saved is not None and saved[1]["ovrigt"] == "Skrivet i övrigt"


async def test_a_push_sends_only_the_changed_section_of_the_read_only_view(draft_state) -> None:
    cs, root = draft_state
    view = await cs.get_state(CertificateViewState)
    content = {**cs._content, "ovrigt": "Ändrat av den som har förtur"}
    assert runtime.tab_shows(view, view._cert_id, cs.cert_id)
    await view._pushed(rendering("fk7804", content), stamp=1)
    sent_delta = await delta(root)
    section = section_index("fk7804")["ovrigt"]
    assert _names(sent_delta) == {SECTION_VIEWS[section].get_name()}, sent_delta.keys()
    await delta(root, clean=True)
    # An older push arriving late changes nothing; a push for another draft is refused.
    await view._pushed(rendering("fk7804", cs._content), stamp=1)
    assert runtime.tab_shows(view, view._cert_id, "ett-annat-utkast") is False
    views = {cls.get_name() for cls in SECTION_VIEWS}
    assert not _names(await delta(root)) & views
