"""handoff timing: when the deal closed, and which commitments are the handoff's own timing

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-06 21:00:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("onboarding", sa.Column("deal_closed_on", sa.Date(), nullable=True))
    op.add_column("commitment", sa.Column("timing_key", sa.String(60), nullable=True))


def downgrade() -> None:
    op.drop_column("commitment", "timing_key")
    op.drop_column("onboarding", "deal_closed_on")
