"""status lists, certificate states, key compromise

Revision ID: 0002
Revises: 0001
"""
import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "status_lists",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("council_id", sa.String(length=32), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("allocated", sa.Integer(), nullable=False),
        sa.Column("permutation_key", sa.LargeBinary(length=32), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("status_lists") as batch_op:
        batch_op.create_index("ix_status_lists_council_id", ["council_id"], unique=False)

    with op.batch_alter_table("credentials") as batch_op:
        batch_op.add_column(sa.Column("status_list_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("status_index", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("state", sa.String(length=16), nullable=False,
                                      server_default="active"))
        batch_op.add_column(sa.Column("state_reason", sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column("state_since", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("suspended_until", sa.DateTime(timezone=True),
                                      nullable=True))
        batch_op.add_column(sa.Column("replaced_by_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key("fk_credentials_status_list_id", "status_lists",
                                    ["status_list_id"], ["id"])
        batch_op.create_foreign_key("fk_credentials_replaced_by_id", "credentials",
                                    ["replaced_by_id"], ["id"])
        batch_op.create_unique_constraint("uq_credentials_status_list_id",
                                          ["status_list_id", "status_index"])
        batch_op.create_index("ix_credentials_list_state",
                              ["status_list_id", "state", "status_index"], unique=False)

    with op.batch_alter_table("signing_keys") as batch_op:
        batch_op.add_column(sa.Column("compromised_at", sa.DateTime(timezone=True),
                                      nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("signing_keys") as batch_op:
        batch_op.drop_column("compromised_at")
    with op.batch_alter_table("credentials") as batch_op:
        batch_op.drop_index("ix_credentials_list_state")
        batch_op.drop_constraint("uq_credentials_status_list_id", type_="unique")
        batch_op.drop_constraint("fk_credentials_replaced_by_id", type_="foreignkey")
        batch_op.drop_constraint("fk_credentials_status_list_id", type_="foreignkey")
        for column in ("replaced_by_id", "suspended_until", "state_since", "state_reason",
                       "state", "status_index", "status_list_id"):
            batch_op.drop_column(column)
    op.drop_table("status_lists")
