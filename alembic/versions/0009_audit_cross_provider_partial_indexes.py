"""PDL log: the indexes for accesses from another care provider are partial

Created 2026-12-01 16:05:00.000000 (Alembic).
"""

import sqlalchemy as sa

from alembic import op

revision = "0009_audit_partial"
down_revision = "0008_audit_order"

WHERE = "resource_care_provider_id <> care_provider_id"
INDEXES = (
    ("ix_audit_record_rcp_at_id", ["resource_care_provider_id", "at", "id"]),
    ("ix_audit_record_rcp_patient_at_id", ["resource_care_provider_id", "patient_id", "at", "id"]),
    ("ix_audit_record_rcp_user_at_id", ["resource_care_provider_id", "user_id", "at", "id"]),
)
# Plain index operations (no batch mode): a batch table rebuild on SQLite would drop the
# append-only triggers.


def upgrade() -> None:
    for name, columns in INDEXES:
        op.drop_index(name, table_name="audit_record")
        op.create_index(
            name,
            "audit_record",
            columns,
            unique=False,
            sqlite_where=sa.text(WHERE),
            postgresql_where=sa.text(WHERE),
        )


def downgrade() -> None:
    for name, columns in INDEXES:
        op.drop_index(name, table_name="audit_record")
        op.create_index(name, "audit_record", columns, unique=False)
