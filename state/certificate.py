"""The certificate page: open, edit (autosave, compare-and-set), act on and print a certificate.

Handlers are public endpoints: they trust no argument and decide nothing; every rule is in
services (lifecycle, rights, printing), which raise typed errors shown here in Swedish.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from collections.abc import Awaitable, Callable
from typing import Any

import reflex as rx

from services import (
    blocking,
    clock,
    identity,
    launch,
    lifecycle,
    presence,
    printing,
    rights,
    routes,
    sick_leave,
)
from services.certificate_views import status_text
from services.certificates import form_model, get_definition, periods, shows_fmb
from services.certificates.base import Severity
from services.certificates.validation import (
    NEWLY_REQUIRED_TEXT,
    missing_fields,
    newly_required,
    validate,
)
from services.errors import DatabaseUnavailable, PuUnavailable, WebcertError
from services.rights import REVOKE_REASONS
from state import (
    autosave,
    certificate_view,
    editor_parts,
    live_collab,
    runtime,
    sections,
)
from state import questions as question_panel
from state.editor_parts import SaveStatusState, set_save_status
from state.handlers import error_message, guarded
from state.session import current_user

log = logging.getLogger(__name__)
GENERIC_ERROR = "Ett tekniskt fel uppstod. Dina uppgifter finns kvar; försök igen om en stund."
DIALOGS = {
    "send",
    "renew",
    "replace",
    "replace_existing",
    "copy",
    "revoke",
    "delete",
    "print",
    "print_sekretess",
}


class CertificateState(rx.State):
    """State of one open certificate page."""

    loading: bool = True
    page_error: str = ""
    cert_id: str = ""
    cert_type: str = ""
    form_id: str = ""
    cert_name: str = ""
    recipient: str = ""
    status: str = ""
    status_label: str = ""
    status_text: str = ""
    editable: bool = False
    visible: dict[str, bool] = {}
    required: dict[str, bool] = {}
    field_errors: dict[str, str] = {}
    field_warnings: dict[str, str] = {}
    missing: dict[str, str] = {}
    missing_sections: list[dict[str, str]] = []  # §5.6 list: sections and their fields
    appeared: dict[str, str] = {}  # a new mandatory question, marked where it appears
    announcement: str = ""  # read by screen readers (a role="status" region)
    show_missing: bool = False
    help_open: dict[str, bool] = {}
    patient_name: str = ""
    patient_pnr: str = ""
    patient_sekretess: bool = False
    patient_deceased: bool = False
    working_time: dict[str, str] = {}
    previous_period: str = ""
    # FMB sick-leave length (services.sick_leave): the warning beside the periods, "" if none.
    fmb_length_warning: str = ""
    _earlier_periods: list[list[list[str]]] = []  # earlier readable signed periods (ISO)
    tips: str = ""
    has_questions: bool = True  # the Ärendekommunikation tab (FK types only, services.rights)
    has_fmb: bool = True  # the FMB tab (services.certificates.shows_fmb)
    minimal_print: bool = False
    signs_and_sends: bool = False  # "Signera och skicka" (§6.3.1): lifecycle.sends_when_signed
    actions: list[str] = []
    relation_links: list[dict[str, str]] = []
    _replacement_draft_id: str = ""
    dialog: str = ""
    busy: bool = False
    action_error: str = ""
    action_notice: str = ""
    revoke_reason: str = ""
    revoke_message: str = ""
    print_minimal: bool = False
    # Live collaboration (§4.2.2): who has priority on the draft and who has it open.
    holder_name: str = ""
    has_priority: bool = True
    viewers: list[dict[str, str]] = []
    # PU-tjänsten does not answer (§4.10.2): everything on the page is locked until it does.
    pu_down: bool = False
    pu_message: str = PuUnavailable.default_message
    _content: dict[str, Any] = {}
    _version: int = 0  # the version the next save expects (compare-and-set)
    # The form values (flat keys, services.certificates.form_model); the inputs show them
    # from the section substates of state.editor_parts (see _publish).
    _values: dict[str, str] = {}
    _published: list[dict[str, Any]] = []  # _values per section, as the inputs show them
    _can_edit: bool = False  # the draft is editable for this user, priority aside
    _unit_id: str = ""  # the care unit the user works on in this tab (for the presence list)
    _place: str = ""  # the question this view last changed (kept in view on losing priority)
    _appeared: list[str] = []  # questions brought in by this view's changes, unanswered

    # --- helpers (not events) -----------------------------------------------------------
    def _definition(self):  # type: ignore[no-untyped-def]
        return get_definition(self.cert_type)

    def _assign(self, name: str, value: Any) -> None:
        """Set a var only when it changed: every assignment is sent to the browser (and to
        the other open views), so unchanged dicts are not assigned again."""
        if getattr(self, name) != value:
            setattr(self, name, value)

    def _recompute(self) -> None:
        definition = self._definition()
        content = self._content
        self._assign("visible", {q.id: bool(q.visible(content)) for q in definition.questions()})
        self._assign("required", {q.id: bool(q.mandatory(content)) for q in definition.questions()})
        messages = validate(definition, content, today=clock.today()) if self.editable else []
        errors: dict[str, str] = {}
        warnings: dict[str, str] = {}
        missing: dict[str, str] = {}
        for m in messages:
            target = {Severity.ERROR: errors, Severity.WARNING: warnings}.get(m.severity, missing)
            target.setdefault(m.question_id, m.message)
        missing_all = set(missing)
        self._assign("working_time", periods.working_times(definition, content))
        check = (
            sick_leave.length_check(
                self.cert_type, content, sick_leave.from_json(self._earlier_periods)
            )
            if self.editable
            else None
        )
        warning = check.message if check is not None else ""
        self._assign("fmb_length_warning", warning)
        if warning:  # ask for the reason: its field is shown while the spell is too long
            reason = sick_leave.reason_question(self.cert_type)
            if reason in self.visible and not self.visible[reason]:
                self._assign("visible", {**self.visible, reason: True})
        self._assign("field_errors", errors)
        self._assign("field_warnings", warnings)
        self._assign("missing", missing if self.show_missing else {})
        rows: list[dict[str, str]] = []
        if self.show_missing and self.editable:  # §5.6: each section, then its fields
            for section, questions in missing_fields(definition, content, today=clock.today()):
                rows.append({"id": section.id, "title": section.title, "kind": "section"})
                rows += [
                    {"id": "q-" + q.id.replace(".", "-"), "title": q.label, "kind": "field"}
                    for q in questions
                ]
        self._assign("missing_sections", rows)
        # a question brought in by a change and still unanswered is marked where it appears
        self._appeared = [
            qid
            for qid in self._appeared
            if self.visible.get(qid) and self.required.get(qid) and qid in missing_all
        ]
        self._assign(
            "appeared",
            {qid: NEWLY_REQUIRED_TEXT for qid in self._appeared} if self.editable else {},
        )

    def _fail(self, exc: Exception) -> None:
        self.action_error = error_message(exc, GENERIC_ERROR, "certificate action")

    async def _open(self, cert_id: str) -> None:
        user = current_user(self)
        view = await lifecycle.open_certificate(user, cert_id)
        cert = view.certificate
        definition = get_definition(cert.type)
        self.cert_id = cert.id
        self.cert_type = definition.type
        self.form_id = definition.form_id
        self.cert_name = definition.name
        self.recipient = definition.recipient.label
        self.tips = definition.description
        self.has_questions = rights.has_question_communication(definition.type)
        self.has_fmb = shows_fmb(definition.type)
        self.minimal_print = definition.minimal_print
        self.status = cert.status.value
        self.status_label = cert.status.label
        self.pu_down = False
        self.signs_and_sends = cert.status.is_draft and lifecycle.sends_when_signed(cert)
        self.editable = cert.status.is_draft and "EDIT" in {a.value for a in view.actions}
        self._can_edit = self.editable
        self._unit_id = user.unit.hsa_id if user.unit else ""
        # Who has the draft open, and read-only while another view has priority
        # (services.presence); nothing of it for anything but an editable draft.
        self._apply_collab(presence.snapshot(cert.id).as_dicts() if self.editable else [])
        self._version = cert.version
        self._content = dict(cert.content)
        self._values = form_model.to_form(definition, cert.content)
        self._published = []  # publish every section
        await self._publish()
        await certificate_view.show(self, cert.id, definition.type, self._content)
        patient = cert.patient or {}
        self.patient_name = " ".join(
            p
            for p in (
                patient.get("first_name"),
                patient.get("middle_name"),
                patient.get("last_name"),
            )
            if p
        )
        pnr = cert.patient_id
        self.patient_pnr = f"{pnr[:8]}-{pnr[8:]}" if len(pnr) == 12 else pnr
        self.patient_sekretess = bool(view.patient.sekretess)
        self.patient_deceased = bool(view.patient.deceased)
        self.actions = sorted(a.value for a in view.actions)
        self.relation_links = [
            {
                "text": r.text,
                "href": routes.certificate(r.certificate_id),
                "kind": r.kind,
                "draft": "true" if r.is_draft else "",
            }
            for r in view.relations.links
        ]
        self.previous_period = view.relations.previous_period or ""
        self._replacement_draft_id = view.relations.replacement_draft_id or ""
        self.status_text = status_text(cert)
        self._earlier_periods = await self._load_earlier_periods(user, cert)
        self._recompute()

    async def _load_earlier_periods(self, user, cert) -> list[list[list[str]]]:  # type: ignore[no-untyped-def]
        """The patient's earlier signed periods at the care provider (for the FMB check)."""
        if not self._can_edit or not sick_leave.reason_question(cert.type):
            return []
        try:
            found = await asyncio.to_thread(sick_leave.earlier_periods, user, cert.id)
        except Exception:  # without them the check counts this certificate only
            log.exception("earlier sick-leave periods could not be read")
            return []
        return sick_leave.to_json(found)

    # --- loading and editing ------------------------------------------------------------
    @rx.event
    async def load(self):
        self.loading = True
        self.page_error = ""
        self.show_missing = False
        self._appeared = []
        self.announcement = ""
        self.dialog = ""
        self.action_error = ""
        self.action_notice = ""
        save_status = await self.get_state(SaveStatusState)
        cert_id = str(self.router.url.path).rstrip("/").rsplit("/", 1)[-1]
        # Typed but not saved when the connection broke (a worker or host went away, or the
        # page is reloaded mid-save): this tab's state (in Redis) still has it.
        unsaved = (
            (dict(self._content), self._version)
            if cert_id == self.cert_id
            and self.editable
            and save_status.save_state in ("saving", "error")
            else None
        )
        await set_save_status(self, "")
        self.help_open = {}
        previous = self.cert_id
        # Nothing of what this tab showed before (another certificate, another user's
        # session in the same tab) is shown on the new page.
        self._can_edit = False
        self._apply_collab([])
        try:
            notice = await launch.apply_patient_parameters(current_user(self), cert_id)
            await self._open(cert_id)
            self._join(previous)
            self.action_notice = notice
            if unsaved is not None:
                await self._keep_unsaved(*unsaved)
        except Exception as exc:  # noqa: BLE001 - shown as a Swedish message
            self.page_error = error_message(exc, GENERIC_ERROR, "loading certificate")
        if self.page_error:
            self._leave(previous)
            self.cert_id = ""
        self.loading = False

    async def _keep_unsaved(self, content: dict[str, Any], version: int) -> None:
        """After a reconnect: what was typed but not saved is not dropped. If nobody saved
        the draft since, it is put back and saved now; otherwise the user is told."""
        if content == self._content:
            return
        if self.editable and version == self._version:
            self._content = content
            self._values = form_model.to_form(self._definition(), content)
            await self._publish()
            await self._save()
            return
        await set_save_status(
            self,
            "error",
            "Dina senaste ändringar hann inte sparas innan anslutningen bröts, och utkastet "
            "har ändrats sedan dess. Kontrollera innehållet.",
        )

    # --- live collaboration (§4.2.2) -----------------------------------------------------
    def _client_token(self) -> str:
        return str(self.router.session.client_token or "")

    def _leave(self, previous: str) -> None:
        """This tab no longer shows ``previous``: the registry forgets it there, and the
        draft's other viewers are told if that changes who has priority."""
        token = self._client_token()
        if not previous or not token or previous == self.cert_id:
            return
        left = presence.leave(previous, token)
        if left is not None:
            live_collab.schedule_priority(previous, left.as_dicts())

    def _join(self, previous: str = "", *, rejoin: bool = False) -> None:
        """After a successful open: the tab is registered as showing the certificate (for
        live updates). An editable draft is opened by this view, which gets priority; the
        other viewers are told at once (state.live_collab)."""
        token = self._client_token()
        if not token:
            return
        self._leave(previous)
        user = current_user(self)
        who = {
            "name": user.name,
            "hsa_id": user.hsa_id,
            "unit_id": user.unit.hsa_id if user.unit else "",
        }
        if not self._can_edit:
            before = presence.snapshot(self.cert_id)
            snap = presence.show(self.cert_id, token, **who)
            self._apply_collab([])
            if any(v.token == token and v.editing for v in before.viewers):  # gave priority up
                live_collab.schedule_priority(self.cert_id, snap.as_dicts(), exclude=token)
            return
        snap = presence.open_draft(self.cert_id, token, rejoin=rejoin, **who)
        self._apply_collab(snap.as_dicts())
        self._recompute()
        live_collab.schedule_priority(self.cert_id, snap.as_dicts(), exclude=token)

    def _apply_collab(self, viewers: list[dict[str, str]], token: str = "") -> None:
        """Show who has the draft open and who has priority; the editor is read-only for
        everyone but the holder (the services refuse their saves anyway).

        Only on a draft this user may edit, and only the people who have this draft open
        for editing now on the user's own care unit: a holder on another unit is not named.
        """
        token = token or self._client_token()
        if not self._can_edit:
            viewers = []
        editors = [v for v in viewers if v.get("editing")]
        holder = editors[-1] if editors else None
        self._assign("has_priority", holder is None or holder.get("token") == token)
        holder_name = ""
        if holder is not None:
            holder_name = (
                holder.get("name", "")
                if holder.get("unit_id", "") == self._unit_id
                else "En användare på en annan vårdenhet"
            )
        self._assign("holder_name", holder_name)
        self._assign(
            "viewers",
            [
                {
                    "name": v.get("name", ""),
                    "holder": "true" if v is holder else "",
                    "me": "true" if v.get("token") == token else "",
                }
                for v in editors
                if v.get("unit_id", "") == self._unit_id
            ],
        )
        self._assign("editable", self._can_edit and self.has_priority)

    async def _collab_pushed(self, viewers: list[dict[str, str]], token: str) -> None:
        """Pushed by state.live_collab when priority or the viewers changed."""
        if not self._can_edit:
            return  # this view shows no draft to edit: no presence list, no priority
        was_editable = self.editable
        self._apply_collab(viewers, token)
        if self.editable and not was_editable:  # priority passed to this view: start from
            saved = lifecycle.saved_draft(self.cert_id)  # what is saved, not the last push
            if saved is None:  # signed, locked or deleted meanwhile: show what it is now
                await self._reopen()
                return
            self._version, self._content = saved
            self._values = form_model.to_form(self._definition(), self._content)
            await self._publish()
        elif was_editable and not self.editable:  # the read-only view shows this view's
            await certificate_view.show(self, self.cert_id, self.cert_type, self._content)
        if was_editable != self.editable:
            self._recompute()

    async def _reopen(self, *, rejoin: bool = False) -> bool:
        """Open the certificate again (after an action, when a push says it changed, or to
        take priority back); False, with the page's error shown, when it cannot be opened."""
        opened = False
        try:
            await self._open(self.cert_id)
            self._join(rejoin=rejoin)
            opened = True
        except Exception as exc:  # noqa: BLE001 - shown as a Swedish message
            self.page_error = error_message(exc, GENERIC_ERROR, "reopening certificate")
        if not self.editable:
            await set_save_status(self, "")
        return opened

    # --- PU-tjänsten outage (§4.10.2) -------------------------------------------------------
    async def _pu_pushed(self, down: bool) -> None:
        """PU-tjänsten stopped or started answering (pushed by state.pu_watch, or noticed by
        a save here): lock the page at once, or open the certificate again."""
        if not self.cert_id or self.page_error or self.loading or down == self.pu_down:
            return
        if down:
            self.pu_down = True
            status = await self.get_state(SaveStatusState)
            if status.save_state == "saved":  # nothing more will be saved for now
                await set_save_status(self, "")
            self.dialog = ""
            self.actions = []
            self._can_edit = False
            self._apply_collab([])
            self._recompute()
            # what this view had typed, read-only; ärendekommunikation is locked too
            await certificate_view.show(self, self.cert_id, self.cert_type, self._content)
            await question_panel.show_error(self, self.pu_message)
            return
        await question_panel.refresh_panel(self, self.cert_id)  # (clears the message)
        status = await self.get_state(SaveStatusState)
        unsaved = status.save_state in ("error", "saving")
        values, content, version = dict(self._values), dict(self._content), self._version
        await self._reopen(rejoin=True)
        if unsaved and self.editable and self._version == version and values != self._values:
            self._values, self._content = values, content  # nothing typed is lost
            await self._publish()
            await self._save()

    @rx.event
    def keep_place(self):
        """The priority notice has just appeared (this view lost priority and shows the draft
        read-only now): bring the question the user was working on back into view."""
        if self.has_priority or not self._place:
            return None
        return rx.scroll_to("q-" + self._place.replace(".", "-"))

    @rx.event
    async def continue_editing(self):
        """The "Fortsätt redigera" action: open the draft again, which takes priority (§4.2.2)."""
        if not self.cert_id or self.loading:
            return
        self.action_error = ""
        if await self._reopen():
            await set_save_status(self, "")

    @rx.event
    async def set_value(self, key: str, value: Any):
        """An input changed: update, validate and autosave (compare-and-set)."""
        if not self.editable or not isinstance(key, str) or key not in self._values:
            return
        if not isinstance(value, str):
            value = "true" if value is True else ""
        self._values[key] = value[:20000]
        self._place = key.split(".", 1)[0]
        # a grund för MU just ticked gets today's date (services.certificates.form_model)
        form_model.fill_date_on_tick(self._definition(), self._values, key, clock.today())
        await self._save()

    @rx.event
    async def set_checked(self, key: str, checked: Any):
        await self.set_value(key, "true" if checked is True else "")

    @rx.event
    async def set_icf(self, qid: str, codes: list[str]):
        """ICF categories chosen for an ICF field (§5.4): validate, store and autosave."""
        from services.certificates.base import ICF_SUFFIX
        from services.icf import icf_category

        if not self.editable or not isinstance(qid, str) or not isinstance(codes, list):
            return
        questions = self._definition().questions()
        if len(codes) > 100 or not any(q.id == qid and q.icf for q in questions):
            return
        categories: list[dict[str, str]] = []
        for code in codes:
            category = icf_category(code) if isinstance(code, str) and len(code) <= 10 else None
            if category is None:
                return
            if all(c["code"] != category.code for c in categories):
                categories.append({"code": category.code, "name": category.name})
        self._content = {**self._content, qid + ICF_SUFFIX: categories}
        await self._save()

    async def _save(self) -> None:
        """Autosave (§4.1): the other open views see the change at once, and the write — a
        compare-and-set on the version — runs after this event has returned (a per-view
        background saver, state.autosave), so typing never waits for the database and
        the push to the others is not held up by it. Without a running app (tests calling
        the handler directly) the write happens here."""
        definition = self._definition()
        content = form_model.from_form(definition, self._values, self._content)
        brought_in = newly_required(definition, self._content, content)
        if brought_in:
            self._appeared = [*self._appeared, *(q.id for q in brought_in)]
            self.announcement = "Ny obligatorisk fråga: " + ", ".join(q.label for q in brought_in)
        self._content = content
        token = self._client_token()
        if len(self.viewers) > 1 and self.has_priority:
            await live_collab.show_to_others_first(
                self.cert_id, cert_type=self.cert_type, exclude=token, content=dict(content)
            )
        await self._publish()
        self._recompute()
        await set_save_status(self, "saving")
        session = identity.token_from_cookie_header(self.router.headers.cookie)
        if token and autosave.schedule(
            token,
            self.cert_id,
            session,
            content=dict(content),
            version=self._version,
            report=report_save,
        ):
            if autosave.retrying(token):  # the database is away: keep saying so
                await set_save_status(self, "error", DatabaseUnavailable().message)
            return
        try:
            user = current_user(self)
        except Exception as exc:  # noqa: BLE001 - e.g. the session has expired
            await self._save_failed(exc, token)
            return
        await self._write(user, content, self._version, token)

    async def _write(
        self, user: identity.SessionUser, content: dict[str, Any], version: int, token: str
    ) -> int | None:
        """Write ``content`` with compare-and-set; report the result in this state."""
        try:
            result = await blocking.DATABASE.run(
                lifecycle.save_draft,
                user,
                self.cert_id,
                content=content,
                expected_version=version,
                viewer=token or None,
            )
        except Exception as exc:  # noqa: BLE001 - shown to the user; the input stays
            await self._save_failed(exc, token)
            return None
        await self._save_succeeded(result.version)
        return result.version

    async def _settle_autosave(self, user: identity.SessionUser) -> None:
        """What is signed is what the tab shows: the background saver's write under way is
        waited for, and an edit it has not written yet is written here, before the action
        (a click on "Signera intyget" right after typing would otherwise sign the older
        content, or be refused as changed "av dig")."""
        token = self._client_token()
        if not token:
            return
        written, waiting = await autosave.settle(token, self.cert_id)
        if written is not None:
            self._version = max(self._version, written)
        if waiting is not None:
            result = await blocking.DATABASE.run(
                lifecycle.save_draft,
                user,
                self.cert_id,
                content=waiting,
                expected_version=self._version,
                viewer=token,
            )
            await self._save_succeeded(result.version)

    async def _publish(self) -> None:
        """Show ``_values`` in the inputs (only the sections that changed are sent)."""
        self._published = await sections.publish(
            self,
            editor_parts.SECTION_VALUES,
            self._published,
            editor_parts.parts(self.cert_type, self._values),
        )

    async def _save_succeeded(self, version: int, *, more_pending: bool = False) -> None:
        self._version = max(self._version, version)  # a late report never goes back
        if not more_pending:
            await set_save_status(self, "saved", "Utkastet är sparat")

    async def _save_failed(self, exc: Exception, token: str) -> None:
        message = exc.message if isinstance(exc, WebcertError) else GENERIC_ERROR
        await set_save_status(self, "error", message)
        if isinstance(exc, PuUnavailable):  # nothing can be done until PU-tjänsten answers
            await self._pu_pushed(True)  # (state.pu_watch opens the page again after it)
        if isinstance(exc, presence.NotHolder):  # priority moved on: show who has it now
            self._apply_collab(presence.snapshot(self.cert_id).as_dicts())
        if not isinstance(exc, WebcertError):
            log.error("saving draft failed", exc_info=exc)
        if len(self.viewers) > 1:  # others may have been shown a change that was not saved
            live_collab.schedule_saved_state(self.cert_id, exclude=token)

    @rx.event
    async def apply_end_date_shortcut(self, base: str):
        """§5.7: "d90", "4v", "m3" ... in the t.o.m. field sets the end date on leaving it."""
        if not self.editable or not isinstance(base, str) or base + ".to" not in self._values:
            return
        raw = self._values[base + ".to"].strip()
        start = periods.parse_date(self._values.get(base + ".from", ""))
        if not raw or start is None or periods.parse_date(raw) is not None:
            return
        end = periods.parse_end_date_shortcut(raw, start)
        if end is not None:
            self._values[base + ".to"] = periods.format_date(end)
            await self._save()

    @rx.event
    async def retry_save(self):
        if self.editable:
            await self._save()

    @rx.event
    def toggle_help(self, qid: str):
        if isinstance(qid, str):
            self.help_open[qid] = not self.help_open.get(qid, False)

    def _refused(self, what: str) -> bool:
        """True (with a logged warning) when no certificate is open: an event for one from a
        page that has none (a forged event, or one that arrived after leaving) does nothing."""
        if self.cert_id and self.cert_type:
            return False
        log.warning("refused %s: no certificate is open in this view", what)
        return True

    @rx.event
    def show_what_is_missing(self):
        if self._refused("show_what_is_missing"):
            return
        self.show_missing = True
        self._recompute()

    # --- dialogs ------------------------------------------------------------------------
    @rx.event
    def open_dialog(self, name: str):
        if not isinstance(name, str) or name not in DIALOGS or self._refused("open_dialog"):
            return
        self.action_error = ""
        if name == "replace" and self._replacement_draft_id:
            name = "replace_existing"
        if name == "revoke":
            self.revoke_reason = ""
            self.revoke_message = ""
        if name == "print":
            self.print_minimal = False
        self.dialog = name

    @rx.event
    def close_dialog(self):
        self.dialog = ""

    @rx.event
    def set_revoke_reason(self, value: str):
        self.revoke_reason = value if isinstance(value, str) and value in REVOKE_REASONS else ""

    @rx.event
    def set_revoke_message(self, value: str):
        self.revoke_message = str(value)[:2000]

    @rx.event
    def set_print_minimal(self, value: str):
        self.print_minimal = value == "minimal"

    # --- actions ------------------------------------------------------------------------
    @rx.event
    async def sign(self):
        """Signera intyget: shows what is missing (§5.6), otherwise signs (§4.2)."""
        await self._run_when_complete("sign")

    @rx.event
    async def mark_ready(self):
        """Markera klart för signering (§4.2.1), also only when nothing is missing."""
        await self._run_when_complete("mark_ready")

    async def _run_when_complete(self, name: str) -> None:
        """Show what is missing (§5.6); when nothing is, carry out the action."""
        if self.busy or self._refused(name):
            return
        self.show_missing = True
        self._recompute()
        if not self.missing_sections:
            await self._run(name)

    @rx.event
    async def confirm(self):
        """The confirm button of the open dialog."""
        if self.dialog in CONFIRMED_BY_DIALOG:
            return await self._run(self.dialog)
        return None

    @guarded(error="action_error", generic=GENERIC_ERROR)
    async def _run(self, name: str):  # type: ignore[no-untyped-def]
        """Carry out one of ACTIONS (the service decides whether this user may)."""
        action = ACTIONS[name]
        user = current_user(self)
        if action.settle_autosave:
            await self._settle_autosave(user)
        try:
            done = await action.service(self, user)
        except lifecycle.SignedNotSent as exc:  # signed; the sending failed
            await self._reopen()
            await self._refresh_questions()
            self.action_error = exc.message
            return None
        self.dialog = ""
        if action.after == "home":
            self.busy = False
            return [rx.toast.success(action.notice), rx.redirect("/")]
        if action.after == "open_result":
            self.busy = False
            return rx.redirect(routes.certificate(done.id))
        notice = action.notice(done) if callable(action.notice) else action.notice
        self.action_notice = notice.format(recipient=self.recipient)
        await self._reopen()
        await self._refresh_questions()
        return None

    async def _refresh_questions(self) -> None:
        """Signing, sending or revoking changes what Ärendekommunikation offers (§6)."""
        await question_panel.refresh_panel(self, self.cert_id)

    @rx.event
    async def continue_replacement(self):
        if self._replacement_draft_id:
            return rx.redirect(routes.certificate(self._replacement_draft_id))
        return None

    @rx.event
    async def print_pdf(self):
        """Skriv ut: download the PDF; a sekretess patient gets a warning first (§4.10.4)."""
        if self.patient_sekretess and self.dialog != "print_sekretess":
            self.dialog = "print_sekretess"
            return None
        return await self._download()

    @rx.event
    async def print_confirmed(self):
        return await self._download()

    async def _download(self):  # type: ignore[no-untyped-def]
        self.action_error = ""
        try:
            doc = await printing.print_certificate(
                current_user(self), self.cert_id, minimal=bool(self.print_minimal)
            )
        except Exception as exc:  # noqa: BLE001
            self._fail(exc)
            return None
        self.dialog = ""
        return rx.download(data=doc.data, filename=doc.filename)


@dataclasses.dataclass(frozen=True)
class Action:
    """A button's action: the service call, and what the page does after it."""

    service: Callable[[CertificateState, identity.SessionUser], Awaitable[Any]]
    # "reload": the page opens the certificate again and shows ``notice`` ("{recipient}" is
    # filled in; a function of the service's result); "open_result": the page goes to the
    # certificate the service made; "home": the start page, ``notice`` as a toast.
    after: str = "reload"
    notice: str | Callable[[Any], str] = ""
    settle_autosave: bool = False  # what is signed is what the tab shows (state.autosave)


def _signed_notice(done: Any) -> str:
    if done.status.value == "SENT":
        return "Intyget är signerat och skickat till {recipient}."
    return "Intyget är signerat."


ACTIONS: dict[str, Action] = {
    "sign": Action(
        lambda cs, user: lifecycle.sign(user, cs.cert_id, expected_version=cs._version),
        notice=_signed_notice,
        settle_autosave=True,
    ),
    "mark_ready": Action(
        lambda cs, user: lifecycle.mark_ready_for_signing(user, cs.cert_id),
        notice="Utkastet är markerat klart för signering.",
        settle_autosave=True,
    ),
    "send": Action(
        lambda cs, user: lifecycle.send(user, cs.cert_id, patient_consent=True),
        notice="Intyget är skickat till {recipient}.",
    ),
    "renew": Action(lambda cs, user: lifecycle.renew(user, cs.cert_id), after="open_result"),
    "replace": Action(lambda cs, user: lifecycle.replace(user, cs.cert_id), after="open_result"),
    "copy": Action(lambda cs, user: lifecycle.copy_locked(user, cs.cert_id), after="open_result"),
    "revoke": Action(  # no notice: the status line says it (one banner, issue 15)
        lambda cs, user: lifecycle.revoke(
            user, cs.cert_id, reason_code=cs.revoke_reason, message=cs.revoke_message
        )
    ),
    "delete": Action(
        lambda cs, user: lifecycle.delete_draft(user, cs.cert_id),
        after="home",
        notice="Utkastet är raderat.",
    ),
}
CONFIRMED_BY_DIALOG = frozenset({"send", "renew", "replace", "copy", "revoke", "delete"})


# --- reports into a tab from outside its events (not event handlers: no browser calls them) ---
async def report_save(client_token: str, cert_id: str, result: int | Exception) -> bool:
    """The background saver (state.autosave) tells the tab how its write went: the version
    written, or the failure. False when the tab shows another certificate now."""
    async with runtime.modify(client_token, CertificateState) as cs:
        if cs.cert_id != cert_id:
            return False
        if isinstance(result, Exception):
            await cs._save_failed(result, client_token)
        else:
            await cs._save_succeeded(result, more_pending=autosave.pending(client_token))
        return True


async def receive_priority(client_token: str, cert_id: str, viewers: list[dict[str, str]]) -> bool:
    """Show one tab who has the draft open and who has priority (state.live_collab pushes it).
    False when the tab no longer shows this draft."""
    async with runtime.modify(client_token, CertificateState) as cs:
        if not runtime.tab_shows(cs, cs.cert_id, cert_id):
            return False
        await cs._collab_pushed(viewers, client_token)
        return True


async def receive_pu(client_token: str, cert_id: str, down: bool) -> bool:
    """PU-tjänsten stopped or started answering (state.pu_watch pushes it): the tab's page of
    ``cert_id`` locks itself or opens again. False when the tab shows another certificate."""
    async with runtime.modify(client_token, CertificateState) as cs:
        if cs.cert_id != cert_id:
            return False
        await cs._pu_pushed(down)
        return True


async def publish_values(cs: CertificateState) -> None:
    """Show the draft's form values in the inputs again (after a change made beside the
    handlers of CertificateState, e.g. by state.diagnosis)."""
    await cs._publish()


live_collab.receive_priority_with(receive_priority)
