"""The certificate page around the form: the patient line, the autosave indicator, the list
of what is missing (§5.6) and the side panel (Ärendekommunikation, FMB, Tips & Hjälp)."""

from __future__ import annotations

import reflex as rx

from components.fmb import fmb_panel
from components.questions import question_panel
from state.certificate import CertificateState as C
from state.editor_parts import SaveStatusState as SaveStatus


def save_indicator() -> rx.Component:
    return rx.match(
        SaveStatus.save_state,
        (
            "saved",
            rx.hstack(
                rx.icon("check", size=16, color=rx.color("green", 10)),
                rx.text(SaveStatus.save_message, size="2"),
                data_testid="save-indicator",
                data_state="saved",
            ),
        ),
        ("saving", rx.text("Sparar…", size="2", data_testid="save-indicator", data_state="saving")),
        (
            "error",
            rx.hstack(
                rx.text(SaveStatus.save_message, size="2", color=rx.color("red", 11)),
                rx.button("Försök igen", size="1", on_click=C.retry_save, data_testid="retry-save"),
                data_testid="save-indicator",
                data_state="error",
                role="alert",
            ),
        ),
        rx.fragment(),
    )


def patient_line() -> rx.Component:
    return rx.hstack(
        rx.text(
            C.patient_name,
            " – ",
            C.patient_pnr,
            weight="bold",
            color=rx.cond(C.patient_sekretess, rx.color("red", 11), rx.color("gray", 12)),
            data_testid="patient-line",
        ),
        rx.cond(
            C.patient_sekretess,
            rx.badge(
                "Sekretessmarkerad uppgift", color_scheme="red", data_testid="patient-sekretess"
            ),
        ),
        rx.cond(
            C.patient_deceased,
            rx.badge("Avliden", color_scheme="gray", data_testid="patient-deceased"),
        ),
        spacing="3",
        align="center",
    )


def missing_list() -> rx.Component:
    return rx.cond(
        C.show_missing & (C.missing_sections.length() > 0),
        rx.callout.root(
            rx.callout.text(
                rx.text("Utkastet saknar uppgifter i följande avsnitt:", weight="bold")
            ),
            rx.foreach(
                C.missing_sections,
                lambda s: rx.cond(
                    s["kind"] == "field",
                    # the field itself (§5.6: "obligatoriska fält som saknar information")
                    rx.link(
                        s["title"],
                        href="#" + s["id"],
                        display="block",
                        padding_left="1.25em",
                        size="2",
                        data_testid="missing-field",
                    ),
                    rx.link(s["title"], href="#s-" + s["id"], display="block", weight="bold"),
                ),
            ),
            color_scheme="amber",
            data_testid="missing-list",
        ),
    )


def side_panel() -> rx.Component:
    """Right of the certificate: Ärendekommunikation, FMB, Tips & Hjälp (§5.3, §5.5, §6)."""
    # Only what applies to the type's recipient (services.rights, services.fmb): a
    # Transportstyrelsen certificate has neither Ärendekommunikation nor FMB.
    return rx.tabs.root(
        rx.tabs.list(
            rx.cond(
                C.has_questions,
                rx.tabs.trigger("Ärendekommunikation", value="fragor", data_testid="tab-questions"),
            ),
            rx.cond(C.has_fmb, rx.tabs.trigger("FMB", value="fmb", data_testid="tab-fmb")),
            rx.tabs.trigger("Tips & Hjälp", value="tips", data_testid="tab-tips"),
        ),
        rx.cond(
            C.has_questions,
            rx.tabs.content(rx.box(question_panel(), padding_y="1em"), value="fragor"),
        ),
        rx.cond(C.has_fmb, rx.tabs.content(rx.box(fmb_panel(), padding_y="1em"), value="fmb")),
        rx.tabs.content(
            rx.box(
                rx.heading(C.cert_name, size="3"),
                rx.text(C.tips, size="2", white_space="pre-line", data_testid="tips-text"),
                padding_y="1em",
            ),
            value="tips",
        ),
        default_value=rx.cond(C.has_questions, "fragor", "tips"),
        width="100%",
    )
