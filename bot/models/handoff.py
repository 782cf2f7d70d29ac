"""What sales handed over about a customer (the handoff form), kept on its onboarding."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import Date, Integer, Numeric, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column


class HandoffFacts:
    """The handoff's columns of `Onboarding`: the deal, the customer's context, the targets
    and how complete the handoff was."""

    website: Mapped[str] = mapped_column(String(300), default="")
    industry: Mapped[str] = mapped_column(String(200), default="")
    company_size: Mapped[str] = mapped_column(String(100), default="")
    arr: Mapped[Decimal] = mapped_column(Numeric(14, 2))
    contract_term: Mapped[str] = mapped_column(String(100), default="")
    why_bought: Mapped[str] = mapped_column(Text, default="")
    alternatives: Mapped[str] = mapped_column(Text, default="")
    systems: Mapped[str] = mapped_column(Text, default="")
    sso: Mapped[str] = mapped_column(Text, default="")
    data_migration: Mapped[str] = mapped_column(Text, default="")
    constraints: Mapped[str] = mapped_column(Text, default="")
    out_of_scope: Mapped[str] = mapped_column(Text, default="")
    hard_deadlines: Mapped[str] = mapped_column(Text, default="")
    target_first_value_date: Mapped[date | None] = mapped_column(Date)
    target_go_live_date: Mapped[date | None] = mapped_column(Date)
    # The first plan's go-live (bot/services/replan.py keeps it), and how often it was replanned
    # (a server default, so an insert names the column only when it sets it).
    baseline_go_live_date: Mapped[date | None] = mapped_column(Date)
    replan_count: Mapped[int] = mapped_column(Integer, server_default=text("0"))
    # Milestones plus checklist items of the plan made at the handoff: what approved change
    # requests are measured against ("Scope growing").
    baseline_plan_items: Mapped[int | None] = mapped_column(Integer)
    handoff_score: Mapped[int] = mapped_column(Integer, default=0)
    handoff_missing: Mapped[list[str]] = mapped_column(default=list)
    # The Slack view id of the submitted handoff: a second submission of the same view is a no-op.
    handoff_view_id: Mapped[str | None] = mapped_column(String(64), unique=True)
