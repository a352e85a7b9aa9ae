"""The certificate page: status bar, action buttons, dialogs, read view and side tabs."""

from __future__ import annotations

import reflex as rx

from components.editor import certificate_form, section_card
from components.widgets import banner, cancel_button, error_if, labelled, notice_if
from services.certificates import all_definitions
from services.certificates.base import CertificateDefinition, Section
from services.rights import REVOKE_REASONS
from state.certificate import CertificateState as C
from state.certificate_view import lines_var, shown_var

MINIMAL_INFO = (
    "Det minimala intyget innehåller endast de uppgifter som arbetsgivaren behöver enligt "
    "sjuklönelagen: patientens personnummer, vad intyget är baserat på, sysselsättning (om "
    "nuvarande arbete är ifyllt), nedsättning av arbetsförmågan med perioder, arbetstidens "
    "förläggning, resor, prognos, åtgärder, datum samt intygsutfärdarens och vårdenhetens "
    "uppgifter. Diagnos och medicinska uppgifter ingår inte."
)
SEND_TEXT = (
    "Intyget skickas till {recipient}. Patienten måste ha gett sitt samtycke till att du "
    "skickar intyget."
)
REVOKE_TEXT = (
    "Om du fått ny information om patienten eller av annan anledning behöver korrigera "
    "innehållet i intyget, bör du istället ersätta intyget med ett nytt intyg. Ett intyg kan "
    "makuleras om det innehåller allvarliga fel. Om intyget har skickats elektroniskt till en "
    "mottagare kommer denna att informeras om makuleringen."
)
SEKRETESS_PRINT_TEXT = (
    "Patienten har sekretessmarkering. Hantera utskriften varsamt så att skyddade "
    "personuppgifter inte röjs."
)


def has(action: str) -> rx.Var:
    return C.actions.contains(action)


def busy_button(label: str | rx.Var, testid: str, on_click, **props) -> rx.Component:  # type: ignore[no-untyped-def]
    """A button that starts an action: it spins while the certificate is busy."""
    return rx.button(label, on_click=on_click, loading=C.busy, data_testid=testid, **props)


def action_button(label: str | rx.Var, action: str, on_click, testid: str, **props) -> rx.Component:  # type: ignore[no-untyped-def]
    """``busy_button`` when the certificate offers ``action`` (CertificateState.actions)."""
    return rx.cond(has(action), busy_button(label, testid, on_click, **props))


def action_bar() -> rx.Component:
    return rx.hstack(
        rx.cond(
            C.editable,
            rx.fragment(
                action_button(
                    rx.cond(C.signs_and_sends, "Signera och skicka", "Signera intyget"),
                    "SIGN",
                    C.sign,
                    "action-sign",
                ),
                action_button(
                    "Markera klart för signering", "MARK_READY", C.mark_ready, "action-mark-ready"
                ),
                rx.cond(
                    ~has("SIGN"),
                    rx.button(
                        "Visa vad som saknas",
                        on_click=C.show_what_is_missing,
                        variant="outline",
                        data_testid="show-missing",
                    ),
                ),
            ),
        ),
        action_button(
            "Skicka till " + C.recipient,
            "SEND",
            C.open_dialog("send"),
            "action-send",
        ),
        action_button("Förnya", "RENEW", C.open_dialog("renew"), "action-renew", variant="soft"),
        action_button(
            "Ersätt", "REPLACE", C.open_dialog("replace"), "action-replace", variant="soft"
        ),
        action_button("Kopiera", "COPY", C.open_dialog("copy"), "action-copy", variant="soft"),
        rx.cond(
            has("PRINT"),
            rx.button(
                "Skriv ut",
                on_click=rx.cond(
                    C.minimal_print & ((C.status == "SIGNED") | (C.status == "SENT")),
                    C.open_dialog("print"),
                    C.print_pdf,
                ),
                variant="soft",
                data_testid="action-print",
            ),
        ),
        rx.cond(
            C.editable,
            action_button(
                "Radera",
                "DELETE",
                C.open_dialog("delete"),
                "action-delete",
                variant="soft",
                color_scheme="red",
            ),
        ),
        action_button(
            "Makulera",
            "REVOKE",
            C.open_dialog("revoke"),
            "action-revoke",
            variant="soft",
            color_scheme="red",
        ),
        spacing="2",
        wrap="wrap",
    )


def _dialog(name: str, title: str, body: rx.Component, confirm: rx.Component) -> rx.Component:
    return rx.alert_dialog.root(
        rx.alert_dialog.content(
            rx.alert_dialog.title(title),
            rx.box(body, margin_y="1em"),
            error_if(C.action_error, margin_bottom="1em"),
            rx.flex(
                confirm,
                rx.alert_dialog.cancel(cancel_button(C.close_dialog, data_testid="dialog-cancel")),
                gap="3",
                justify="end",
            ),
            on_escape_key_down=C.close_dialog,
            data_testid="dialog-" + name.replace("_", "-"),
        ),
        open=C.dialog == name,
    )


def _confirm(label: str, testid: str, on_click=C.confirm, **props) -> rx.Component:  # type: ignore[no-untyped-def]
    return busy_button(label, testid, on_click, **props)


def dialogs() -> rx.Component:
    return rx.fragment(
        _dialog(
            "send",
            "Skicka intyget",
            rx.text(
                "Intyget skickas till ",
                C.recipient,
                ". Patienten måste ha gett sitt samtycke till att du skickar intyget.",
            ),
            _confirm("Skicka", "dialog-confirm-send"),
        ),
        _dialog(
            "renew",
            "Förnya intyg",
            rx.text(
                "Förnya intyg kan användas vid förlängning av en sjukskrivning. När ett intyg "
                "förnyas skapas ett nytt intygsutkast med viss information från det ursprungliga "
                "intyget. Uppgifterna om grund för medicinskt underlag, sjukskrivningsperiod och "
                "kontakt följer inte med."
            ),
            _confirm("Förnya", "dialog-confirm-renew"),
        ),
        _dialog(
            "replace",
            "Ersätt intyg",
            rx.text(
                "Ett intyg kan ersättas om det innehåller felaktiga uppgifter eller om ny "
                "information tillkommit. All information följer med till ett nytt utkast. Det "
                "ersatta intyget är fortsatt giltigt men kan endast läsas och skrivas ut."
            ),
            _confirm("Ersätt", "dialog-confirm-replace"),
        ),
        _dialog(
            "replace_existing",
            "Det finns redan ett utkast",
            rx.text(
                "Det finns redan ett påbörjat utkast som ska ersätta det här intyget. Vill du "
                "fortsätta på det utkastet?"
            ),
            _confirm(
                "Fortsätt på utkastet", "dialog-confirm-continue", on_click=C.continue_replacement
            ),
        ),
        _dialog(
            "copy",
            "Kopiera låst utkast",
            rx.text(
                "Ett nytt utkast skapas med samma information som i det låsta utkastet. Det "
                "låsta utkastet finns kvar."
            ),
            _confirm("Kopiera", "dialog-confirm-copy"),
        ),
        _dialog(
            "delete",
            "Radera utkast",
            rx.text("Utkastet och all information i det tas bort. Detta kan inte ångras."),
            _confirm("Radera", "dialog-confirm-delete", color_scheme="red"),
        ),
        _dialog(
            "revoke",
            "Makulera intyg",
            rx.vstack(
                rx.text(REVOKE_TEXT, size="2"),
                rx.text(
                    "Ange för mottagaren varför du makulerar intyget:", weight="bold", size="2"
                ),
                rx.radio_group.root(
                    rx.vstack(
                        *[
                            labelled(
                                rx.radio_group.item(
                                    value=code,
                                    id="revoke-" + code,
                                    data_testid="revoke-reason-" + code,
                                ),
                                rx.text(label + ".", as_="span", size="2"),
                                html_for="revoke-" + code,
                            )
                            for code, label in REVOKE_REASONS.items()
                        ]
                    ),
                    value=C.revoke_reason,
                    on_change=C.set_revoke_reason,
                ),
                rx.el.label("Förtydliga vid behov", html_for="revoke-message", font_size="0.9em"),
                rx.text_area(
                    value=C.revoke_message,
                    on_change=C.set_revoke_message,
                    id="revoke-message",
                    width="100%",
                    data_testid="revoke-message",
                ),
                spacing="2",
            ),
            _confirm(
                "Makulera",
                "dialog-confirm-revoke",
                color_scheme="red",
                disabled=C.revoke_reason == "",
            ),
        ),
        _dialog(
            "print",
            "Skriv ut intyg",
            rx.vstack(
                rx.radio_group.root(
                    rx.hstack(
                        *[
                            labelled(
                                rx.radio_group.item(
                                    value=value, id="print-" + value, data_testid="print-" + value
                                ),
                                label,
                                html_for="print-" + value,
                            )
                            for value, label in (
                                ("full", "Fullständigt intyg"),
                                ("minimal", "Minimalt intyg"),
                            )
                        ],
                        spacing="4",
                    ),
                    value=rx.cond(C.print_minimal, "minimal", "full"),
                    on_change=C.set_print_minimal,
                ),
                rx.cond(
                    C.print_minimal,
                    rx.callout(MINIMAL_INFO, icon="info", size="1", data_testid="minimal-info"),
                ),
                spacing="3",
            ),
            _confirm("Skriv ut", "dialog-confirm-print", on_click=C.print_pdf),
        ),
        _dialog(
            "print_sekretess",
            "Patienten har sekretessmarkering",
            rx.text(SEKRETESS_PRINT_TEXT),
            _confirm("Skriv ut", "dialog-confirm-print-sekretess", on_click=C.print_confirmed),
        ),
    )


def _section_view(cert_type: str, section: Section) -> rx.Component:
    return section_card(
        section,
        *[
            rx.cond(
                shown_var(cert_type, q.id),
                rx.vstack(
                    rx.text(q.label, weight="bold", size="2"),
                    rx.cond(
                        lines_var(cert_type, q.id).contains(q.id)
                        & (lines_var(cert_type, q.id)[q.id].length() > 0),
                        rx.foreach(
                            lines_var(cert_type, q.id)[q.id],
                            lambda line: rx.text(line, size="2", white_space="pre-wrap"),
                        ),
                        rx.text("Ej angivet", size="2", color=rx.color("gray", 10)),
                    ),
                    spacing="1",
                    id="q-" + q.id.replace(".", "-"),
                    scroll_margin_top="11em",  # below the sticky notices (collab.py)
                    data_testid="view-" + q.id.replace("_", "-"),
                ),
            )
            for q in section.questions
        ],
        spacing="3",
    )


def definition_view(definition: CertificateDefinition) -> rx.Component:
    return rx.vstack(
        *[_section_view(definition.type, s) for s in definition.sections], spacing="4", width="100%"
    )


def certificate_view() -> rx.Component:
    return rx.box(
        rx.match(
            C.cert_type,
            *[(d.type, definition_view(d)) for d in all_definitions()],
            rx.text("Okänd intygstyp."),
        ),
        opacity=rx.cond(C.status == "REVOKED", "0.55", "1"),
        width="100%",
    )


def status_bar() -> rx.Component:
    return rx.vstack(
        rx.callout(
            C.status_text,
            icon=rx.cond(C.status == "REVOKED", "ban", "info"),
            color_scheme=rx.cond(
                C.status == "REVOKED", "red", rx.cond(C.status == "LOCKED", "amber", "indigo")
            ),
            size="1",
            width="100%",
            data_testid="status-text",
        ),
        rx.foreach(
            C.relation_links,
            lambda r: banner(
                rx.callout.text(
                    r["text"],
                    " ",
                    rx.link(
                        rx.cond(r["draft"] != "", "Öppna utkastet", "Öppna intyget"),
                        href=r["href"],
                        data_testid="relation-link-" + r["kind"].lower(),
                    ),
                ),
                color_scheme="blue",
                testid="relation-" + r["kind"].lower(),
            ),
        ),
        error_if(C.action_error, "action-error", width="100%"),
        notice_if(C.action_notice, "action-notice", width="100%"),
        width="100%",
        spacing="2",
    )


__all__ = ["action_bar", "certificate_form", "certificate_view", "dialogs", "status_bar"]
