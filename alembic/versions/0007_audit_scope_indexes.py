"""PDL log page indexes: care provider first, then patient or user, then time

Revision ID: 0007_audit_idx
Revises: 0006_signed_document
Create Date: 2026-12-01 15:10:00.000000
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0007_audit_idx"
down_revision: str | None = "0006_signed_document"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OLD = (
    ("ix_audit_record_patient_at", ["patient_id", "at"]),
    ("ix_audit_record_user_at", ["user_id", "at"]),
)
NEW = (
    ("ix_audit_record_cp_patient_at", ["care_provider_id", "patient_id", "at"]),
    ("ix_audit_record_cp_user_at", ["care_provider_id", "user_id", "at"]),
    ("ix_audit_record_rcp_patient_at", ["resource_care_provider_id", "patient_id", "at"]),
    ("ix_audit_record_rcp_user_at", ["resource_care_provider_id", "user_id", "at"]),
)


# Plain index operations (no batch mode): a batch table rebuild on SQLite would drop the
# append-only triggers.


def upgrade() -> None:
    for name, _columns in OLD:
        op.drop_index(name, table_name="audit_record")
    for name, columns in NEW:
        op.create_index(name, "audit_record", columns, unique=False)


def downgrade() -> None:
    for name, _columns in NEW:
        op.drop_index(name, table_name="audit_record")
    for name, columns in OLD:
        op.create_index(name, "audit_record", columns, unique=False)
