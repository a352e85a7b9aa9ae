"""Benchmark: 1 M certificates in PostgreSQL (not a test).

Fills a PostgreSQL database of its own with 1,000,000 certificates across 500 care units (one
of them Alfa Vårdcentral, the demo unit the test users work on), 200,000 question threads
(ärenden) and a notification outbox of 1,000,000 delivered and 2,000 waiting rows — generated
inside the server with INSERT … SELECT generate_series, a few minutes — then measures, each
``--runs`` times after a warm-up, p50/p95 of:

- the unit list of the start page (services.certificate_views.list_for_unit, what the UI calls);
- ``GET /api/v1/units/{id}/certificates`` without filters, with ``status``, with ``patient``
  and with ``limit`` (the EHR API, in-process over ASGI);
- opening a certificate: the page's open_certificate (rights, PU-tjänsten over HTTP to its
  simulator, the PDL record, relations) and ``GET /api/v1/certificates/{id}``;
- the notification outbox's next batch (services.notifications.next_batch);

and for every SQL statement they run, the query plan's index use (EXPLAIN ANALYZE; a
sequential scan of a large table is flagged). Goal: p95 ≤ 50 ms each. The indexes are in
alembic/versions (0005_scale_indexes).

Usage:  .venv/bin/python bench/bench_million.py [--certificates 1000000] [--runs 200] [--keep]
        (BENCH_DATABASE_URL: the server, default postgresql+psycopg://postgres@127.0.0.1:5432/postgres;
        the database webcert_million_<random> is dropped at the end unless --keep)
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import re
import statistics
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

UNIT = "TSTNMT2321000156-ALVC"  # Alfa Vårdcentral: the test users' unit
DOCTOR = "TSTNMT2321000156-DRAA"
UNITS = 500
GOAL_MS = 50.0
API_KEY = "bench-million-key"

CERTIFICATES_SQL = """
INSERT INTO certificate (
    id, type, type_version, status, patient_id, patient, unit_id, unit_name,
    care_provider_id, care_provider_name, content, version, created_at, created_by,
    created_by_name, updated_at, updated_by, updated_by_name, signed_at, signed_by,
    signed_by_name, sent_at, created_alive)
SELECT
    'm' || lpad(g::text, 9, '0'),
    (ARRAY['fk7804','fk7800','fk7801','fk7802','fk7263'])[1 + g % 5],
    '1.0',
    s.status::certificatestatus,
    p.pnr,
    json_build_object('first_name', 'Test', 'last_name', 'Person ' || (g % 997)),
    CASE WHEN g % CAST(:units AS integer) = 0 THEN :unit
         ELSE 'BENCH-UNIT-' || lpad((g % CAST(:units AS integer))::text, 3, '0') END,
    'Vårdenhet ' || (g % CAST(:units AS integer)),
    'BENCH-CARE-PROVIDER', 'Vårdgivare',
    json_build_object('ovrigt', 'Genererat intyg ' || g),
    1 + g % 7,
    t.created, 'BENCH-DOCTOR', 'Bench Läkare',
    t.created + interval '1 hour', 'BENCH-DOCTOR', 'Bench Läkare',
    CASE WHEN s.status IN ('SIGNED', 'SENT', 'REVOKED') THEN t.created + interval '1 hour' END,
    CASE WHEN s.status IN ('SIGNED', 'SENT', 'REVOKED') THEN 'BENCH-DOCTOR' END,
    CASE WHEN s.status IN ('SIGNED', 'SENT', 'REVOKED') THEN 'Bench Läkare' END,
    CASE WHEN s.status = 'SENT' THEN t.created + interval '2 hours' END,
    true
FROM generate_series(CAST(:first AS integer), CAST(:last AS integer)) AS g,
LATERAL (SELECT (ARRAY['SENT','SENT','SENT','SIGNED','SIGNED','REVOKED','LOCKED','DRAFT',
                       'DRAFT','READY_FOR_SIGNING'])[1 + (g / 7) % 10] AS status) AS s,
LATERAL (SELECT pnr FROM bench_pnr WHERE i = (g::bigint * 7919) % 50000) AS p,
LATERAL (SELECT now() - ((g % 1095) * interval '1 day') - ((g % 86400) * interval '1 second')
         AS created) AS t
"""

THREADS_SQL = """
INSERT INTO question_thread (
    id, certificate_id, topic, direction, subject, message, sent_at, author_name, complements,
    answer_draft, handled)
SELECT
    'q' || lpad(q::text, 9, '0'),
    'm' || lpad((1 + (q::bigint * 5) % CAST(:n AS integer))::text, 9, '0'),
    (ARRAY['KOMPLT','KONTKT','OVRIGT','AVSTMN'])[1 + q % 4],
    CASE WHEN q % 3 = 0 THEN 'TO_FK' ELSE 'FROM_FK' END,
    'Ärende ' || q, 'Genererad fråga', now() - (q % 400) * interval '1 day', 'Handläggare',
    '[]'::json, '', q % 2 = 0
FROM generate_series(CAST(:first AS integer), CAST(:last AS integer)) AS q
"""

OUTBOX_SQL = """
INSERT INTO notification_outbox (
    certificate_id, unit_id, event, payload, created_at, attempts, next_attempt_at,
    delivered_at, failed)
SELECT c.id, c.unit_id, 'SKAPAT', '{}'::json, c.created_at, 1, c.created_at,
       CASE WHEN c.rn <= CAST(:delivered AS integer)
            THEN c.created_at + interval '1 second' END,
       false
FROM (SELECT id, unit_id, created_at, row_number() OVER (ORDER BY id) AS rn
      FROM certificate WHERE id BETWEEN :lo AND :hi) AS c
"""


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(p / 100 * (len(ordered) - 1))))]


# --- database --------------------------------------------------------------------------------
def create_database(keep_name: str | None) -> tuple[str, Callable[[], None]]:
    """A database of the run's own (``keep_name``: that one, reused when it exists)."""
    from tests.postgres import own_database

    server = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
    return own_database(
        os.environ.get("BENCH_DATABASE_URL", server), "webcert_million_", name=keep_name
    )


def _personnummer(count: int) -> list[str]:
    """``count`` different valid personnummer (a real date, the Luhn check digit)."""
    from datetime import date, timedelta

    from stdnum import luhn

    out = []
    day, k = date(1930, 1, 1), 0
    while len(out) < count:
        serial = f"{k % 1000:03d}"
        body = day.strftime("%y%m%d") + serial
        out.append(day.strftime("%Y%m%d") + serial + luhn.calc_check_digit(body))
        k += 7
        day += timedelta(days=1)
        if day.year > 2010:
            day = date(1930, 1, 1) + timedelta(days=k % 11)
    return out


def generate(url: str, n: int, threads: int) -> None:
    from sqlalchemy import text

    from services.persistence.db import engine_for

    engine = engine_for(url)
    with engine.connect() as conn:
        have = conn.execute(text("SELECT count(*) FROM certificate")).scalar_one()
    if have >= n:
        print(f"  {have:,} certificates already there", flush=True)
        return
    started = time.perf_counter()
    with engine.begin() as conn:  # 50,000 valid personnummer (date and check digit)
        conn.execute(text("CREATE TABLE IF NOT EXISTS bench_pnr (i integer PRIMARY KEY, pnr text)"))
        conn.execute(text("TRUNCATE bench_pnr"))
        conn.execute(
            text("INSERT INTO bench_pnr VALUES (:i, :pnr)"),
            [{"i": i, "pnr": p} for i, p in enumerate(_personnummer(50_000))],
        )
    chunk = 100_000
    for first in range(1, n + 1, chunk):
        last = min(n, first + chunk - 1)
        with engine.begin() as conn:
            conn.execute(
                text(CERTIFICATES_SQL),
                {"first": first, "last": last, "units": UNITS, "unit": UNIT},
            )
        print(f"  certificates {last:>9,}  {time.perf_counter() - started:6.0f} s", flush=True)
    for first in range(1, threads + 1, chunk):
        last = min(threads, first + chunk - 1)
        with engine.begin() as conn:
            conn.execute(text(THREADS_SQL), {"first": first, "last": last, "n": n})
    print(f"  question threads {threads:,}  {time.perf_counter() - started:6.0f} s", flush=True)
    pending = 2000
    for first in range(1, n + 1, chunk):
        last = min(n, first + chunk - 1)
        lo, hi = f"m{first:09d}", f"m{last:09d}"
        delivered = (last - first + 1) - (pending if last == n else 0)
        with engine.begin() as conn:
            conn.execute(text(OUTBOX_SQL), {"lo": lo, "hi": hi, "delivered": delivered})
    print(f"  outbox {n:,} rows ({pending:,} waiting)  {time.perf_counter() - started:6.0f} s")
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("DROP TABLE bench_pnr"))
        conn.execute(text("VACUUM ANALYZE"))
    print(f"  generated and analysed in {time.perf_counter() - started:.0f} s", flush=True)


# --- statements and their plans -------------------------------------------------------------
class Capture:
    """Records the SQL statements (and parameters) an operation runs."""

    def __init__(self, engine: Any) -> None:
        from sqlalchemy import event

        self.engine = engine
        self.statements: list[tuple[str, Any]] = []
        self.on = False
        event.listen(engine, "before_cursor_execute", self._record)

    def _record(self, conn, cursor, statement, parameters, context, executemany) -> None:  # type: ignore[no-untyped-def]
        if self.on and statement.lstrip().upper().startswith(("SELECT", "UPDATE", "WITH")):
            self.statements.append((statement, parameters))


def plan_summary(
    engine: Any, statement: str, parameters: Any
) -> tuple[list[str], list[str], float]:
    """(indexes used, sequential scans of big tables, execution ms) from EXPLAIN ANALYZE."""
    with engine.connect() as conn:
        trans = conn.begin()
        raw = conn.exec_driver_sql(
            "EXPLAIN (ANALYZE, FORMAT JSON) " + statement, parameters
        ).scalar_one()
        trans.rollback()  # EXPLAIN ANALYZE of an UPDATE really runs it
    plan = raw[0] if isinstance(raw, list) else json.loads(raw)[0]
    indexes: list[str] = []
    seq: list[str] = []

    def walk(node: dict[str, Any]) -> None:
        if "Index Name" in node:
            indexes.append(f"{node['Index Name']} ({node['Node Type']})")
        if node.get("Node Type") == "Seq Scan" and node.get("Plan Rows", 0) > 1000:
            seq.append(node.get("Relation Name", "?"))
        for child in node.get("Plans", []):
            walk(child)

    walk(plan["Plan"])
    return indexes, seq, float(plan.get("Execution Time", 0.0))


# --- measurements ----------------------------------------------------------------------------
async def measure(
    label: str, op: Callable[[], Awaitable[Any]], runs: int, capture: Capture
) -> dict[str, Any]:
    for _ in range(max(5, runs // 20)):
        await op()
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        await op()
        times.append((time.perf_counter() - t) * 1000)
    capture.statements.clear()
    capture.on = True
    await op()
    capture.on = False
    statements = list(capture.statements)
    p95 = percentile(times, 95)
    ok = "OK" if p95 <= GOAL_MS else "OVER"
    print(
        f"{label:58s} p50 {statistics.median(times):6.1f} ms  p95 {p95:6.1f} ms  {ok}",
        flush=True,
    )
    for statement, params in statements:
        match = re.search(r"\bFROM\s+(\w+)|^\s*UPDATE\s+(\w+)", statement, re.I)
        if match is None:
            continue
        indexes, seq, ms = plan_summary(capture.engine, statement, params)
        table = (match.group(1) or match.group(2)).lower()
        uses = ", ".join(dict.fromkeys(indexes)) or "no index"
        warn = f"  SEQ SCAN of {', '.join(seq)}!" if seq else ""
        print(f"    {table[:24]:24s} {ms:6.2f} ms  {uses}{warn}")
    return {"label": label, "p50": statistics.median(times), "p95": p95}


async def run(url: str, runs: int, n: int) -> list[dict[str, Any]]:
    import httpx

    from scripts.run_simulators import config_from_settings
    from services import certificate_views, identity, notifications
    from services.persistence.db import engine_for
    from services.settings import get_settings
    from simulators.runner import start_simulators
    from webcert_ui.api import make_api

    settings = get_settings()
    settings.database_url = url
    settings.ehr_api_keys = f"demo-ehr:{API_KEY}"
    settings.ehr_systems = ""
    settings.rate_limit_api = "1000000/minute"  # the benchmark's own calls are not an attack
    capture = Capture(engine_for(url))
    results = []
    with start_simulators(config=config_from_settings()) as sims:
        for name in ("hsa", "pu", "fk", "ts", "ehr"):
            setattr(settings, f"{name}_url", sims.url(name))
        user = await identity.acting_user(DOCTOR, UNIT, origin="BENCH")
        unit_ids = [f"m{g:09d}" for g in range(UNITS, n + 1, UNITS)]  # Alfa Vårdcentral's
        rng = random.Random(17)
        api = httpx.AsyncClient(
            transport=httpx.ASGITransport(app=make_api()),
            base_url="http://bench",
            headers={"x-api-key": API_KEY},
        )
        other_unit = "BENCH-UNIT-123"

        async def unit_list() -> None:
            await asyncio.to_thread(certificate_views.list_for_unit, user)

        async def api_list(query: str = "", unit: str = other_unit) -> None:
            r = await api.get(f"/api/v1/units/{unit}/certificates{query}")
            assert r.status_code == 200, r.text

        async def api_list_patient() -> None:
            with engine_for(url).connect() as conn:
                from sqlalchemy import text

                pnr = conn.execute(
                    text("SELECT patient_id FROM certificate WHERE id = :i"),
                    {"i": rng.choice(unit_ids)},
                ).scalar_one()
            await api_list(f"?patient={pnr}", UNIT)

        async def open_page() -> None:
            await certificate_views.open_certificate(user, rng.choice(unit_ids))

        async def api_get() -> None:
            r = await api.get(f"/api/v1/certificates/{rng.choice(unit_ids)}")
            assert r.status_code == 200, r.text

        async def outbox() -> None:
            await asyncio.to_thread(notifications.next_batch)

        ops: list[tuple[str, Callable[[], Awaitable[Any]]]] = [
            ("unit list (start page, 2,000 on the unit)", unit_list),
            ("GET /units/{id}/certificates", api_list),
            (
                "GET /units/{id}/certificates?status=SIGNED,SENT",
                lambda: api_list("?status=SIGNED,SENT"),
            ),
            (
                "GET /units/{id}/certificates?status=DRAFT&limit=50",
                lambda: api_list("?status=DRAFT&limit=50"),
            ),
            ("GET /units/{id}/certificates?patient=…", api_list_patient),
            ("open a certificate (page: rights, PU, PDL log, relations)", open_page),
            ("GET /api/v1/certificates/{id}", api_get),
            ("notification outbox: next batch", outbox),
        ]
        for label, op in ops:
            results.append(await measure(label, op, runs, capture))
        await api.aclose()
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--certificates", type=int, default=1_000_000)
    parser.add_argument("--threads", type=int, default=None, help="default: a fifth of them")
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--keep", metavar="NAME", default=None, help="keep (and reuse) this db")
    args = parser.parse_args()
    n = args.certificates
    threads = args.threads if args.threads is not None else n // 5
    url, drop = create_database(args.keep)
    try:
        from services.persistence.migrate import upgrade

        upgrade(url)
        print(f"generating {n:,} certificates, {threads:,} question threads …", flush=True)
        generate(url, n, threads)
        load = os.getloadavg()
        print(f"\nmeasuring ({args.runs} runs each; load average {load[0]:.1f}):", flush=True)
        results = asyncio.run(run(url, args.runs, n))
        over = [r for r in results if r["p95"] > GOAL_MS]
        print(
            f"\n{len(results) - len(over)}/{len(results)} within p95 ≤ {GOAL_MS:.0f} ms"
            f" (load average {os.getloadavg()[0]:.1f})"
        )
        return 1 if over else 0
    finally:
        if not args.keep:
            drop()


if __name__ == "__main__":
    sys.exit(main())
