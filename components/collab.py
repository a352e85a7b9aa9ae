"""Live collaboration on a draft (§4.2.2): the priority banner and the presence list.

Everything shown comes from CertificateState, which services.collab and state.live_collab
keep up to date while the page is open.
"""

from __future__ import annotations

import reflex as rx

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
        role="status",
        width="100%",
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
        aria_live="polite",
        data_testid="presence-list",
    )


def collab_bar() -> rx.Component:
    """The banner (while another view has priority) and the presence list of a draft."""
    return rx.cond(
        C.viewers.length() > 0,
        rx.vstack(
            rx.cond(~C.has_priority, priority_banner()),
            presence_list(),
            spacing="2",
            width="100%",
        ),
    )
