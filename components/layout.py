"""Page frame: header with user, role and care unit; sekretess information dialog; the page
decorator every page of webcert_ui/pages.py is registered with."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import reflex as rx

from components.widgets import alert_callout, muted
from state.session import SessionState

SEKRETESS_USER_TEXT = (
    "Du har en sekretessmarkering. Det är upp till dig att avgöra om du vill använda "
    "Webcert. För läkare/tandläkare gäller att när du signerar ett intyg kommer ditt namn "
    "och information om den vårdgivare och vårdenhet intyget är utfärdat på att vara "
    "synligt. För alla användare gäller att vid kommunikation med Försäkringskassan kring "
    "ett intyg kommer ditt namn att vara synligt. Det innebär att information om dig och "
    "var du arbetar kan spridas."
)


def header() -> rx.Component:
    return rx.box(
        rx.hstack(
            rx.hstack(
                rx.icon("file-heart", size=26, color=rx.color("indigo", 11)),
                rx.heading("Webcert", size="5", color=rx.color("indigo", 12)),
                align="center",
                spacing="2",
            ),
            rx.spacer(),
            rx.cond(
                SessionState.logged_in,
                rx.hstack(
                    rx.cond(
                        SessionState.user_sekretess,
                        # A button, not a link to "#": a navigation would re-run the page's
                        # on_load, which closes the dialog again (§4.10 information).
                        rx.button(
                            "Sekretessmarkering",
                            on_click=SessionState.show_sekretess_info,
                            variant="ghost",
                            color_scheme="red",
                            aria_haspopup="dialog",
                            data_testid="header-sekretess-link",
                        ),
                    ),
                    rx.cond(
                        SessionState.may_read_log,
                        rx.link("PDL-logg", href="/pdl-logg", data_testid="header-pdl-log-link"),
                    ),
                    rx.vstack(
                        rx.text(
                            SessionState.user_name,
                            weight="bold",
                            size="2",
                            data_testid="header-user-name",
                        ),
                        muted(
                            SessionState.role_label,
                            # no dangling dash before a care unit is chosen (§3.3)
                            rx.cond(
                                SessionState.unit_name != "", " – " + SessionState.unit_name, ""
                            ),
                            data_testid="header-role-unit",
                        ),
                        spacing="0",
                        align="end",
                    ),
                    spacing="4",
                    align="center",
                ),
            ),
            align="center",
            width="100%",
        ),
        padding_x="1.5em",
        padding_y="0.75em",
        border_bottom=f"1px solid {rx.color('gray', 5)}",
        background_color=rx.color("gray", 1),
        width="100%",
        role="banner",
    )


def sekretess_user_dialog() -> rx.Component:
    return rx.alert_dialog.root(
        rx.alert_dialog.content(
            rx.alert_dialog.title("Sekretessmarkering"),
            rx.alert_dialog.description(SEKRETESS_USER_TEXT),
            rx.flex(
                rx.alert_dialog.action(
                    rx.button(
                        "Jag förstår",
                        on_click=SessionState.accept_sekretess,
                        data_testid="sekretess-user-accept",
                    )
                ),
                justify="end",
                margin_top="1em",
            ),
        ),
        open=SessionState.sekretess_dialog_open,
    )


def page_frame(*children: rx.Component) -> rx.Component:
    return rx.box(
        header(),
        sekretess_user_dialog(),
        rx.box(
            *children,
            padding="1.5em",
            max_width="1400px",
            margin_x="auto",
            width="100%",
            role="main",
        ),
        min_height="100vh",
        background_color=rx.color("gray", 2),
    )


def error_callout(message: rx.Var, testid: str = "error-message") -> rx.Component:
    return alert_callout(message, testid, width="100%")


def message_card(heading: str, *body: rx.Component, max_width: str = "40em") -> rx.Component:
    """A card with a heading and a few lines (error pages, choosing a care unit)."""
    return rx.card(
        rx.vstack(rx.heading(heading, size="5"), *body, spacing="3"), max_width=max_width
    )


def data_table(
    headings: list[str], rows: rx.Var, cells: Callable[[Any], list[Any]], **props: Any
) -> rx.Component:
    """A full-width table: a header row of ``headings``, then one row per item of ``rows``
    with the cells ``cells(item)`` returns (components or vars)."""
    return rx.table.root(
        rx.table.header(rx.table.row(*[rx.table.column_header_cell(h) for h in headings])),
        rx.table.body(
            rx.foreach(rows, lambda item: rx.table.row(*[rx.table.cell(c) for c in cells(item)]))
        ),
        width="100%",
        **props,
    )


def not_logged_in() -> rx.Component:
    return rx.vstack(
        rx.heading("Du är inte inloggad", size="6"),
        rx.text(SessionState.session_error, data_testid="session-error"),
        spacing="3",
    )


def logged_in_frame(*children: rx.Component) -> rx.Component:
    """The page frame around ``children`` when a user is logged in, else "Du är inte inloggad"."""
    return page_frame(rx.cond(SessionState.logged_in, rx.fragment(*children), not_logged_in()))


Content = Callable[[], rx.Component]


def page(
    route: str,
    title: str,
    on_load: Any = None,
    *,
    frame: Callable[..., rx.Component] = page_frame,
) -> Callable[[Content], Content]:
    """Register a page (``rx.page``) at ``route`` with ``title`` and its ``on_load`` events;
    the page function returns its content, which ``frame`` surrounds (the header, the main
    region; ``logged_in_frame`` for a page only a logged-in user sees)."""

    def register(content: Content) -> Content:
        @functools.wraps(content)
        def framed() -> rx.Component:
            return frame(content())

        rx.page(route=route, title=title, on_load=on_load)(framed)
        return framed

    return register
