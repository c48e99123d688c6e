"""national scale: the index /stats aggregates from, the outbox's shared send rate, and what
each bulk issuance run has issued

Revision ID: 0010
Revises: 0009
"""
import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # /stats counts certificates per council, type and month, the ended months once per
    # process and then the current month only: a range of issued_at, answered from this
    # index alone (an index-only scan), not from the wide rows that hold the tokens.
    with op.batch_alter_table("credentials") as batch_op:
        batch_op.create_index("ix_credentials_stats",
                              ["issued_at", "council_id", "certificate_type"], unique=False)
    op.create_table(
        "outbox_pace",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("next_at", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.execute(sa.text("INSERT INTO outbox_pace (id, next_at) VALUES (1, 0)"))
    op.create_table(
        "bulk_issued",
        sa.Column("run", sa.String(length=64), nullable=False),
        sa.Column("certificate_type", sa.String(length=32), nullable=False),
        sa.Column("registration_id", sa.Integer(), nullable=False),
        sa.Column("credential_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["registration_id"], ["registrations.id"]),
        sa.ForeignKeyConstraint(["credential_id"], ["credentials.id"]),
        sa.PrimaryKeyConstraint("run", "certificate_type", "registration_id"),
    )


def downgrade() -> None:
    op.drop_table("bulk_issued")
    op.drop_table("outbox_pace")
    with op.batch_alter_table("credentials") as batch_op:
        batch_op.drop_index("ix_credentials_stats")
