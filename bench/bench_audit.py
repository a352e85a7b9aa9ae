"""PDL audit log at scale on PostgreSQL: 1 M records, filtered pages, CSV export, autosave.

1. Fills a fresh PostgreSQL database with N (default 1 000 000) chained audit records spread
   over a year, 4 care providers, 20 units, 2 000 users and 100 000 patients (COPY, with valid
   chain values; ``python -m services.audit verify`` passes on it).
2. Times the log page (``services.pdl_log.read_page``, which also writes its own LOG_READ
   record) filtered by one patient, and by one user over one month: median and p95.
3. Streams the CSV export of one care provider's month: time to the first rows, total time,
   rows/s and the largest chunk (memory stays flat: batches).
4. Autosave p95 before/after, in the same run: ``bench/audit_autosave_probe.py`` with the
   audit write of a save as it was before issue 18 (one unchained row per save, only the
   time index) and as it is now, each on a fresh PostgreSQL database, alternating, with the
   PU simulator answering (a save asks PU-tjänsten). "same" = one draft saved back to back (a
   user typing), "spread" = every save to another draft (each writes a chained record: the
   worst case). The rest of the save path is today's code in both, so the ratio is the audit
   log's cost alone (an old commit would also differ in everything merged since).

    .venv/bin/python bench/bench_audit.py [--records 1000000] [--saves 300] [--rounds 3]

Targets: filtered page p95 <= 50 ms; autosave p95 after <= 1.10 x before.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from stdnum import luhn  # noqa: E402

from services import audit  # noqa: E402
from tests.postgres import own_database  # noqa: E402

PG = os.environ.get("BENCH_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
PAGE_P95_TARGET_MS = 50.0
AUTOSAVE_RATIO_TARGET = 1.10
PROVIDERS = [f"BENCH-VG{i}" for i in range(4)]
UNITS = [(f"BENCH-E{i}", PROVIDERS[i % 4]) for i in range(20)]
ACTIONS = ["READ"] * 50 + ["WRITE"] * 20 + ["LIST"] * 15 + ["CREATE"] * 5 + ["PRINT"] * 4
ACTIONS += ["SIGN"] * 3 + ["SEND"] * 2 + ["REVOKE"]


def _personnummer(rng: random.Random, i: int) -> str:
    """A valid (Luhn) personnummer, different for each i."""
    body = (
        f"{rng.randrange(30, 99):02d}{1 + i % 12:02d}{1 + (i // 12) % 28:02d}{i // 336 % 1000:03d}"
    )
    return "19" + body + luhn.calc_check_digit(body)


def fill(url: str, n: int, seed: int = 18) -> dict[str, list[str]]:
    """N chained records by COPY. Returns the users and patients used (for the queries)."""
    import psycopg
    from sqlalchemy.engine import make_url

    rng = random.Random(seed)
    users = [f"BENCH-U{i:04d}" for i in range(2000)]
    user_unit = {u: UNITS[i % len(UNITS)] for i, u in enumerate(users)}
    patients = [_personnummer(rng, i) for i in range(100_000)]
    start = datetime(2025, 12, 1, tzinfo=UTC)
    step = timedelta(days=365) / n
    columns = ("id", *tuple(c for c in audit.CHAINED_FIELDS if c != "id"), "chain")
    u = make_url(url)
    conninfo = f"host={u.host} port={u.port or 5432} user={u.username} dbname={u.database}"
    previous = audit.GENESIS
    t0 = time.perf_counter()
    with psycopg.connect(conninfo) as conn:
        with conn.cursor() as cur:
            with cur.copy(f"COPY audit_record ({', '.join(columns)}) FROM STDIN") as copy:
                for i in range(1, n + 1):
                    user = users[int(rng.paretovariate(1.2)) % len(users)]
                    unit, provider = user_unit[user]
                    patient = patients[int(rng.paretovariate(1.1) * 7) % len(patients)]
                    action = rng.choice(ACTIONS)
                    row = SimpleNamespace(
                        id=i,
                        at=start + step * i,
                        action=action,
                        activity_type=audit.ACTIVITY_TYPES[audit.AuditAction(action)],
                        purpose=audit.PURPOSE,
                        user_id=user,
                        user_name=f"Användare {user[-4:]}",
                        role="LAKARE",
                        unit_id=unit,
                        unit_name=f"Enhet {unit}",
                        care_provider_id=provider,
                        care_provider_name=f"Vårdgivare {provider}",
                        patient_id=patient,
                        resource_type="Intyg",
                        certificate_id=str(uuid.UUID(int=rng.getrandbits(128))),
                        resource_unit_id=unit,
                        resource_care_provider_id=provider,
                        sjf=False,
                        system_id="WEBCERT",
                        system_name="Webcert",
                        refusal_code="",
                        count=1,
                        detail="",
                    )
                    chain = audit.chain_value(previous, row)
                    previous = chain
                    copy.write_row([getattr(row, c) for c in columns[:-1]] + [chain])
            cur.execute(
                "UPDATE audit_chain_head SET seq = %s, last_hash = %s WHERE id = 1",
                (n, previous),
            )
        conn.commit()
        conn.autocommit = True
        conn.execute("VACUUM ANALYZE audit_record")
    print(f"filled {n:,} records in {time.perf_counter() - t0:.1f} s".replace(",", " "))
    return {"users": users, "patients": patients}


def _reader(provider: str) -> object:
    from services.hsa import CareUnit
    from tests.factories import session_user

    unit_id = next(u for u, p in UNITS if p == provider)
    unit = CareUnit(hsa_id=unit_id, name="Enhet", care_provider_id=provider)
    return session_user(
        unit=unit,
        units=(unit,),
        hsa_id="BENCH-PDL",
        name="PDL-ansvarig",
        sekretess_accepted=True,
        system_roles=("INTYG;PDL-logg-" + unit_id,),
    )


def _stats(values: list[float]) -> tuple[float, float]:
    values = sorted(values)
    return statistics.median(values), values[int(0.95 * (len(values) - 1))]


def floor(queries: int = 200) -> dict[str, float]:
    """The machine's floor in the same run: a transaction that writes one row and commits
    (what any audited read costs at least) — to read the page figures against."""
    from sqlalchemy import text

    from services.persistence.db import session_scope

    times = []
    for _ in range(queries):
        t = time.perf_counter()
        with session_scope() as s:
            s.execute(text("UPDATE audit_write_window SET saves = saves WHERE saves < 0"))
            s.execute(
                text(
                    "INSERT INTO key_value (key, value) VALUES ('bench', '1') "
                    "ON CONFLICT (key) DO UPDATE SET value = '1'"
                )
            )
        times.append((time.perf_counter() - t) * 1000)
    median, p95 = _stats(times[10:])
    print(f"floor (one write transaction + commit): median {median:.1f} ms, p95 {p95:.1f} ms")
    return {"floor_median_ms": median, "floor_p95_ms": p95}


def pages(used: dict[str, list[str]], queries: int = 200, seed: int = 7) -> dict[str, float]:
    from services import pdl_log

    rng = random.Random(seed)
    out: dict[str, float] = {}
    readers = {p: _reader(p) for p in PROVIDERS}
    for kind in ("patient", "user_month"):
        times = []
        rows = 0
        for _ in range(queries):
            reader = readers[rng.choice(PROVIDERS)]
            if kind == "patient":
                patient = used["patients"][int(rng.paretovariate(1.1) * 7) % 100_000]
                flt = pdl_log.LogFilter.parse(patient=patient)
            else:
                user = used["users"][int(rng.paretovariate(1.2)) % 2000]
                month = date(2026, rng.randrange(1, 12), 1)
                end = (month + timedelta(days=32)).replace(day=1) - timedelta(days=1)
                flt = pdl_log.LogFilter.parse(
                    user=user, date_from=month.isoformat(), date_to=end.isoformat()
                )
            t = time.perf_counter()
            page = pdl_log.read_page(reader, flt)
            times.append((time.perf_counter() - t) * 1000)
            rows += len(page.rows)
        median, p95 = _stats(times[10:])
        out[f"{kind}_median_ms"], out[f"{kind}_p95_ms"] = median, p95
        print(
            f"log page filtered by {kind.replace('_', ' over a ')}: median {median:.1f} ms, "
            f"p95 {p95:.1f} ms ({queries} queries, {rows / queries:.0f} rows/page on average)"
        )
    return out


def export() -> dict[str, float]:
    from services import pdl_log

    reader = _reader(PROVIDERS[0])
    flt = pdl_log.LogFilter.parse(date_from="2026-03-01", date_to="2026-03-31")
    t = time.perf_counter()
    lines = pdl_log.export_csv(reader, flt)
    first = None
    total_bytes = rows = biggest = 0
    for chunk in lines:
        rows += chunk.count("\r\n")
        if first is None and rows > 1:  # the first chunk with data rows (after the header)
            first = time.perf_counter() - t
        total_bytes += len(chunk.encode())
        biggest = max(biggest, len(chunk.encode()))
    total = time.perf_counter() - t
    rows -= 1  # the header
    print(
        f"CSV export, one care provider's month: {rows} rows, {total_bytes / 1e6:.1f} MB, "
        f"first rows after {1000 * (first or total):.0f} ms, all in {total:.2f} s "
        f"({rows / total:,.0f} rows/s), largest chunk {biggest / 1e3:.0f} kB".replace(",", " ")
    )
    return {"csv_rows": rows, "csv_seconds": total, "csv_first_ms": 1000 * (first or total)}


def _probe(url: str, mode: str, n: int, threads: int, audit_mode: str, pu_url: str) -> dict:
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "WEBCERT_DATABASE_URL": url,
        "WEBCERT_PU_URL": pu_url,
    }
    done = subprocess.run(
        [
            sys.executable,
            str(ROOT / "bench" / "audit_autosave_probe.py"),
            url,
            mode,
            str(n),
            str(threads),
            audit_mode,
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    if done.returncode != 0:
        raise RuntimeError(done.stderr[-2000:])
    return json.loads(done.stdout.strip().splitlines()[-1])


def autosave(n: int, rounds: int) -> dict[str, float]:
    from scripts.run_simulators import config_from_settings
    from simulators.runner import start_simulators

    out: dict[str, float] = {}
    with start_simulators(config=config_from_settings()) as sims:
        pu_url = sims.url("pu")
        for mode, threads in (("same", 1), ("spread", 1), ("same", 4)):
            p95: dict[str, list[float]] = {"before": [], "after": []}
            for _round in range(rounds):
                for label in ("before", "after"):
                    url, drop = own_database(PG, f"bench_autosave_{label}_")
                    try:
                        p95[label].append(_probe(url, mode, n, threads, label, pu_url)["p95_ms"])
                    finally:
                        drop()
            before, after = statistics.median(p95["before"]), statistics.median(p95["after"])
            ratio = after / before
            key = f"{mode}_{threads}t"
            out[f"{key}_before_p95_ms"], out[f"{key}_after_p95_ms"] = before, after
            out[f"{key}_ratio"] = ratio
            print(
                f"autosave p95 ({mode}, {threads} thread{'s' if threads > 1 else ''}, {n} saves "
                f"x {rounds} rounds): before {before:.2f} ms, after {after:.2f} ms, "
                f"after/before {ratio:.2f} "
                f"({'OK' if ratio <= AUTOSAVE_RATIO_TARGET else 'OVER'} <= "
                f"{AUTOSAVE_RATIO_TARGET:.2f})"
            )
    return out


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--records", type=int, default=1_000_000)
    parser.add_argument("--saves", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--skip-autosave", action="store_true")
    args = parser.parse_args()
    load = os.getloadavg()
    print(
        f"machine: {os.cpu_count()} CPUs, load average {load[0]:.1f} / {load[1]:.1f} / "
        f"{load[2]:.1f} (1/5/15 min) at the start"
    )

    from services.persistence.migrate import upgrade
    from services.settings import get_settings

    url, drop = own_database(PG, "bench_audit_")
    try:
        get_settings().database_url = url
        upgrade(url)
        used = fill(url, args.records)
        figures = floor()
        figures.update(pages(used))
        figures.update(export())
        t = time.perf_counter()
        from sqlmodel import Session

        from services.persistence.db import get_engine

        with Session(get_engine()) as s:
            result = audit.verify(session=s)
        print(f"verify: {result.message()} ({time.perf_counter() - t:.1f} s)")
    finally:
        drop()
    ok = all(figures[k] <= PAGE_P95_TARGET_MS for k in ("patient_p95_ms", "user_month_p95_ms"))
    print(f"filtered page p95 target <= {PAGE_P95_TARGET_MS:.0f} ms: {'OK' if ok else 'MISSED'}")
    if not args.skip_autosave:
        auto = autosave(args.saves, args.rounds)
        ok = ok and auto["same_1t_ratio"] <= AUTOSAVE_RATIO_TARGET
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
