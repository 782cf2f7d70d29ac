"""Going live, being in hypercare and ending it: the guards every hypercare command passes.

Hypercare starts at go-live and is planned to last the playbook's `hypercare_business_days`
business days: `hypercare_ends_on` = the local go-live date + that many business days. It ends
when the exit check passes (bot/services/hypercare/sla.py). Go-live itself has no use case
here: it happens through the readiness gate (bot/services/gate.py `decide_gate_by_id`).
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, tzinfo

from sqlalchemy.orm import Session

from bot.calendar import add_business_days, time_zone
from bot.config import Settings
from bot.models import Onboarding, OnboardingStatus
from bot.playbooks import Playbook
from bot.services.activity import record_activity
from bot.services.errors import Conflict
from bot.services.hypercare.sla import QUIET_WINDOW, VOLUME_WINDOW, ExitCheck, exit_check
from bot.services.onboardings import complete_milestone, get_onboarding
from bot.services.permissions import ensure_can_change
from bot.text import count

HYPERCARE_EXIT_MILESTONE = "hypercare_exit"


# ---- refusals: each says what to do instead (worded in templates/messages/hypercare_*.j2) ----


class NotInHypercare(Conflict):
    pass


class AlreadyLive(Conflict):
    pass


class OnboardingClosed(Conflict):
    pass


class ExitCheckFailed(Conflict):
    pass


def ensure_open(onboarding: Onboarding) -> None:
    if onboarding.status == OnboardingStatus.CLOSED:
        raise OnboardingClosed(
            "This onboarding is closed; it cannot go live or take issues.",
            template="hypercare_closed",
            company=onboarding.company_name,
        )


def ensure_in_hypercare(onboarding: Onboarding) -> None:
    ensure_open(onboarding)
    if onboarding.status == OnboardingStatus.HYPERCARE:
        return
    exited = onboarding.hypercare_exited_at
    raise NotInHypercare(
        f"This onboarding left hypercare on {exited:%Y-%m-%d}."
        if exited
        else "This onboarding is not in hypercare yet: mark go-live first.",
        template="hypercare_not_in_hypercare",
        company=onboarding.company_name,
        exited_on=exited.date() if exited else None,
    )


def ensure_can_go_live(onboarding: Onboarding, *, tz: tzinfo = UTC) -> None:
    """Refuse a closed onboarding and one that already went live (the readiness gate asks
    before it opens, so nobody answers thirty questions for nothing)."""
    ensure_open(onboarding)
    if onboarding.go_live_at is not None:
        live_on = onboarding.go_live_at.astimezone(time_zone(onboarding.timezone, tz)).date()
        in_hypercare = onboarding.status == OnboardingStatus.HYPERCARE
        raise AlreadyLive(
            f"This onboarding already went live on {live_on:%Y-%m-%d}.",
            template="hypercare_already_live",
            company=onboarding.company_name,
            live_on=live_on,
            ends_on=onboarding.hypercare_ends_on if in_hypercare else None,
        )


# ---- go-live and the end of hypercare -------------------------------------------------------


@dataclass(frozen=True)
class GoLiveResult:
    """What going live set; built by the readiness gate (bot/services/gate.py), which is the
    only way to go live from Slack."""

    onboarding_id: int
    company_name: str
    go_live_on: date
    hypercare_ends_on: date
    business_days: int
    on_friday: bool
    customer_channel_id: str | None


@dataclass(frozen=True)
class HypercareEnded:
    onboarding_id: int
    company_name: str
    exited_at: datetime
    issues: int
    check: ExitCheck


def go_live(
    session: Session,
    onboarding: Onboarding,
    actor: str,
    now: datetime,
    playbook: Playbook,
    *,
    tz: tzinfo = UTC,
) -> date:
    """Mark go-live at `now` and start hypercare; returns the local go-live date.

    `tz` is ONBOARD_TIMEZONE; the onboarding's own time zone wins when set. Refuses a closed
    onboarding and a second go-live."""
    ensure_can_go_live(onboarding, tz=tz)
    zone = time_zone(onboarding.timezone, tz)
    live_on = now.astimezone(zone).date()
    onboarding.go_live_at = now
    onboarding.status = OnboardingStatus.HYPERCARE
    onboarding.hypercare_ends_on = add_business_days(live_on, playbook.hypercare_business_days)
    milestone = next((m for m in onboarding.milestones if m.is_go_live), None)
    if milestone is not None:
        complete_milestone(session, milestone, actor, now=now, on_date=live_on)
    record_activity(
        session,
        onboarding,
        actor,
        "went_live",
        f"Went live; hypercare until {onboarding.hypercare_ends_on:%Y-%m-%d} "
        f"({playbook.hypercare_business_days} business days)",
        now=now,
        data={"hypercare_ends_on": onboarding.hypercare_ends_on.isoformat()},
    )
    return live_on


def end_hypercare(
    session: Session,
    onboarding: Onboarding,
    actor: str,
    now: datetime,
    *,
    quiet: timedelta = QUIET_WINDOW,
    window: timedelta = VOLUME_WINDOW,
) -> ExitCheck:
    """End hypercare when the exit check passes: back to ACTIVE (transition comes next)."""
    ensure_in_hypercare(onboarding)
    check = exit_check(onboarding, now, quiet=quiet, window=window)
    if not check.passes:
        raise ExitCheckFailed(
            "Hypercare cannot end yet: " + "; ".join(check.reasons) + ".",
            template="hypercare_exit_check_failed",
            company=onboarding.company_name,
            reasons=check.reasons,
        )
    onboarding.hypercare_exited_at = now
    onboarding.status = OnboardingStatus.ACTIVE
    milestone = next((m for m in onboarding.milestones if m.key == HYPERCARE_EXIT_MILESTONE), None)
    if milestone is not None:
        complete_milestone(session, milestone, actor, now=now)
    record_activity(
        session,
        onboarding,
        actor,
        "hypercare_ended",
        f"Hypercare ended after {count(len(onboarding.hypercare_issues), 'issue')}",
        now=now,
    )
    return check


def load_to_change(
    session: Session, onboarding_id: int, actor: str, admins: Collection[str]
) -> Onboarding:
    """The onboarding with its milestones and issues, once `actor` may change it."""
    onboarding = get_onboarding(
        session, onboarding_id, Onboarding.milestones, Onboarding.hypercare_issues
    )
    ensure_can_change(onboarding, actor, admins)
    return onboarding


def end_hypercare_by_id(
    session: Session,
    onboarding_id: int,
    actor: str,
    *,
    admins: Collection[str],
    now: datetime,
    settings: Settings,
) -> HypercareEnded:
    onboarding = load_to_change(session, onboarding_id, actor, admins)
    check = end_hypercare(
        session,
        onboarding,
        actor,
        now,
        quiet=timedelta(hours=settings.hypercare_quiet_hours),
        window=timedelta(days=settings.hypercare_volume_days),
    )
    return HypercareEnded(
        onboarding.id, onboarding.company_name, now, len(onboarding.hypercare_issues), check
    )
