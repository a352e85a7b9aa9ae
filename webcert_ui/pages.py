"""The pages. Each page function is small; behaviour lives in state/, rules in services/."""

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
from components.collab import notice_bar
from components.fmb import fmb_panel
from components.layout import error_callout, page_frame
from components.pdl_log import pdl_log_view
from components.questions import question_panel
from services import routes
from state.certificate import CertificateState as C
from state.diagnosis import DiagnosisState
from state.editor_parts import SaveStatusState as SaveStatus
from state.lists import LaunchedPatientState, UnitListState
from state.pdl_log import PdlLogState
from state.questions import QuestionState
from state.session import DevLoginState, SessionState


def not_logged_in() -> rx.Component:
    return rx.vstack(
        rx.heading("Du är inte inloggad", size="6"),
        rx.text(SessionState.session_error, data_testid="session-error"),
        spacing="3",
    )


def launched_patient_panel() -> rx.Component:
    """After a SMART launch: the patient's certificates on the unit, and new ones (issue 21)."""
    return rx.cond(
        LaunchedPatientState.patient != "",
        rx.vstack(
            rx.heading("Patient från journalsystemet: ", LaunchedPatientState.patient, size="5"),
            rx.cond(LaunchedPatientState.error != "", error_callout(LaunchedPatientState.error)),
            rx.cond(
                LaunchedPatientState.rows.length() > 0,  # type: ignore[attr-defined]
                rx.vstack(
                    rx.foreach(
                        LaunchedPatientState.rows,
                        lambda r: rx.hstack(
                            rx.link(r["name"], href=r["href"]),
                            rx.text(r["status"]),
                            rx.text(r["updated"], color=rx.color("gray", 11)),
                            spacing="3",
                        ),
                    ),
                    data_testid="patient-certificates",
                ),
                rx.text("Patienten har inga intyg på vårdenheten.", data_testid="patient-no-certs"),
            ),
            rx.text("Skapa intyg:", weight="bold"),
            rx.flex(
                rx.foreach(
                    LaunchedPatientState.types,
                    lambda t: rx.button(
                        t["label"],
                        variant="outline",
                        on_click=LaunchedPatientState.create(t["type"]),
                        data_testid="create-" + t["type"],
                    ),
                ),
                wrap="wrap",
                gap="2",
            ),
            spacing="3",
            width="100%",
            data_testid="launched-patient",
        ),
    )


@rx.page(
    route=routes.INDEX,
    title="Webcert",
    on_load=[SessionState.load, UnitListState.load, LaunchedPatientState.load],
)
def index() -> rx.Component:
    return page_frame(
        rx.cond(
            SessionState.logged_in,
            rx.vstack(
                launched_patient_panel(),
                rx.heading("Intyg på vårdenheten", size="6"),
                rx.cond(UnitListState.error != "", error_callout(UnitListState.error)),
                rx.table.root(
                    rx.table.header(
                        rx.table.row(
                            rx.table.column_header_cell("Intyg"),
                            rx.table.column_header_cell("Patient"),
                            rx.table.column_header_cell("Status"),
                            rx.table.column_header_cell("Senast sparat"),
                        )
                    ),
                    rx.table.body(
                        rx.foreach(
                            UnitListState.rows,
                            lambda r: rx.table.row(
                                rx.table.cell(rx.link(r["name"], href=r["href"])),
                                rx.table.cell(r["patient"]),
                                rx.table.cell(r["status"]),
                                rx.table.cell(r["updated"]),
                            ),
                        )
                    ),
                    width="100%",
                    data_testid="unit-certificates",
                ),
                spacing="4",
                width="100%",
            ),
            not_logged_in(),
        )
    )


@rx.page(route=routes.DEV_LOGIN_PAGE, title="Webcert – testinloggning", on_load=DevLoginState.load)
def dev_login_page() -> rx.Component:
    return page_frame(
        rx.vstack(
            rx.heading("Testinloggning", size="6"),
            rx.text(
                "Välj en testanvändare ur HSA-simulatorn. I drift loggar man in via "
                "journalsystemet."
            ),
            rx.cond(DevLoginState.error != "", error_callout(DevLoginState.error)),
            rx.table.root(
                rx.table.header(
                    rx.table.row(
                        rx.table.column_header_cell("Användare"),
                        rx.table.column_header_cell("Roll"),
                        rx.table.column_header_cell("Vårdenhet"),
                    )
                ),
                rx.table.body(
                    rx.foreach(
                        DevLoginState.users,
                        lambda u: rx.table.row(
                            rx.table.cell(
                                # /dev/login is a backend route: reloadDocument makes the router
                                # link do a full navigation instead of a client-side one.
                                rx.link(
                                    u["name"],
                                    href=u["href"],
                                    data_testid=u["testid"],
                                    custom_attrs={"reloadDocument": True},
                                )
                            ),
                            rx.table.cell(u["role"]),
                            rx.table.cell(u["unit"]),
                        ),
                    )
                ),
                width="100%",
            ),
            spacing="4",
            width="100%",
        )
    )


@rx.page(route=routes.CHOOSE_UNIT, title="Webcert – välj vårdenhet", on_load=SessionState.load)
def choose_unit_page() -> rx.Component:
    return page_frame(
        rx.cond(
            SessionState.logged_in,
            rx.card(
                rx.vstack(
                    rx.heading("Välj vårdenhet", size="5"),
                    rx.text("Du har uppdrag på flera vårdenheter. Välj den du vill logga in på."),
                    rx.cond(
                        SessionState.session_error != "", error_callout(SessionState.session_error)
                    ),
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
                    spacing="3",
                ),
                max_width="32em",
            ),
            not_logged_in(),
        )
    )


def save_indicator() -> rx.Component:
    return rx.match(
        SaveStatus.save_state,
        (
            "saved",
            rx.hstack(
                rx.icon("check", size=16, color=rx.color("green", 10)),
                rx.text(SaveStatus.save_message, size="2"),
                data_testid="save-indicator",
                data_state="saved",
            ),
        ),
        ("saving", rx.text("Sparar…", size="2", data_testid="save-indicator", data_state="saving")),
        (
            "error",
            rx.hstack(
                rx.text(SaveStatus.save_message, size="2", color=rx.color("red", 11)),
                rx.button("Försök igen", size="1", on_click=C.retry_save, data_testid="retry-save"),
                data_testid="save-indicator",
                data_state="error",
                role="alert",
            ),
        ),
        rx.fragment(),
    )


def patient_line() -> rx.Component:
    return rx.hstack(
        rx.text(
            C.patient_name,
            " – ",
            C.patient_pnr,
            weight="bold",
            color=rx.cond(C.patient_sekretess, rx.color("red", 11), rx.color("gray", 12)),
            data_testid="patient-line",
        ),
        rx.cond(
            C.patient_sekretess,
            rx.badge(
                "Sekretessmarkerad uppgift", color_scheme="red", data_testid="patient-sekretess"
            ),
        ),
        rx.cond(
            C.patient_deceased,
            rx.badge("Avliden", color_scheme="gray", data_testid="patient-deceased"),
        ),
        spacing="3",
        align="center",
    )


def missing_list() -> rx.Component:
    return rx.cond(
        C.show_missing & (C.missing_sections.length() > 0),
        rx.callout.root(
            rx.callout.text(
                rx.text("Utkastet saknar uppgifter i följande avsnitt:", weight="bold")
            ),
            rx.foreach(
                C.missing_sections,
                lambda s: rx.cond(
                    s["kind"] == "field",
                    # the field itself (§5.6: "obligatoriska fält som saknar information")
                    rx.link(
                        s["title"],
                        href="#" + s["id"],
                        display="block",
                        padding_left="1.25em",
                        size="2",
                        data_testid="missing-field",
                    ),
                    rx.link(s["title"], href="#s-" + s["id"], display="block", weight="bold"),
                ),
            ),
            color_scheme="amber",
            data_testid="missing-list",
        ),
    )


def side_panel() -> rx.Component:
    """Right of the certificate: Ärendekommunikation, FMB, Tips & Hjälp (§5.3, §5.5, §6)."""
    # Only what applies to the type's recipient (services.rights, services.fmb): a
    # Transportstyrelsen certificate has neither Ärendekommunikation nor FMB.
    return rx.tabs.root(
        rx.tabs.list(
            rx.cond(
                C.has_questions,
                rx.tabs.trigger("Ärendekommunikation", value="fragor", data_testid="tab-questions"),
            ),
            rx.cond(C.has_fmb, rx.tabs.trigger("FMB", value="fmb", data_testid="tab-fmb")),
            rx.tabs.trigger("Tips & Hjälp", value="tips", data_testid="tab-tips"),
        ),
        rx.cond(
            C.has_questions,
            rx.tabs.content(rx.box(question_panel(), padding_y="1em"), value="fragor"),
        ),
        rx.cond(C.has_fmb, rx.tabs.content(rx.box(fmb_panel(), padding_y="1em"), value="fmb")),
        rx.tabs.content(
            rx.box(
                rx.heading(C.cert_name, size="3"),
                rx.text(C.tips, size="2", white_space="pre-line", data_testid="tips-text"),
                padding_y="1em",
            ),
            value="tips",
        ),
        default_value=rx.cond(C.has_questions, "fragor", "tips"),
        width="100%",
    )


@rx.page(
    route=routes.CERTIFICATE,
    title="Webcert – intyg",
    on_load=[SessionState.load, C.load, DiagnosisState.load, QuestionState.load],
)
def certificate_page() -> rx.Component:
    return page_frame(
        rx.cond(
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
    )


def error_texts() -> dict[str, str]:
    """Error page texts by URL code: the services' own Swedish messages, written once."""
    from services import identity, personnummer, smart  # noqa: F401  (register error classes)
    from services.errors import messages_by_code

    return {routes.error_slug(code): text for code, text in messages_by_code().items()}


@rx.page(route=routes.ERROR, title="Webcert – fel")
def error_page() -> rx.Component:
    return page_frame(
        rx.card(
            rx.vstack(
                rx.heading("Det gick inte att öppna Webcert", size="5"),
                rx.match(
                    rx.State.kod,  # type: ignore[attr-defined]
                    *[(k, rx.text(v, data_testid="error-text")) for k, v in error_texts().items()],
                    rx.text(
                        "Ett fel uppstod. Öppna intyget på nytt från journalsystemet.",
                        data_testid="error-text",
                    ),
                ),
                spacing="3",
            ),
            max_width="40em",
        )
    )


@rx.page(route=routes.NOT_FOUND, title="Webcert – sidan finns inte")
def not_found_page() -> rx.Component:
    """An unknown address: a Swedish page instead of Reflex's "404: Page not found"."""
    return page_frame(
        rx.card(
            rx.vstack(
                rx.heading("Sidan finns inte", size="5"),
                rx.text(
                    "Adressen leder inte till någon sida i Webcert. Öppna intyget på nytt från "
                    "journalsystemet.",
                    data_testid="not-found-text",
                ),
                spacing="3",
            ),
            max_width="40em",
        )
    )


@rx.page(
    route=routes.PDL_LOG,
    title="Webcert – PDL-logg",
    on_load=[SessionState.load, PdlLogState.load],
)
def pdl_log_page() -> rx.Component:
    return page_frame(rx.cond(SessionState.logged_in, pdl_log_view(), not_logged_in()))
