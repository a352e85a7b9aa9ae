"""The read-only rendering of the open certificate (a signed certificate, or a draft while
another view has priority, §4.2.2).

Section *i* of the certificate reads ``SECTION_VIEWS[i]`` (``shown``: which questions are
shown, ``lines``: their display lines), one small substate per section (see state.sections).
:class:`CertificateViewState` keeps what they show, so that a live push from the priority
holder (state.live_collab) loads and changes only the sections it touched: the receiving tab
re-renders only those, and with several workers only those small states travel through
Redis.
"""

from __future__ import annotations

from typing import Any

import reflex as rx

from services.certificates import get_definition
from services.certificates.formatting import format_answer
from state import runtime
from state.sections import Parts, publish, section_index, section_states, split

SECTION_VIEWS = section_states(
    "SectionView",
    __name__,
    {"shown": dict[str, bool], "lines": dict[str, list[str]]},
    "What section {index} of the read-only certificate shows.",
)


def rendering(cert_type: str, content: dict[str, Any]) -> Parts:
    """Per section: which questions are shown and their display lines (computed once per
    change, for every receiving view)."""
    questions = get_definition(cert_type).questions()
    shown = split(cert_type, {q.id: bool(q.visible(content)) for q in questions})
    lines = split(
        cert_type, {q.id: format_answer(q, content.get(q.id), content) for q in questions}
    )
    return [{"shown": s, "lines": ls} for s, ls in zip(shown, lines, strict=True)]


def shown_var(cert_type: str, question_id: str) -> Any:
    return SECTION_VIEWS[section_index(cert_type)[question_id]].shown[question_id]


def lines_var(cert_type: str, question_id: str) -> Any:
    return SECTION_VIEWS[section_index(cert_type)[question_id]].lines


class CertificateViewState(rx.State):
    """Which certificate the read-only view shows, and what (no var of its own is rendered)."""

    _cert_id: str = ""
    _last_push: int = 0  # stamp of the newest change pushed from the priority holder
    _published: Parts = []

    async def _show(self, cert_id: str, cert_type: str, content: dict[str, Any]) -> None:
        """Show ``content`` (opening the certificate, or this view just lost priority)."""
        if cert_id != self._cert_id:
            self._last_push = 0
            self._published = []
        self._cert_id = cert_id
        self._published = await publish(
            self, SECTION_VIEWS, self._published, rendering(cert_type, content)
        )

    async def _pushed(self, parts: Parts, stamp: int) -> None:
        """Pushed by state.live_collab when the holder changed the draft this tab shows."""
        if stamp and stamp <= self._last_push:  # an older push arriving late
            return
        self._last_push = stamp
        self._published = await publish(self, SECTION_VIEWS, self._published, parts)


async def show(state: rx.State, cert_id: str, cert_type: str, content: dict[str, Any]) -> None:
    """Show ``content`` read-only in ``state``'s tab (opening the certificate, or the tab just
    lost priority)."""
    await (await state.get_state(CertificateViewState))._show(cert_id, cert_type, content)


async def receive_push(client_token: str, cert_id: str, parts: Parts, stamp: int) -> bool:
    """The priority holder changed the draft (pushed by state.live_collab): the tab's
    read-only view shows ``parts``. False when the tab no longer shows the draft."""
    async with runtime.modify(client_token, CertificateViewState) as view:
        if not runtime.tab_shows(view, view._cert_id, cert_id):
            return False
        await view._pushed(parts, stamp)
        return True
