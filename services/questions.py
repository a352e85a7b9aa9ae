"""Ärendekommunikation with Försäkringskassan (manual §6, §4.6, §4.9.1, §7): every rule, once.

Questions ("ärenden") live in :class:`QuestionThread`. ``direction`` is ``TO_FK`` for a
question the care unit asked (§6.1; FK's answer arrives in ``answer``) and ``FROM_FK`` for a
question from Försäkringskassan (§6.3; our answer goes in ``answer``). Topics: AVSTMN
(Avstämningsmöte), KOMPLT (Komplettering), KONTKT (Kontakt), OVRIGT (Övrigt), PAMINN
(Påminnelse; ``reminder_of`` is the id of the thread it reminds about).

Every user action takes the logged-in ``user``, asks PU-tjänsten (down → everything is locked,
§4.10.2) and :func:`services.rights.decide` with ``Action.QUESTIONS`` (role limits of
§6.3.1 via :func:`services.rights.decide_complement`), and writes the change, its PDL audit
record and its EHR notification (§7) in one transaction. Messages to Försäkringskassan are
POSTed to ``settings.fk_url + "/questions"`` with httpx and retried (tenacity) on transport
errors and 5xx; when FK stays down nothing is stored and the autosaved text is kept.

Messages from Försäkringskassan come through :func:`receive_message` (the inbound HTTP
endpoint, SendMessageToCare): validated first, stored all-or-nothing.

Ordering (§6.1, §6.2, §6.3, §6.3.4, §6.3.5): a question just sent, answered or marked handled
"visas överst". Each list is therefore ordered by the thread's latest event (sent, answered,
handled), newest first; kompletteringsbegäran are listed apart from administrative questions.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlmodel import Session, col, select

from services import (
    audit,
    clock,
    derived,
    drafts,
    locks,
    notifications,
    recipients,
    rights,
)
from services.certificate_access import Prepared, fetch, load_for_user, prepare, record
from services.certificates import get_definition
from services.certificates.base import Recipient
from services.errors import Conflict, InvalidInput, NotFound, ServiceUnavailable
from services.identity import SessionUser, require_unit, staff_at_unit
from services.interop import messages as interop_messages
from services.localtime import format_datetime
from services.persistence.db import session_scope
from services.persistence.models import (
    Certificate,
    CertificateStatus,
    QuestionDraft,
    QuestionThread,
    RelationKind,
    new_id,
)
from services.question_handling import (
    FROM_FK,
    TO_FK,
    Topic,
    handle_complement_requests,
    set_handled,
)
from services.rights import Action

__all__ = [
    "ANSWERABLE_TOPICS",
    "ASK_TOPICS",
    "MAX_TEXT",
    "TOPICS",
    "ComplementRef",
    "QuestionsView",
    "ThreadView",
    "answer",
    "ask",
    "cannot_complement_no_more_info",
    "cannot_complement_no_one_responsible",
    "complement_with_new_certificate",
    "handle_complement_requests",
    "list_threads",
    "mark_handled",
    "order_threads",
    "receive_message",
    "save_answer_draft",
    "save_question_draft",
]

TOPICS: dict[str, str] = {t.value: t.label for t in Topic}  # code → Swedish name
ASK_TOPICS = (Topic.AVSTMN, Topic.KONTKT, Topic.OVRIGT)  # "Administrativa frågor" to FK (§6.1)
ANSWERABLE_TOPICS = frozenset(ASK_TOPICS)  # "Svara" (§6.3): the topics one may ask about
FK_NAME = Recipient.FK.label  # "Försäkringskassan"
MAX_TEXT = 4000  # characters of one question, answer or comment
MAX_SUBJECT = 255
MAX_EXTERNAL_ID = 128
MAX_COMPLEMENTS = 50
OVRIGT_FIELD = "ovrigt"  # "Övriga upplysningar" of the FK types (scenario B)

TEXT_FK_DOWN = "Försäkringskassan svarar inte just nu. {what} Försök igen om en stund."


# --- views ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class ComplementRef:
    """One field a kompletteringsbegäran points at (§6.3.1, figure 24)."""

    question_id: str  # the certificate's question id ("ovrigt")
    ref: str  # the form's own number ("25")
    label: str  # the question's heading in the certificate
    section_title: str
    text: str  # what FK asks for
    dom_id: str  # element id of the field on the certificate page ("q-ovrigt")


@dataclass(frozen=True)
class ThreadView:
    id: str
    topic: str
    topic_label: str
    direction: str
    sender: str  # "Försäkringskassan" or the asking user's name
    subject: str
    message: str
    sent_at: str
    answer: str
    answered_at: str
    answered_by: str
    answer_draft: str
    handled: bool
    handled_at: str
    complements: tuple[ComplementRef, ...]
    reminder_of: str
    reminder_of_label: str
    answered_with_certificate_id: str
    can_answer: bool  # "Svara" (§6.3)
    can_mark_handled: bool  # the "Hanterad" box (§6.2, §6.3.5)
    last_activity: datetime


@dataclass(frozen=True)
class QuestionsView:
    """What the Ärendekommunikation tab shows for one certificate."""

    certificate_id: str
    available: bool  # the certificate is sent to FK (or FK's questions exist)
    unavailable_text: str
    allowed: bool  # the user may act (ask, answer, handle) now
    refusal: str
    complement_threads: tuple[ThreadView, ...]
    admin_threads: tuple[ThreadView, ...]
    draft_topic: str
    draft_text: str
    open_complement_draft_id: str  # "Öppna utkastet" (§6.3.2)
    complemented_by_id: str  # the signed complementing certificate (§6.3.4)
    can_complement: bool  # "Komplettera intyg" (A)
    can_no_more_info: bool  # "Ingen ytterligare medicinsk information kan anges" (B)
    no_more_info_refusal: str
    can_cannot_complement: bool  # "Kan ej komplettera" (B or C)
    unhandled: int
    framed_fields: tuple[str, ...] = field(default=())  # question ids of open complements
    # A komplettering draft shows the open kompletteringsbegäran of the certificate it
    # complements (read-only): the id of that certificate, "" otherwise.
    complements_certificate_id: str = ""


def _aware(ts: datetime | None) -> datetime | None:
    if ts is None:
        return None
    return ts if ts.tzinfo else ts.replace(tzinfo=UTC)


def last_activity(thread: QuestionThread) -> datetime:
    """The thread's latest event: sent, answered or handled."""
    times = [_aware(t) for t in (thread.sent_at, thread.answered_at, thread.handled_at)]
    return max(t for t in times if t is not None)


def order_threads(threads: list[QuestionThread]) -> list[QuestionThread]:
    """Newest event first: a question just sent, answered or handled is shown at the top."""
    return sorted(
        threads,
        # a reminder handled together with its question comes after it
        key=lambda t: (last_activity(t), t.topic != Topic.PAMINN, _aware(t.sent_at)),
        reverse=True,
    )


def _dom_id(question_id: str) -> str:
    return "q-" + question_id.replace(".", "-")


def _field_index(cert_type: str) -> dict[str, tuple[str, str, str, str]]:
    """question id and form number → (question id, form number, label, section title)."""
    try:
        definition = get_definition(cert_type)
    except KeyError:
        return {}
    index: dict[str, tuple[str, str, str, str]] = {}
    for section in definition.sections:
        for q in section.questions:
            entry = (q.id, q.ref or "", q.label or section.title, section.title)
            index[q.id] = entry
            if q.ref:
                index.setdefault(q.ref, entry)
                index.setdefault("FRG_" + q.ref, entry)
    return index


def _complement_refs(cert_type: str, raw: list[dict[str, Any]]) -> tuple[ComplementRef, ...]:
    index = _field_index(cert_type)
    refs = []
    for item in raw or []:
        qid = str(item.get("question_id", ""))
        qid_, ref, label, section = index.get(qid, (qid, "", qid, ""))
        refs.append(
            ComplementRef(
                question_id=qid_,
                ref=ref,
                label=label,
                section_title=section,
                text=str(item.get("text", "")),
                dom_id=_dom_id(qid_),
            )
        )
    return tuple(refs)


def _thread_view(
    t: QuestionThread, cert: Certificate, by_id: dict[str, QuestionThread], allowed: bool
) -> ThreadView:
    reminded = by_id.get(t.reminder_of or "")
    return ThreadView(
        id=t.id,
        topic=t.topic,
        topic_label=TOPICS.get(t.topic, t.topic),
        direction=t.direction,
        sender=FK_NAME if t.direction == FROM_FK else (t.author_name or "Vården"),
        subject=t.subject,
        message=t.message,
        sent_at=format_datetime(t.sent_at),
        answer=t.answer or "",
        answered_at=format_datetime(t.answered_at),
        answered_by=t.answered_by_name or "",
        answer_draft=t.answer_draft or "",
        handled=bool(t.handled),
        handled_at=format_datetime(t.handled_at),
        complements=_complement_refs(cert.type, t.complements),
        reminder_of=t.reminder_of or "",
        reminder_of_label=(
            f"{TOPICS.get(reminded.topic, reminded.topic)}, {format_datetime(reminded.sent_at)}"
            if reminded
            else ""
        ),
        answered_with_certificate_id=t.answered_with_certificate_id or "",
        can_answer=(
            allowed
            and t.direction == FROM_FK
            and t.topic in ANSWERABLE_TOPICS
            and not t.handled
            and t.answer is None
        ),
        can_mark_handled=allowed and not t.answered_with_certificate_id,
        last_activity=last_activity(t),
    )


# --- loading and checks ----------------------------------------------------------------------
def _get_thread(s: Session, cert: Certificate, thread_id: Any) -> QuestionThread:
    if not isinstance(thread_id, str) or not thread_id or len(thread_id) > 64:
        raise NotFound("Frågan finns inte.")
    thread = s.get(QuestionThread, thread_id)
    if thread is None or thread.certificate_id != cert.id:
        raise NotFound("Frågan finns inte.")
    return thread


def _text(value: Any, what: str, field_name: str, *, required: bool = True) -> str:
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise InvalidInput(f"{what} har fel format.", field=field_name)
    text = value.strip()
    if required and not text:
        raise InvalidInput(f"Skriv {what.lower()}.", field=field_name)
    if len(text) > MAX_TEXT:
        raise InvalidInput(f"{what} får vara högst {MAX_TEXT} tecken.", field=field_name)
    return text


async def _prepared(
    user: SessionUser, certificate_id: Any, action: Action = Action.QUESTIONS
) -> Prepared:
    """Certificate + fresh PU flags + decision (PU down → PuUnavailable on raise)."""
    return await prepare(user, certificate_id, action)


async def _allowed(
    user: SessionUser, certificate_id: Any, action: Action = Action.QUESTIONS
) -> Certificate:
    """The certificate, once ``user`` may take ``action`` on it (a refusal is raised)."""
    prepared = await _prepared(user, certificate_id, action)
    prepared.decision.raise_if_denied()
    return prepared.cert


def _lock_for(key: str) -> asyncio.Lock:
    return locks.lock_for("questions:" + key)


# --- talking to Försäkringskassan -----------------------------------------------------------
async def _post_to_fk(body: dict[str, Any], what: str) -> None:
    """Send a question or answer to Försäkringskassan as SendMessageToRecipient v2 (RIV-TA);
    retried; ServiceUnavailable if down or refused. An answer that closes several questions at
    once (``alsoAnswers``) is one message per question, each with its own ``svarPa``."""
    with session_scope() as s:
        cert = s.get(Certificate, body["certificateId"])
        unit_id, patient_id = (cert.unit_id, cert.patient_id) if cert else ("", "")
    replies = [*body.get("alsoAnswers", ()), body.get("inReplyTo")]
    for n, reply_to in enumerate(replies if body.get("inReplyTo") else [None]):
        last = n == len(replies) - 1 or not body.get("inReplyTo")
        message = interop_messages.Message(
            message_id=body["id"] if last else f"{body['id']}-{n + 1}",
            certificate_id=body["certificateId"],
            unit_id=unit_id,
            personnummer=patient_id,
            topic=body["topic"],
            text=body["text"],
            in_reply_to=reply_to or "",
            sent_at=clock.now(),
            sender=_riv_sender(body.get("sender") or {}),
        )
        element = interop_messages.send_message_to_recipient(message)
        try:
            result = await recipients.call_riv(Recipient.FK, "SendMessageToRecipient", element)
        except recipients.UNREACHABLE as exc:
            raise ServiceUnavailable(
                TEXT_FK_DOWN.format(what=what), code="RECIPIENT_UNAVAILABLE"
            ) from exc
        if not result.ok:  # INFO: FK already has it (a repeated click)
            raise ServiceUnavailable(TEXT_FK_DOWN.format(what=what), code="RECIPIENT_UNAVAILABLE")


# The sender of a question or answer as its body names them, and as a RIV-TA HosPersonal.
_SENDER_KEYS = {
    "hsaId": "hsa_id",
    "name": "name",
    "unitId": "unit_id",
    "unitName": "unit_name",
    "careProviderId": "care_provider_id",
}


def _riv_sender(sender: dict[str, str]) -> dict[str, str]:
    """:func:`_sender` in the form of a RIV-TA HosPersonal."""
    return {riv: sender.get(key, "") for key, riv in _SENDER_KEYS.items()}


def _sender(user: SessionUser) -> dict[str, str]:
    staff = staff_at_unit(user)
    return {key: staff[riv] for key, riv in _SENDER_KEYS.items()}


def _open_complements(s: Session, cert: Certificate) -> list[QuestionThread]:
    return list(
        s.exec(
            select(QuestionThread)
            .where(
                QuestionThread.certificate_id == cert.id,
                QuestionThread.topic == Topic.KOMPLT,
                QuestionThread.handled == False,  # noqa: E712
            )
            .order_by(col(QuestionThread.sent_at))
        ).all()
    )


def _complemented_by(s: Session, cert: Certificate) -> Certificate | None:
    return s.exec(
        select(Certificate)
        .where(
            Certificate.parent_id == cert.id,
            Certificate.relation_kind == RelationKind.COMPLEMENT,
            col(Certificate.status).in_((CertificateStatus.SIGNED, CertificateStatus.SENT)),
        )
        .order_by(col(Certificate.signed_at).desc())
    ).first()


# --- reading ---------------------------------------------------------------------------------
async def list_threads(
    user: SessionUser, certificate_id: Any, *, audit_read: bool = True
) -> QuestionsView:
    """The Ärendekommunikation tab of a certificate: both lists, the autosaved question and
    what the user may do. PU-tjänsten down → PuUnavailable (§4.10.2)."""
    prepared = await _prepared(user, certificate_id, Action.READ)
    prepared.decision.raise_if_denied()
    cert = prepared.cert
    if cert.status.is_draft and cert.relation_kind == RelationKind.COMPLEMENT and cert.parent_id:
        return _complement_draft_view(user, cert, prepared.flags)
    decision = rights.decide(
        user, cert, Action.QUESTIONS, prepared.flags, relations=prepared.relations
    )
    unit = require_unit(user)
    with session_scope() as s:
        cert = fetch(cert.id, session=s)
        threads = list(
            s.exec(select(QuestionThread).where(QuestionThread.certificate_id == cert.id)).all()
        )
        draft = s.get(QuestionDraft, (cert.id, unit.hsa_id))
        open_draft = derived.open_complement_draft(cert.id, unit.hsa_id, session=s)
        complemented = _complemented_by(s, cert)
        if audit_read and threads:
            record(user, audit.AuditAction.READ, cert, "Ärendekommunikation", session=s)
    by_id = {t.id: t for t in threads}
    views = [_thread_view(t, cert, by_id, decision.allowed) for t in order_threads(threads)]

    def is_complement(v: ThreadView) -> bool:
        if v.topic == Topic.KOMPLT:
            return True
        reminded = by_id.get(v.reminder_of)
        return v.topic == Topic.PAMINN and reminded is not None and reminded.topic == Topic.KOMPLT

    complement_views = tuple(v for v in views if is_complement(v))
    admin_views = tuple(v for v in views if not is_complement(v))
    open_komplt = any(v.topic == Topic.KOMPLT and not v.handled for v in complement_views)
    decision_a = rights.decide_complement(user, cert, prepared.flags, relations=prepared.relations)
    decision_b = rights.decide_complement(
        user, cert, prepared.flags, relations=prepared.relations, no_more_info=True
    )
    available = cert.sent_at is not None and cert.type in rights.FK_TYPES
    framed = tuple(
        dict.fromkeys(
            c.question_id
            for v in complement_views
            if v.topic == Topic.KOMPLT and not v.handled
            for c in v.complements
        )
    )
    return QuestionsView(
        certificate_id=cert.id,
        available=available or bool(threads),
        unavailable_text=(
            ""
            if available
            else "Ärendekommunikation finns när intyget är signerat och skickat till "
            "Försäkringskassan."
        ),
        allowed=decision.allowed,
        refusal="" if decision.allowed else decision.reason,
        complement_threads=complement_views,
        admin_threads=admin_views,
        draft_topic=draft.topic if draft else "",
        draft_text=draft.text if draft else "",
        open_complement_draft_id=open_draft.id if open_draft else "",
        complemented_by_id=complemented.id if complemented else "",
        can_complement=open_komplt and decision_a.allowed,
        can_no_more_info=open_komplt and decision_b.allowed,
        no_more_info_refusal="" if decision_b.allowed else decision_b.reason,
        can_cannot_complement=open_komplt and decision.allowed,
        unhandled=sum(1 for t in threads if not t.handled),
        framed_fields=framed,
    )


def _complement_draft_view(
    user: SessionUser, draft: Certificate, flags: rights.PatientFlags
) -> QuestionsView:
    """A komplettering draft (§6.3.1 A, B): beside it, what Försäkringskassan asked for — the
    open kompletteringsbegäran of the certificate it complements, with the framed questions
    they point at. Read-only here: they are answered by signing and sending the draft."""
    with session_scope() as s:
        parent = s.get(Certificate, draft.parent_id)
        if parent is None or not rights.decide(user, parent, Action.READ, flags).allowed:
            threads: list[QuestionThread] = []
        else:
            threads = _open_complements(s, parent)
    views = tuple(_thread_view(t, parent, {}, False) for t in order_threads(threads))  # type: ignore[arg-type]
    framed = tuple(dict.fromkeys(c.question_id for v in views for c in v.complements))
    return QuestionsView(
        certificate_id=draft.id,
        available=bool(views),
        unavailable_text="" if views else "Det finns ingen obesvarad kompletteringsbegäran.",
        allowed=False,
        refusal="",
        complement_threads=views,
        admin_threads=(),
        draft_topic="",
        draft_text="",
        open_complement_draft_id="",
        complemented_by_id="",
        can_complement=False,
        can_no_more_info=False,
        no_more_info_refusal="",
        can_cannot_complement=False,
        unhandled=len(views),
        framed_fields=framed,
        complements_certificate_id=draft.parent_id or "",
    )


# --- autosave --------------------------------------------------------------------------------
def save_question_draft(user: SessionUser, certificate_id: Any, *, topic: Any, text: Any) -> str:
    """Autosave the new question being written (§6: "sparas automatiskt"). Returns the time."""
    if topic not in ("", None, *ASK_TOPICS):
        raise InvalidInput("Välj ett ämne.", field="topic")
    if text is not None and not isinstance(text, str):
        raise InvalidInput("Frågan har fel format.", field="text")
    unit = require_unit(user)
    now = clock.now()
    with session_scope() as s:
        cert = load_for_user(user, certificate_id, Action.QUESTIONS, session=s)
        draft = s.get(QuestionDraft, (cert.id, unit.hsa_id))
        if draft is None:
            draft = QuestionDraft(certificate_id=cert.id, unit_id=unit.hsa_id, updated_at=now)
        draft.topic = topic or ""
        draft.text = (text or "")[:MAX_TEXT]
        draft.updated_at = now
        draft.updated_by = user.hsa_id
        s.add(draft)
        audit.record_autosave(
            user, cert, "Fråga till Försäkringskassan (utkast)", session=s, draft="fraga"
        )
    return now.isoformat()


def save_answer_draft(user: SessionUser, certificate_id: Any, thread_id: Any, *, text: Any) -> str:
    """Autosave an answer being written to a question from FK (also the "Kan ej komplettera"
    message of a kompletteringsbegäran). Returns the time."""
    if not isinstance(text, str):
        raise InvalidInput("Svaret har fel format.", field="text")
    text = text[:MAX_TEXT]
    now = clock.now()
    with session_scope() as s:
        cert = load_for_user(user, certificate_id, Action.QUESTIONS, session=s)
        thread = _get_thread(s, cert, thread_id)
        if thread.direction != FROM_FK or thread.topic == Topic.PAMINN:
            raise rights.InvalidState("Frågan kan inte besvaras.")
        if thread.handled:
            raise rights.InvalidState("Frågan är redan hanterad.")
        thread.answer_draft = text
        s.add(thread)
        audit.record_autosave(
            user,
            cert,
            f"Svar på fråga {thread.id} (utkast)",
            session=s,
            draft="svar-" + thread.id[:12],
        )
    return now.isoformat()


# --- asking and answering --------------------------------------------------------------------
async def ask(user: SessionUser, certificate_id: Any, *, topic: Any, text: Any) -> ThreadView:
    """Administrativa frågor (§6.1): send a question to Försäkringskassan (NYFRFV)."""
    if topic not in ASK_TOPICS:
        raise InvalidInput("Välj ett ämne för frågan.", field="topic")
    body = _text(text, "Frågan", "text")
    unit = require_unit(user)
    cert = await _allowed(user, certificate_id)
    async with _lock_for(cert.id):
        thread = QuestionThread(
            certificate_id=cert.id,
            topic=topic,
            direction=TO_FK,
            message=body,
            sent_at=clock.now(),
            author_name=user.name,
        )
        await _post_to_fk(
            {
                "type": "QUESTION",
                "id": thread.id,
                "certificateId": cert.id,
                "topic": topic,
                "text": body,
                "sentAt": thread.sent_at.isoformat(),
                "sender": _sender(user),
            },
            "Frågan har inte skickats.",
        )
        with session_scope() as s:
            cert = fetch(cert.id, session=s)
            s.add(thread)
            draft = s.get(QuestionDraft, (cert.id, unit.hsa_id))
            if draft is not None:
                s.delete(draft)
            s.flush()
            record(user, audit.AuditAction.SEND, cert, f"Fråga till FK: {TOPICS[topic]}", session=s)
            notifications.enqueue(
                cert, notifications.Event.NYFRFV, session=s, questionId=thread.id, topic=topic
            )
            return _thread_view(thread, cert, {}, True)


async def answer(
    user: SessionUser, certificate_id: Any, thread_id: Any, *, text: Any
) -> QuestionThread:
    """Svara (§6.3) on a question from FK about Kontakt, Avstämningsmöte or Övrigt: the answer
    goes to FK and the question is handled (HANFRFM), with its reminders (§6.4). A repeated
    answer returns the answered thread."""
    body = _text(text, "Svaret", "text")
    cert = await _allowed(user, certificate_id)
    async with _lock_for(cert.id):
        with session_scope() as s:
            thread = _get_thread(s, cert, thread_id)
        if thread.direction != FROM_FK:
            raise rights.InvalidState("Det går inte att svara på en egen fråga.")
        if thread.topic == Topic.PAMINN:
            raise rights.InvalidState(
                "En påminnelse kan inte besvaras. Svara på frågan som påminnelsen avser."
            )
        if thread.topic == Topic.KOMPLT:
            raise rights.InvalidState(
                "En kompletteringsbegäran besvaras med Komplettera intyg eller Kan ej komplettera."
            )
        if thread.answer is not None:
            return thread
        if thread.handled:
            raise rights.InvalidState("Frågan är redan hanterad.")
        await _post_to_fk(
            {
                "type": "ANSWER",
                "id": new_id(),
                "inReplyTo": thread.external_id or thread.id,
                "certificateId": cert.id,
                "topic": thread.topic,
                "text": body,
                "sentAt": clock.now().isoformat(),
                "sender": _sender(user),
            },
            "Svaret har inte skickats.",
        )
        with session_scope() as s:
            cert = fetch(cert.id, session=s)
            thread = _get_thread(s, cert, thread.id)
            now = clock.now()
            thread.answer = body
            thread.answered_at = now
            thread.answered_by_name = user.name
            thread.answer_draft = ""
            record(
                user, audit.AuditAction.SEND, cert, f"Svar till FK på fråga {thread.id}", session=s
            )
            set_handled(cert, thread, now, session=s)
            return thread


async def mark_handled(
    user: SessionUser, certificate_id: Any, thread_id: Any, *, handled: Any = True
) -> QuestionThread:
    """The "Hanterad" box: an answer from FK read (§6.2) or a question handled outside Webcert
    (§6.3.5). HANFRFV for our question, HANFRFM for FK's; reminders follow (§6.4). Unticking
    reopens a thread not yet answered."""
    if not isinstance(handled, bool):
        raise InvalidInput("Ange om frågan är hanterad.", field="handled")
    cert = await _allowed(user, certificate_id)
    with session_scope() as s:
        cert = fetch(cert.id, session=s)
        thread = _get_thread(s, cert, thread_id)
        if thread.handled == handled:
            return thread
        if handled:
            record(user, audit.AuditAction.WRITE, cert, f"Fråga {thread.id} hanterad", session=s)
            set_handled(cert, thread, clock.now(), session=s)
            return thread
        if thread.answered_with_certificate_id or (
            thread.direction == FROM_FK and thread.answer is not None
        ):
            raise rights.InvalidState("Frågan är besvarad och kan inte markeras som ohanterad.")
        thread.handled = False
        thread.handled_at = None
        s.add(thread)
        record(user, audit.AuditAction.WRITE, cert, f"Fråga {thread.id} ej hanterad", session=s)
        return thread


# --- komplettering (§6.3.1-§6.3.4) ------------------------------------------------------------
async def _complement_checks(
    user: SessionUser, certificate_id: Any, *, no_more_info: bool
) -> Certificate:
    prepared = await _prepared(user, certificate_id)
    rights.decide_complement(
        user,
        prepared.cert,
        prepared.flags,
        relations=prepared.relations,
        no_more_info=no_more_info,
    ).raise_if_denied()
    with session_scope() as s:
        cert = fetch(prepared.cert.id, session=s)
        if not _open_complements(s, cert):
            raise rights.InvalidState("Det finns ingen obesvarad kompletteringsbegäran.")
    return cert


async def complement_with_new_certificate(user: SessionUser, certificate_id: Any) -> Certificate:
    """A. Komplettera intyg: a copy of the certificate as a new draft (or the open one, §6.3.2).
    The kompletteringsbegäran are handled when the new certificate is signed and sent."""
    cert = await _complement_checks(user, certificate_id, no_more_info=False)
    return await derived.complement(user, cert.id)


async def cannot_complement_no_more_info(
    user: SessionUser, certificate_id: Any, *, comment: Any
) -> Certificate:
    """B. Kan ej komplettera – Ingen ytterligare medicinsk information kan anges (läkare/
    tandläkare only): a new draft with the comment in "Övriga upplysningar", to sign and send."""
    text = _text(comment, "Kommentaren", "comment")
    cert = await _complement_checks(user, certificate_id, no_more_info=True)
    draft = await derived.complement(user, cert.id)
    definition = get_definition(draft.type)
    try:
        definition.question(OVRIGT_FIELD)
    except KeyError as exc:  # every FK type complemented here has it
        raise rights.InvalidState("Intygstypen saknar fältet Övriga upplysningar.") from exc
    content = dict(draft.content or {})
    existing = content.get(OVRIGT_FIELD)
    existing = existing.strip() if isinstance(existing, str) else ""
    if text not in existing:
        content[OVRIGT_FIELD] = f"{existing}\n\n{text}" if existing else text
        drafts.save_draft(user, draft.id, content=content, expected_version=draft.version)
    with session_scope() as s:
        for thread in _open_complements(s, cert):
            thread.answer_draft = ""
            s.add(thread)
        draft = fetch(draft.id, session=s)
    return draft


async def cannot_complement_no_one_responsible(
    user: SessionUser, certificate_id: Any, *, message: Any
) -> list[str]:
    """C. Kan ej komplettera – Ingen på vårdenheten kan ansvara för det medicinska innehållet:
    one message to FK answers every open kompletteringsbegäran (§6.3.3), all handled.
    Every role. Returns the ids answered."""
    text = _text(message, "Meddelandet", "message")
    cert = await _allowed(user, certificate_id)
    async with _lock_for(cert.id):
        with session_scope() as s:
            open_threads = _open_complements(s, cert)
        if not open_threads:
            raise rights.InvalidState("Det finns ingen obesvarad kompletteringsbegäran.")
        await _post_to_fk(
            {
                "type": "ANSWER",
                "id": new_id(),
                "inReplyTo": open_threads[-1].external_id or open_threads[-1].id,
                "alsoAnswers": [t.external_id or t.id for t in open_threads[:-1]],
                "certificateId": cert.id,
                "topic": Topic.KOMPLT,
                "text": text,
                "reason": "INGEN_KAN_ANSVARA",
                "sentAt": clock.now().isoformat(),
                "sender": _sender(user),
            },
            "Svaret har inte skickats.",
        )
        with session_scope() as s:
            cert = fetch(cert.id, session=s)
            now = clock.now()
            ids = []
            for thread in _open_complements(s, cert):
                thread.answer = text
                thread.answered_at = now
                thread.answered_by_name = user.name
                thread.answer_draft = ""
                set_handled(cert, thread, now, session=s)
                ids.append(thread.id)
            record(
                user, audit.AuditAction.SEND, cert, "Svar till FK: kan ej komplettera", session=s
            )
            return ids


# --- inbound: SendMessageToCare ---------------------------------------------------------------
def _in_str(body: dict[str, Any], key: str, *, required: bool = True, max_len: int = 64) -> str:
    value = body.get(key)
    if value is None or value == "":
        if required:
            raise InvalidInput(f"{key} saknas.", field=key)
        return ""
    if not isinstance(value, str):
        raise InvalidInput(f"{key} måste vara en sträng.", field=key)
    if len(value) > max_len:
        raise InvalidInput(f"{key} får vara högst {max_len} tecken.", field=key)
    return value


def _validated_complements(cert: Certificate, raw: Any) -> list[dict[str, Any]]:
    if raw is None:
        return []
    if not isinstance(raw, list) or len(raw) > MAX_COMPLEMENTS:
        raise InvalidInput(
            f"complements måste vara en lista med högst {MAX_COMPLEMENTS} fält.",
            field="complements",
        )
    index = _field_index(cert.type)
    result = []
    for i, item in enumerate(raw):
        where = f"complements[{i}]"
        if not isinstance(item, dict):
            raise InvalidInput("Varje komplettering måste vara ett objekt.", field=where)
        ref = item.get("questionId", item.get("frageId"))
        if not isinstance(ref, str) or not ref:
            raise InvalidInput("questionId saknas.", field=where + ".questionId")
        entry = index.get(ref)
        if entry is None:
            raise InvalidInput(
                f"Intyget har ingen fråga {ref!r} att komplettera.", field=where + ".questionId"
            )
        text = item.get("text", "")
        if not isinstance(text, str) or len(text) > MAX_TEXT:
            raise InvalidInput(f"Texten får vara högst {MAX_TEXT} tecken.", field=where + ".text")
        result.append({"question_id": entry[0], "ref": entry[1], "text": text.strip()})
    return result


def _thread_by_reference(s: Session, cert: Certificate, ref: str) -> QuestionThread | None:
    """A thread of the certificate by our id or FK's id."""
    thread = s.get(QuestionThread, ref)
    if thread is None:
        thread = s.exec(select(QuestionThread).where(QuestionThread.external_id == ref)).first()
    if thread is None or thread.certificate_id != cert.id:
        return None
    return thread


def receive_message(payload: Any) -> dict[str, Any]:
    """A message from Försäkringskassan (SendMessageToCare): a new question (NYFRFM), a
    reminder (PAMINN, ``reminderOf``), or an answer to our question (``inReplyTo``, NYSVFM).

    Body: ``id`` (FK's message id, unique), ``certificateId``, ``topic``, ``text``, optional
    ``subject``, ``complements`` [{``questionId`` (our id or the form's number), ``text``}]
    (Komplettering), ``reminderOf`` and ``inReplyTo`` (our or FK's question id), ``sentAt``.
    Everything is validated first: an unknown certificate, a certificate not sent to FK, a bad
    topic, a too long text, an unknown field or a repeated id → a typed error and nothing is
    stored. A question arriving after revocation is handled at once, except for FK7263
    (§4.9.1). Returns ``{"id", "certificateId", "kind"}``.
    """
    if not isinstance(payload, dict):
        raise InvalidInput("Meddelandet måste vara ett JSON-objekt.", field="$")
    cert_id = _in_str(payload, "certificateId")
    topic = _in_str(payload, "topic", max_len=16)
    if topic not in TOPICS:
        raise InvalidInput(
            "Okänt ämne. Giltiga: " + ", ".join(TOPICS) + ".", field="topic", code="INVALID_TOPIC"
        )
    text = _in_str(payload, "text", max_len=10 * MAX_TEXT).strip()
    if not text:
        raise InvalidInput("text saknas.", field="text")
    if len(text) > MAX_TEXT:
        raise InvalidInput(
            f"Texten får vara högst {MAX_TEXT} tecken.", field="text", code="TEXT_TOO_LONG"
        )
    external_id = _in_str(payload, "id", required=False, max_len=MAX_EXTERNAL_ID) or None
    subject = _in_str(payload, "subject", required=False, max_len=MAX_SUBJECT)
    reminder_ref = _in_str(payload, "reminderOf", required=False, max_len=MAX_EXTERNAL_ID)
    reply_ref = _in_str(payload, "inReplyTo", required=False, max_len=MAX_EXTERNAL_ID)
    if topic == Topic.PAMINN and not reminder_ref:
        raise InvalidInput(
            "En påminnelse måste ange frågan den avser (reminderOf).", field="reminderOf"
        )
    if topic != Topic.PAMINN and reminder_ref:
        raise InvalidInput("reminderOf gäller endast ämnet Påminnelse.", field="reminderOf")
    if topic != Topic.KOMPLT and payload.get("complements"):
        raise InvalidInput("complements gäller endast ämnet Komplettering.", field="complements")
    now = clock.now()
    with session_scope() as s:
        cert = s.get(Certificate, cert_id)
        if cert is None:
            raise NotFound("Intyget finns inte.", code="CERTIFICATE_NOT_FOUND")
        if cert.type not in rights.FK_TYPES or cert.sent_at is None:
            raise rights.InvalidState(
                "Intyget är inte skickat till Försäkringskassan.", code="NOT_SENT_TO_FK"
            )
        if (
            external_id
            and s.exec(
                select(QuestionThread.id).where(QuestionThread.external_id == external_id)
            ).first()
        ):
            raise Conflict("Meddelandet är redan mottaget.", code="DUPLICATE_MESSAGE")
        complements = _validated_complements(cert, payload.get("complements"))
        if topic == Topic.KOMPLT and not complements:
            raise InvalidInput(
                "En kompletteringsbegäran måste ange minst en fråga (complements).",
                field="complements",
            )
        if reply_ref:  # FK answers our question (§6.2)
            question = _thread_by_reference(s, cert, reply_ref)
            if question is None or question.direction != TO_FK:
                raise NotFound("Frågan som svaret avser finns inte.", code="QUESTION_NOT_FOUND")
            if question.answer is not None:
                raise Conflict("Frågan är redan besvarad.", code="ALREADY_ANSWERED")
            question.answer = text
            question.answered_at = now
            question.answered_by_name = FK_NAME
            s.add(question)
            s.flush()
            _system_audit(s, cert, f"Svar från FK på fråga {question.id}")
            notifications.enqueue(
                cert,
                notifications.Event.NYSVFM,
                session=s,
                questionId=question.id,
                topic=question.topic,
            )
            return {"id": question.id, "certificateId": cert.id, "kind": "ANSWER"}
        reminded: QuestionThread | None = None
        if reminder_ref:
            reminded = _thread_by_reference(s, cert, reminder_ref)
            if reminded is None or reminded.topic == Topic.PAMINN:
                raise NotFound(
                    "Frågan som påminnelsen avser finns inte.", code="QUESTION_NOT_FOUND"
                )
        thread = QuestionThread(
            certificate_id=cert.id,
            external_id=external_id,
            topic=topic,
            direction=FROM_FK,
            subject=subject,
            message=text,
            sent_at=now,
            author_name=FK_NAME,
            complements=complements,
            reminder_of=reminded.id if reminded else None,
        )
        s.add(thread)
        s.flush()
        _system_audit(s, cert, f"Fråga från FK: {TOPICS[topic]}")
        notifications.enqueue(
            cert, notifications.Event.NYFRFM, session=s, questionId=thread.id, topic=topic
        )
        revoked = cert.status == CertificateStatus.REVOKED
        if (revoked and rights.questions_auto_handled_after_revoke(cert.type)) or (
            reminded is not None and reminded.handled
        ):
            set_handled(cert, thread, now, session=s)  # §4.9.1; a reminder of a handled question
        return {"id": thread.id, "certificateId": cert.id, "kind": "QUESTION"}


def _system_audit(s: Session, cert: Certificate, detail: str) -> None:
    audit.record(
        session=s,
        user_id="system:forsakringskassan",
        user_name=FK_NAME,
        role="MOTTAGARE",
        unit_id=cert.unit_id,
        unit_name=cert.unit_name,
        care_provider_id=cert.care_provider_id,
        care_provider_name=cert.care_provider_name,
        action=audit.AuditAction.WRITE,
        certificate_id=cert.id,
        patient_id=cert.patient_id,
        resource_unit_id=cert.unit_id,
        resource_care_provider_id=cert.care_provider_id,
        system=audit.System("FK", FK_NAME),
        detail=detail,
    )
