"""Ärendekommunikation (§6): the question panel to the right of the certificate.

Handlers are public endpoints: they trust no argument and decide nothing; every rule is in
services.questions. The certificate page registers its tab in services.presence, so that
messages arriving from Försäkringskassan are pushed here live (:func:`schedule_refresh`,
through state.runtime).
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from typing import Any

import reflex as rx

from services import identity, presence, questions, routes
from services.question_handling import Topic
from state import runtime
from state.handlers import error_message, guarded
from state.session import current_user

log = logging.getLogger(__name__)
GENERIC_ERROR = "Ett tekniskt fel uppstod. Försök igen om en stund."
NO_MORE_INFO, NO_ONE = "NO_MORE_INFO", "NO_ONE"
ASK_TOPIC_OPTIONS = [{"value": t.value, "label": t.label} for t in questions.ASK_TOPICS]


@dataclasses.dataclass
class ComplementRow:
    question_id: str = ""
    label: str = ""
    section_title: str = ""
    ref: str = ""
    text: str = ""
    dom_id: str = ""


@dataclasses.dataclass
class ThreadRow:
    id: str = ""
    topic: str = ""
    topic_label: str = ""
    direction: str = ""
    sender: str = ""
    subject: str = ""
    message: str = ""
    sent_at: str = ""
    answer: str = ""
    answered_at: str = ""
    answered_by: str = ""
    handled: bool = False
    handled_at: str = ""
    reminder_of_label: str = ""
    answered_with_href: str = ""
    can_answer: bool = False
    can_mark_handled: bool = False
    complements: list[ComplementRow] = dataclasses.field(default_factory=list)


def _href(certificate_id: str | None) -> str:
    """The certificate page of ``certificate_id``; "" for none (no link shown)."""
    return routes.certificate(certificate_id) if certificate_id else ""


def _row(v: questions.ThreadView) -> ThreadRow:
    return ThreadRow(
        id=v.id,
        topic=v.topic,
        topic_label=v.topic_label,
        direction=v.direction,
        sender=v.sender,
        subject=v.subject,
        message=v.message,
        sent_at=v.sent_at,
        answer=v.answer,
        answered_at=v.answered_at,
        answered_by=v.answered_by,
        handled=v.handled,
        handled_at=v.handled_at,
        reminder_of_label=v.reminder_of_label,
        answered_with_href=_href(v.answered_with_certificate_id),
        can_answer=v.can_answer,
        can_mark_handled=v.can_mark_handled,
        complements=[
            ComplementRow(
                question_id=c.question_id,
                label=c.label,
                section_title=c.section_title,
                ref=c.ref,
                text=c.text,
                dom_id=c.dom_id,
            )
            for c in v.complements
        ],
    )


def _css_string(text: str) -> str:
    """``text`` as a quoted CSS string (no way out of the string or the style element)."""
    out = []
    for ch in text:
        if ch.isalnum() or ch in " .,:;!?-()åäöÅÄÖéÉ":
            out.append(ch)
        else:
            out.append(f"\\{ord(ch):x} ")
    return '"' + "".join(out) + '"'


def _frame_css(view: questions.QuestionsView) -> str:
    """§6.3.1: "I intyget är frågan som Försäkringskassan begär komplettering om inramad. I
    inramningen finns även Försäkringskassans kompletteringsbegäran beskriven i text." The
    certificate's question blocks carry the element id "q-<question id>"; a style element
    frames them, so the editor needs no hook."""
    texts: dict[str, list[str]] = {}
    for v in view.complement_threads:
        if v.topic != Topic.KOMPLT or v.handled:
            continue
        for c in v.complements:
            if c.dom_id.replace("-", "").replace("_", "").isalnum():
                texts.setdefault(c.dom_id, []).append(c.text)
    rules = []
    for dom_id, items in texts.items():
        label = "Försäkringskassan: " + " / ".join(t for t in items if t)
        rules.append(
            f"#{dom_id} {{ outline: 2px solid var(--amber-9); outline-offset: 2px; "
            "border-radius: 6px; align-self: stretch; }\n"
            f"#{dom_id}::before {{ content: {_css_string(label)}; display: block; "
            "background: var(--amber-3); color: var(--amber-12); font-size: 0.85em; "
            "padding: 0.25em 0.5em; border-radius: 4px; white-space: pre-wrap; }"
        )
    return "\n".join(rules)


class QuestionState(rx.State):
    """The Ärendekommunikation tab of the open certificate."""

    _q_cert_id: str = ""
    q_loaded: bool = False
    q_error: str = ""
    q_notice: str = ""
    available: bool = False
    unavailable_text: str = ""
    allowed: bool = False
    complement_threads: list[ThreadRow] = []
    admin_threads: list[ThreadRow] = []
    unhandled: int = 0
    # Administrativa frågor (§6.1)
    ask_open: bool = False
    ask_topic: str = ""
    ask_text: str = ""
    # Svara (§6.3)
    answering_id: str = ""
    answer_text: str = ""
    # Komplettering (§6.3.1)
    can_complement: bool = False
    can_no_more_info: bool = False
    no_more_info_refusal: str = ""
    can_cannot_complement: bool = False
    open_complement_draft_href: str = ""
    complemented_by_href: str = ""
    complements_href: str = ""  # a komplettering draft: the certificate it complements
    cannot_open: bool = False
    cannot_choice: str = ""
    cannot_text: str = ""
    busy: bool = False
    q_tab: str = "komplt"  # "komplt" (Kompletteringsbegäran) | "admin" (Administrativa frågor)
    frame_css: str = ""  # frames the certificate's questions that FK asks to complement
    _drafts: dict[str, str] = {}
    _komplt_ids: list[str] = []
    _dom_ids: dict[str, str] = {}

    # --- helpers ----------------------------------------------------------------------------
    def _fail(self, exc: Exception) -> None:
        self.q_error = error_message(exc, GENERIC_ERROR, "question action")

    def _token(self) -> str:
        return str(self.router.session.client_token or "")

    async def _reload(self, *, audit_read: bool = False, touch: bool = True) -> None:
        user = current_user(self, touch=touch)
        view = await questions.list_threads(user, self._q_cert_id, audit_read=audit_read)
        self.available = view.available
        self.unavailable_text = view.unavailable_text
        self.allowed = view.allowed
        self.complement_threads = [_row(v) for v in view.complement_threads]
        self.admin_threads = [_row(v) for v in view.admin_threads]
        self.unhandled = view.unhandled
        self.can_complement = view.can_complement
        self.can_no_more_info = view.can_no_more_info
        self.no_more_info_refusal = view.no_more_info_refusal
        self.can_cannot_complement = view.can_cannot_complement
        self.open_complement_draft_href = _href(view.open_complement_draft_id)
        self.complemented_by_href = _href(view.complemented_by_id)
        self.complements_href = _href(view.complements_certificate_id)
        all_views = [*view.complement_threads, *view.admin_threads]
        self._drafts = {v.id: v.answer_draft for v in all_views}
        self._komplt_ids = [
            v.id for v in view.complement_threads if v.topic == Topic.KOMPLT and not v.handled
        ]
        self._dom_ids = {c.question_id: c.dom_id for v in all_views for c in v.complements}
        self.frame_css = _frame_css(view)
        if not self.q_loaded and not view.complement_threads:
            self.q_tab = "admin"
        if not self.ask_text and not self.ask_topic:
            self.ask_topic = view.draft_topic
            self.ask_text = view.draft_text
            if view.allowed and (view.draft_topic or view.draft_text.strip()):
                self.ask_open = True  # an unsent question is shown, not hidden behind the button
        if self.answering_id and self.answering_id not in {v.id for v in all_views if v.can_answer}:
            self.answering_id = ""
            self.answer_text = ""
        self.q_loaded = True

    async def _after_change(self) -> None:
        """Reload here and push the change to the other open pages of the certificate."""
        await self._reload()
        schedule_refresh(self._q_cert_id, exclude=self._token())

    # --- loading ----------------------------------------------------------------------------
    @rx.event
    def set_tab(self, value: Any):
        self.q_tab = "admin" if value == "admin" else "komplt"
        self.q_notice = ""

    @rx.event
    async def load(self):
        """on_load of the certificate page: register the tab and load the threads."""
        cert_id = str(self.router.url.path).rstrip("/").rsplit("/", 1)[-1][:64]
        if self._q_cert_id != cert_id:
            self.ask_open = False
            self.ask_topic = ""
            self.ask_text = ""
            self.cannot_open = False
            self.answering_id = ""
            self.answer_text = ""
        self._q_cert_id = cert_id
        self.q_error = ""
        self.q_notice = ""
        self.q_loaded = False
        self.q_tab = "komplt"
        self.frame_css = ""
        self.complement_threads = []
        self.admin_threads = []
        try:
            await self._reload(audit_read=True)
        except Exception as exc:  # noqa: BLE001 - shown as a Swedish message
            self._fail(exc)

    async def _refresh_pushed(self) -> None:
        """A reload not asked for by this tab's user (a push, or the certificate page after
        an action; not an event: not callable by a browser): no user activity."""
        try:
            await self._reload(touch=False)
            self.q_error = ""
        except Exception as exc:  # noqa: BLE001
            self._fail(exc)

    @rx.event
    async def refresh(self):
        self.q_error = ""
        try:
            await self._reload()
        except Exception as exc:  # noqa: BLE001
            self._fail(exc)

    # --- Administrativa frågor (§6.1) -----------------------------------------------------
    @rx.event
    def toggle_ask(self):
        self.ask_open = not self.ask_open
        self.q_error = ""

    @rx.event
    async def set_ask_topic(self, value: Any):
        self.ask_topic = value if value in questions.ASK_TOPICS else ""
        await self._save_question_draft()

    @rx.event
    async def set_ask_text(self, value: Any):
        self.ask_text = str(value)[: questions.MAX_TEXT] if isinstance(value, str) else ""
        await self._save_question_draft()

    async def _save_question_draft(self) -> None:
        """Autosave of the question being written, off the event loop (one write per change)."""
        cookie, cert_id = self.router.headers.cookie, self._q_cert_id
        topic, text = self.ask_topic, self.ask_text

        def save() -> None:
            user = identity.get_session(identity.token_from_cookie_header(cookie))
            questions.save_question_draft(user, cert_id, topic=topic, text=text)

        try:
            await asyncio.to_thread(save)
        except Exception as exc:  # noqa: BLE001
            self._fail(exc)

    @rx.event
    @guarded(error="q_error", generic=GENERIC_ERROR)
    async def send_question(self):
        await questions.ask(
            current_user(self), self._q_cert_id, topic=self.ask_topic, text=self.ask_text
        )
        self.ask_text = ""
        self.ask_topic = ""
        self.ask_open = False
        self.q_notice = "Frågan är skickad till Försäkringskassan."
        await self._after_change()

    # --- Svara (§6.3) and Hanterad (§6.2, §6.3.5) ------------------------------------------
    @rx.event
    def start_answer(self, thread_id: Any):
        if not isinstance(thread_id, str) or thread_id not in self._drafts:
            return
        self.answering_id = thread_id
        self.answer_text = self._drafts.get(thread_id, "")
        self.q_error = ""

    @rx.event
    def cancel_answer(self):
        self.answering_id = ""
        self.answer_text = ""

    @rx.event
    async def set_answer_text(self, value: Any):
        if not self.answering_id:
            return
        self.answer_text = str(value)[: questions.MAX_TEXT] if isinstance(value, str) else ""
        await self._save_answer_draft(self.answering_id, self.answer_text)

    async def _save_answer_draft(self, thread_id: str, text: str) -> None:
        """Autosave of an answer being written, off the event loop (one write per change)."""
        cookie, cert_id = self.router.headers.cookie, self._q_cert_id

        def save() -> None:
            user = identity.get_session(identity.token_from_cookie_header(cookie))
            questions.save_answer_draft(user, cert_id, thread_id, text=text)

        try:
            await asyncio.to_thread(save)
            self._drafts[thread_id] = text
        except Exception as exc:  # noqa: BLE001
            self._fail(exc)

    @rx.event
    @guarded(error="q_error", generic=GENERIC_ERROR)
    async def send_answer(self):
        if not self.answering_id:
            return
        await questions.answer(
            current_user(self), self._q_cert_id, self.answering_id, text=self.answer_text
        )
        self.answering_id = ""
        self.answer_text = ""
        self.q_notice = "Svaret är skickat till Försäkringskassan."
        await self._after_change()

    @rx.event
    async def set_handled(self, thread_id: Any, checked: Any):
        if not isinstance(thread_id, str):
            return
        self.q_error = ""
        try:
            await questions.mark_handled(
                current_user(self), self._q_cert_id, thread_id, handled=checked is True
            )
            await self._after_change()
        except Exception as exc:  # noqa: BLE001
            self._fail(exc)

    # --- Komplettering (§6.3.1-§6.3.4) -----------------------------------------------------
    @rx.event
    def show_field(self, question_id: Any):
        """Clicking the framed reference scrolls the certificate to the question."""
        dom_id = self._dom_ids.get(question_id) if isinstance(question_id, str) else None
        if dom_id:
            return rx.scroll_to(dom_id)
        return None

    @rx.event
    @guarded(error="q_error", generic=GENERIC_ERROR)
    async def complement(self):
        """A. Komplettera intyg: a new draft opens (or the existing one, §6.3.2)."""
        draft = await questions.complement_with_new_certificate(current_user(self), self._q_cert_id)
        return rx.redirect(routes.certificate(draft.id))

    @rx.event
    def open_complement_draft(self):
        if self.open_complement_draft_href:
            return rx.redirect(self.open_complement_draft_href)
        return None

    @rx.event
    def open_cannot(self):
        self.cannot_open = True
        self.cannot_choice = ""
        self.q_error = ""
        first = self._komplt_ids[0] if self._komplt_ids else ""
        self.cannot_text = self._drafts.get(first, "")

    @rx.event
    def close_cannot(self):
        self.cannot_open = False

    @rx.event
    def set_cannot_choice(self, value: Any):
        if value == NO_MORE_INFO and not self.can_no_more_info:  # the service said no (§6.3.1 B)
            value = ""
        self.cannot_choice = value if value in (NO_MORE_INFO, NO_ONE) else ""
        self.q_error = ""

    @rx.event
    async def set_cannot_text(self, value: Any):
        self.cannot_text = str(value)[: questions.MAX_TEXT] if isinstance(value, str) else ""
        if self._komplt_ids:
            await self._save_answer_draft(self._komplt_ids[0], self.cannot_text)

    @rx.event
    @guarded(error="q_error", generic=GENERIC_ERROR)
    async def send_cannot(self):
        """Skicka svar: B makes a new draft with the comment, C answers with a message."""
        user = current_user(self)
        if self.cannot_choice == NO_MORE_INFO:
            draft = await questions.cannot_complement_no_more_info(
                user, self._q_cert_id, comment=self.cannot_text
            )
            self.cannot_open = False
            return rx.redirect(routes.certificate(draft.id))
        if self.cannot_choice == NO_ONE:
            await questions.cannot_complement_no_one_responsible(
                user, self._q_cert_id, message=self.cannot_text
            )
            self.cannot_open = False
            self.cannot_text = ""
            self.q_notice = "Svaret är skickat till Försäkringskassan."
            await self._after_change()
            return None
        self.q_error = "Välj varför du inte kan komplettera."
        return None


# --- pushes from outside this tab's events ---------------------------------------------------
async def refresh_panel(state: rx.State, cert_id: str) -> None:
    """Signing, sending or revoking (by ``state``'s own tab) changes what Ärendekommunikation
    offers (§6): the question panel follows at once, without a reload (issue 15, item 10)."""
    panel = await state.get_state(QuestionState)
    if panel._q_cert_id == cert_id:
        await panel._refresh_pushed()


async def show_error(state: rx.State, message: str) -> None:
    """Show ``message`` in ``state``'s tab's question panel (e.g. PU-tjänsten is away)."""
    (await state.get_state(QuestionState)).q_error = message


async def refresh_open_pages(certificate_id: str, *, exclude: str | None = None) -> int:
    """Reload the question panel of every open page of ``certificate_id`` (services.presence
    knows the tabs); returns how many."""
    if not runtime.running():
        return 0
    pushed = 0
    for token in presence.viewers(certificate_id):
        if token == exclude:
            continue
        try:
            async with runtime.modify(token, QuestionState) as panel:
                if panel._q_cert_id != certificate_id:  # the tab shows something else now
                    continue  # (its certificate page takes it out of the registry)
                await panel._refresh_pushed()
                pushed += 1
        except Exception:
            log.warning("live refresh of %s failed for a tab", certificate_id, exc_info=True)
    return pushed


def schedule_refresh(certificate_id: str, *, exclude: str | None = None) -> None:
    """Push in the background (the caller, e.g. an HTTP handler, does not wait)."""
    if runtime.running():
        runtime.spawn(refresh_open_pages(certificate_id, exclude=exclude), "live question refresh")
