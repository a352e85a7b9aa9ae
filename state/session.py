"""The logged-in user as the pages see it. Handlers only call services."""

from __future__ import annotations

import reflex as rx

from services import hsa, identity, rights, routes
from services.errors import WebcertError
from services.settings import get_settings


def current_user(state: rx.State, *, touch: bool = True) -> identity.SessionUser:
    """The session behind this browser (from the HttpOnly cookie on the websocket)."""
    token = identity.token_from_cookie_header(state.router.headers.cookie)
    return identity.get_session(token, touch=touch)


def _next_path(state: rx.State) -> str:
    url = str(state.router.url)
    from urllib.parse import parse_qs, urlparse

    nxt = parse_qs(urlparse(url).query).get("nasta", [routes.INDEX])[0]
    return nxt if nxt.startswith("/") and not nxt.startswith("//") else routes.INDEX


class SessionState(rx.State):
    """Header data: who is logged in, in which role, on which care unit."""

    logged_in: bool = False
    user_name: str = ""
    role_label: str = ""
    unit_name: str = ""
    unit_id: str = ""
    units: list[dict[str, str]] = []
    user_sekretess: bool = False
    sekretess_dialog_open: bool = False
    session_error: str = ""
    may_read_log: bool = False  # PDL-ansvarig: the header links to the PDL log

    def _fill(self, user: identity.SessionUser) -> None:
        self.logged_in = True
        self.user_name = user.name
        self.role_label = user.role_label
        self.unit_name = user.unit.name if user.unit else ""
        self.unit_id = user.unit.hsa_id if user.unit else ""
        self.units = [{"id": u.hsa_id, "name": u.name} for u in user.units]
        self.user_sekretess = user.sekretess
        self.sekretess_dialog_open = user.sekretess and not user.sekretess_accepted
        self.may_read_log = rights.decide_log_reading(user).allowed
        self.session_error = ""

    @rx.event
    def load(self):
        """on_load of every logged-in page."""
        try:
            user = current_user(self)
        except WebcertError as exc:
            self.logged_in = False
            self.session_error = exc.message
            return None
        self._fill(user)
        path = str(self.router.url.path).rstrip("/") or "/"
        if user.unit is None and path != routes.CHOOSE_UNIT:
            return rx.redirect(routes.CHOOSE_UNIT + "?nasta=" + path)
        return None

    @rx.event
    def choose_unit(self, unit_id: str):
        try:
            user = identity.choose_unit(
                identity.token_from_cookie_header(self.router.headers.cookie), str(unit_id)
            )
        except WebcertError as exc:
            self.session_error = exc.message
            return None
        self._fill(user)
        return rx.redirect(_next_path(self))

    @rx.event
    def accept_sekretess(self):
        try:
            self._fill(
                identity.accept_sekretess(
                    identity.token_from_cookie_header(self.router.headers.cookie)
                )
            )
        except WebcertError as exc:
            self.session_error = exc.message
        self.sekretess_dialog_open = False

    @rx.event
    def show_sekretess_info(self):
        self.sekretess_dialog_open = True

    @rx.event
    def close_sekretess_info(self):
        self.sekretess_dialog_open = False


class DevLoginState(rx.State):
    """The dev login page (testability): lists the HSA test users."""

    users: list[dict[str, str]] = []
    error: str = ""

    @rx.event
    async def load(self):
        if not get_settings().testability_enabled:  # dev only: never list HSA staff otherwise
            self.users = []
            self.error = "Testinloggningen är inte påslagen."
            return
        try:
            users = await hsa.list_users()
        except WebcertError as exc:
            self.error = exc.message
            return
        rows = []
        for u in users:
            if u.role is None:
                continue
            for unit in u.units:
                rows.append(
                    {
                        "hsa_id": u.hsa_id,
                        "name": u.full_name,
                        "role": u.role.label,
                        "unit": unit.name,
                        "units": str(len(u.units)),
                        "href": routes.dev_login(u.hsa_id, unit.hsa_id),
                        "testid": f"login-{u.hsa_id}-{unit.hsa_id}",
                    }
                )
            if len(u.units) > 1:
                rows.append(
                    {
                        "hsa_id": u.hsa_id,
                        "name": u.full_name,
                        "role": u.role.label,
                        "unit": "(välj vårdenhet vid inloggning)",
                        "units": str(len(u.units)),
                        "href": routes.dev_login(u.hsa_id),
                        "testid": f"login-{u.hsa_id}",
                    }
                )
        self.users = rows
        self.error = ""
