"""a registration's life: its state, renewal due date, register actions and proceedings

Revision ID: 0007
Revises: 0006
"""
import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("registrations") as batch_op:
        # Every existing registration is active: the register had no other state.
        batch_op.add_column(sa.Column("state", sa.String(length=16), nullable=False,
                                      server_default="active"))
        batch_op.add_column(sa.Column("state_reason", sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column("state_since", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("suspended_from", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("suspended_until", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("renewal_due", sa.Date(), nullable=True))
    op.create_table(
        "register_actions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("registration_id", sa.Integer(), nullable=False),
        sa.Column("council_id", sa.String(length=32), nullable=False),
        sa.Column("action", sa.String(length=32), nullable=False),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reason", sa.String(length=40), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("order_reference", sa.String(length=100), nullable=True),
        sa.Column("changes", sa.JSON(), nullable=False),
        sa.Column("certificates", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["registration_id"], ["registrations.id"]),
        sa.PrimaryKeyConstraint("id"))
    op.create_index("ix_register_actions_registration_id", "register_actions",
                    ["registration_id"])
    op.create_index("ix_register_actions_council_id", "register_actions", ["council_id"])
    op.create_table(
        "proceedings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("registration_id", sa.Integer(), nullable=False),
        sa.Column("council_id", sa.String(length=32), nullable=False),
        sa.Column("opened_on", sa.Date(), nullable=False),
        sa.Column("reference", sa.String(length=100), nullable=False),
        sa.Column("opened_by", sa.String(length=200), nullable=False),
        sa.Column("closed_on", sa.Date(), nullable=True),
        sa.Column("outcome", sa.Text(), nullable=True),
        sa.Column("closed_by", sa.String(length=200), nullable=True),
        sa.ForeignKeyConstraint(["registration_id"], ["registrations.id"]),
        sa.PrimaryKeyConstraint("id"))
    op.create_index("ix_proceedings_registration_id", "proceedings", ["registration_id"])
    op.create_index("ix_proceedings_council_id", "proceedings", ["council_id"])


def downgrade() -> None:
    op.drop_table("proceedings")
    op.drop_table("register_actions")
    with op.batch_alter_table("registrations") as batch_op:
        for column in ("renewal_due", "suspended_until", "suspended_from", "state_since",
                       "state_reason", "state"):
            batch_op.drop_column(column)
