"""onboarding rollup: each onboarding's milestone and health figures on one row

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-24 07:05:41.760472
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

# The rollup of every existing onboarding, as `bot.rollup.figures()` defined it at this
# revision (written out: a migration must not change when the application's code does).
BACKFILL = """
INSERT INTO onboarding_rollup (
    onboarding_id, plan_end, milestones, milestones_done, milestones_completed,
    milestones_on_time, milestone_stage, health_status, health_score, health_checked_at
)
SELECT o.id, ms.plan_end, COALESCE(ms.total, 0), COALESCE(ms.done, 0),
       COALESCE(ms.completed, 0), COALESCE(ms.on_time, 0), COALESCE(ms.stage, 0),
       h.status, h.score, h.checked_at
FROM onboarding o
LEFT JOIN (
    SELECT onboarding_id,
           MAX(due_date) AS plan_end,
           COUNT(*) AS total,
           SUM(CASE WHEN status IN ('complete', 'waived') THEN 1 ELSE 0 END) AS done,
           SUM(CASE WHEN status = 'complete' AND completed_on IS NOT NULL
                    THEN 1 ELSE 0 END) AS completed,
           SUM(CASE WHEN status = 'complete' AND completed_on IS NOT NULL
                         AND completed_on <= due_date THEN 1 ELSE 0 END) AS on_time,
           MAX(CASE WHEN status NOT IN ('complete', 'waived') THEN 0
                    WHEN is_go_live THEN 5
                    WHEN key = 'kickoff' THEN 1
                    WHEN key = 'technical_setup' THEN 2
                    WHEN key = 'training' THEN 3
                    WHEN key = 'pilot' THEN 4
                    WHEN key = 'go_live' THEN 5
                    WHEN key IN ('hypercare_exit', 'transition') THEN 6
                    ELSE 0 END) AS stage
    FROM milestone
    GROUP BY onboarding_id
) ms ON ms.onboarding_id = o.id
LEFT JOIN (
    SELECT onboarding_id, status, score, checked_at,
           ROW_NUMBER() OVER (PARTITION BY onboarding_id
                              ORDER BY checked_at DESC, id DESC) AS newest
    FROM health_check
) h ON h.onboarding_id = o.id AND h.newest = 1
"""


def upgrade() -> None:
    op.create_table(
        "onboarding_rollup",
        sa.Column("onboarding_id", sa.Integer(), nullable=False),
        sa.Column("plan_end", sa.Date(), nullable=True),
        sa.Column("milestones", sa.Integer(), nullable=False),
        sa.Column("milestones_done", sa.Integer(), nullable=False),
        sa.Column("milestones_completed", sa.Integer(), nullable=False),
        sa.Column("milestones_on_time", sa.Integer(), nullable=False),
        sa.Column("milestone_stage", sa.Integer(), nullable=False),
        sa.Column("health_status", sa.String(length=20), nullable=True),
        sa.Column("health_score", sa.Integer(), nullable=True),
        sa.Column("health_checked_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["onboarding_id"],
            ["onboarding.id"],
            name=op.f("fk_onboarding_rollup_onboarding_id_onboarding"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("onboarding_id", name=op.f("pk_onboarding_rollup")),
    )
    op.execute(BACKFILL)


def downgrade() -> None:
    op.drop_table("onboarding_rollup")
