"""slack access: the sender and the jobs stop calling Slack while the app is uninstalled

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-04 15:25:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "slack_access",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("suspended_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reason", sa.String(length=60), nullable=False),
        sa.Column("resumed_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_slack_access")),
    )


def downgrade() -> None:
    op.drop_table("slack_access")
