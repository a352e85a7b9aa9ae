"""The diagnosis field (manual §5.2, figure 14): code system, up to three rows of code + text,
each input with suggestions chosen by mouse or keyboard (arrows, Enter, Escape).

The inputs follow the WAI-ARIA combobox pattern (role, aria-expanded, aria-controls and
aria-activedescendant), so screen readers announce the list and the highlighted suggestion.
"""

from __future__ import annotations

import reflex as rx

from components.form_values import form_value
from components.ids import dom_id, testid
from components.widgets import muted, radio_options
from services.certificates.base import Question
from services.certificates.form_model import diagnosis_rows
from services.diagnoses import CERTIFICATE_DIAGNOSIS_HEADING, CodeSystem
from state.certificate import CertificateState as S
from state.diagnosis import DiagnosisState as D

SYSTEM_LABELS = {CodeSystem.ICD_10_SE: "ICD-10-SE", CodeSystem.KSH_97_P: "KSH97-P (Primärvård)"}


def _system_radio(q: Question) -> rx.Component:
    key = f"{q.id}.system"
    return rx.radio_group.root(
        radio_options(
            key, [(s.value, label) for s, label in SYSTEM_LABELS.items()], "row", "1.25em"
        ),
        value=rx.cond(form_value(key) != "", form_value(key), CodeSystem.ICD_10_SE.value),
        on_change=lambda v: D.set_system(q.id, v),
        disabled=~S.editable,
        aria_label="Diagnoskodverk",
    )


def _option(item: rx.Var, index: rx.Var) -> rx.Component:
    active = D.highlighted == index
    return rx.box(
        rx.text(item["code"], as_="span", weight="bold", min_width="4.5em", flex_shrink="0"),
        rx.box(
            rx.text(
                item["text"],
                rx.cond(
                    item["matched"] != "",
                    # the everyday word that found the code (services.diagnoses.synonyms)
                    rx.text(
                        " – " + item["matched"],
                        as_="span",
                        color=rx.color("gray", 11),
                        data_testid="diagnosis-suggestion-matched",
                    ),
                ),
                as_="span",
            ),
            # FK types: a three-position F/Z73 code is refused at signing; say so here
            rx.cond(
                item["note"] != "",
                rx.text(
                    item["note"],
                    as_="span",
                    display="block",
                    font_size="0.85em",
                    color=rx.color("amber", 11),
                    data_testid="diagnosis-suggestion-note",
                ),
            ),
        ),
        id=D.list_id + "-opt-" + index.to_string(),
        role="option",
        aria_selected=rx.cond(active, "true", "false"),
        on_mouse_down=D.choose(D.active, index),
        display="flex",
        gap="0.75em",
        padding="0.35em 0.6em",
        cursor="pointer",
        font_size="0.9em",
        background=rx.cond(active, rx.color("teal", 4), "transparent"),
        _hover={"background": rx.color("teal", 3)},
        data_testid="diagnosis-suggestion",
        data_code=item["code"],
        data_needs_more=rx.cond(item["note"] != "", "true", "false"),
        data_highlighted=rx.cond(active, "true", "false"),
    )


def _suggestions(row_key: str) -> rx.Component:
    """The suggestion list of a row, in the flow under its inputs (a card clips overlays)."""
    return rx.cond(
        D.active_row == row_key,
        rx.box(
            rx.foreach(D.suggestions, _option),
            id=dom_id(row_key) + "-list",
            role="listbox",
            aria_label="Förslag på diagnoser",
            width="100%",
            max_height="16em",
            overflow_y="auto",
            background=rx.color("gray", 1),
            border=f"1px solid {rx.color('gray', 7)}",
            border_radius="6px",
            box_shadow="0 4px 12px rgba(0,0,0,0.12)",
            data_testid="diagnosis-suggestions",
            data_query=D.query,
        ),
    )


def _combobox(row_key: str, part: str, label: str, width: str) -> rx.Component:
    """One input of a row; typing is not debounced (suggestions within 100 ms)."""
    key = f"{row_key}.{part}"
    open_ = D.active == key
    field = rx.debounce_input(
        rx.input(
            on_change=lambda v: D.type_query(key, v),
            on_key_down=lambda pressed, _info: D.key_down(key, pressed),
            on_blur=lambda v: D.commit(key, v),
            id=dom_id(key),
            placeholder="Kod" if part == "code" else "Diagnos",
            width="100%",
            read_only=~S.editable,
            data_testid=testid(key),
            auto_complete=False,
            custom_attrs={
                "role": "combobox",
                "aria-autocomplete": "list",
                "aria-expanded": rx.cond(open_, "true", "false"),
                "aria-controls": dom_id(row_key) + "-list",
                "aria-activedescendant": rx.cond(
                    open_ & (D.highlighted >= 0),
                    f"{dom_id(row_key)}-list-opt-" + D.highlighted.to_string(),
                    "",
                ),
            },
        ),
        value=form_value(key),
        debounce_timeout=0,
        force_notify_by_enter=False,
        force_notify_on_blur=False,
    )
    return rx.box(
        rx.el.label(label, html_for=dom_id(key), class_name="sr-only"),
        field,
        width=width,
        flex_shrink="0" if width != "100%" else "1",
    )


def diagnosis_field(q: Question) -> rx.Component:
    """The whole diagnosis question: code system radio, heading and the rows."""
    rows = [
        rx.vstack(
            rx.hstack(
                _combobox(f"{q.id}.{i}", "code", f"Diagnoskod {i + 1}", "8em"),
                _combobox(f"{q.id}.{i}", "text", f"Diagnos {i + 1}", "100%"),
                width="100%",
                spacing="2",
            ),
            _suggestions(f"{q.id}.{i}"),
            width="100%",
            spacing="1",
            data_testid=testid(f"{q.id}.{i}"),
        )
        for i in range(diagnosis_rows(q))
    ]
    return rx.vstack(
        _system_radio(q),
        *([] if q.sub_label else [muted(CERTIFICATE_DIAGNOSIS_HEADING)]),
        rx.hstack(
            muted("Kod", width="8em"),
            muted("Diagnos"),
            spacing="2",
            aria_hidden="true",
        ),
        *rows,
        width="100%",
        spacing="2",
    )
