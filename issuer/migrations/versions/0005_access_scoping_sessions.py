"""audit events by council, staff tokens that expire, server-side page sessions

Revision ID: 0005
Revises: 0004
"""
from datetime import UTC, timedelta

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

# Tokens made before expiry existed live this long from their creation (the CLI's default).
LEGACY_TOKEN_DAYS = 90


def upgrade() -> None:
    with op.batch_alter_table("audit_events") as batch_op:
        batch_op.add_column(sa.Column("council_id", sa.String(length=32), nullable=True))
        batch_op.create_index("ix_audit_events_council_id", ["council_id"], unique=False)
    _backfill_audit_councils()
    with op.batch_alter_table("api_tokens") as batch_op:
        batch_op.add_column(sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True))
    _backfill_token_expiry()
    with op.batch_alter_table("api_tokens") as batch_op:
        batch_op.alter_column("expires_at", existing_type=sa.DateTime(timezone=True),
                              nullable=False)
    op.create_table(
        "web_sessions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("secret_hash", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("subject", sa.String(length=254), nullable=False),
        sa.Column("token_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["token_id"], ["api_tokens.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("secret_hash"),
    )
    with op.batch_alter_table("web_sessions") as batch_op:
        batch_op.create_index("ix_web_sessions_subject", ["subject"], unique=False)


def _backfill_audit_councils() -> None:
    """Earlier events name their record in ``subject`` (``credential:NUMBER``,
    ``registration:ID``, ``application:ID``); the record's council becomes the event's."""
    for prefix, table, key in (("credential:", "credentials", "certificate_number"),
                               ("registration:", "registrations", "id"),
                               ("application:", "applications", "id")):
        op.execute(sa.text(
            f"UPDATE audit_events SET council_id = (SELECT t.council_id FROM {table} t "  # noqa: S608
            f"WHERE '{prefix}' || CAST(t.{key} AS VARCHAR(64)) = audit_events.subject) "
            f"WHERE subject LIKE '{prefix}%'"))


def _backfill_token_expiry() -> None:
    tokens = sa.table("api_tokens", sa.column("id", sa.Integer()),
                      sa.column("created_at", sa.DateTime(timezone=True)),
                      sa.column("expires_at", sa.DateTime(timezone=True)))
    connection = op.get_bind()
    for row in connection.execute(sa.select(tokens.c.id, tokens.c.created_at)).all():
        created = row.created_at if row.created_at.tzinfo else row.created_at.replace(tzinfo=UTC)
        connection.execute(sa.update(tokens).where(tokens.c.id == row.id).values(
            expires_at=created + timedelta(days=LEGACY_TOKEN_DAYS)))


def downgrade() -> None:
    op.drop_table("web_sessions")
    with op.batch_alter_table("api_tokens") as batch_op:
        batch_op.drop_column("expires_at")
    with op.batch_alter_table("audit_events") as batch_op:
        batch_op.drop_index("ix_audit_events_council_id")
        batch_op.drop_column("council_id")
