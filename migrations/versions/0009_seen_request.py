"""seen request: a signed Slack request replayed within its 5 minutes is acted on once

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-04 15:20:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "seen_request",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("signature", sa.String(length=64), nullable=False),
        sa.Column("seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_seen_request")),
        sa.UniqueConstraint("signature", name=op.f("uq_seen_request_signature")),
    )
    op.create_index(op.f("ix_seen_request_seen_at"), "seen_request", ["seen_at"])


def downgrade() -> None:
    op.drop_index(op.f("ix_seen_request_seen_at"), table_name="seen_request")
    op.drop_table("seen_request")
