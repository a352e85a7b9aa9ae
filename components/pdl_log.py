"""The PDL log page's parts: the filter form, the table and the pager."""

from __future__ import annotations

import reflex as rx

from components.layout import error_callout
from components.widgets import muted
from services.audit import ACTION_LABELS
from state.pdl_log import PdlLogState as L

ACTION_OPTIONS = [("ALLA", "Alla händelser")] + [(a.value, t) for a, t in ACTION_LABELS.items()]


def _field(label: str, name: str, value, placeholder: str = "", type_: str = "text"):  # type: ignore[no-untyped-def]
    return rx.vstack(
        rx.text(label, as_="label", size="2", weight="medium", html_for="pdl-" + name),
        rx.input(
            name=name,
            id="pdl-" + name,
            default_value=value,
            placeholder=placeholder,
            type=type_,
            data_testid="pdl-filter-" + name,
        ),
        spacing="1",
    )


def filter_form() -> rx.Component:
    return rx.form(
        rx.hstack(
            _field("Patient (personnummer)", "patient", L.patient, "ÅÅÅÅMMDD-NNNN"),
            _field("Användare (HSA-id)", "user", L.user),
            rx.vstack(
                rx.text("Händelse", as_="label", size="2", weight="medium"),
                rx.select.root(
                    rx.select.trigger(data_testid="pdl-filter-action", min_width="12em"),
                    rx.select.content(
                        *[rx.select.item(text, value=value) for value, text in ACTION_OPTIONS]
                    ),
                    name="action",
                    default_value="ALLA",
                ),
                spacing="1",
            ),
            _field("Från och med", "date_from", L.date_from, "ÅÅÅÅ-MM-DD", "date"),
            _field("Till och med", "date_to", L.date_to, "ÅÅÅÅ-MM-DD", "date"),
            rx.button("Sök", type="submit", data_testid="pdl-search"),
            rx.button(
                "Rensa",
                type="button",
                variant="soft",
                on_click=L.clear,
                data_testid="pdl-clear",
            ),
            align="end",
            spacing="3",
            wrap="wrap",
        ),
        on_submit=L.search,
        reset_on_submit=False,
    )


def _row(r: rx.Var) -> rx.Component:
    return rx.table.row(
        rx.table.cell(r["time"], white_space="nowrap"),
        rx.table.cell(r["activity_type"]),
        rx.table.cell(
            r["action_label"],
            rx.cond(
                r["refusal_code"] != "", rx.badge("Nekad: ", r["refusal_code"], color_scheme="red")
            ),
            rx.cond(r["sjf"] != "", rx.badge("Sammanhållen journalföring", color_scheme="amber")),
        ),
        rx.table.cell(r["user_name"], muted(r["user_id"])),
        rx.table.cell(r["unit_name"]),
        rx.table.cell(r["patient"], white_space="nowrap"),
        rx.table.cell(
            r["resource_type"], " ", rx.text(r["resource_short"], size="1", title=r["resource_id"])
        ),
        rx.table.cell(r["system"]),
        rx.table.cell(r["count"]),
        rx.table.cell(r["detail"], max_width="22em"),
        data_testid="pdl-row",
    )


def log_table() -> rx.Component:
    return rx.table.root(
        rx.table.header(
            rx.table.row(
                *[
                    rx.table.column_header_cell(h)
                    for h in (
                        "Tidpunkt",
                        "Aktivitet",
                        "Händelse",
                        "Användare",
                        "Vårdenhet",
                        "Patient",
                        "Resurs",
                        "System",
                        "Antal",
                        "Övrigt",
                    )
                ]
            )
        ),
        rx.table.body(rx.foreach(L.rows, _row)),
        width="100%",
        size="1",
        data_testid="pdl-table",
    )


def _download(label: str, href: rx.Var, testid: str) -> rx.Component:
    """A button that downloads a file (a full request, not a client-side navigation)."""
    return rx.link(
        rx.button(label, variant="outline"),
        href=href,
        custom_attrs={"reloadDocument": True, "download": ""},
        data_testid=testid,
    )


def pager() -> rx.Component:
    return rx.hstack(
        rx.button(
            "Föregående sida",
            on_click=L.previous_page,
            disabled=L.page <= 1,
            variant="soft",
            data_testid="pdl-previous",
        ),
        rx.text("Sida ", L.page, data_testid="pdl-page"),
        rx.button(
            "Nästa sida",
            on_click=L.next_page,
            disabled=~L.has_next,
            variant="soft",
            data_testid="pdl-next",
        ),
        rx.spacer(),
        _download("Exportera CSV", L.export_href, "pdl-export-csv"),
        rx.cond(
            L.extract_href != "",
            _download("Loggutdrag för patienten (PDF)", L.extract_href, "pdl-extract-pdf"),
        ),
        width="100%",
        align="center",
        spacing="3",
    )


def pdl_log_view() -> rx.Component:
    return rx.vstack(
        rx.heading("PDL-logg", size="6"),
        rx.text(
            "Vem har tagit del av patientuppgifter i Webcert, när och från vilken vårdenhet. "
            "Loggen visar vårdgivarens poster, nyast först. Din läsning av loggen loggas också.",
            size="2",
        ),
        rx.cond(L.error != "", rx.box(error_callout(L.error), data_testid="pdl-error")),
        rx.cond(
            L.allowed,
            rx.vstack(
                filter_form(),
                rx.cond(
                    L.rows.length() > 0,
                    log_table(),
                    rx.text("Inga poster matchar filtret.", data_testid="pdl-empty"),
                ),
                pager(),
                spacing="4",
                width="100%",
            ),
        ),
        spacing="4",
        width="100%",
    )
