"""conversation message: who spoke when in an onboarding's channels (metadata, never text)

Also indexes the onboarding's channel columns: every message event asks which onboarding its
channel belongs to.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-06 21:00:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "conversation_message",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("onboarding_id", sa.Integer(), nullable=False),
        sa.Column("channel_id", sa.String(length=32), nullable=False),
        sa.Column("ts", sa.String(length=32), nullable=False),
        sa.Column("thread_ts", sa.String(length=32), nullable=True),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("side", sa.String(length=8), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("answers_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["onboarding_id"],
            ["onboarding.id"],
            name=op.f("fk_conversation_message_onboarding_id_onboarding"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_conversation_message")),
        sa.UniqueConstraint("channel_id", "ts", name="uq_conversation_message_channel_ts"),
    )
    op.create_index(
        "ix_conversation_message_scan",
        "conversation_message",
        ["onboarding_id", "side", "sent_at"],
    )
    op.create_index(
        op.f("ix_onboarding_customer_channel_id"), "onboarding", ["customer_channel_id"]
    )
    op.create_index(
        op.f("ix_onboarding_internal_channel_id"), "onboarding", ["internal_channel_id"]
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_onboarding_internal_channel_id"), table_name="onboarding")
    op.drop_index(op.f("ix_onboarding_customer_channel_id"), table_name="onboarding")
    op.drop_index("ix_conversation_message_scan", table_name="conversation_message")
    op.drop_table("conversation_message")
