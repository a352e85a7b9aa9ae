"""Notifications to the care unit's EHR (manual §7), through a transactional outbox.

Every action that changes a certificate or a question thread calls :func:`enqueue` with the
same database session as the change, so the notification is committed with it (or not at
all). The delivery worker (:func:`deliver_pending`, run periodically by :func:`run_forever`)
POSTs each row as JSON to the webhook of the EHR system that serves the unit, signed with
``X-Webcert-Signature: sha256=<hex HMAC-SHA256 of the body>``.

Guarantees:

- at least once: a row is marked delivered only after a 2xx answer; on failure it is retried
  after 1 min, 5 min, 1 h, 6 h, 12 h and 1 day (Webcert's schedule) and then flagged
  ``failed`` (kept for an operator; later events of the certificate then go on);
- in order per certificate: only the oldest undelivered row of a certificate is ever sent, so
  later events wait while an earlier one waits for its retry;
- no two workers send the same row at the same time: a worker claims a row with a
  compare-and-set on its attempt counter (``UPDATE ... WHERE id = ? AND attempts = ?``) that
  also leases it (``next_attempt_at = now + lease``); a crashed worker's lease runs out;
- "utkast ändrat" (ANDRAT) is coalesced: it waits ``notification_coalesce_seconds`` for more
  edits, and while it is the newest undelivered event of its certificate further edits only
  refresh it instead of adding rows, so typing does not flood the EHR.

The receiver should de-duplicate on ``notificationId`` (also sent as ``X-Webcert-Delivery``).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

import httpx
from sqlalchemy import and_, case, exists, func, update
from sqlalchemy.orm import aliased
from sqlmodel import Session, col, select

from services import clock
from services.certificate_summary import certificate_summary
from services.interop import status_updates
from services.notification_signature import (  # noqa: F401 (verify_signature: re-exported)
    ATTEMPT_HEADER,
    DELIVERY_HEADER,
    EVENT_HEADER,
    SIGNATURE_HEADER,
    sign,
    verify_signature,
)
from services.persistence.db import session_scope
from services.persistence.models import Certificate, NotificationOutbox, QuestionThread
from services.settings import EhrSystem, get_settings

log = logging.getLogger(__name__)

# Webcert's retry schedule after the 1st, 2nd, ... failed attempt; then the row is flagged.
RETRY_SCHEDULE: tuple[timedelta, ...] = (
    timedelta(minutes=1),
    timedelta(minutes=5),
    timedelta(hours=1),
    timedelta(hours=6),
    timedelta(hours=12),
    timedelta(days=1),
)
# How long a claimed row is reserved for the worker sending it (longer than any HTTP call).
LEASE = timedelta(minutes=2)
MAX_CONCURRENT_SENDS = 8


class Event(StrEnum):
    """Today's event codes (§7) — the legacy HAN codes are in LEGACY_CODES."""

    SKAPAT = "SKAPAT"  # Intygsutkast skapat
    KFSIGN = "KFSIGN"  # Intygsutkast markerat klart för signering
    SIGNAT = "SIGNAT"  # Intyg signerat
    SKICKA = "SKICKA"  # Intyg skickat till mottagaren
    RADERA = "RADERA"  # Intygsutkast raderat
    MAKULE = "MAKULE"  # Intyg makulerat
    NYFRFV = "NYFRFV"  # Ny fråga till Försäkringskassan (från vården)
    NYFRFM = "NYFRFM"  # Ny fråga från Försäkringskassan (från mottagaren)
    NYSVFM = "NYSVFM"  # Nytt svar från Försäkringskassan
    HANFRFM = "HANFRFM"  # Hanterad fråga från Försäkringskassan
    HANFRFV = "HANFRFV"  # Hanterat svar från Försäkringskassan (fråga från vården)
    ANDRAT = "ANDRAT"  # Intygsutkast ändrat


LEGACY_CODES: dict[Event, str] = {
    Event.SKAPAT: "HAN1",
    Event.SIGNAT: "HAN2",
    Event.SKICKA: "HAN3",
    Event.ANDRAT: "HAN11",
    Event.RADERA: "HAN4",
    Event.MAKULE: "HAN5",
    Event.NYFRFM: "HAN6",
    Event.NYSVFM: "HAN7",
    Event.NYFRFV: "HAN8",
    Event.HANFRFM: "HAN9",
    Event.HANFRFV: "HAN10",
}

EVENT_LABELS: dict[Event, str] = {
    Event.SKAPAT: "Intygsutkast skapat",
    Event.KFSIGN: "Intygsutkast markerat klart för signering",
    Event.SIGNAT: "Intyg signerat",
    Event.SKICKA: "Intyg skickat till mottagaren",
    Event.RADERA: "Intygsutkast raderat",
    Event.MAKULE: "Intyg makulerat",
    Event.NYFRFV: "Ny fråga till Försäkringskassan",
    Event.NYFRFM: "Ny fråga från Försäkringskassan",
    Event.NYSVFM: "Nytt svar från Försäkringskassan",
    Event.HANFRFM: "Hanterad fråga från Försäkringskassan",
    Event.HANFRFV: "Hanterat svar från Försäkringskassan",
    Event.ANDRAT: "Intygsutkast ändrat",
}


# --- outbox -------------------------------------------------------------------------------
def question_counts(certificate_id: str, *, session: Session) -> dict[str, dict[str, int]]:
    """Q&A counts of a certificate: questions from FK and questions to FK (sent by care)."""
    return question_counts_for([certificate_id], session=session).get(
        certificate_id, _no_questions()
    )


def question_counts_for(
    certificate_ids: list[str], *, session: Session
) -> dict[str, dict[str, dict[str, int]]]:
    """Q&A counts of many certificates in one query (ids without threads get zeros)."""
    result = {i: _no_questions() for i in certificate_ids}
    if not certificate_ids:
        return result
    rows = session.exec(
        select(
            QuestionThread.certificate_id,
            QuestionThread.direction,
            func.count(),
            func.sum(_as_int(col(QuestionThread.answer).is_not(None))),
            func.sum(_as_int(col(QuestionThread.handled))),
        )
        .where(col(QuestionThread.certificate_id).in_(certificate_ids))
        .group_by(QuestionThread.certificate_id, QuestionThread.direction)
    ).all()
    for cert_id, direction, total, answered, handled in rows:
        key = "fromFk" if direction == "FROM_FK" else "toFk"
        total, answered, handled = int(total or 0), int(answered or 0), int(handled or 0)
        result[cert_id][key] = {
            "total": total,
            "answered": answered,
            "unanswered": total - answered,
            "handled": handled,
            "unhandled": total - handled,
        }
    return result


def _no_questions() -> dict[str, dict[str, int]]:
    return {"fromFk": _empty_counts(), "toFk": _empty_counts()}


def _as_int(condition: Any) -> Any:
    return case((condition, 1), else_=0)


def _empty_counts() -> dict[str, int]:
    return {"total": 0, "answered": 0, "unanswered": 0, "handled": 0, "unhandled": 0}


def _payload(
    session: Session, cert: Certificate, event: Event, now: datetime, extra: dict[str, Any]
) -> dict[str, Any]:
    # The same facts as the API's summary, under the notification's field names (docs/api.md).
    # A draft has no questions (only a certificate sent to FK has, services.questions): its
    # counts are zeros without asking the database (every autosave's ANDRAT comes here).
    counts = _no_questions() if cert.status.is_draft else question_counts(cert.id, session=session)
    summary = certificate_summary(cert, counts)
    return {
        "event": event.value,
        "legacyEvent": LEGACY_CODES.get(event),
        "eventLabel": EVENT_LABELS[event],
        "time": now.isoformat(),
        "certificateId": summary["id"],
        "certificateType": summary["type"],
        "certificateTypeVersion": summary["typeVersion"],
        "status": summary["status"],
        "patientId": cert.patient_id,
        "patient": summary["patient"],
        "unitId": summary["unitId"],
        "unitName": summary["unitName"],
        "careProviderId": summary["careProviderId"],
        "ref": summary["ref"],
        "questions": summary["questions"],
        **extra,
    }


def enqueue(cert: Certificate, event: Event, *, session: Session, **extra: object) -> None:
    """Add a notification for ``cert`` to the outbox in ``session`` (same transaction).

    ANDRAT is coalesced: while the newest undelivered notification of the certificate is an
    ANDRAT that no worker has picked up yet, it is refreshed instead of adding another.
    """
    event = Event(event)
    now = clock.now()
    payload = _payload(session, cert, event, now, dict(extra))
    if event is Event.ANDRAT:
        newest = session.exec(
            select(NotificationOutbox)
            .where(
                NotificationOutbox.certificate_id == cert.id,
                col(NotificationOutbox.delivered_at).is_(None),
                col(NotificationOutbox.failed).is_(False),
            )
            .order_by(col(NotificationOutbox.id).desc())
            .limit(1)
        ).first()
        if newest is not None and newest.event == Event.ANDRAT.value and newest.attempts == 0:
            # Conditional: if a worker claimed it meanwhile (attempts > 0), add a new row.
            result = session.execute(
                update(NotificationOutbox)
                .where(
                    col(NotificationOutbox.id) == newest.id,
                    col(NotificationOutbox.attempts) == 0,
                    col(NotificationOutbox.delivered_at).is_(None),
                )
                .values(payload=payload)
                .execution_options(synchronize_session=False)
            )
            if result.rowcount == 1:
                session.expire(newest)
                return
    delay = (
        timedelta(seconds=get_settings().notification_coalesce_seconds)
        if event is Event.ANDRAT
        else timedelta(0)
    )
    session.add(
        NotificationOutbox(
            certificate_id=cert.id,
            unit_id=cert.unit_id,
            event=event.value,
            legacy_event=LEGACY_CODES.get(event),
            payload=payload,
            created_at=now,
            next_attempt_at=now + delay,
        )
    )
    from services import smart_writeback  # a SMART-launched patient: the PDF to the EHR too

    smart_writeback.enqueue_document(cert, event.value, session=session)


def webhook_for(unit_id: str) -> EhrSystem | None:
    """The EHR system notified about ``unit_id``: one naming the unit, else one for "*"."""
    systems = [s for s in get_settings().ehr_system_list() if s.wants_json or s.wants_riv]
    exact = next((s for s in systems if unit_id in s.units), None)
    return exact or next((s for s in systems if "*" in s.units), None)


# --- delivery -----------------------------------------------------------------------------
@dataclass
class DeliveryReport:
    """What one run of :func:`deliver_pending` did (row ids, in the order handled)."""

    delivered: list[int] = field(default_factory=list)
    retry_scheduled: list[int] = field(default_factory=list)
    failed: list[int] = field(default_factory=list)  # gave up: flagged failed
    skipped: list[int] = field(default_factory=list)  # no EHR webhook for the unit
    lost_claims: int = 0  # rows another worker claimed first

    @property
    def attempted(self) -> int:
        return len(self.delivered) + len(self.retry_scheduled) + len(self.failed)


@dataclass(frozen=True)
class _Claimed:
    id: int
    attempts: int  # after the claim (1 for the first attempt)
    event: str
    unit_id: str
    payload: dict[str, Any]


def _due_heads(now: datetime, limit: int) -> list[tuple[int, int]]:
    """(id, attempts) of due rows that are the oldest undelivered row of their certificate."""
    earlier = aliased(NotificationOutbox)
    with session_scope() as s:
        rows = s.exec(
            select(NotificationOutbox.id, NotificationOutbox.attempts)
            .where(
                col(NotificationOutbox.delivered_at).is_(None),
                col(NotificationOutbox.failed).is_(False),
                col(NotificationOutbox.next_attempt_at) <= now,
                ~exists().where(
                    and_(
                        earlier.certificate_id == NotificationOutbox.certificate_id,
                        earlier.id < NotificationOutbox.id,
                        earlier.delivered_at.is_(None),
                        earlier.failed.is_(False),
                    )
                ),
            )
            .order_by(col(NotificationOutbox.id))
            .limit(limit)
        ).all()
    return [(int(i), int(a)) for i, a in rows]


def next_batch(now: datetime | None = None, limit: int = 200) -> list[tuple[int, int]]:
    """(id, attempts) of the rows a delivery run sends next: due, and the oldest undelivered
    row of their certificate (bench/bench_million.py times it on a large outbox)."""
    return _due_heads(now or clock.now(), limit)


def _claim(row_id: int, attempts: int, now: datetime) -> _Claimed | None:
    """Compare-and-set claim: exactly one worker wins a given attempt of a row."""
    with session_scope() as s:
        result = s.execute(
            update(NotificationOutbox)
            .where(
                col(NotificationOutbox.id) == row_id,
                col(NotificationOutbox.attempts) == attempts,
                col(NotificationOutbox.delivered_at).is_(None),
                col(NotificationOutbox.failed).is_(False),
                col(NotificationOutbox.next_attempt_at) <= now,
            )
            .values(attempts=attempts + 1, next_attempt_at=now + LEASE)
            .execution_options(synchronize_session=False)
        )
        if result.rowcount != 1:
            return None
        row = s.get(NotificationOutbox, row_id)
        assert row is not None
        return _Claimed(row_id, attempts + 1, row.event, row.unit_id, dict(row.payload))


def _finish(claimed: _Claimed, now: datetime, error: str | None, *, skip: bool = False) -> str:
    """Record the outcome of an attempt; returns "delivered", "retry", "failed" or "skipped"."""
    table = NotificationOutbox
    with session_scope() as s:
        if error is None or skip:
            s.execute(
                update(table)
                .where(col(table.id) == claimed.id, col(table.delivered_at).is_(None))
                .values(delivered_at=now, last_error=error)
                .execution_options(synchronize_session=False)
            )
            return "skipped" if skip else "delivered"
        values: dict[str, Any] = {"last_error": error[:1000]}
        if claimed.attempts > len(RETRY_SCHEDULE):
            values["failed"] = True
            outcome = "failed"
        else:
            values["next_attempt_at"] = now + RETRY_SCHEDULE[claimed.attempts - 1]
            outcome = "retry"
        s.execute(
            update(table)
            .where(
                col(table.id) == claimed.id,
                col(table.attempts) == claimed.attempts,
                col(table.delivered_at).is_(None),
            )
            .values(**values)
            .execution_options(synchronize_session=False)
        )
        return outcome


def notification_body(claimed_id: int, payload: dict[str, Any]) -> bytes:
    """The exact bytes POSTed (and signed) for an outbox row."""
    body = {**payload, "notificationId": claimed_id}
    return json.dumps(body, ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode()


async def _send(client: httpx.AsyncClient, claimed: _Claimed) -> tuple[str | None, bool]:
    """POST one notification; returns (error or None, skipped-for-no-webhook)."""
    from services import smart_writeback

    if claimed.event == smart_writeback.EVENT:  # a DocumentReference to a SMART EHR
        return await smart_writeback.deliver(client, claimed.payload), False
    system = webhook_for(claimed.unit_id)
    if system is None or not (system.wants_json or system.wants_riv):
        return "Inget journalsystem tar emot notifieringar för vårdenheten.", True
    if system.wants_riv:  # CertificateStatusUpdateForCare v3 (services.interop.status_updates)
        error = await status_updates.deliver(client, system, claimed.id, claimed.payload)
        if error or not system.wants_json:
            return error, False
    if not system.webhook_url:
        return None, False
    body = notification_body(claimed.id, claimed.payload)
    headers = {
        "Content-Type": "application/json; charset=utf-8",
        SIGNATURE_HEADER: sign(body, system.hmac_secret),
        EVENT_HEADER: claimed.event,
        DELIVERY_HEADER: str(claimed.id),
        ATTEMPT_HEADER: str(claimed.attempts),
    }
    try:
        response = await client.post(system.webhook_url, content=body, headers=headers)
    except httpx.HTTPError as exc:
        return f"{type(exc).__name__}: {exc}"[:1000], False
    if response.is_success:
        return None, False
    return f"HTTP {response.status_code}: {response.text[:200]}", False


async def deliver_pending(
    *, now: datetime | None = None, client: httpx.AsyncClient | None = None, limit: int = 200
) -> DeliveryReport:
    """Send every due notification once (in order per certificate) and record the outcome.

    ``now`` defaults to the application clock (tests inject a simulated time); ``client``
    defaults to a fresh httpx.AsyncClient. Rounds repeat while deliveries unblock later
    events of the same certificates, up to ``limit`` sends in total.
    """
    report = DeliveryReport()
    own_client = client is None
    http = client or httpx.AsyncClient(timeout=get_settings().http_timeout_seconds)
    semaphore = asyncio.Semaphore(MAX_CONCURRENT_SENDS)
    try:
        seen: set[tuple[int, int]] = set()
        while report.attempted + len(report.skipped) < limit:
            at = now or clock.now()
            heads = [h for h in await asyncio.to_thread(_due_heads, at, limit) if h not in seen]
            if not heads:
                break
            seen.update(heads)

            async def one(row_id: int, attempts: int, at: datetime = at) -> tuple[str, int]:
                async with semaphore:
                    claimed = await asyncio.to_thread(_claim, row_id, attempts, at)
                    if claimed is None:
                        return "lost", row_id
                    error, skip = await _send(http, claimed)
                    done_at = now or clock.now()
                    outcome = await asyncio.to_thread(_finish, claimed, done_at, error, skip=skip)
                    if error and not skip:
                        log.info("notification %s attempt %s: %s", row_id, claimed.attempts, error)
                    return outcome, row_id

            results = await asyncio.gather(*(one(i, a) for i, a in heads))
            progressed = False
            for outcome, row_id in results:
                if outcome == "lost":
                    report.lost_claims += 1
                elif outcome == "delivered":
                    report.delivered.append(row_id)
                    progressed = True
                elif outcome == "skipped":
                    report.skipped.append(row_id)
                    progressed = True
                elif outcome == "retry":
                    report.retry_scheduled.append(row_id)
                else:
                    report.failed.append(row_id)
                    progressed = True
            if not progressed:
                break
    finally:
        if own_client:
            await http.aclose()
    return report


async def run_forever(stop_event: asyncio.Event | None = None) -> None:
    """Deliver notifications every ``notification_poll_seconds`` until ``stop_event`` is set.

    Registered as a Reflex lifespan task (cancelled at shutdown). Safe to run in every backend
    worker at once: rows are claimed with a compare-and-set.
    """
    stop = stop_event or asyncio.Event()
    async with httpx.AsyncClient(timeout=get_settings().http_timeout_seconds) as client:
        while not stop.is_set():
            try:
                await deliver_pending(client=client)
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("notification delivery failed; trying again later")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), get_settings().notification_poll_seconds)
