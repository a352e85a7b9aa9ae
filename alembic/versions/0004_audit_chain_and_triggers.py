"""PDL audit log: Webcert's PDL fields, SHA-256 hash chain, append-only triggers, autosave windows

Created 2026-12-01 14:30:00.000000 (Alembic).
"""

import sqlalchemy as sa
import sqlmodel

from alembic import op

revision = "0004_audit"
down_revision = "0003"

_S = sqlmodel.sql.sqltypes.AutoString
NEW_COLUMNS = (
    ("activity_type", _S(length=16), "''"),
    ("purpose", _S(length=64), "''"),
    ("unit_name", _S(length=200), "''"),
    ("care_provider_id", _S(length=64), "''"),
    ("care_provider_name", _S(length=200), "''"),
    ("resource_type", _S(length=32), "''"),
    ("resource_unit_id", _S(length=64), "''"),
    ("resource_care_provider_id", _S(length=64), "''"),
    ("sjf", sa.Boolean(), "false"),
    ("system_id", _S(length=64), "''"),
    ("system_name", _S(length=200), "''"),
    ("refusal_code", _S(length=32), "''"),
    ("count", sa.Integer(), "1"),
    ("chain", _S(length=64), "''"),
)
INDEXES = (
    ("ix_audit_record_patient_at", ["patient_id", "at"]),
    ("ix_audit_record_user_at", ["user_id", "at"]),
    ("ix_audit_record_care_provider_at", ["care_provider_id", "at"]),
    ("ix_audit_record_resource_care_provider_at", ["resource_care_provider_id", "at"]),
)


def _chain_existing_rows() -> tuple[int, str]:
    """Number the existing records 1..n in their order and chain them."""
    from services.audit import GENESIS, chain_value
    from services.persistence.models import AuditRecord

    bind = op.get_bind()
    table = sa.table(
        "audit_record", *(sa.column(c.name, c.type) for c in AuditRecord.__table__.columns)
    )
    rows = bind.execute(sa.select(table).order_by(table.c.id)).mappings().all()
    previous = GENESIS
    for position, row in enumerate(rows, start=1):
        values = dict(row)
        if values["id"] != position:
            bind.execute(sa.update(table).where(table.c.id == values["id"]).values(id=position))
            values["id"] = position
        record = AuditRecord(**values)
        previous = chain_value(previous, record)
        bind.execute(sa.update(table).where(table.c.id == position).values(chain=previous))
    return len(rows), previous


def upgrade() -> None:
    from services.persistence import audit_ddl

    with op.batch_alter_table("audit_record", schema=None) as batch_op:
        for name, type_, default in NEW_COLUMNS:
            batch_op.add_column(
                sa.Column(name, type_, nullable=False, server_default=sa.text(default))
            )
    with op.batch_alter_table("audit_record", schema=None) as batch_op:
        for name, columns in INDEXES:
            batch_op.create_index(name, columns, unique=False)
    op.create_table(
        "audit_chain_head",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("last_hash", _S(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "audit_write_window",
        sa.Column("certificate_id", _S(length=64), nullable=False),
        sa.Column("user_id", _S(length=64), nullable=False),
        sa.Column("record_id", sa.Integer(), nullable=False),
        sa.Column("started_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("saves", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("certificate_id", "user_id"),
    )
    count, last_hash = _chain_existing_rows()
    op.execute(
        sa.text(
            "INSERT INTO audit_chain_head (id, seq, last_hash) VALUES (1, :seq, :h)"
        ).bindparams(seq=count, h=last_hash)
    )
    audit_ddl.run(op.execute, audit_ddl.create_statements(op.get_bind().dialect.name))


def downgrade() -> None:
    from services.persistence import audit_ddl

    audit_ddl.run(op.execute, audit_ddl.drop_statements(op.get_bind().dialect.name))
    op.drop_table("audit_write_window")
    op.drop_table("audit_chain_head")
    with op.batch_alter_table("audit_record", schema=None) as batch_op:
        for name, _columns in reversed(INDEXES):
            batch_op.drop_index(name)
    with op.batch_alter_table("audit_record", schema=None) as batch_op:
        for name, _type, _default in reversed(NEW_COLUMNS):
            batch_op.drop_column(name)
