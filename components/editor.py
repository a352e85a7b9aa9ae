"""The draft editor and the read-only view, generated from a certificate definition.

One static component tree per certificate type is built at compile time from its
declarative definition; the inputs show the values of their section's substate
(state.editor_parts, flat keys, see services.certificates.form_model). Nothing here knows a
rule: visibility, mandatory stars, errors and missing texts all come from state computed by
services.
"""

from __future__ import annotations

from typing import Any

import reflex as rx

from components.diagnosis import diagnosis_field
from components.form_values import building, form_value
from components.icf import icf_controls
from components.ids import dom_id, testid
from components.widgets import labelled, muted, radio_options
from services.certificates import all_definitions
from services.certificates.base import CertificateDefinition, FieldKind, Question, Section
from state.certificate import CertificateState as S


def _text_input(key: str, *, placeholder: str = "", width: str = "100%", **props) -> rx.Component:
    return rx.input(
        value=form_value(key),
        on_change=lambda v: S.set_value(key, v),
        id=dom_id(key),
        placeholder=placeholder,
        width=width,
        read_only=~S.editable,
        data_testid=testid(key),
        **props,
    )


def _date_input(key: str, **props) -> rx.Component:
    """A date: typed (åååå-mm-dd and the shortcuts of §5.7 keep working) or picked in the
    browser's calendar beside it, which writes the same value."""
    label = props.get("aria_label") or "datum"
    return rx.hstack(
        _text_input(key, placeholder="åååå-mm-dd", width="10em", **props),
        rx.el.input(
            type="date",
            value=form_value(key),
            on_change=lambda v: S.set_value(key, v),
            read_only=~S.editable,
            disabled=~S.editable,
            aria_label=f"Välj i kalender: {label}",
            title="Välj datum i kalender",
            class_name="date-picker",
            data_testid=testid(key) + "-picker",
        ),
        spacing="1",
        align="center",
    )


def _checkbox(key: str, label: str) -> rx.Component:
    return labelled(
        rx.checkbox(
            checked=form_value(key) == "true",
            on_change=lambda c: S.set_checked(key, c),
            id=dom_id(key),
            disabled=~S.editable,
            data_testid=testid(key),
        ),
        rx.text(label, as_="span", size="2"),
        html_for=dom_id(key),
        align_items="center",
    )


def _radio(key: str, options: list[tuple[str, str]], direction: str = "column") -> rx.Component:
    return rx.radio_group.root(
        radio_options(key, options, direction, gap="0.5em"),
        value=form_value(key),
        on_change=lambda v: S.set_value(key, v),
        disabled=~S.editable,
        aria_label="Välj ett alternativ",
    )


def _sick_leave(q: Question) -> rx.Component:
    rows = []
    for option in q.options:
        base = f"{q.id}.{option.code}"
        rows.append(
            rx.vstack(
                rx.hstack(
                    rx.text(option.label, width="7em", size="2", weight="medium"),
                    rx.el.label("Fr.o.m", html_for=dom_id(base + ".from"), font_size="0.85em"),
                    # each row's inputs are named with their grade ("Fr.o.m, 25 procent")
                    _date_input(base + ".from", aria_label=f"Fr.o.m, {option.label}"),
                    rx.el.label("t.o.m", html_for=dom_id(base + ".to"), font_size="0.85em"),
                    _date_input(
                        base + ".to",
                        aria_label=f"t.o.m, {option.label}",
                        on_blur=S.apply_end_date_shortcut(base),
                    ),
                    align="center",
                    spacing="2",
                    wrap="wrap",
                ),
                rx.cond(
                    S.working_time[option.code] != "",
                    muted(S.working_time[option.code], data_testid=testid(base + ".working-time")),
                ),
                spacing="1",
            )
        )
    return rx.vstack(
        rx.cond(
            S.previous_period != "",
            rx.callout(S.previous_period, icon="info", size="1", data_testid="previous-period"),
        ),
        *rows,
        rx.cond(
            S.fmb_length_warning != "",
            rx.callout(
                S.fmb_length_warning,
                icon="triangle_alert",
                color_scheme="amber",
                size="1",
                role="status",
                data_testid="fmb-length-warning",
            ),
        ),
        spacing="3",
    )


def _diagnoses(q: Question) -> rx.Component:
    return diagnosis_field(q)


def field_input(q: Question) -> rx.Component:
    match q.kind:
        case FieldKind.TEXT:
            return _text_input(q.id, placeholder=q.placeholder)
        case FieldKind.TEXTAREA:
            return rx.text_area(
                value=form_value(q.id),
                on_change=lambda v: S.set_value(q.id, v),
                id=dom_id(q.id),
                width="100%",
                rows="4",
                read_only=~S.editable,
                data_testid=testid(q.id),
            )
        case FieldKind.DATE:
            return _date_input(q.id, aria_label=q.label)
        case FieldKind.NUMBER:
            return _text_input(q.id, width="6em", input_mode="numeric")
        case FieldKind.BOOLEAN:
            return _radio(q.id, [("true", "Ja"), ("false", "Nej")], direction="row")
        case FieldKind.RADIO:
            return _radio(q.id, [(o.code, o.label) for o in q.options])
        case FieldKind.CHECKBOX:
            return _checkbox(q.id, q.sub_label or q.label)  # the box carries the label
        case FieldKind.CHECKBOXES:
            return rx.vstack(
                *[_checkbox(f"{q.id}.{o.code}", o.label) for o in q.options], spacing="2"
            )
        case FieldKind.DATE_CHECKBOXES:
            return rx.vstack(
                *[
                    rx.hstack(
                        rx.box(_checkbox(f"{q.id}.{o.code}", o.label), width="20em"),
                        _date_input(f"{q.id}.{o.code}.date", aria_label=o.label + " datum"),
                        align="center",
                        wrap="wrap",
                    )
                    for o in q.options
                ],
                spacing="2",
            )
        case FieldKind.SICK_LEAVE:
            return _sick_leave(q)
        case FieldKind.DIAGNOSES:
            return _diagnoses(q)
    return rx.text("Fälttypen stöds inte.")


def _field_message(
    messages: rx.Var, qid: str, color: str, suffix: str, **props: Any
) -> rx.Component:
    """The question's message in ``messages`` (an error, what is missing, a warning), if any."""
    return rx.cond(
        messages.contains(qid),
        rx.text(
            messages[qid],
            color=rx.color(color, 11),  # type: ignore[arg-type]
            size="2",
            data_testid=testid(qid) + suffix,
            **props,
        ),
    )


def question_block(q: Question) -> rx.Component:
    lone_checkbox = q.kind == FieldKind.CHECKBOX and not q.sub_label  # the box carries the label
    toggle = rx.cond(
        q.help != "",
        rx.icon_button(
            rx.icon("chevron_down", size=14),
            variant="ghost",
            size="1",
            on_click=S.toggle_help(q.id),
            aria_label=f"Visa hjälptext för {q.label}",
            aria_expanded=rx.cond(S.help_open[q.id], "true", "false"),
            data_testid=testid(q.id) + "-help-toggle",
        ),
    )
    heading = (
        rx.fragment()
        if lone_checkbox
        else rx.hstack(
            rx.el.label(
                rx.cond(S.required[q.id], rx.text("* ", as_="span", color=rx.color("red", 10))),
                q.label,
                html_for=dom_id(q.id) if q.kind not in _GROUP_KINDS else None,
                font_weight="600",
                font_size="0.95em",
            ),
            toggle,
            align="center",
            spacing="1",
        )
    )
    field = rx.hstack(field_input(q), toggle, align="center") if lone_checkbox else field_input(q)
    return rx.cond(
        S.visible[q.id],
        rx.vstack(
            heading,
            rx.cond(
                S.help_open[q.id],
                muted(q.help, size="2", white_space="pre-line", data_testid=testid(q.id) + "-help"),
            ),
            rx.cond(
                q.sub_label != "",
                rx.cond(q.kind != FieldKind.CHECKBOX, muted(q.sub_label, size="2")),
            ),
            rx.cond(
                S.appeared.contains(q.id),
                rx.callout(
                    S.appeared[q.id],
                    icon="info",
                    color_scheme="amber",
                    size="1",
                    data_testid=testid(q.id) + "-appeared",
                ),
            ),
            *([icf_controls(q)] if q.icf else []),
            field,
            _field_message(S.field_errors, q.id, "red", "-error", role="alert"),
            _field_message(S.missing, q.id, "red", "-missing"),
            _field_message(S.field_warnings, q.id, "amber", "-warning"),
            spacing="2",
            width="100%",
            padding_y="0.5em",
            border=rx.cond(
                S.missing.contains(q.id), f"1px solid {rx.color('red', 8)}", "1px solid transparent"
            ),
            border_radius="6px",
            padding_x="0.5em",
            id="q-" + q.id.replace(".", "-"),
        ),
    )


_GROUP_KINDS = {
    FieldKind.CHECKBOXES,
    FieldKind.DATE_CHECKBOXES,
    FieldKind.SICK_LEAVE,
    FieldKind.DIAGNOSES,
    FieldKind.RADIO,
    FieldKind.BOOLEAN,
    FieldKind.CHECKBOX,
}


def section_card(section: Section, *rows: rx.Component, spacing: str, **props: Any) -> rx.Component:
    """A section of the certificate (form or read view): a card with its heading and rows."""
    return rx.card(
        rx.vstack(
            rx.heading(section.title, size="4", as_="h2", id="s-" + section.id),
            *rows,
            spacing=spacing,  # type: ignore[arg-type]
            width="100%",
        ),
        width="100%",
        **props,
    )


def section_block(section: Section) -> rx.Component:
    return section_card(
        section,
        *[question_block(q) for q in section.questions],
        spacing="2",
        data_testid="section-" + section.id,
    )


def definition_form(definition: CertificateDefinition) -> rx.Component:
    with building(definition.type):
        sections = [section_block(s) for s in definition.sections]
    return rx.vstack(*sections, spacing="4", width="100%")


def certificate_form() -> rx.Component:
    """The form of the open certificate's type (one static tree per type)."""
    return rx.match(
        S.cert_type,
        *[(d.type, definition_form(d)) for d in all_definitions()],
        rx.text("Okänd intygstyp."),
    )
