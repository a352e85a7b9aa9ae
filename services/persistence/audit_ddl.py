"""Database triggers that make the PDL audit table append-only (SQLite and PostgreSQL).

Used by the Alembic migration and by ``create_all`` (tests on a fresh database), so the rule
lives once. UPDATE, DELETE (and TRUNCATE on PostgreSQL) of ``audit_record`` are refused by the
database itself, whoever holds the connection.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import event
from sqlalchemy.engine import Connection
from sqlalchemy.schema import Table

MESSAGE = "audit_record is append-only"

SQLITE_CREATE = (
    "CREATE TRIGGER IF NOT EXISTS audit_record_no_update BEFORE UPDATE ON audit_record "
    f"BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END",
    "CREATE TRIGGER IF NOT EXISTS audit_record_no_delete BEFORE DELETE ON audit_record "
    f"BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END",
)
SQLITE_DROP = (
    "DROP TRIGGER IF EXISTS audit_record_no_update",
    "DROP TRIGGER IF EXISTS audit_record_no_delete",
)
POSTGRES_CREATE = (
    "CREATE OR REPLACE FUNCTION audit_record_append_only() RETURNS trigger "
    "LANGUAGE plpgsql AS $$ BEGIN "
    f"RAISE EXCEPTION '{MESSAGE}' USING ERRCODE = 'insufficient_privilege'; "
    "END $$",
    "CREATE TRIGGER audit_record_no_update_delete BEFORE UPDATE OR DELETE ON audit_record "
    "FOR EACH ROW EXECUTE FUNCTION audit_record_append_only()",
    "CREATE TRIGGER audit_record_no_truncate BEFORE TRUNCATE ON audit_record "
    "FOR EACH STATEMENT EXECUTE FUNCTION audit_record_append_only()",
)
POSTGRES_DROP = (
    "DROP TRIGGER IF EXISTS audit_record_no_truncate ON audit_record",
    "DROP TRIGGER IF EXISTS audit_record_no_update_delete ON audit_record",
    "DROP FUNCTION IF EXISTS audit_record_append_only()",
)


def create_statements(dialect: str) -> tuple[str, ...]:
    return POSTGRES_CREATE if dialect == "postgresql" else SQLITE_CREATE


def drop_statements(dialect: str) -> tuple[str, ...]:
    return POSTGRES_DROP if dialect == "postgresql" else SQLITE_DROP


def run(execute: Callable[[str], object], statements: tuple[str, ...]) -> None:
    for statement in statements:
        execute(statement)


HEAD_INSERT = "INSERT INTO audit_chain_head (id, seq, last_hash) VALUES (1, 0, '" + "0" * 64 + "')"


def install_on_create(table: Table, head: Table) -> None:
    """Create the triggers (and the chain's head row) whenever ``create_all`` creates the
    audit tables."""

    @event.listens_for(head, "after_create")
    def _head_row(target: Table, connection: Connection, **_kw: object) -> None:
        from sqlalchemy import text

        connection.execute(text(HEAD_INSERT))

    @event.listens_for(table, "after_create")
    def _after_create(target: Table, connection: Connection, **_kw: object) -> None:
        from sqlalchemy import text

        run(
            lambda sql: connection.execute(text(sql)),
            create_statements(connection.dialect.name),
        )


IndexList = tuple[tuple[str, list[str]], ...]


def replace_indexes(op: object, drop: IndexList, create: IndexList) -> None:
    """A migration's index change on ``audit_record``: plain index operations, no batch mode
    (a batch table rebuild on SQLite would drop the append-only triggers)."""
    for name, _columns in drop:
        op.drop_index(name, table_name="audit_record")  # type: ignore[attr-defined]
    for name, columns in create:
        op.create_index(name, "audit_record", columns, unique=False)  # type: ignore[attr-defined]
