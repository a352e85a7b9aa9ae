"""PDL log page indexes: care provider first, then patient or user, then time

Created 2026-12-01 15:10:00.000000 (Alembic).
"""

from alembic import op
from services.persistence import audit_ddl

revision = "0007_audit_idx"
down_revision = "0006_signed_document"

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


def upgrade() -> None:
    audit_ddl.replace_indexes(op, OLD, NEW)


def downgrade() -> None:
    audit_ddl.replace_indexes(op, NEW, OLD)
