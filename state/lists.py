"""Lists on the start page."""

from __future__ import annotations

import reflex as rx

from services import lifecycle, routes
from services.errors import WebcertError
from state.session import current_user


def _linked(rows: list[dict[str, str]]) -> list[dict[str, str]]:
    """The listed certificates with the link to each one's page."""
    return [{**r, "href": routes.certificate(r["id"])} for r in rows]


class UnitListState(rx.State):
    rows: list[dict[str, str]] = []
    error: str = ""

    @rx.event
    def load(self):
        try:
            self.rows = _linked(lifecycle.list_for_unit(current_user(self)))
            self.error = ""
        except WebcertError as exc:
            self.rows = []
            self.error = exc.message


class LaunchedPatientState(rx.State):
    """A SMART launch's patient on the start page: their certificates on the unit and the
    types the user's role may create (issue 21). The patient comes from the server session."""

    patient: str = ""
    rows: list[dict[str, str]] = []
    types: list[dict[str, str]] = []
    error: str = ""

    @rx.event
    def load(self):
        from services import smart

        try:
            overview = smart.patient_overview(current_user(self))
        except WebcertError as exc:
            self.patient, self.rows, self.types, self.error = "", [], [], exc.message
            return
        self.patient = overview["patient"]
        self.rows = _linked(overview["rows"])
        self.types = overview["types"]
        self.error = ""

    @rx.event
    async def create(self, cert_type: str):
        from services import smart

        try:
            cert_id = await smart.create_for_launched_patient(current_user(self), cert_type)
        except WebcertError as exc:
            self.error = exc.message
            return
        return rx.redirect(routes.certificate(cert_id))
