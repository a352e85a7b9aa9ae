"""Lists on the start page."""

from __future__ import annotations

import reflex as rx

from services import lifecycle
from services.errors import WebcertError
from state.session import current_user


class UnitListState(rx.State):
    rows: list[dict[str, str]] = []
    error: str = ""

    @rx.event
    def load(self):
        try:
            self.rows = lifecycle.list_for_unit(current_user(self))
            self.error = ""
        except WebcertError as exc:
            self.rows = []
            self.error = exc.message
