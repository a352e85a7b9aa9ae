"""The pages. Each page function is small and registered with ``components.layout.page``
(route, title, on_load, frame); the parts are in components/, behaviour in state/, rules in
services/."""

from __future__ import annotations

import reflex as rx

from components.certificate_page import (
    action_bar,
    action_button,
    certificate_form,
    certificate_view,
    dialogs,
    status_bar,
)
from components.certificate_parts import missing_list, patient_line, save_indicator, side_panel
from components.collab import notice_bar
from components.layout import data_table, error_callout, logged_in_frame, message_card, page
from components.lists import launched_patient_panel, unit_certificates
from components.pdl_log import pdl_log_view
from services import routes
from state.certificate import CertificateState as C
from state.diagnosis import DiagnosisState
from state.lists import LaunchedPatientState, UnitListState
from state.pdl_log import PdlLogState
from state.questions import QuestionState
from state.session import DevLoginState, SessionState


@page(
    routes.INDEX,
    "Webcert",
    [SessionState.load, UnitListState.load, LaunchedPatientState.load],
    frame=logged_in_frame,
)
def index() -> rx.Component:
    return rx.vstack(launched_patient_panel(), unit_certificates(), spacing="4", width="100%")


@page(routes.DEV_LOGIN_PAGE, "Webcert – testinloggning", DevLoginState.load)
def dev_login_page() -> rx.Component:
    return rx.vstack(
        rx.heading("Testinloggning", size="6"),
        rx.text(
            "Välj en testanvändare ur HSA-simulatorn. I drift loggar man in via journalsystemet."
        ),
        rx.cond(DevLoginState.error != "", error_callout(DevLoginState.error)),
        data_table(
            ["Användare", "Roll", "Vårdenhet"],
            DevLoginState.users,
            lambda u: [
                # /dev/login is a backend route: reloadDocument makes the router link do a
                # full navigation instead of a client-side one.
                rx.link(
                    u["name"],
                    href=u["href"],
                    data_testid=u["testid"],
                    custom_attrs={"reloadDocument": True},
                ),
                u["role"],
                u["unit"],
            ],
        ),
        spacing="4",
        width="100%",
    )


@page(routes.CHOOSE_UNIT, "Webcert – välj vårdenhet", SessionState.load, frame=logged_in_frame)
def choose_unit_page() -> rx.Component:
    return message_card(
        "Välj vårdenhet",
        rx.text("Du har uppdrag på flera vårdenheter. Välj den du vill logga in på."),
        rx.cond(SessionState.session_error != "", error_callout(SessionState.session_error)),
        rx.foreach(
            SessionState.units,
            lambda u: rx.button(
                u["name"],
                on_click=SessionState.choose_unit(u["id"]),
                variant="soft",
                width="100%",
                data_testid="choose-unit-" + u["id"],
            ),
        ),
        max_width="32em",
    )


@page(
    routes.CERTIFICATE,
    "Webcert – intyg",
    [SessionState.load, C.load, DiagnosisState.load, QuestionState.load],
)
def certificate_page() -> rx.Component:
    return rx.cond(
        C.loading,
        rx.center(rx.spinner(size="3"), padding="3em", data_testid="loading"),
        rx.cond(
            C.page_error != "",
            error_callout(C.page_error, "page-error"),
            rx.vstack(
                status_bar(),
                notice_bar(),
                rx.hstack(
                    rx.vstack(
                        rx.heading(C.cert_name, size="6", data_testid="certificate-title"),
                        rx.text(C.form_id, size="1", color=rx.color("gray", 11)),
                        patient_line(),
                        spacing="1",
                    ),
                    rx.spacer(),
                    rx.badge(C.status_label, size="2", data_testid="certificate-status"),
                    save_indicator(),
                    width="100%",
                    align="center",
                ),
                action_bar(),
                dialogs(),
                rx.flex(
                    rx.vstack(
                        rx.box(C.announcement, role="status", class_name="sr-only"),
                        missing_list(),
                        rx.cond(C.editable, certificate_form(), certificate_view()),
                        rx.cond(
                            C.editable,
                            rx.hstack(
                                action_button(
                                    rx.cond(
                                        C.signs_and_sends,
                                        "Signera och skicka",
                                        "Signera intyget",
                                    ),
                                    "SIGN",
                                    C.sign,
                                    "action-sign-bottom",
                                ),
                                action_button(
                                    "Markera klart för signering",
                                    "MARK_READY",
                                    C.mark_ready,
                                    "action-mark-ready-bottom",
                                ),
                            ),
                        ),
                        spacing="4",
                        flex="3",
                        min_width="0",
                    ),
                    rx.box(
                        side_panel(),
                        flex="2",
                        min_width="320px",
                        position="sticky",
                        top="4em",  # below the sticky notices (components/collab.py)
                        align_self="flex-start",
                    ),
                    gap="1.5em",
                    width="100%",
                    direction=rx.breakpoints(initial="column", md="row"),
                ),
                spacing="4",
                width="100%",
            ),
        ),
    )


def error_texts() -> dict[str, str]:
    """Error page texts by URL code: the services' own Swedish messages, written once."""
    from services import identity, personnummer, smart  # noqa: F401  (register error classes)
    from services.errors import messages_by_code

    return {routes.error_slug(code): text for code, text in messages_by_code().items()}


@page(routes.ERROR, "Webcert – fel")
def error_page() -> rx.Component:
    return message_card(
        "Det gick inte att öppna Webcert",
        rx.match(
            rx.State.kod,  # type: ignore[attr-defined]
            *[(k, rx.text(v, data_testid="error-text")) for k, v in error_texts().items()],
            rx.text(
                "Ett fel uppstod. Öppna intyget på nytt från journalsystemet.",
                data_testid="error-text",
            ),
        ),
    )


@page(routes.NOT_FOUND, "Webcert – sidan finns inte")
def not_found_page() -> rx.Component:
    """An unknown address: a Swedish page instead of Reflex's "404: Page not found"."""
    return message_card(
        "Sidan finns inte",
        rx.text(
            "Adressen leder inte till någon sida i Webcert. Öppna intyget på nytt från "
            "journalsystemet.",
            data_testid="not-found-text",
        ),
    )


@page(
    routes.PDL_LOG,
    "Webcert – PDL-logg",
    [SessionState.load, PdlLogState.load],
    frame=logged_in_frame,
)
def pdl_log_page() -> rx.Component:
    return pdl_log_view()
