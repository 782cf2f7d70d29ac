"""user settings: a CSM may take their stall alerts as one daily digest DM

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-06 21:30:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "user_setting",
        sa.Column("user_id", sa.String(32), nullable=False),
        sa.Column("alert_digest", sa.Boolean(), nullable=False, server_default=sa.false()),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_user_setting")),
    )


def downgrade() -> None:
    op.drop_table("user_setting")
