"""Server sessions name the patient a SMART launch brought in, and are found by index

The SMART write-back looked for the launch of a certificate's patient on its unit by reading
every SMART session of the unit and the patient out of its JSON; the patient is now a column
(filled from the JSON for the sessions already there) under the index
(origin, unit_id, patient_id, created_at).

Created 2026-12-01 17:40:00.000000 (Alembic).
"""

import sqlalchemy as sa
import sqlmodel

from alembic import op

revision = "0010_smart_session_idx"
down_revision = "0009_audit_partial"

INDEX = "ix_server_session_launch"
COLUMNS = ["origin", "unit_id", "patient_id", "created_at"]


def upgrade() -> None:
    op.add_column(
        "server_session",
        sa.Column("patient_id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
    )
    # The index before the backfill: on PostgreSQL an index built over rows just updated in
    # place (HOT) is not used until older snapshots end (pg_index.indcheckxmin).
    op.create_index(INDEX, "server_session", COLUMNS, unique=False)
    sessions = sa.table(
        "server_session",
        sa.column("token_hash", sa.String()),
        sa.column("origin", sa.String()),
        sa.column("params", sa.JSON()),
        sa.column("patient_id", sa.String()),
    )
    conn = op.get_bind()
    rows = conn.execute(
        sa.select(sessions.c.token_hash, sessions.c.params).where(sessions.c.origin == "SMART")
    ).all()
    for token_hash, params in rows:
        patient = (((params or {}).get("extra") or {}).get("smart") or {}).get("patient")
        if patient:
            conn.execute(
                sessions.update()
                .where(sessions.c.token_hash == token_hash)
                .values(patient_id=str(patient)[:32])
            )


def downgrade() -> None:
    op.drop_index(INDEX, table_name="server_session")
    with op.batch_alter_table("server_session") as batch:
        batch.drop_column("patient_id")
