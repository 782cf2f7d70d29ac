"""change requests, the plan's size at the handoff, and the rollup's baseline figures

Change requests (`/onboard change`) are numbered per onboarding. `baseline_plan_items` is the
plan made at the handoff (milestones plus checklist items): existing onboardings take what they
have now. The rollup gains the baseline's plan end and on-time milestones, filled for every
existing onboarding.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-06 21:00:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

# As `bot.rollup.figures()` defines them at this revision (written out: a migration must not
# change when the application's code does).
BASELINE_ROLLUP = """
UPDATE onboarding_rollup SET
    baseline_plan_end = (
        SELECT MAX(COALESCE(m.baseline_due_date, m.due_date)) FROM milestone m
        WHERE m.onboarding_id = onboarding_rollup.onboarding_id),
    milestones_on_time_baseline = COALESCE((
        SELECT SUM(CASE WHEN m.status = 'complete' AND m.completed_on IS NOT NULL
                         AND m.completed_on <= COALESCE(m.baseline_due_date, m.due_date)
                        THEN 1 ELSE 0 END)
        FROM milestone m WHERE m.onboarding_id = onboarding_rollup.onboarding_id), 0)
"""

PLAN_ITEMS = """
UPDATE onboarding SET baseline_plan_items =
    (SELECT COUNT(*) FROM milestone m WHERE m.onboarding_id = onboarding.id)
    + (SELECT COUNT(*) FROM checklist_item c WHERE c.onboarding_id = onboarding.id)
"""


def upgrade() -> None:
    op.create_table(
        "change_request",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("onboarding_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("requested_by", sa.String(length=32), nullable=False),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("decided_by", sa.String(length=32), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("added_kind", sa.String(length=20), nullable=False),
        sa.Column("added_text", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["onboarding_id"],
            ["onboarding.id"],
            name=op.f("fk_change_request_onboarding_id_onboarding"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_change_request")),
        sa.UniqueConstraint(
            "onboarding_id", "number", name=op.f("uq_change_request_onboarding_id")
        ),
    )
    op.add_column("onboarding", sa.Column("baseline_plan_items", sa.Integer(), nullable=True))
    op.execute(PLAN_ITEMS)
    op.add_column("onboarding_rollup", sa.Column("baseline_plan_end", sa.Date(), nullable=True))
    op.add_column(
        "onboarding_rollup",
        sa.Column("milestones_on_time_baseline", sa.Integer(), nullable=False, server_default="0"),
    )
    op.execute(BASELINE_ROLLUP)


def downgrade() -> None:
    with op.batch_alter_table("onboarding_rollup") as batch:
        batch.drop_column("milestones_on_time_baseline")
        batch.drop_column("baseline_plan_end")
    op.drop_column("onboarding", "baseline_plan_items")
    op.drop_table("change_request")
