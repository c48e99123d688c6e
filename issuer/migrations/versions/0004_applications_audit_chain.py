"""online applications, sign-in codes, and the audit hash chain

Revision ID: 0004
Revises: 0003
"""
import hashlib
import json
from datetime import UTC

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

GENESIS = "0" * 64


def upgrade() -> None:
    op.create_table(
        "sign_in_codes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("client", sa.String(length=64), nullable=False),
        sa.Column("code_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("sign_in_codes") as batch_op:
        batch_op.create_index("ix_sign_in_codes_email", ["email"], unique=False)
        batch_op.create_index("ix_sign_in_codes_client", ["client"], unique=False)
        batch_op.create_index("ix_sign_in_codes_created_at", ["created_at"], unique=False)
    op.create_table(
        "applications",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("registration_id", sa.Integer(), nullable=False),
        sa.Column("council_id", sa.String(length=32), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("certificate_type", sa.String(length=32), nullable=False),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("waiting_since", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decided_by", sa.String(length=120), nullable=True),
        sa.Column("decision_reason", sa.Text(), nullable=True),
        sa.Column("credential_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["registration_id"], ["registrations.id"]),
        sa.ForeignKeyConstraint(["credential_id"], ["credentials.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("applications") as batch_op:
        batch_op.create_index("ix_applications_registration_id", ["registration_id"])
        batch_op.create_index("ix_applications_queue", ["council_id", "state", "waiting_since"])
    op.create_table(
        "application_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("application_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(length=300), nullable=False),
        sa.Column("action", sa.String(length=32), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("message", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["application_id"], ["applications.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("application_events") as batch_op:
        batch_op.create_index("ix_application_events_application_id", ["application_id"])
    op.create_table(
        "application_documents",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("application_id", sa.Integer(), nullable=False),
        sa.Column("label", sa.String(length=120), nullable=False),
        sa.Column("media_type", sa.String(length=40), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("stored_name", sa.String(length=64), nullable=False),
        sa.Column("uploaded_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["application_id"], ["applications.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("stored_name"),
    )
    with op.batch_alter_table("application_documents") as batch_op:
        batch_op.create_index("ix_application_documents_application_id", ["application_id"])
    _chain_the_audit_trail()


def _chain_the_audit_trail() -> None:
    """Add seq/prev_hash/hash, hash the existing rows in id order, and create the head row.
    The canonical form is written out here (not imported) so this revision never changes."""
    with op.batch_alter_table("audit_events") as batch_op:
        batch_op.alter_column("actor", existing_type=sa.String(length=120),
                              type_=sa.String(length=300), existing_nullable=False)
        batch_op.add_column(sa.Column("seq", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("prev_hash", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("hash", sa.String(length=64), nullable=True))
    events = sa.table("audit_events", sa.column("id", sa.Integer()),
                      sa.column("at", sa.DateTime(timezone=True)), sa.column("actor"),
                      sa.column("action"), sa.column("subject"), sa.column("details", sa.JSON()),
                      sa.column("seq", sa.Integer()), sa.column("prev_hash"), sa.column("hash"))
    connection = op.get_bind()
    prev, seq = GENESIS, 0
    rows = connection.execute(sa.select(events.c.id, events.c.at, events.c.actor,
                                        events.c.action, events.c.subject, events.c.details)
                              .order_by(events.c.id)).all()
    for row in rows:
        seq += 1
        at = row.at if row.at.tzinfo else row.at.replace(tzinfo=UTC)
        body = {"seq": seq, "at": at.astimezone(UTC).isoformat(timespec="microseconds"),
                "actor": row.actor, "action": row.action, "subject": row.subject,
                "details": row.details}
        canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                               default=str).encode("utf-8")
        digest = hashlib.sha256(prev.encode("ascii") + b"\n" + canonical).hexdigest()
        connection.execute(sa.update(events).where(events.c.id == row.id)
                           .values(seq=seq, prev_hash=prev, hash=digest))
        prev = digest
    with op.batch_alter_table("audit_events") as batch_op:
        batch_op.alter_column("seq", existing_type=sa.Integer(), nullable=False)
        batch_op.alter_column("prev_hash", existing_type=sa.String(length=64), nullable=False)
        batch_op.alter_column("hash", existing_type=sa.String(length=64), nullable=False)
        batch_op.create_unique_constraint("uq_audit_events_seq", ["seq"])
    head = op.create_table(
        "audit_chain",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.bulk_insert(head, [{"id": 1, "seq": seq, "hash": prev}])


def downgrade() -> None:
    op.drop_table("audit_chain")
    with op.batch_alter_table("audit_events") as batch_op:
        batch_op.drop_constraint("uq_audit_events_seq", type_="unique")
        batch_op.drop_column("hash")
        batch_op.drop_column("prev_hash")
        batch_op.drop_column("seq")
        batch_op.alter_column("actor", existing_type=sa.String(length=300),
                              type_=sa.String(length=120), existing_nullable=False)
    for table in ("application_documents", "application_events", "applications",
                  "sign_in_codes"):
        op.drop_table(table)
