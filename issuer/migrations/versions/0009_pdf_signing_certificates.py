"""PDF-signing certificates: the authority that issues them and one per council and key

Revision ID: 0009
Revises: 0008
"""
import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "document_authorities",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("certificate", sa.LargeBinary(), nullable=False),
        sa.Column("encrypted_private_key", sa.LargeBinary(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False))
    op.create_table(
        "document_certificates",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("council_id", sa.String(32), nullable=False),
        sa.Column("kid", sa.String(100), nullable=False),
        sa.Column("certificate", sa.LargeBinary(), nullable=False),
        sa.Column("authority_id", sa.String(64), sa.ForeignKey("document_authorities.id"),
                  nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("council_id", "kid"))


def downgrade() -> None:
    op.drop_table("document_certificates")
    op.drop_table("document_authorities")
