"""Autosave latency probe, run by bench/bench_audit.py (one process per measurement).

    python bench/audit_autosave_probe.py DATABASE_URL MODE N THREADS AUDIT

Migrates DATABASE_URL, makes drafts directly in the database and times
``lifecycle.save_draft`` N times per thread (PU-tjänsten at WEBCERT_PU_URL answers each save).
MODE ``same``: one draft per thread, saves back to back (a user typing; every save after the
first in a minute is coalesced by the audit log). MODE ``spread``: each save goes to another
draft, so every save writes a chained audit record (the audit log's worst case).

AUDIT ``after``: the code as it is. AUDIT ``before``: the audit write of every save as it was
before issue 18 — one unchained ``audit_record`` row per save (``session.add``, id from the
sequence) on a table with only its time index (the issue-18 indexes and triggers dropped) —
everything else the same code, so the difference is the audit log's alone.
Prints one JSON line: the latencies' median, p95 and mean in ms.
"""

from __future__ import annotations

import json
import statistics
import sys
import threading
import time
from datetime import UTC, datetime


def _legacy_audit(url: str) -> None:
    """The pre-issue-18 audit write: one plain row per save, only the time index."""
    from sqlalchemy import text

    from services import audit, drafts
    from services.persistence.audit_ddl import drop_statements
    from services.persistence.db import engine_for
    from services.persistence.models import AuditRecord

    engine = engine_for(url)
    with engine.begin() as conn:
        for statement in drop_statements(engine.dialect.name):
            conn.execute(text(statement))
        for index in AuditRecord.__table__.indexes:  # type: ignore[attr-defined]
            conn.execute(text(f"DROP INDEX IF EXISTS {index.name}"))
        # the table as it was: only the time index (migration 0001)
        conn.execute(text("CREATE INDEX IF NOT EXISTS ix_audit_record_at ON audit_record (at)"))

    def record_autosave(user, certificate, detail="", *, session, draft=""):  # type: ignore[no-untyped-def]
        session.add(
            AuditRecord(
                at=audit.clock.now(),
                user_id=user.hsa_id,
                user_name=user.name,
                role=user.role,
                unit_id=user.unit.hsa_id if user.unit else "",
                action="WRITE",
                certificate_id=certificate.id,
                patient_id=certificate.patient_id,
                detail=detail[:500],
            )
        )

    assert drafts.audit is audit  # save_draft looks record_autosave up at each call
    audit.record_autosave = record_autosave  # type: ignore[assignment]


def main() -> None:
    url, mode, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
    threads = int(sys.argv[4]) if len(sys.argv) > 4 else 1
    legacy = len(sys.argv) > 5 and sys.argv[5] == "before"
    from services.settings import get_settings

    get_settings().database_url = url
    from services import lifecycle
    from services.hsa import CareUnit
    from services.persistence.db import session_scope
    from services.persistence.migrate import upgrade
    from services.persistence.models import Certificate, CertificateStatus
    from tests.factories import session_user

    upgrade(url)
    if legacy:
        _legacy_audit(url)
    unit = CareUnit(
        hsa_id="BENCH-UNIT",
        name="Benchenheten",
        care_provider_id="BENCH-VG",
        care_provider_name="Benchvårdgivaren",
    )
    drafts_per_thread = n if mode == "spread" else 1
    now = datetime.now(UTC)
    ids: list[list[str]] = []
    with session_scope() as s:
        for t in range(threads):
            row = []
            for i in range(drafts_per_thread):
                cid = f"bench-{t}-{i}-{time.time_ns()}"
                s.add(
                    Certificate(
                        id=cid,
                        type="fk7804",
                        type_version="2.0",
                        status=CertificateStatus.DRAFT,
                        patient_id="191212121212",
                        patient={"personnummer": "191212121212"},
                        unit_id=unit.hsa_id,
                        unit_name=unit.name,
                        care_provider_id=unit.care_provider_id,
                        care_provider_name=unit.care_provider_name,
                        content={},
                        version=1,
                        created_at=now,
                        created_by=f"BENCH-U{t}",
                        updated_at=now,
                        updated_by=f"BENCH-U{t}",
                    )
                )
                row.append(cid)
            ids.append(row)
    latencies: list[float] = []
    lock = threading.Lock()

    def run(t: int) -> None:
        user = session_user(
            unit=unit,
            units=(unit,),
            hsa_id=f"BENCH-U{t}",
            name="Bench Läkare",
            sekretess_accepted=True,
        )
        versions = dict.fromkeys(ids[t], 1)
        mine: list[float] = []
        for i in range(n):
            cid = ids[t][i % len(ids[t])]
            content = {"ovrigt": f"Text {i} " + "x" * (i % 50), "arbetsformaga": "nedsatt"}
            start = time.perf_counter()
            result = lifecycle.save_draft(
                user, cid, content=content, expected_version=versions[cid]
            )
            mine.append((time.perf_counter() - start) * 1000)
            versions[cid] = result.version
        with lock:
            latencies.extend(mine[5:] if len(mine) > 20 else mine)  # drop the warm-up

    workers = [threading.Thread(target=run, args=(t,)) for t in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    latencies.sort()
    print(
        json.dumps(
            {
                "median_ms": statistics.median(latencies),
                "p95_ms": latencies[int(0.95 * (len(latencies) - 1))],
                "mean_ms": statistics.fmean(latencies),
                "n": len(latencies),
            }
        )
    )


if __name__ == "__main__":
    main()
