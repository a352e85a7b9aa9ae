"""Notifications to the EHR (§7): outbox, delivery, retries, order, signatures, coalescing.

Time is injected (``deliver_pending(now=...)``), so a day-long EHR outage takes no real time.
The webhook is the demo EHR simulator over real HTTP, or an httpx MockTransport where a test
needs to see the raw requests. SQLite and PostgreSQL (migrated_db).
"""

from __future__ import annotations

import asyncio
import json
from collections import defaultdict
from datetime import datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlmodel import col, select

from services import clock, lifecycle, notifications
from services.notifications import LEGACY_CODES, RETRY_SCHEDULE, Event
from services.persistence.db import session_scope
from services.persistence.models import (
    Certificate,
    CertificateStatus,
    NotificationOutbox,
    QuestionThread,
)
from services.settings import get_settings
from tests.factories import (
    ADMIN,
    OTHER_UNIT,
    TOLVAN,
    UNIT,
    complete_fk7804,
    login,
    stored_row,
)

# --------------------------------------------------------------------------- helpers


def enqueue(cert: Certificate, event: Event, **extra: Any) -> None:
    with session_scope() as s:
        notifications.enqueue(cert, event, session=s, **extra)


def outbox(cert_id: str | None = None) -> list[NotificationOutbox]:
    with session_scope() as s:
        stmt = select(NotificationOutbox).order_by(col(NotificationOutbox.id))
        if cert_id:
            stmt = stmt.where(NotificationOutbox.certificate_id == cert_id)
        return list(s.exec(stmt).all())


def next_due() -> datetime | None:
    """When the worker has something to do next: the earliest due oldest-pending row."""
    heads: dict[str, datetime] = {}
    for row in outbox():
        if row.delivered_at is None and not row.failed:
            heads.setdefault(row.certificate_id, row.next_attempt_at)
    return min(heads.values(), default=None)


async def run_until(
    end: datetime, start: datetime, client: httpx.AsyncClient | None = None
) -> datetime:
    """Run the worker at every due time from ``start`` until ``end`` (simulated clock)."""
    now = start
    for _ in range(500):
        await notifications.deliver_pending(now=now, client=client)
        due = next_due()
        if due is None or due > end:
            return now
        now = max(now, due)
    raise AssertionError("the worker did not settle")


def received(sim) -> list[dict[str, Any]]:
    return httpx.get(sim.ehr_url + "/notifications").json()


def ehr_down(sim, down: bool) -> None:
    httpx.post(sim.ehr_url + "/admin/outage", json={"down": down}).raise_for_status()


class Recorder:
    """An httpx MockTransport handler that records requests and can fail on demand."""

    def __init__(self, delay: float = 0.0) -> None:
        self.requests: list[httpx.Request] = []
        self.status = 200
        self.delay = delay

    async def __call__(self, request: httpx.Request) -> httpx.Response:
        if self.delay:
            await asyncio.sleep(self.delay)
        self.requests.append(request)
        return httpx.Response(self.status, json={"ok": self.status < 300})

    def client(self) -> httpx.AsyncClient:
        return httpx.AsyncClient(transport=httpx.MockTransport(self))

    def bodies(self) -> list[dict[str, Any]]:
        return [json.loads(r.content) for r in self.requests]


@pytest.fixture
def demo_webhook(monkeypatch: pytest.MonkeyPatch) -> None:
    """The default configuration: the demo EHR (ehr_url + /notifications) for every unit."""
    monkeypatch.setattr(get_settings(), "ehr_systems", "")
    monkeypatch.setattr(get_settings(), "ehr_api_keys", "demo-ehr:demo-ehr-key")


# --------------------------------------------------------------------------- §7 events
async def test_every_event_is_produced_by_its_action_and_delivered(
    migrated_db, sim, demo_webhook
) -> None:
    doctor, admin = await login(), await login(ADMIN)
    # SKAPAT, KFSIGN, SIGNAT, SKICKA
    cert = await lifecycle.create_draft(admin, cert_type="fk7804", personnummer=TOLVAN)
    lifecycle.save_draft(admin, cert.id, content=complete_fk7804(), expected_version=1)
    await lifecycle.mark_ready_for_signing(admin, cert.id)
    await lifecycle.sign(doctor, cert.id)
    await lifecycle.send(doctor, cert.id, patient_consent=True)
    # open question threads are handled when the certificate is revoked: HANFRFM / HANFRFV
    with session_scope() as s:
        for direction in ("FROM_FK", "TO_FK"):
            s.add(
                QuestionThread(
                    certificate_id=cert.id,
                    topic="OVRIGT",
                    direction=direction,
                    message="?",
                    sent_at=clock.now(),
                )
            )
    await lifecycle.revoke(doctor, cert.id, reason_code="FELAKTIG_PATIENT", message="Fel patient")
    # RADERA
    other = await lifecycle.create_draft(doctor, cert_type="fk7804", personnummer=TOLVAN)
    await lifecycle.delete_draft(doctor, other.id)

    events = [r.event for r in outbox(cert.id)]
    core = [e for e in events if e != "ANDRAT"]  # save_draft may notify ANDRAT too
    assert core[:4] == ["SKAPAT", "KFSIGN", "SIGNAT", "SKICKA"]
    assert set(core[4:]) == {"MAKULE", "HANFRFM", "HANFRFV"}
    assert [r.event for r in outbox(other.id)] == ["SKAPAT", "RADERA"]

    wait = timedelta(seconds=get_settings().notification_coalesce_seconds)
    report = await notifications.deliver_pending(now=clock.now() + wait)
    assert len(report.delivered) == len(events) + 2 and not report.retry_scheduled
    got = received(sim)
    assert all(n["signature_ok"] for n in got)
    by_cert = defaultdict(list)
    for n in got:
        by_cert[n["notification"]["certificateId"]].append(n["notification"])
    assert [n["event"] for n in by_cert[cert.id]] == events
    legacy = [n["legacyEvent"] for n in by_cert[cert.id] if n["event"] != "ANDRAT"]
    assert legacy[:4] == ["HAN1", None, "HAN2", "HAN3"]
    makule = next(n for n in by_cert[cert.id] if n["event"] == "MAKULE")
    assert makule["legacyEvent"] == "HAN5" and makule["status"] == "REVOKED"
    assert [n["legacyEvent"] for n in by_cert[other.id]] == ["HAN1", "HAN4"]


@pytest.mark.parametrize("event", list(Event))
async def test_each_event_code_and_payload(migrated_db, sim, demo_webhook, event) -> None:
    """The Q&A events (and ANDRAT) are enqueued by their services; here through enqueue."""
    cert = stored_row(sent=True)
    with session_scope() as s:
        s.add(
            QuestionThread(
                certificate_id=cert.id,
                topic="KOMPLT",
                direction="FROM_FK",
                message="Komplettera",
                sent_at=clock.now(),
            )
        )
    enqueue(cert, event, questionId="q-1")
    report = await notifications.deliver_pending(
        now=clock.now() + timedelta(seconds=get_settings().notification_coalesce_seconds)
    )
    assert len(report.delivered) == 1
    [note] = received(sim)
    assert note["signature_ok"] is True
    body = note["notification"]
    assert body["event"] == event.value
    assert body["legacyEvent"] == LEGACY_CODES.get(event)
    assert body["eventLabel"]
    assert body["certificateId"] == cert.id and body["certificateType"] == "fk7804"
    assert body["patientId"] == TOLVAN and body["patient"]["lastName"] == "Tolvansson0"
    assert body["unitId"] == UNIT and body["questionId"] == "q-1"
    assert datetime.fromisoformat(body["time"]) <= clock.now()
    assert body["questions"]["fromFk"] == {
        "total": 1,
        "answered": 0,
        "unanswered": 1,
        "handled": 0,
        "unhandled": 1,
    }
    assert body["questions"]["toFk"]["total"] == 0
    assert body["notificationId"] == outbox(cert.id)[0].id


def test_legacy_codes_cover_every_event_but_kfsign() -> None:
    assert set(LEGACY_CODES) == set(Event) - {Event.KFSIGN}
    assert sorted(LEGACY_CODES.values(), key=lambda c: int(c[3:])) == [
        f"HAN{i}" for i in range(1, 12)
    ]


async def test_outbox_row_is_written_in_the_same_transaction(migrated_db, sim) -> None:
    cert = stored_row()
    with pytest.raises(RuntimeError), session_scope() as s:
        notifications.enqueue(cert, Event.SIGNAT, session=s)
        raise RuntimeError("the change failed")
    assert outbox() == []


# --------------------------------------------------------------------------- outage
async def test_webhook_down_for_a_day_then_up_loses_nothing(migrated_db, sim, demo_webhook) -> None:
    a, b, c = stored_row(1), stored_row(2), stored_row(3, unit_id=OTHER_UNIT)
    for cert, events in (
        (a, [Event.SKAPAT, Event.ANDRAT, Event.KFSIGN, Event.SIGNAT, Event.SKICKA]),
        (b, [Event.SKAPAT, Event.ANDRAT, Event.RADERA]),
        (c, [Event.NYFRFM, Event.NYSVFM, Event.HANFRFM, Event.MAKULE]),
    ):
        for event in events:
            enqueue(cert, event)
    rows = outbox()
    assert len(rows) == 12

    ehr_down(sim, True)
    t0 = clock.now() + timedelta(minutes=1)  # past ANDRAT's coalescing wait
    day_later = t0 + timedelta(days=1)
    await run_until(day_later, t0)
    assert sim.apps["ehr"].state.sim.notifications == []  # (its HTTP API is down too)
    heads = {r.certificate_id: r for r in outbox() if r.event in ("SKAPAT", "NYFRFM")}
    for row in outbox():
        assert not row.failed and row.delivered_at is None
        # only the oldest event of each certificate is tried; later ones wait their turn
        assert row.attempts == (6 if row.id == heads[row.certificate_id].id else 0)

    ehr_down(sim, False)
    await run_until(day_later + timedelta(days=3), day_later)
    after = outbox()
    assert all(r.delivered_at is not None and not r.failed for r in after)
    # Webcert's schedule: 1 min, 5 min, 1 h, 6 h, 12 h, 1 day after the first attempt
    for row in after:
        if row.id == heads[row.certificate_id].id:
            assert row.attempts == 7
            assert row.delivered_at == t0 + sum(RETRY_SCHEDULE, timedelta())

    got = received(sim)
    ids = [n["notification"]["notificationId"] for n in got]
    assert sorted(ids) == [r.id for r in rows]  # every event once: none lost, none doubled
    assert all(n["signature_ok"] for n in got)
    for cert in (a, b, c):
        mine = [n["notification"] for n in got if n["notification"]["certificateId"] == cert.id]
        assert [n["notificationId"] for n in mine] == [
            r.id for r in rows if r.certificate_id == cert.id
        ]


async def test_gives_up_after_the_schedule_then_later_events_go_on(migrated_db, sim) -> None:
    recorder = Recorder()
    recorder.status = 500
    cert = stored_row()
    enqueue(cert, Event.SKAPAT)
    enqueue(cert, Event.SIGNAT)
    t0 = clock.now()
    give_up = t0 + sum(RETRY_SCHEDULE, timedelta())
    async with recorder.client() as client:
        await run_until(give_up, t0, client)
        first, second = outbox(cert.id)
        assert first.failed and first.attempts == len(RETRY_SCHEDULE) + 1
        assert "HTTP 500" in (first.last_error or "")
        # the next event is not held back by a flagged one: tried at once
        assert second.attempts == 1 and not second.failed
        recorder.status = 204
        later = give_up + RETRY_SCHEDULE[0]
        report = await notifications.deliver_pending(now=later, client=client)
    assert report.delivered == [second.id]
    assert len(recorder.requests) == len(RETRY_SCHEDULE) + 3


async def test_a_failed_attempt_schedules_the_next_one(migrated_db, sim, demo_webhook) -> None:
    cert = stored_row()
    enqueue(cert, Event.SKAPAT)
    ehr_down(sim, True)
    now = clock.now()
    report = await notifications.deliver_pending(now=now)
    assert report.retry_scheduled and not report.delivered
    [row] = outbox()
    assert row.attempts == 1 and row.next_attempt_at == now + timedelta(minutes=1)
    assert "503" in (row.last_error or "")
    # not due yet: nothing happens
    report = await notifications.deliver_pending(now=now + timedelta(seconds=59))
    assert report.attempted == 0


# --------------------------------------------------------------------------- workers
async def test_two_concurrent_workers_never_send_a_row_twice(migrated_db, sim) -> None:
    certs = [stored_row(i) for i in range(6)]
    for cert in certs:
        for event in (Event.SKAPAT, Event.KFSIGN, Event.SIGNAT):
            enqueue(cert, event)
    recorder = Recorder(delay=0.02)
    now = clock.now()
    async with recorder.client() as one, recorder.client() as two:
        reports = await asyncio.gather(
            notifications.deliver_pending(now=now, client=one),
            notifications.deliver_pending(now=now, client=two),
            notifications.deliver_pending(now=now, client=one),
        )
    ids = [b["notificationId"] for b in recorder.bodies()]
    assert len(ids) == len(set(ids)) == 18
    assert sum(len(r.delivered) for r in reports) == 18
    for cert in certs:  # still in order per certificate
        mine = [b["event"] for b in recorder.bodies() if b["certificateId"] == cert.id]
        assert mine == ["SKAPAT", "KFSIGN", "SIGNAT"]


async def test_a_crashed_workers_lease_runs_out(migrated_db, sim) -> None:
    cert = stored_row()
    enqueue(cert, Event.SKAPAT)
    now = clock.now()
    [row] = outbox()
    claimed = notifications._claim(row.id, 0, now)  # claimed, then the worker died
    assert claimed is not None
    assert notifications._claim(row.id, 0, now) is None  # nobody else gets it meanwhile
    recorder = Recorder()
    async with recorder.client() as client:
        report = await notifications.deliver_pending(now=now, client=client)
        assert report.attempted == 0
        later = now + notifications.LEASE
        report = await notifications.deliver_pending(now=later, client=client)
    assert report.delivered == [row.id] and len(recorder.requests) == 1


async def test_run_forever_delivers_until_stopped(migrated_db, sim, demo_webhook, monkeypatch):
    monkeypatch.setattr(get_settings(), "notification_poll_seconds", 0.05)
    stop = asyncio.Event()
    task = asyncio.create_task(notifications.run_forever(stop))
    enqueue(stored_row(), Event.SKAPAT)
    for _ in range(100):
        if received(sim):
            break
        await asyncio.sleep(0.05)
    stop.set()
    await asyncio.wait_for(task, 5)
    assert [n["notification"]["event"] for n in received(sim)] == ["SKAPAT"]


# --------------------------------------------------------------------------- coalescing
async def test_andrat_is_coalesced_while_pending(migrated_db, sim) -> None:
    cert = stored_row()
    enqueue(cert, Event.SKAPAT)
    enqueue(cert, Event.ANDRAT)
    first_time = outbox()[1].payload["time"]
    for _ in range(20):  # typing: one save after another
        enqueue(cert, Event.ANDRAT)
    assert [r.event for r in outbox()] == ["SKAPAT", "ANDRAT"]
    andrat = outbox()[1]
    assert andrat.payload["time"] > first_time  # refreshed: the time of the latest edit
    wait = timedelta(seconds=get_settings().notification_coalesce_seconds)
    assert andrat.next_attempt_at >= andrat.created_at + wait
    recorder = Recorder()
    async with recorder.client() as client:
        first = await notifications.deliver_pending(now=clock.now(), client=client)
        assert [r.event for r in outbox() if r.id in first.delivered] == ["SKAPAT"]
        await notifications.deliver_pending(now=clock.now() + wait, client=client)
    assert [b["event"] for b in recorder.bodies()] == ["SKAPAT", "ANDRAT"]
    enqueue(cert, Event.ANDRAT)  # after delivery a new edit is a new notification
    assert [r.event for r in outbox()] == ["SKAPAT", "ANDRAT", "ANDRAT"]


async def test_andrat_is_not_merged_across_other_events(migrated_db, sim) -> None:
    cert = stored_row()
    enqueue(cert, Event.ANDRAT)
    enqueue(cert, Event.KFSIGN)
    enqueue(cert, Event.ANDRAT)
    enqueue(cert, Event.ANDRAT)
    assert [r.event for r in outbox()] == ["ANDRAT", "KFSIGN", "ANDRAT"]
    other = stored_row(2)
    enqueue(other, Event.ANDRAT)  # another certificate's edits are its own
    assert len(outbox()) == 4


async def test_andrat_claimed_by_a_worker_is_not_refreshed(migrated_db, sim) -> None:
    cert = stored_row()
    enqueue(cert, Event.ANDRAT)
    [row] = outbox()
    assert notifications._claim(row.id, 0, row.next_attempt_at) is not None
    enqueue(cert, Event.ANDRAT)  # the claimed one may be on its way: add a new one
    assert [r.event for r in outbox()] == ["ANDRAT", "ANDRAT"]


# --------------------------------------------------------------------------- signatures
async def test_signature_header_verifies(migrated_db, sim) -> None:
    cert = stored_row()
    enqueue(cert, Event.SIGNAT)
    recorder = Recorder()
    async with recorder.client() as client:
        await notifications.deliver_pending(client=client)
    [request] = recorder.requests
    header = request.headers[notifications.SIGNATURE_HEADER]
    assert header.startswith("sha256=") and len(header) == 7 + 64
    assert notifications.verify_signature(request.content, header)
    assert request.headers[notifications.EVENT_HEADER] == "SIGNAT"
    assert request.headers[notifications.DELIVERY_HEADER] == str(outbox()[0].id)
    assert not notifications.verify_signature(request.content + b" ", header)
    assert not notifications.verify_signature(request.content, header.replace("sha256=", ""))
    assert not notifications.verify_signature(request.content, None)
    assert not notifications.verify_signature(request.content, header, secret="other")


async def test_webhook_per_ehr_system_and_unit(migrated_db, sim, monkeypatch) -> None:
    monkeypatch.setattr(
        get_settings(),
        "ehr_systems",
        json.dumps(
            {
                "regional": {
                    "api_key": "k1",
                    "webhook_url": "http://regional.test/hook",
                    "units": [OTHER_UNIT],
                    "hmac_secret": "regional-secret",
                },
                "everyone": {"api_key": "k2", "webhook_url": "http://all.test/hook"},
                "silent": {"api_key": "k3", "units": ["UNIT-WITHOUT-WEBHOOK"]},
            }
        ),
    )
    enqueue(stored_row(unit_id=OTHER_UNIT), Event.SKAPAT)
    enqueue(stored_row(unit_id=UNIT), Event.SKAPAT)
    recorder = Recorder()
    async with recorder.client() as client:
        report = await notifications.deliver_pending(client=client)
    assert len(report.delivered) == 2
    hosts = {json.loads(r.content)["unitId"]: r for r in recorder.requests}
    regional = hosts[OTHER_UNIT]
    assert regional.url.host == "regional.test" and hosts[UNIT].url.host == "all.test"
    assert notifications.verify_signature(
        regional.content, regional.headers[notifications.SIGNATURE_HEADER], "regional-secret"
    )


async def test_unit_without_any_webhook_is_skipped(migrated_db, sim, monkeypatch) -> None:
    monkeypatch.setattr(
        get_settings(), "ehr_systems", json.dumps({"silent": {"api_key": "k", "units": ["*"]}})
    )
    enqueue(stored_row(), Event.SKAPAT)
    report = await notifications.deliver_pending()
    assert len(report.skipped) == 1 and not report.delivered
    [row] = outbox()
    assert row.delivered_at is not None and row.last_error


async def test_certificate_status_is_in_the_payload(migrated_db, sim) -> None:
    cert = stored_row()
    cert.status = CertificateStatus.SIGNED
    enqueue(cert, Event.SIGNAT)
    assert outbox()[0].payload["status"] == "SIGNED"
