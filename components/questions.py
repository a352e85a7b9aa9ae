"""Ärendekommunikation (§6) — placeholder until the question/answer UI lands."""

from __future__ import annotations

import reflex as rx


def question_panel() -> rx.Component:
    return rx.text(
        "Ärendekommunikation finns när intyget är signerat och skickat till Försäkringskassan.",
        size="2",
        color=rx.color("gray", 11),
        data_testid="question-panel",
    )
