"""Small pieces the component modules share, each with one look: grey secondary text, the red
error and green notice callouts, a control with its label, the radio options of a form key,
the "Avbryt" button and the chevron button that opens and closes a part."""

from __future__ import annotations

from typing import Any

import reflex as rx

from components.ids import dom_id, testid


def muted(*children: Any, size: str = "1", **props: Any) -> rx.Component:
    """Secondary text: small and grey."""
    return rx.text(*children, size=size, color=rx.color("gray", 11), **props)


def alert_callout(message: rx.Var, testid: str | None = None, **props: Any) -> rx.Component:
    """``message`` in a red callout with the alert role (read out at once)."""
    return rx.callout(
        message,
        icon="triangle_alert",
        color_scheme="red",
        role="alert",
        data_testid=testid,
        **props,
    )


def error_if(message: rx.Var, testid: str | None = None, **props: Any) -> rx.Component:
    """:func:`alert_callout` while ``message`` is not empty."""
    return rx.cond(message != "", alert_callout(message, testid, **props))


def notice_if(message: rx.Var, testid: str, **props: Any) -> rx.Component:
    """``message`` in a green callout while it is not empty (an action went through)."""
    return rx.cond(
        message != "",
        rx.callout(message, icon="check", color_scheme="green", data_testid=testid, **props),
    )


def banner(*children: Any, color_scheme: str, testid: str | None = None) -> rx.Component:
    """A small full-width callout (``rx.callout.text`` and perhaps a button inside)."""
    return rx.callout.root(
        *children, color_scheme=color_scheme, size="1", width="100%", data_testid=testid
    )


def labelled(control: rx.Component, *text: Any, html_for: Any, **props: Any) -> rx.Component:
    """A checkbox or radio item with its text beside it, both in one clickable label."""
    return rx.el.label(control, *text, html_for=html_for, display="flex", gap="0.5em", **props)


def radio_options(
    key: str, options: list[tuple[str, str]], direction: str, gap: str
) -> rx.Component:
    """The items of a radio group for the form key ``key``: one labelled item per
    (code, label), with the ids and data-testids of ``key.code``."""
    return rx.flex(
        *[
            labelled(
                rx.radio_group.item(
                    value=code, id=dom_id(f"{key}.{code}"), data_testid=testid(f"{key}.{code}")
                ),
                rx.text(label, as_="span", size="2"),
                html_for=dom_id(f"{key}.{code}"),
                align_items="center",
            )
            for code, label in options
        ],
        direction=direction,  # type: ignore[arg-type]
        gap=gap,
    )


def cancel_button(on_click: Any, **props: Any) -> rx.Component:
    return rx.button("Avbryt", variant="soft", color_scheme="gray", on_click=on_click, **props)


def disclosure_button(
    label: Any, is_open: rx.Var, on_click: Any, *, icon_size: int = 14, **props: Any
) -> rx.Component:
    """A small button that opens and closes a part, its chevron pointing the way it will go."""
    props.setdefault("variant", "ghost")
    return rx.button(
        label,
        rx.icon(rx.cond(is_open, "chevron-up", "chevron-down"), size=icon_size),
        size="1",
        on_click=on_click,
        aria_expanded=rx.cond(is_open, "true", "false"),
        **props,
    )
