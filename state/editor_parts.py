"""Small substates of the draft editor, so that an edit re-renders little in the browser
(see state.sections).

- the inputs of section *i* of the open form read ``SECTION_VALUES[i].values``;
- the autosave indicator reads :class:`SaveStatusState`.

CertificateState keeps the authoritative values (``_values``) and publishes them here
(state.sections.publish): only the sections whose values changed are loaded, assigned and sent.
"""

from __future__ import annotations

from typing import Any

import reflex as rx

from state import sections


class SaveStatusState(rx.State):
    """The autosave indicator (§4.1): "Sparar…", "Utkastet är sparat" or the error."""

    save_state: str = ""  # "" | "saving" | "saved" | "error"
    save_message: str = ""

    def _set(self, state: str, message: str = "") -> None:
        if self.save_state != state:
            self.save_state = state
        if self.save_message != message:
            self.save_message = message


async def set_save_status(state: rx.State, save_state: str, message: str = "") -> None:
    """Set the autosave indicator of ``state``'s tab."""
    (await state.get_state(SaveStatusState))._set(save_state, message)


SECTION_VALUES = sections.section_states(
    "SectionValues",
    __name__,
    {"values": dict[str, str]},
    "The input values of section {index} of the open form.",
)


def parts(cert_type: str, values: dict[str, str]) -> sections.Parts:
    """The form values as the section substates show them."""
    return [{"values": part} for part in sections.split(cert_type, values)]


def values_var(cert_type: str, question_id: str) -> Any:
    """The ``values`` var (a dict keyed like the form values) that holds a question's inputs."""
    return SECTION_VALUES[sections.section_index(cert_type)[question_id]].values
