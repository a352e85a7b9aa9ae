"""The PDL log page: filters, server-side paging, links to the CSV export and the loggutdrag.

Handlers trust nothing they are sent: services.pdl_log validates the filter, checks the
log-reading right against the session and logs every read."""

from __future__ import annotations

import asyncio

import reflex as rx

from services import pdl_log, routes
from services.errors import InvalidInput, WebcertError
from state.session import current_user

FIELDS = ("patient", "user", "action", "date_from", "date_to")


class PdlLogState(rx.State):
    patient: str = ""
    user: str = ""
    action: str = ""
    date_from: str = ""
    date_to: str = ""
    page: int = 1
    rows: list[dict[str, str]] = []
    has_next: bool = False
    loaded: bool = False
    allowed: bool = False
    error: str = ""
    error_field: str = ""
    # The filter the shown rows were read with (the export uses exactly that one).
    export_href: str = ""
    extract_href: str = ""

    def _filters(self) -> dict[str, str]:
        return {name: getattr(self, name) for name in FIELDS}

    async def _fetch(self, page: int) -> None:
        try:
            user = await asyncio.to_thread(current_user, self)
            flt = pdl_log.LogFilter.parse(**self._filters())
            result = await asyncio.to_thread(pdl_log.read_page, user, flt, page=page)
        except InvalidInput as exc:
            self.error = exc.message
            self.error_field = getattr(exc, "field", "") or ""
            return
        except WebcertError as exc:
            self.error = exc.message
            self.error_field = ""
            self.allowed = False
            self.rows = []
            self.loaded = True
            return
        self.allowed = True
        self.loaded = True
        self.error = ""
        self.error_field = ""
        self.rows = result.rows
        self.page = result.page
        self.has_next = result.has_next
        self.export_href = routes.pdl_log_csv(**self._filters())
        self.extract_href = routes.pdl_log_extract(flt.patient_id) if flt.patient_id else ""

    async def _unfiltered(self) -> None:
        """No filter: the newest records of the care provider (or why the user may not read)."""
        for name in FIELDS:
            setattr(self, name, "")
        await self._fetch(1)

    @rx.event
    async def load(self):
        """on_load: the first page, unfiltered."""
        await self._unfiltered()

    @rx.event
    async def search(self, form_data: dict):
        """Apply the filter form (what the browser sends is checked by the service)."""
        data = form_data if isinstance(form_data, dict) else {}
        for name in FIELDS:
            value = data.get(name, "")
            setattr(self, name, value.strip()[:200] if isinstance(value, str) else "")
        if self.action == "ALLA":
            self.action = ""
        await self._fetch(1)

    @rx.event
    async def clear(self):
        """ "Rensa": the filter emptied, the first page again."""
        await self._unfiltered()

    @rx.event
    async def next_page(self):
        if self.has_next:
            await self._fetch(self.page + 1)

    @rx.event
    async def previous_page(self):
        if self.page > 1:
            await self._fetch(self.page - 1)
