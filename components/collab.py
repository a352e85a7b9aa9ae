"""Live collaboration on a draft (§4.2.2): the priority banner and the presence list.

Everything shown comes from CertificateState, which services.collab and state.live_collab
keep up to date while the page is open.
"""

from __future__ import annotations

import reflex as rx

from components.widgets import alert_callout
from state.certificate import CertificateState as C


def priority_banner() -> rx.Component:
    """Shown to a view that lost priority: who has it, and a way to take it back."""
    return rx.callout.root(
        rx.hstack(
            rx.callout.icon(rx.icon("users")),
            rx.callout.text(
                rx.text.strong(C.holder_name),
                " har nu förtur att färdigställa utkastet. Du kan läsa utkastet men inte ändra "
                "det så länge.",
                data_testid="priority-text",
            ),
            rx.spacer(),
            rx.button(
                "Fortsätt redigera",
                on_click=C.continue_editing,
                size="2",
                data_testid="continue-editing",
            ),
            align="center",
            width="100%",
            wrap="wrap",
            spacing="3",
        ),
        color_scheme="amber",
        width="100%",
        on_mount=C.keep_place,
        data_testid="priority-banner",
    )


def presence_list() -> rx.Component:
    """ "Har utkastet öppet: …": every open view of the draft, the priority holder marked."""
    return rx.hstack(
        rx.icon("eye", size=16, color=rx.color("gray", 11)),
        rx.text("Har utkastet öppet:", size="2", weight="medium"),
        rx.foreach(
            C.viewers,
            lambda v: rx.badge(
                v["name"],
                rx.cond(v["me"] == "true", " (du)", ""),
                rx.cond(v["holder"] == "true", " – förtur", ""),
                color_scheme=rx.cond(v["holder"] == "true", "green", "gray"),
                variant="soft",
                size="2",
                data_testid="presence-viewer",
                data_holder=v["holder"],
            ),
        ),
        spacing="2",
        align="center",
        wrap="wrap",
        data_testid="presence-list",
    )


def pu_outage_notice() -> rx.Component:
    """PU-tjänsten does not answer (§4.10.2): everything on the page is locked."""
    return alert_callout(C.pu_message, "pu-outage", width="100%")


def collab_bar() -> rx.Component:
    """The presence list of a draft, with the priority banner (while another view has
    priority) laid over the page just below it, so that its arrival moves nothing."""
    return rx.cond(
        C.viewers.length() > 0,
        rx.box(
            presence_list(),
            rx.cond(
                ~C.has_priority,
                rx.box(
                    priority_banner(),
                    position="absolute",
                    top="100%",
                    left="0",
                    right="0",
                    padding_top="0.5em",
                    background_color=rx.color("gray", 2),  # the soft callout is see-through
                    box_shadow="0 6px 12px -8px rgba(0, 0, 0, 0.35)",
                ),
            ),
            position="relative",
            width="100%",
        ),
    )


def notice_bar() -> rx.Component:
    """What the user must see wherever they are on the page (§4.2.2, §4.10.2): the PU-tjänsten
    outage, who has the draft open and who has priority. It sticks to the top of the window
    while the page scrolls, and it is a live region, so screen readers announce a change."""
    return rx.box(
        rx.cond(C.pu_down, pu_outage_notice()),
        collab_bar(),
        position="sticky",
        top="0",
        z_index="20",
        width="100%",
        padding_y=rx.cond(C.pu_down | (C.viewers.length() > 0), "0.5em", "0"),
        background_color=rx.color("gray", 2),
        aria_live="polite",
        data_testid="priority-notice-region",
    )
