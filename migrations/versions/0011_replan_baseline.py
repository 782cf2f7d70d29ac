"""replan: the first plan's dates are kept as the baseline, and replans are counted

Existing onboardings get their current dates as their baseline.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-04 20:30:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("onboarding", sa.Column("baseline_go_live_date", sa.Date(), nullable=True))
    op.add_column(
        "onboarding",
        sa.Column("replan_count", sa.Integer(), nullable=False, server_default="0"),
    )
    op.add_column("milestone", sa.Column("baseline_due_date", sa.Date(), nullable=True))
    op.execute("UPDATE milestone SET baseline_due_date = due_date")
    op.execute(
        "UPDATE onboarding SET baseline_go_live_date = COALESCE(target_go_live_date, "
        "(SELECT MIN(m.due_date) FROM milestone m "
        "WHERE m.onboarding_id = onboarding.id AND m.is_go_live))"
    )


def downgrade() -> None:
    op.drop_column("milestone", "baseline_due_date")
    op.drop_column("onboarding", "replan_count")
    op.drop_column("onboarding", "baseline_go_live_date")
