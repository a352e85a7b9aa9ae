"""At most one open renewal/replacement/copy draft per original and care unit

Created 2026-11-26 16:51:30.681627 (Alembic).
"""

import sqlalchemy as sa

from alembic import op

revision = "0002"
down_revision = "0001"

OPEN_CHILD_WHERE = (
    "status IN ('DRAFT', 'READY_FOR_SIGNING') AND relation_kind IN ('RENEW', 'REPLACE', 'COPY')"
)


def upgrade() -> None:
    with op.batch_alter_table("certificate", schema=None) as batch_op:
        batch_op.create_index(
            "uq_certificate_open_child",
            ["parent_id", "relation_kind", "unit_id"],
            unique=True,
            sqlite_where=sa.text(OPEN_CHILD_WHERE),
            postgresql_where=sa.text(OPEN_CHILD_WHERE),
        )


def downgrade() -> None:
    with op.batch_alter_table("certificate", schema=None) as batch_op:
        batch_op.drop_index("uq_certificate_open_child")
