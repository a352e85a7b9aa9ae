"""PDL audit log: append-only triggers, the SHA-256 chain, verify, concurrent writers.

Runs on SQLite and PostgreSQL (the ``migrated_db`` fixture: the schema comes from Alembic).
"""

from __future__ import annotations

import subprocess
import sys
import threading
import time

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlmodel import Session, col, select

from services import audit
from services.persistence.db import engine_for, session_scope
from services.persistence.models import AuditRecord
from services.settings import PROJECT_ROOT


def _write(n: int, *, user: str = "HSA-1", patient: str = "191212121212") -> None:
    for i in range(n):
        with session_scope() as s:
            audit.record(
                session=s,
                user_id=user,
                user_name="Test Läkare",
                role="LAKARE",
                unit_id="UNIT-1",
                action=audit.AuditAction.READ,
                certificate_id=f"cert-{i}",
                patient_id=patient,
                detail=f"läsning {i}",
            )


def _verify(url: str) -> audit.VerifyResult:
    with Session(engine_for(url)) as s:
        return audit.verify(session=s)


def _cli(url: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "services.audit", "verify", url],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )


def _bypass(url: str, sql: str, **params: object) -> None:
    """Change the table behind the triggers' back (what an attacker with the database does)."""
    engine = engine_for(url)
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            conn.execute(text("SET LOCAL session_replication_role = replica"))  # no triggers
            conn.execute(text(sql), params)
        else:
            conn.execute(text("DROP TRIGGER audit_record_no_update"))
            conn.execute(text("DROP TRIGGER audit_record_no_delete"))
            conn.execute(text(sql), params)
            for statement in audit_ddl_statements():
                conn.execute(text(statement))


def audit_ddl_statements() -> tuple[str, ...]:
    from services.persistence.audit_ddl import SQLITE_CREATE

    return SQLITE_CREATE


@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE audit_record SET detail = 'ändrad' WHERE id = 2",
        "DELETE FROM audit_record WHERE id = 2",
    ],
)
def test_update_and_delete_are_refused_by_the_database(migrated_db: str, sql: str) -> None:
    _write(3)
    with pytest.raises(DBAPIError, match="append-only"):
        with engine_for(migrated_db).begin() as conn:
            conn.execute(text(sql))
    with session_scope() as s:
        rows = s.exec(select(AuditRecord).order_by(col(AuditRecord.id))).all()
    assert [r.detail for r in rows] == ["läsning 0", "läsning 1", "läsning 2"]


def test_truncate_is_refused_on_postgres(migrated_db: str) -> None:
    if not migrated_db.startswith("postgresql"):
        pytest.skip("SQLite has no TRUNCATE")
    _write(1)
    with pytest.raises(DBAPIError, match="append-only"):
        with engine_for(migrated_db).begin() as conn:
            conn.execute(text("TRUNCATE audit_record"))


def test_clean_chain_verifies_and_cli_exits_0(migrated_db: str) -> None:
    _write(5)
    result = _verify(migrated_db)
    assert result.ok and result.checked == 5
    with session_scope() as s:
        rows = s.exec(select(AuditRecord).order_by(col(AuditRecord.id))).all()
    assert [r.id for r in rows] == [1, 2, 3, 4, 5]
    assert len({r.chain for r in rows}) == 5 and all(len(r.chain) == 64 for r in rows)
    done = _cli(migrated_db)
    assert done.returncode == 0, done.stderr
    assert "obruten: 5 poster" in done.stdout


def test_a_changed_record_is_found(migrated_db: str) -> None:
    _write(6)
    _bypass(migrated_db, "UPDATE audit_record SET patient_id = '199001011234' WHERE id = 4")
    result = _verify(migrated_db)
    assert not result.ok and result.broken_id == 4 and result.checked == 3
    done = _cli(migrated_db)
    assert done.returncode == 1
    assert "bruten vid post 4" in done.stdout


@pytest.mark.parametrize(
    ("written", "deleted", "reason"),
    [
        (6, 3, "posten saknas (nästa post är 4)"),  # a gap in the ids
        (4, 4, "kedjans slut pekar på post 4 men den sista posten är 3"),  # the head tells
    ],
    ids=["middle", "last"],
)
def test_a_deleted_record_is_found(
    migrated_db: str, written: int, deleted: int, reason: str
) -> None:
    _write(written)
    _bypass(migrated_db, f"DELETE FROM audit_record WHERE id = {deleted}")
    result = _verify(migrated_db)
    assert not result.ok and result.broken_id == deleted
    assert result.reason == reason


def test_reordered_records_are_found(migrated_db: str) -> None:
    _write(5)
    # Swap the content of records 2 and 3 (ids and chain values stay where they were).
    _bypass(
        migrated_db,
        "UPDATE audit_record SET detail = CASE id WHEN 2 THEN 'läsning 2' ELSE 'läsning 1' END "
        "WHERE id IN (2, 3)",
    )
    result = _verify(migrated_db)
    assert not result.ok and result.broken_id == 2


def test_concurrent_writers_keep_one_chain(migrated_db: str) -> None:
    """Several writers at once (threads with their own connections; on PostgreSQL they really
    run in parallel): every record gets a place in one unbroken chain."""
    writers, per_writer = 8, 15
    errors: list[BaseException] = []

    def writer(k: int) -> None:
        try:
            for i in range(per_writer):
                with session_scope() as s:
                    audit.record(
                        session=s,
                        user_id=f"HSA-{k}",
                        user_name="Skribent",
                        role="LAKARE",
                        unit_id="UNIT-1",
                        action=audit.AuditAction.WRITE,
                        patient_id="191212121212",
                        detail=f"{k}:{i}",
                    )
                    time.sleep(0.001)  # hold the transaction open a little
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(k,)) for k in range(writers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    result = _verify(migrated_db)
    assert result.ok, result.message()
    assert result.checked == writers * per_writer
    with session_scope() as s:
        details = {r.detail for r in s.exec(select(AuditRecord)).all()}
    assert details == {f"{k}:{i}" for k in range(writers) for i in range(per_writer)}


def test_the_migration_chains_records_written_before_it(tmp_path, monkeypatch) -> None:
    """Records from before the chain (with gaps in their ids) are numbered and chained by
    the migration; verify passes and new records continue the chain."""
    from alembic.config import Config

    from alembic import command
    from services.settings import get_settings

    url = f"sqlite:///{tmp_path / 'old.db'}"
    monkeypatch.setattr(get_settings(), "database_url", url)
    cfg = Config(str(PROJECT_ROOT / "alembic.ini"))
    cfg.attributes["url"] = url
    cfg.attributes["configure_logger"] = False
    command.upgrade(cfg, "0003")
    with engine_for(url).begin() as conn:
        for rid in (3, 7, 8):
            conn.execute(
                text(
                    "INSERT INTO audit_record (id, at, user_id, user_name, role, unit_id, "
                    "action, certificate_id, patient_id, detail) VALUES (:id, "
                    "'2026-01-02 10:00:00.000000', 'HSA-1', 'Läkare', 'LAKARE', 'U', 'READ', "
                    "'c', '191212121212', 'gammal')"
                ),
                {"id": rid},
            )
    command.upgrade(cfg, "head")
    assert _verify(url).ok and _verify(url).checked == 3
    _write(2)
    result = _verify(url)
    assert result.ok and result.checked == 5
    with session_scope() as s:
        assert [r.id for r in s.exec(select(AuditRecord).order_by(col(AuditRecord.id)))] == [
            1,
            2,
            3,
            4,
            5,
        ]
    engine_for(url).dispose()
