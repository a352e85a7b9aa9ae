"""The start page's lists: the certificates on the care unit, and after a SMART launch the
launched patient's certificates and the types the user may create (state/lists.py)."""

from __future__ import annotations

import reflex as rx

from components.layout import data_table, error_callout
from state.lists import LaunchedPatientState, UnitListState


def _patient_certificate(r: rx.Var) -> rx.Component:
    return rx.hstack(
        rx.link(r["name"], href=r["href"]),
        rx.text(r["status"]),
        rx.text(r["updated"], color=rx.color("gray", 11)),
        spacing="3",
    )


def _create_button(t: rx.Var) -> rx.Component:
    return rx.button(
        t["label"],
        variant="outline",
        on_click=LaunchedPatientState.create(t["type"]),
        data_testid="create-" + t["type"],
    )


def launched_patient_panel() -> rx.Component:
    """After a SMART launch: the patient's certificates on the unit, and new ones (issue 21)."""
    patient = LaunchedPatientState
    certificates = rx.cond(
        patient.rows.length() > 0,  # type: ignore[attr-defined]
        rx.vstack(
            rx.foreach(patient.rows, _patient_certificate), data_testid="patient-certificates"
        ),
        rx.text("Patienten har inga intyg på vårdenheten.", data_testid="patient-no-certs"),
    )
    create = rx.flex(rx.foreach(patient.types, _create_button), wrap="wrap", gap="2")
    panel = rx.vstack(
        rx.heading("Patient från journalsystemet: ", patient.patient, size="5"),
        rx.cond(patient.error != "", error_callout(patient.error)),
        certificates,
        rx.text("Skapa intyg:", weight="bold"),
        create,
        spacing="3",
        width="100%",
        data_testid="launched-patient",
    )
    return rx.cond(patient.patient != "", panel)


def unit_certificates() -> rx.Component:
    """Intyg på vårdenheten: the unit's certificates, newest first."""
    return rx.fragment(
        rx.heading("Intyg på vårdenheten", size="6"),
        rx.cond(UnitListState.error != "", error_callout(UnitListState.error)),
        data_table(
            ["Intyg", "Patient", "Status", "Senast sparat"],
            UnitListState.rows,
            lambda r: [
                rx.link(r["name"], href=r["href"]),
                r["patient"],
                r["status"],
                r["updated"],
            ],
            data_testid="unit-certificates",
        ),
    )
