"""PDL log indexes end with the page's order (at, id); no index on the time alone

Revision ID: 0008_audit_order
Revises: 0007_audit_idx
Create Date: 2026-12-01 15:35:00.000000
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0008_audit_order"
down_revision: str | None = "0007_audit_idx"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OLD = (
    ("ix_audit_record_at", ["at"]),
    ("ix_audit_record_care_provider_at", ["care_provider_id", "at"]),
    ("ix_audit_record_resource_care_provider_at", ["resource_care_provider_id", "at"]),
    ("ix_audit_record_cp_patient_at", ["care_provider_id", "patient_id", "at"]),
    ("ix_audit_record_cp_user_at", ["care_provider_id", "user_id", "at"]),
    ("ix_audit_record_rcp_patient_at", ["resource_care_provider_id", "patient_id", "at"]),
    ("ix_audit_record_rcp_user_at", ["resource_care_provider_id", "user_id", "at"]),
)
NEW = (
    ("ix_audit_record_cp_at_id", ["care_provider_id", "at", "id"]),
    ("ix_audit_record_rcp_at_id", ["resource_care_provider_id", "at", "id"]),
    ("ix_audit_record_cp_patient_at_id", ["care_provider_id", "patient_id", "at", "id"]),
    ("ix_audit_record_cp_user_at_id", ["care_provider_id", "user_id", "at", "id"]),
    ("ix_audit_record_rcp_patient_at_id", ["resource_care_provider_id", "patient_id", "at", "id"]),
    ("ix_audit_record_rcp_user_at_id", ["resource_care_provider_id", "user_id", "at", "id"]),
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
