"""FMB panel (§5.3) — placeholder until the diagnosis/FMB UI lands."""

from __future__ import annotations

import reflex as rx


def fmb_panel() -> rx.Component:
    return rx.text(
        "FMB-information visas när du har valt minst en diagnos.",
        size="2",
        color=rx.color("gray", 11),
        data_testid="fmb-panel",
    )
