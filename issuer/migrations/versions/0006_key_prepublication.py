"""a new signing key is published before it signs: its activation time

Revision ID: 0006
Revises: 0005
"""
import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("signing_keys") as batch_op:
        batch_op.add_column(sa.Column("activates_at", sa.DateTime(timezone=True), nullable=True))
    # Every earlier key signed from the moment it was made.
    op.execute(sa.text("UPDATE signing_keys SET activates_at = created_at"))
    with op.batch_alter_table("signing_keys") as batch_op:
        batch_op.alter_column("activates_at", existing_type=sa.DateTime(timezone=True),
                              nullable=False)


def downgrade() -> None:
    with op.batch_alter_table("signing_keys") as batch_op:
        batch_op.drop_column("activates_at")
