"""Question drafts (autosaved new questions to FK) and one open complement draft per original

Created 2026-11-27 10:00:00.000000 (Alembic).
"""

import sqlalchemy as sa
import sqlmodel

from alembic import op

revision = "0003"
down_revision = "0002"

OLD_WHERE = (
    "status IN ('DRAFT', 'READY_FOR_SIGNING') AND relation_kind IN ('RENEW', 'REPLACE', 'COPY')"
)
NEW_WHERE = (
    "status IN ('DRAFT', 'READY_FOR_SIGNING') "
    "AND relation_kind IN ('RENEW', 'REPLACE', 'COPY', 'COMPLEMENT')"
)


def _recreate_index(where: str) -> None:
    with op.batch_alter_table("certificate", schema=None) as batch_op:
        batch_op.drop_index("uq_certificate_open_child")
    with op.batch_alter_table("certificate", schema=None) as batch_op:
        batch_op.create_index(
            "uq_certificate_open_child",
            ["parent_id", "relation_kind", "unit_id"],
            unique=True,
            sqlite_where=sa.text(where),
            postgresql_where=sa.text(where),
        )


def upgrade() -> None:
    op.create_table(
        "question_draft",
        sa.Column("certificate_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("unit_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("topic", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("text", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("updated_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("updated_by", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.ForeignKeyConstraint(["certificate_id"], ["certificate.id"]),
        sa.PrimaryKeyConstraint("certificate_id", "unit_id"),
    )
    _recreate_index(NEW_WHERE)


def downgrade() -> None:
    _recreate_index(OLD_WHERE)
    op.drop_table("question_draft")
