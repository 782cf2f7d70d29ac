"""indexes for `/onboard list` and the status card: phase by onboarding, onboardings by CSM/AE

The status card reads an onboarding's phases, which scanned the whole phase table (five rows per
onboarding); `/onboard list mine` picks a CSM's or AE's onboardings, which scanned them all.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-06 21:10:00.000000
"""

from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("phase") as batch_op:
        batch_op.create_index(batch_op.f("ix_phase_onboarding_id"), ["onboarding_id"])
    with op.batch_alter_table("onboarding") as batch_op:
        batch_op.create_index(batch_op.f("ix_onboarding_csm_user_id"), ["csm_user_id"])
        batch_op.create_index(batch_op.f("ix_onboarding_ae_user_id"), ["ae_user_id"])


def downgrade() -> None:
    with op.batch_alter_table("onboarding") as batch_op:
        batch_op.drop_index(batch_op.f("ix_onboarding_ae_user_id"))
        batch_op.drop_index(batch_op.f("ix_onboarding_csm_user_id"))
    with op.batch_alter_table("phase") as batch_op:
        batch_op.drop_index(batch_op.f("ix_phase_onboarding_id"))
