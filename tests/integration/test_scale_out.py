"""Scale-out (issue 17): the jobs every backend worker runs happen exactly once across processes.

Two separate OS processes (tests/integration/scale_out_worker.py) share one PostgreSQL database
and one Redis, as two app processes on two hosts do:

- the 14-day lock: every expired draft is locked once (its version bumped once), whichever
  process gets it;
- notification delivery, with the EHR's endpoint down for an hour of the simulated clock
  (shared through the database): afterwards every notification has arrived, in order per
  certificate, exactly once (the processes claim rows with a compare-and-set and a 2-minute
  lease; the simulated clock moves in steps shorter than the lease, as real time does);
- the disconnect sweeper: of the processes noticing the same closed tabs, exactly one reports
  each departure (services.presence.leave), so the others are told once.

PostgreSQL and Redis are mandatory when CI=true.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import uuid
from collections import Counter
from datetime import timedelta

import httpx
import pytest
from sqlmodel import col, select

from services import clock, notifications, presence
from services.notifications import Event
from services.persistence.db import session_scope
from services.persistence.migrate import upgrade
from services.persistence.models import Certificate, CertificateStatus, NotificationOutbox
from services.settings import PROJECT_ROOT as ROOT
from services.settings import get_settings
from tests.conftest import (
    REDIS_URL,
    redis_available,
    require_or_skip,
    reset_postgres,
)
from tests.factories import stored_row

pytestmark = [pytest.mark.postgres, pytest.mark.redis]


def _spawn(args: list[str], env: dict[str, str]) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "tests.integration.scale_out_worker", *args],
        cwd=ROOT,
        env={**os.environ, **env},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _result(proc: subprocess.Popen[str], timeout: float = 30) -> dict[str, int]:
    out, err = proc.communicate(timeout=timeout)
    assert proc.returncode == 0, err
    return json.loads(out.strip().splitlines()[-1])


def _outbox() -> list[NotificationOutbox]:
    with session_scope() as s:
        return list(s.exec(select(NotificationOutbox).order_by(col(NotificationOutbox.id))).all())


def _wait(predicate, timeout: float, what: str) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.fixture
def shared_pg(pg_url: str, monkeypatch: pytest.MonkeyPatch) -> str:
    reset_postgres(pg_url)
    upgrade(pg_url)
    monkeypatch.setattr(get_settings(), "database_url", pg_url)
    monkeypatch.setattr(get_settings(), "testability_enabled", True)  # the shared clock
    monkeypatch.setattr(get_settings(), "ehr_systems", "")
    monkeypatch.setattr(get_settings(), "ehr_api_keys", "demo-ehr:demo-ehr-key")
    clock.set_offset(0)
    return pg_url


def test_jobs_run_exactly_once_across_two_processes(shared_pg, sim, tmp_path) -> None:
    expired = [stored_row(i, age=timedelta(days=15)) for i in range(20)]
    fresh = [stored_row(100 + i) for i in range(3)]
    events = (Event.SKAPAT, Event.KFSIGN, Event.SIGNAT, Event.SKICKA)
    for cert in fresh:
        with session_scope() as s:
            for event in events:
                notifications.enqueue(cert, event, session=s)
    rows = _outbox()
    assert len(rows) == 12

    httpx.post(sim.ehr_url + "/admin/outage", json={"down": True}).raise_for_status()
    stop = tmp_path / "stop"
    env = {
        "WEBCERT_DATABASE_URL": shared_pg,
        "WEBCERT_TESTABILITY_ENABLED": "true",
        "WEBCERT_EHR_URL": sim.ehr_url,
        "WEBCERT_EHR_SYSTEMS": "",
        "WEBCERT_EHR_API_KEYS": "demo-ehr:demo-ehr-key",
        "WEBCERT_NOTIFICATION_POLL_SECONDS": "0.05",
    }
    procs = [_spawn(["jobs", str(stop)], env) for _ in range(2)]
    try:
        # The EHR is down for an hour of the simulated clock: the processes try the oldest
        # event of each certificate at 0, +1 min, +6 min (the retry schedule) and wait.
        _wait(lambda: all(r.attempts >= 1 for r in _outbox() if r.event == "SKAPAT"), 20, "tries")
        for _ in range(6):
            clock.advance(10 * 60)
            time.sleep(0.4)
        assert all(r.delivered_at is None for r in _outbox())
        httpx.post(sim.ehr_url + "/admin/outage", json={"down": False}).raise_for_status()
        # Back up: the clock moves in steps shorter than a claim's lease (each process reads
        # the shared clock at most 0.2 s late), until the 1-hour retry has come and gone.
        for _ in range(150):
            if all(r.delivered_at is not None for r in _outbox()):
                break
            clock.advance(60)
            time.sleep(0.5)
        assert all(r.delivered_at is not None for r in _outbox())
    finally:
        stop.touch()
        results = [_result(p) for p in procs]

    # The lock: each expired draft locked once, by one of the two processes.
    assert sum(r["locked"] for r in results) == len(expired)
    with session_scope() as s:
        for cert in expired:
            row = s.get(Certificate, cert.id)
            assert row is not None and row.status == CertificateStatus.LOCKED
            assert row.version == cert.version + 1
        for cert in fresh:
            row = s.get(Certificate, cert.id)
            assert row is not None and row.status == CertificateStatus.DRAFT

    # Delivery: every event exactly once, in order per certificate.
    got = httpx.get(sim.ehr_url + "/notifications").json()
    ids = [n["notification"]["notificationId"] for n in got]
    assert Counter(ids) == Counter(r.id for r in rows)
    assert all(n["signature_ok"] for n in got)
    for cert in fresh:
        mine = [
            n["notification"]["event"] for n in got if n["notification"]["certificateId"] == cert.id
        ]
        assert mine == [e.value for e in events]


def test_a_departure_is_reported_once_across_two_processes(monkeypatch) -> None:
    require_or_skip(redis_available(), "Redis at 127.0.0.1:6379")
    monkeypatch.setattr(get_settings(), "redis_url", REDIS_URL)
    cert_id = f"scale-out-{uuid.uuid4().hex}"
    tokens = [f"tab-{i}" for i in range(40)]
    for i, token in enumerate(tokens):
        presence.open_draft(cert_id, token, name=f"Användare {i}")
    assert len(presence.snapshot(cert_id).tokens()) == len(tokens)
    start_at = f"{time.time() + 1.5:.3f}"
    env = {"WEBCERT_REDIS_URL": REDIS_URL}
    # Both processes notice every tab closing at the same moment (the sweeper on each worker).
    procs = [_spawn(["leave", start_at, cert_id, *tokens], env) for _ in range(2)]
    results = [_result(p) for p in procs]
    assert sum(r["reported"] for r in results) == len(tokens)
    assert presence.snapshot(cert_id).tokens() == []
