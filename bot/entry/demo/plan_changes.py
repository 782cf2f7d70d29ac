"""What the story's people do when the plan changes: a replan, and change requests logged,
approved or deferred, through the services `/onboard replan` and `/onboard change` call."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from bot.calendar import shift_business_days
from bot.models import ChangeRequest
from bot.services.changes import (
    AddKind,
    ApprovalRequest,
    approve_change,
    defer_change,
    log_change,
)
from bot.services.replan import ReplanInvalid, ReplanRequest, open_replan_form, replan
from bot.slack.change_views import decided_text, logged_text
from bot.slack.deps import Deps
from bot.slack.replan_views import replanned_text

SHIFT_TRIES = 5  # a shifted go-live may land on a Friday: one business day more, and so on


class PlanChanges:
    """Mixed into the story's Team (bot/entry/demo/team.py), which holds these."""

    deps: Deps
    ids: dict[str, int]
    now: datetime

    def replan(
        self, company: str, milestone: str, business_days: int, reason: str, who: str
    ) -> str:
        """`/onboard replan`: `milestone` moved `business_days` later, the later ones with it."""
        holidays = self.deps.settings.holidays
        today = self.now.astimezone(self.deps.settings.tz).date()
        for extra in range(SHIFT_TRIES):
            try:
                with self.deps.db.transaction() as session:
                    form = open_replan_form(session, self.ids[company], who, admins=())
                    moved = next(m for m in form.milestones if m.name.startswith(milestone))
                    new = shift_business_days(moved.due, business_days + extra, holidays)
                    asked = ReplanRequest({moved.milestone_id: new}, None, reason, shift_later=True)
                    change = replan(
                        session,
                        self.ids[company],
                        asked,
                        who,
                        admins=(),
                        holidays=holidays,
                        today=today,
                        now=self.now,
                    )
                return replanned_text(change)
            except ReplanInvalid:
                continue
        return "(the replan was refused on every date tried)"

    def change_request(self, company: str, text: str, who: str) -> str:
        """`/onboard change <company> <text>`: logged, and carded to the CSM."""
        with self.deps.db.transaction() as session:
            card = log_change(session, self.ids[company], text, who, now=self.now)
        return logged_text(card)

    def _change_id(self, company: str, number: int) -> int:
        with self.deps.db.session() as session:
            return session.scalars(
                select(ChangeRequest.id).where(
                    ChangeRequest.onboarding_id == self.ids[company], ChangeRequest.number == number
                )
            ).one()

    def approve_change(self, company: str, number: int, item: str, who: str) -> str:
        """Approve on the CSM's card, adding `item` to the checklist."""
        change_id = self._change_id(company, number)
        with self.deps.db.transaction() as session:
            card = approve_change(
                session,
                change_id,
                ApprovalRequest(AddKind.CHECKLIST, item),
                who,
                admins=(),
                holidays=self.deps.settings.holidays,
                now=self.now,
            )
        return decided_text(card)

    def defer_change(self, company: str, number: int, who: str) -> str:
        """Defer on the CSM's card: the request goes to the parking lot."""
        change_id = self._change_id(company, number)
        with self.deps.db.transaction() as session:
            card = defer_change(session, change_id, who, admins=(), now=self.now)
        return decided_text(card)
