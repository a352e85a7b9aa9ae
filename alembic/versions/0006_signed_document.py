"""Signed documents: the certificate's RegisterCertificate XML with the signer's XMLDSig

Created 2026-12-01 15:00:00.000000 (Alembic).
"""

import sqlalchemy as sa
import sqlmodel

from alembic import op

revision = "0006_signed_document"
down_revision = "0005_scale"


def upgrade() -> None:
    op.create_table(
        "signed_document",
        sa.Column("certificate_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("xml", sa.Text(), nullable=False),
        sa.Column("signer_hsa_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["certificate_id"], ["certificate.id"]),
        sa.PrimaryKeyConstraint("certificate_id"),
    )


def downgrade() -> None:
    op.drop_table("signed_document")
