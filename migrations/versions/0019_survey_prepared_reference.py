"""survey: "prepared for ongoing success?" and "would you be a reference?" (yes or no)

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-06 22:50:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("feedback_response", sa.Column("prepared", sa.Boolean(), nullable=True))
    op.add_column("feedback_response", sa.Column("reference", sa.Boolean(), nullable=True))


def downgrade() -> None:
    op.drop_column("feedback_response", "reference")
    op.drop_column("feedback_response", "prepared")
