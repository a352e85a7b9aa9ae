"""PDL log indexes end with the page's order (at, id); no index on the time alone

Created 2026-12-01 15:35:00.000000 (Alembic).
"""

from alembic import op
from services.persistence import audit_ddl

revision = "0008_audit_order"
down_revision = "0007_audit_idx"

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


def upgrade() -> None:
    audit_ddl.replace_indexes(op, OLD, NEW)


def downgrade() -> None:
    audit_ddl.replace_indexes(op, NEW, OLD)
