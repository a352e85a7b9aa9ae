"""Indexes for 1 M certificates (issue 17): unit lists newest first, the 14-day lock, the outbox

Created 2026-12-01 14:45:00.000000 (Alembic).
"""

import sqlalchemy as sa

from alembic import op

revision = "0005_scale"
down_revision = "0004_audit"

UNDELIVERED = "delivered_at IS NULL AND failed IS false"  # as the queries say it


def upgrade() -> None:
    with op.batch_alter_table("certificate", schema=None) as batch_op:
        # The unit list (start page, GET /api/v1/units/{id}/certificates): newest first.
        batch_op.create_index("ix_certificate_unit_updated", ["unit_id", "updated_at"])
        # The 14-day lock job: drafts by age.
        batch_op.create_index("ix_certificate_status_created", ["status", "created_at"])
    with op.batch_alter_table("notification_outbox", schema=None) as batch_op:
        # The delivery run's next batch: only the (few) undelivered rows, by certificate.
        batch_op.create_index(
            "ix_outbox_undelivered",
            ["certificate_id", "id"],
            sqlite_where=sa.text(UNDELIVERED),
            postgresql_where=sa.text(UNDELIVERED),
        )


def downgrade() -> None:
    with op.batch_alter_table("notification_outbox", schema=None) as batch_op:
        batch_op.drop_index("ix_outbox_undelivered")
    with op.batch_alter_table("certificate", schema=None) as batch_op:
        batch_op.drop_index("ix_certificate_status_created")
        batch_op.drop_index("ix_certificate_unit_updated")
