"""Marking question threads handled (manual §4.6, §4.9.1, §6.3.3, §6.3.4, §6.4): the one place.

Used by :mod:`services.questions` (the Ärendekommunikation actions) and by the lifecycle verbs
that handle questions as a side effect: signing a renewal (:mod:`services.signing`), sending a
complementing certificate and revoking (:mod:`services.sending`). Every function works inside
the caller's transaction (``s``) so that the change and its notifications commit together.
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, select

from services import clock, notifications
from services.labelled import LabelledEnum
from services.persistence.models import Certificate, QuestionThread


class Topic(LabelledEnum):
    """The topic (ämne) of a question thread (§6): RIV-TA's KV_AMNE code and its name."""

    AVSTMN = "AVSTMN", "Avstämningsmöte"
    KOMPLT = "KOMPLT", "Komplettering"
    KONTKT = "KONTKT", "Kontakt"
    OVRIGT = "OVRIGT", "Övrigt"
    PAMINN = "PAMINN", "Påminnelse"


# Directions: a question the care unit asked, a question from Försäkringskassan.
TO_FK, FROM_FK = "TO_FK", "FROM_FK"


def event_for(thread: QuestionThread) -> notifications.Event:
    """HANFRFM for a question from FK, HANFRFV for our own."""
    if thread.direction == FROM_FK:
        return notifications.Event.HANFRFM
    return notifications.Event.HANFRFV


def set_handled(
    cert: Certificate, thread: QuestionThread, now: datetime, *, session: Session
) -> None:
    """Mark one thread handled (+ its notification) and every open reminder of it (§6.4)."""
    thread.handled = True
    thread.handled_at = now
    session.add(thread)
    session.flush()
    notifications.enqueue(
        cert, event_for(thread), session=session, questionId=thread.id, topic=thread.topic
    )
    reminders = session.exec(
        select(QuestionThread).where(
            QuestionThread.certificate_id == cert.id,
            QuestionThread.reminder_of == thread.id,
            QuestionThread.handled == False,  # noqa: E712
        )
    ).all()
    for reminder in reminders:
        set_handled(cert, reminder, now, session=session)


def handle_complement_requests(
    certificate_id: str, *, session: Session, answered_with: str | None = None
) -> list[str]:
    """Mark every open kompletteringsbegäran of ``certificate_id`` handled (§6.3.3), with
    ``answered_with`` (the complementing certificate, §6.3.4) when given; administrative
    questions stay open (§4.6). Returns the ids handled. Called by signing.sign (renewal)
    and sending.send (a complementing certificate) in their transaction."""
    cert = session.get(Certificate, certificate_id)
    if cert is None:
        return []
    now = clock.now()
    threads = session.exec(
        select(QuestionThread).where(
            QuestionThread.certificate_id == certificate_id,
            QuestionThread.topic == Topic.KOMPLT,
            QuestionThread.handled == False,  # noqa: E712
        )
    ).all()
    for thread in threads:
        if answered_with:
            thread.answered_with_certificate_id = answered_with
            thread.answer_draft = ""
        set_handled(cert, thread, now, session=session)
    return [t.id for t in threads]


def handle_all_questions(cert: Certificate, *, session: Session) -> None:
    """§4.9.1: every open question thread is marked handled when the certificate is revoked."""
    now = clock.now()
    threads = session.exec(
        select(QuestionThread).where(
            QuestionThread.certificate_id == cert.id,
            QuestionThread.handled == False,  # noqa: E712
        )
    ).all()
    for thread in threads:
        if not thread.handled:  # a reminder is handled with the question it reminds about
            set_handled(cert, thread, now, session=session)
