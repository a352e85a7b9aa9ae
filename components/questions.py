"""Ärendekommunikation (§6): the question panel to the right of the certificate."""

from __future__ import annotations

from typing import Any

import reflex as rx

from components.widgets import (
    alert_callout,
    banner,
    cancel_button,
    error_if,
    labelled,
    muted,
    notice_if,
)
from services.question_handling import Topic
from state.questions import ASK_TOPIC_OPTIONS, NO_MORE_INFO, NO_ONE, ComplementRow, ThreadRow
from state.questions import QuestionState as Q

TEXT_NO_MORE_INFO = "Ingen ytterligare medicinsk information kan anges."
TEXT_NO_ONE = "Ingen på vårdenheten kan ansvara för det medicinska innehållet i intyget."
TEXT_COMPLEMENTED = "Kompletteringsbegäran besvarades med ett nytt intyg"


def _text_box(
    value: rx.Var, on_change: Any, label: str, testid: str, placeholder: str | None = None
) -> rx.Component:
    """A four-row text area the width of the panel (an answer, a question, a message)."""
    return rx.text_area(
        value=value,
        on_change=on_change,
        placeholder=placeholder,
        rows="4",
        width="100%",
        aria_label=label,
        data_testid=testid,
    )


def _send_button(label: str, on_click: Any, disabled: rx.Var, testid: str) -> rx.Component:
    """Sends what was written: disabled until it is complete, spinning while busy."""
    return rx.button(
        label, on_click=on_click, loading=Q.busy, disabled=disabled, data_testid=testid
    )


def _complement_ref(c: ComplementRow) -> rx.Component:
    """The framed field reference: clicking it scrolls the certificate to the question."""
    return rx.box(
        rx.text(c.label, weight="bold", size="2"),
        rx.text(c.text, size="2", white_space="pre-wrap"),
        muted("Klicka för att visa frågan i intyget"),
        border=f"2px solid {rx.color('amber', 9)}",
        background=rx.color("amber", 2),
        border_radius="6px",
        padding="0.5em",
        cursor="pointer",
        width="100%",
        role="button",
        on_click=Q.show_field(c.question_id),
        data_testid="complement-ref-" + c.question_id,
    )


def _answer_form(t: ThreadRow) -> rx.Component:
    return rx.cond(
        Q.answering_id == t.id,
        rx.vstack(
            _text_box(
                Q.answer_text, Q.set_answer_text, "Svar", "answer-text", "Skriv ditt svar här"
            ),
            muted("Svaret sparas automatiskt."),
            rx.hstack(
                _send_button("Skicka", Q.send_answer, Q.answer_text.strip() == "", "answer-send"),
                cancel_button(Q.cancel_answer),
            ),
            width="100%",
            spacing="2",
        ),
        rx.button(
            "Svara",
            variant="soft",
            size="1",
            on_click=Q.start_answer(t.id),
            data_testid="answer-" + t.id,
        ),
    )


def thread_card(t: ThreadRow) -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.hstack(
                rx.badge(
                    t.topic_label,
                    color_scheme=rx.cond(t.topic == Topic.KOMPLT.value, "amber", "blue"),
                    data_testid="thread-topic",
                ),
                rx.text(t.sender, size="2", weight="bold"),
                rx.spacer(),
                muted(t.sent_at),
                width="100%",
                align="center",
            ),
            rx.cond(t.subject != "", rx.text(t.subject, weight="bold", size="2")),
            rx.text(t.message, size="2", white_space="pre-wrap", data_testid="thread-message"),
            rx.cond(
                t.reminder_of_label != "",
                muted("Påminnelse om frågan: " + t.reminder_of_label),
            ),
            rx.foreach(t.complements, _complement_ref),
            rx.cond(
                t.answer != "",
                rx.box(
                    muted("Svar från " + t.answered_by + " " + t.answered_at),
                    rx.text(t.answer, size="2", white_space="pre-wrap"),
                    background=rx.color("gray", 3),
                    padding="0.5em",
                    border_radius="6px",
                    width="100%",
                    data_testid="thread-answer",
                ),
            ),
            rx.cond(
                t.answered_with_href != "",
                rx.text(
                    TEXT_COMPLEMENTED + ". ",
                    rx.link("Öppna intyget", href=t.answered_with_href),
                    size="2",
                    data_testid="thread-complemented",
                ),
            ),
            rx.cond(t.can_answer, _answer_form(t)),
            rx.hstack(
                rx.cond(
                    t.can_mark_handled,
                    rx.checkbox(
                        "Hanterad",
                        checked=t.handled,
                        on_change=lambda c: Q.set_handled(t.id, c),
                        data_testid="handled-" + t.id,
                    ),
                    rx.cond(t.handled, rx.badge("Hanterad", color_scheme="gray")),
                ),
                rx.spacer(),
                rx.cond(t.handled_at != "", muted("Hanterad " + t.handled_at)),
                width="100%",
                align="center",
            ),
            spacing="2",
            width="100%",
        ),
        width="100%",
        opacity=rx.cond(t.handled, "0.75", "1"),
        border_left=rx.cond(
            t.handled, f"4px solid {rx.color('gray', 6)}", f"4px solid {rx.color('accent', 9)}"
        ),
        data_testid="thread-" + t.id,
        data_topic=t.topic,
        data_handled=rx.cond(t.handled, "true", "false"),
        class_name="question-thread",
    )


def _cannot_dialog() -> rx.Component:
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title("Kan ej komplettera"),
            rx.vstack(
                rx.text("Ange varför du inte kan komplettera med ett nytt intyg:"),
                rx.radio_group.root(
                    rx.vstack(
                        labelled(
                            rx.radio_group.item(
                                value=NO_MORE_INFO,
                                id="cannot-b",
                                # §6.3.1 B: only läkare/tandläkare (services.rights says who)
                                disabled=~Q.can_no_more_info,
                                aria_describedby=rx.cond(
                                    Q.no_more_info_refusal != "", "cannot-b-reason", ""
                                ),
                                data_testid="cannot-b",
                            ),
                            TEXT_NO_MORE_INFO,
                            html_for="cannot-b",
                            color=rx.cond(Q.can_no_more_info, "inherit", rx.color("gray", 10)),
                        ),
                        rx.cond(
                            Q.no_more_info_refusal != "",
                            muted(
                                Q.no_more_info_refusal,
                                padding_left="1.6em",
                                id="cannot-b-reason",
                                data_testid="cannot-b-reason",
                            ),
                        ),
                        labelled(
                            rx.radio_group.item(
                                value=NO_ONE, id="cannot-c", data_testid="cannot-c"
                            ),
                            TEXT_NO_ONE,
                            html_for="cannot-c",
                        ),
                        spacing="2",
                    ),
                    value=Q.cannot_choice,
                    on_change=Q.set_cannot_choice,
                    aria_label="Ange varför du inte kan komplettera med ett nytt intyg",
                ),
                rx.cond(
                    Q.cannot_choice != "",
                    rx.vstack(
                        rx.text(
                            rx.cond(
                                Q.cannot_choice == NO_MORE_INFO,
                                "Kommentera varför du inte kan ange ytterligare medicinsk "
                                "information. Kommentaren hamnar under Övriga upplysningar i "
                                "ett nytt intygsutkast.",
                                "Ange varför det inte är möjligt att svara på "
                                "kompletteringsbegäran med ett nytt intyg.",
                            ),
                            size="2",
                        ),
                        _text_box(Q.cannot_text, Q.set_cannot_text, "Meddelande", "cannot-text"),
                        width="100%",
                    ),
                ),
                error_if(Q.q_error, "cannot-error"),
                rx.hstack(
                    _send_button(
                        "Skicka svar",
                        Q.send_cannot,
                        (Q.cannot_choice == "") | (Q.cannot_text.strip() == ""),
                        "cannot-send",
                    ),
                    cancel_button(Q.close_cannot),
                    justify="end",
                    width="100%",
                ),
                spacing="3",
            ),
            data_testid="cannot-dialog",
        ),
        open=Q.cannot_open,
        on_open_change=lambda _o: Q.close_cannot(),
    )


def _complement_actions() -> rx.Component:
    return rx.vstack(
        rx.cond(
            Q.complements_href != "",
            banner(
                rx.callout.text(
                    "Utkastet kompletterar ett intyg. Försäkringskassan har begärt komplettering "
                    "enligt nedan; frågorna är inramade i utkastet. ",
                    rx.link("Visa det ursprungliga intyget", href=Q.complements_href),
                ),
                color_scheme="amber",
                testid="complement-draft-request",
            ),
        ),
        rx.cond(
            Q.complemented_by_href != "",
            banner(
                rx.callout.text(
                    TEXT_COMPLEMENTED + ". ",
                    rx.link(
                        "Öppna intyget",
                        href=Q.complemented_by_href,
                        data_testid="complemented-link",
                    ),
                ),
                color_scheme="blue",
                testid="complemented-by",
            ),
        ),
        rx.cond(
            Q.open_complement_draft_href != "",
            banner(
                rx.callout.text("Det finns ett påbörjat utkast som svarar på kompletteringen."),
                rx.button(
                    "Öppna utkastet",
                    size="1",
                    on_click=Q.open_complement_draft,
                    data_testid="open-complement-draft",
                ),
                color_scheme="amber",
            ),
            rx.hstack(
                rx.cond(
                    Q.can_complement,
                    rx.button(
                        "Komplettera intyg",
                        on_click=Q.complement,
                        loading=Q.busy,
                        data_testid="complement",
                    ),
                ),
                rx.cond(
                    Q.can_cannot_complement,
                    rx.button(
                        "Kan ej komplettera",
                        variant="outline",
                        on_click=Q.open_cannot,
                        data_testid="cannot-complement",
                    ),
                ),
                wrap="wrap",
            ),
        ),
        width="100%",
        spacing="2",
    )


def _ask_form() -> rx.Component:
    return rx.vstack(
        rx.button(
            "Administrativa frågor",
            variant=rx.cond(Q.ask_open, "solid", "outline"),
            on_click=Q.toggle_ask,
            data_testid="ask-toggle",
        ),
        rx.cond(
            Q.ask_open,
            rx.vstack(
                rx.text("Ny fråga till Försäkringskassan", weight="bold", size="2"),
                rx.select.root(
                    rx.select.trigger(
                        placeholder="Välj ämne", aria_label="Ämne", data_testid="ask-topic"
                    ),
                    rx.select.content(
                        *[
                            rx.select.item(
                                o["label"], value=o["value"], data_testid="ask-topic-" + o["value"]
                            )
                            for o in ASK_TOPIC_OPTIONS
                        ]
                    ),
                    value=Q.ask_topic,
                    on_change=Q.set_ask_topic,
                ),
                _text_box(Q.ask_text, Q.set_ask_text, "Fråga", "ask-text", "Skriv din fråga här"),
                muted("Frågan sparas automatiskt."),
                _send_button(
                    "Skicka",
                    Q.send_question,
                    (Q.ask_topic == "") | (Q.ask_text.strip() == ""),
                    "ask-send",
                ),
                width="100%",
                spacing="2",
            ),
        ),
        width="100%",
        spacing="2",
    )


def _thread_tab(
    value: str, top: rx.Component, threads: rx.Var, empty: str, empty_testid: str
) -> rx.Component:
    """A tab of the panel: ``top`` (actions or the form), then its threads, or ``empty``."""
    return rx.tabs.content(
        rx.vstack(
            top,
            rx.foreach(threads, thread_card),
            rx.cond(threads.length() == 0, muted(empty, data_testid=empty_testid)),
            spacing="3",
            padding_top="0.75em",
            width="100%",
        ),
        value=value,
    )


def question_panel() -> rx.Component:
    return rx.box(
        rx.el.style(Q.frame_css),
        rx.cond(
            (Q.q_error != "") & ~Q.cannot_open,  # the dialog shows its own errors
            alert_callout(
                Q.q_error, "questions-error", size="1", width="100%", margin_bottom="0.5em"
            ),
        ),
        notice_if(Q.q_notice, "questions-notice", size="1", width="100%", margin_bottom="0.5em"),
        rx.cond(
            ~Q.q_loaded,
            rx.cond(Q.q_error == "", rx.center(rx.spinner(), padding="1em")),
            rx.cond(
                Q.available,
                rx.tabs.root(
                    rx.tabs.list(
                        rx.tabs.trigger(
                            "Kompletteringsbegäran",
                            value="komplt",
                            data_testid="questions-tab-komplt",
                        ),
                        rx.tabs.trigger(
                            "Administrativa frågor",
                            value="admin",
                            data_testid="questions-tab-admin",
                        ),
                        size="1",
                    ),
                    _thread_tab(
                        "komplt",
                        _complement_actions(),
                        Q.complement_threads,
                        "Det finns ingen kompletteringsbegäran.",
                        "no-complement",
                    ),
                    _thread_tab(
                        "admin",
                        rx.cond(Q.allowed, _ask_form()),
                        Q.admin_threads,
                        "Det finns inga administrativa frågor.",
                        "no-admin",
                    ),
                    value=Q.q_tab,
                    on_change=Q.set_tab,
                    width="100%",
                ),
                muted(Q.unavailable_text),
            ),
        ),
        _cannot_dialog(),
        width="100%",
        data_testid="question-panel",
        data_unhandled=Q.unhandled.to_string(),
    )
