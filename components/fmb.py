"""The FMB tab (manual §5.3, figure 15): Diagnosspecifik information for the chosen diagnoses."""

from __future__ import annotations

import reflex as rx

from components.widgets import disclosure_button, labelled, muted
from services import fmb
from state.fmb import FmbState as F

PANEL_HEADING = "Diagnosspecifik information"
SECTION_HEADINGS: dict[str, str] = {
    fmb.SECTION_SJUKSKRIVNING: "Sjukskrivningsrekommendation",
    fmb.SECTION_FUNKTIONSNEDSATTNING: "Om funktionsnedsättning",
    fmb.SECTION_AKTIVITETSBEGRANSNING: "Om aktivitetsbegränsning",
    fmb.SECTION_GENERELL: "Generell information",
    fmb.SECTION_SYMTOM: "Symtom, prognos och behandling",
    fmb.SECTION_REHABILITERING: "Information om rehabilitering",
}


def _choice(option: rx.Var) -> rx.Component:
    item_id = "fmb-choice-" + option["code"].to(str)
    return labelled(
        rx.radio_group.item(value=option["code"], id=item_id, data_testid=item_id),
        rx.text(option["title"], as_="span", size="2"),
        muted(option["code"], as_="span"),
        html_for=item_id,
        align_items="center",
    )


def _section(section: rx.Var) -> rx.Component:
    key = section["key"].to(str)
    open_ = F.expanded.contains(section["key"])
    return rx.box(
        rx.heading(
            rx.match(section["key"], *SECTION_HEADINGS.items(), ""),
            as_="h4",
            size="2",
            margin_bottom="0.25em",
        ),
        rx.text(
            rx.cond(open_, section["full"], section["preview"]),
            size="2",
            white_space="pre-line",
            data_testid="fmb-section-text-" + key,
        ),
        rx.cond(
            section["has_more"] != "",
            disclosure_button(
                rx.cond(open_, "Visa mindre", "Visa mer"),
                open_,
                F.toggle_section(section["key"]),
                margin_top="0.25em",
                data_testid="fmb-more-" + key,
            ),
        ),
        data_testid="fmb-section-" + key,
        width="100%",
    )


def fmb_panel() -> rx.Component:
    """FMB for the chosen diagnosis; radio buttons when several diagnoses have FMB."""
    return rx.box(
        rx.cond(
            ~F.has_diagnoses,
            muted(
                "FMB-information visas när du har valt minst en diagnos.",
                size="2",
                data_testid="fmb-empty",
            ),
            rx.cond(
                F.options.length() == 0,
                muted(
                    "Det finns ingen FMB-information för de valda diagnoserna.",
                    size="2",
                    data_testid="fmb-none",
                ),
                rx.vstack(
                    rx.heading(PANEL_HEADING, as_="h3", size="3"),
                    rx.cond(
                        F.options.length() > 1,
                        rx.radio_group.root(
                            rx.vstack(rx.foreach(F.options, _choice), spacing="1"),
                            value=F.selected,
                            on_change=F.select,
                            aria_label="Välj diagnos att visa FMB för",
                            data_testid="fmb-choices",
                        ),
                    ),
                    rx.box(
                        rx.heading(F.title, as_="h3", size="4", data_testid="fmb-title"),
                        muted(F.diagnosis, data_testid="fmb-diagnosis"),
                    ),
                    rx.foreach(F.sections, _section),
                    rx.foreach(
                        F.references,
                        lambda r: rx.link(r["text"], href=r["url"], is_external=True, size="2"),
                    ),
                    spacing="3",
                    width="100%",
                ),
            ),
        ),
        data_testid="fmb-panel",
        width="100%",
    )
