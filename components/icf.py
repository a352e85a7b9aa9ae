"""ICF support in funktionsnedsättning / aktivitetsbegränsning (manual §5.4, figures 16-18).

``icf_controls(q)`` is rendered above the free-text field of a question with ``icf=True``: the
"Ta hjälp av ICF" button, the panel with the categories (when open) and the chosen categories
as chips.
"""

from __future__ import annotations

import reflex as rx

from components.widgets import cancel_button, disclosure_button, labelled, muted
from services.certificates.base import Question
from services.icf import BUTTON_LABEL, GROUP_PREFIX, READ_MORE_URL
from state.certificate import CertificateState as S
from state.icf import IcfState as I

#: The heading above the chips, per field (manual figure 17).
CHIPS_HEADING = {
    "funktionsnedsattning": "Problem som påverkar patientens möjlighet att utföra sin "
    "sysselsättning:",
    "aktivitetsbegransning": "Svårigheter som påverkar patientens sysselsättning:",
}
#: The instruction at the top of the panel (manual figure 16).
PANEL_INTRO = {
    "funktionsnedsattning": "Välj enbart de problem som påverkar patientens möjlighet att "
    "utföra sin sysselsättning.",
    "aktivitetsbegransning": "Välj enbart de svårigheter som påverkar patientens sysselsättning.",
}


def _tid(qid: str, suffix: str) -> str:
    return f"icf-{qid.replace('_', '-')}-{suffix}"


def _row(qid: str, row: rx.Var) -> rx.Component:
    code = row["code"].to(str)
    box_id = f"icf-{qid}-cb-" + row["key"].to(str)
    more = I.more.contains(row["key"])
    return rx.cond(
        row["kind"] == "group",
        rx.box(
            muted(GROUP_PREFIX),
            rx.text(row["title"], size="2", weight="bold"),
            padding_top="0.5em",
            data_testid=_tid(qid, "group"),
        ),
        rx.box(
            rx.hstack(
                labelled(
                    rx.checkbox(
                        checked=I.ticked.contains(row["code"]),
                        on_change=lambda checked: I.toggle(row["code"], checked),
                        id=box_id,
                        data_testid=_tid(qid, "category-") + code,
                    ),
                    rx.text(row["name"], as_="span", size="2"),
                    html_for=box_id,
                    align_items="center",
                ),
                rx.spacer(),
                disclosure_button(
                    rx.cond(more, "visa mindre", "visa mer"),
                    more,
                    I.toggle_more(row["key"]),
                    icon_size=12,
                    aria_label="Visa mer om " + row["name"].to(str),
                    data_testid=_tid(qid, "more-") + code,
                ),
                width="100%",
                align="center",
            ),
            rx.cond(
                more,
                rx.box(
                    rx.text(row["title"], " (", code, ")", size="1", weight="medium"),
                    rx.text(row["description"], size="1"),
                    rx.cond(
                        row["includes"] != "",
                        rx.text("Innefattar: ", row["includes"], size="1"),
                    ),
                    padding_left="1.75em",
                    color=rx.color("gray", 11),
                    data_testid=_tid(qid, "details-") + code,
                ),
            ),
            width="100%",
        ),
    )


def _panel(q: Question) -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.text(PANEL_INTRO.get(q.id, ""), size="2", weight="medium"),
            rx.vstack(
                rx.foreach(I.rows, lambda row: _row(q.id, row)),
                spacing="1",
                width="100%",
            ),
            rx.hstack(
                rx.button("Lägg till", on_click=I.add, data_testid=_tid(q.id, "add")),
                cancel_button(I.cancel, data_testid=_tid(q.id, "cancel")),
                rx.spacer(),
                rx.link(
                    "Läs mer om ICF hos Socialstyrelsen",
                    href=READ_MORE_URL,
                    is_external=True,
                    size="2",
                ),
                width="100%",
                align="center",
                padding_top="0.5em",
            ),
            spacing="2",
            width="100%",
        ),
        width="100%",
        role="group",
        aria_label=f"{BUTTON_LABEL}: {q.label}",
        data_testid=_tid(q.id, "dialog"),
    )


def _chips(q: Question) -> rx.Component:
    chosen = I.chosen[q.id]
    return rx.cond(
        # The dict is filled after the certificate loads: guard the key (no undefined.length).
        I.chosen.contains(q.id) & (chosen.length() > 0),
        rx.vstack(
            rx.text(CHIPS_HEADING.get(q.id, "Valda ICF-kategorier:"), size="2", weight="medium"),
            rx.flex(
                rx.foreach(
                    chosen,
                    lambda c: rx.badge(
                        c["name"],
                        size="2",
                        variant="surface",
                        radius="full",
                        data_testid=_tid(q.id, "chip"),
                        data_code=c["code"],
                    ),
                ),
                wrap="wrap",
                gap="0.4em",
            ),
            spacing="1",
            width="100%",
            data_testid=_tid(q.id, "chips"),
        ),
    )


def icf_controls(q: Question) -> rx.Component:
    """ "Ta hjälp av ICF", its panel and the chosen categories, above the free-text field."""
    is_open = I.open_qid == q.id
    return rx.vstack(
        rx.cond(
            S.editable,
            disclosure_button(
                BUTTON_LABEL,
                is_open,
                I.open(q.id),
                variant="outline",
                disabled=~I.available[q.id],
                title=rx.cond(
                    I.available[q.id],
                    "Välj ICF-kategorier för de angivna diagnoserna",
                    "ICF-stöd finns när du har angett en diagnos som har ICF-urval",
                ),
                data_testid=_tid(q.id, "button"),
            ),
        ),
        rx.cond(is_open, _panel(q)),
        _chips(q),
        spacing="2",
        width="100%",
    )
