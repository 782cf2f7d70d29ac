"""The go-live readiness gate: every gate item answered YES or NO before go-live.

Domain rules only (no Slack). Definitions (domain.md "Go-live readiness gate"):

- The gate items and their groups: bot/services/gate_items.py.
- All YES: a GateReview(outcome proceed) is recorded, the gate items are ticked done, any open
  blocker an earlier refusal opened for an item now answered YES is resolved, and the onboarding
  goes live (`hypercare.go_live`: hypercare starts), in one transaction.
- Any NO: go-live is refused. A GateReview(outcome refused) is recorded, each NO item becomes an
  open blocker (reason: "Go-live gate: <item> (<group>) — <note>"; owner: the item's owner role
  mapped to a person: csm -> the CSM, ae -> the AE, every other role (SE, champion, sponsor,
  technical lead, customer...) -> the CSM, who chases it), and the activity log says so. Nothing
  else changes. A NO item that already has an open gate blocker does not get a second one.
- Automatic checks (the playbook's `gate_requires`, bot/services/gate_checks.py): a pilot not
  done or an open blocker refuses go-live like a NO answer; nothing new is opened for them.
- Override: an Onboard admin may go live despite NO answers by writing a reason (at least
  OVERRIDE_REASON_MIN characters). Recorded as outcome override with the reason, logged, shown on
  the (internal) status card; the NO items still become blockers (the override lets go-live
  proceed, it does not make the gaps go away). A reason from anyone else is refused, even with
  every answer YES; with every answer YES an admin's reason is not needed and the outcome is
  proceed.
- After a successful go-live, a go-live post listing the playbook's rollback triggers goes to the
  customer channel (else the internal channel) through the outbox
  (bot/services/go_live_post.py).
"""

from __future__ import annotations

import enum
import logging
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from datetime import datetime, tzinfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.calendar import FRIDAY
from bot.db import lock_row
from bot.models import GateReview, Onboarding
from bot.playbooks import Playbook, PlaybookLibrary
from bot.services.activity import record_activity
from bot.services.errors import DomainError, NotAllowed
from bot.services.gate_checks import failed_checks, gate_checks
from bot.services.gate_items import (
    GateAnswer,
    GateBlocker,
    GateCheck,
    GateForm,
    GateItem,
    gate_items,
    open_item_blocker,
    tick_and_unblock,
)
from bot.services.go_live_post import queue_go_live_post
from bot.services.hypercare import GoLiveResult, ensure_can_go_live, go_live
from bot.services.onboardings import get_onboarding
from bot.services.permissions import ensure_can_change
from bot.services.status import GATE_OVERRIDDEN_ACTION
from bot.text import truncate

log = logging.getLogger(__name__)

NOTE_MAX = 500
OVERRIDE_REASON_MIN = 10
OVERRIDE_REASON_MAX = 2000


class GateOutcome(enum.StrEnum):
    PROCEED = "proceed"
    REFUSED = "refused"
    OVERRIDE = "override"


class GateIncomplete(DomainError):
    """An item has no answer; `item_id` says which (the first in the modal's order)."""

    def __init__(self, message: str, item_id: int) -> None:
        super().__init__(message)
        self.item_id = item_id


class OverrideNotAllowed(NotAllowed):
    """Someone who is not an Onboard admin wrote an override reason."""


class OverrideReasonMissing(DomainError):
    """An override without a (long enough) written reason."""


class AlreadyDecided(DomainError):
    """The same readiness modal submitted again (Slack delivering it twice, a double click):
    what the first submission decided, for the reply."""

    def __init__(self, company_name: str, outcome: GateOutcome) -> None:
        super().__init__(f"This readiness review of {company_name} was already submitted")
        self.company_name, self.outcome = company_name, outcome


@dataclass(frozen=True)
class GateDecision:
    onboarding_id: int
    company_name: str
    outcome: GateOutcome
    review_id: int
    answered: int
    blockers: list[GateBlocker] = field(default_factory=list)
    override_reason: str = ""
    go_live: GoLiveResult | None = None
    failed_checks: list[GateCheck] = field(default_factory=list)  # gate_requires not met

    @property
    def went_live(self) -> bool:
        return self.go_live is not None


# ---- deciding -----------------------------------------------------------------------------


def _clean_note(note: str) -> str:
    return truncate(" ".join(note.split()), NOTE_MAX)


def _check_override(override_reason: str | None, actor: str, admins: Collection[str]) -> str:
    if override_reason is None:
        return ""
    if actor not in admins:
        raise OverrideNotAllowed(
            "Only Onboard admins can override the readiness gate. Leave the reason empty: the "
            "NO items become blockers to resolve, then run the gate again."
        )
    reason = " ".join(override_reason.split())
    if len(reason) < OVERRIDE_REASON_MIN:
        raise OverrideReasonMissing(
            f"Write why go-live should proceed despite the NO answers (at least "
            f"{OVERRIDE_REASON_MIN} characters); it is logged and shown on the status card."
        )
    return truncate(reason, OVERRIDE_REASON_MAX)


def _answers(items: list[GateItem], answers: Mapping[int, GateAnswer]) -> list[GateAnswer]:
    """One answer per item, in the items' order; the first missing one is refused."""
    ordered: list[GateAnswer] = []
    for item in items:
        answer = answers.get(item.item_id)
        if answer is None or answer.yes is None:
            raise GateIncomplete(
                f"Answer every item YES or NO: “{truncate(item.text, 150)}” has no answer.",
                item.item_id,
            )
        ordered.append(GateAnswer(item.item_id, answer.yes, _clean_note(answer.note)))
    return ordered


def decide_gate(
    session: Session,
    onboarding: Onboarding,
    answers: Mapping[int, GateAnswer] | list[GateAnswer],
    actor: str,
    now: datetime,
    *,
    playbook: Playbook,
    admins: Collection[str],
    tz: tzinfo,
    override_reason: str | None = None,
    view_id: str | None = None,
) -> GateDecision:
    """Record the gate decision and go live when it allows (see the module docstring). Needs
    the onboarding's milestones, checklist items, blockers and gate reviews; the caller checks
    the permission."""
    ensure_can_go_live(onboarding, tz=tz)
    if not isinstance(answers, Mapping):
        answers = {a.item_id: a for a in answers}
    items = gate_items(onboarding, playbook)
    answered = list(zip(items, _answers(items, answers), strict=True))
    reason = _check_override(override_reason, actor, admins)
    noes = [(item, a) for item, a in answered if not a.yes]
    failed = failed_checks(gate_checks(onboarding, playbook))
    if not noes and not failed:
        outcome, reason = GateOutcome.PROCEED, ""
    else:
        outcome = GateOutcome.OVERRIDE if reason else GateOutcome.REFUSED
    review = _review(answered, outcome, reason, actor, now, view_id)
    onboarding.gate_reviews.append(review)
    blockers = [open_item_blocker(session, onboarding, item, a, actor, now) for item, a in noes]
    _record(session, onboarding, actor, now, outcome, len(items), len(noes), reason, failed)
    result: GoLiveResult | None = None
    if outcome != GateOutcome.REFUSED:
        yes_items = [item for item, a in answered if a.yes]
        tick_and_unblock(session, onboarding, yes_items, actor, now)
        if outcome == GateOutcome.OVERRIDE:
            log.warning(
                "go-live gate overridden for onboarding %s by %s (%d NO): %s",
                onboarding.id,
                actor,
                len(noes),
                reason,
            )
        result = _go_live(session, onboarding, actor, now, playbook, tz)
    session.flush()
    return GateDecision(
        onboarding.id,
        onboarding.company_name,
        outcome,
        review.id,
        len(items),
        blockers,
        reason,
        result,
        failed,
    )


def _review(
    answered: list[tuple[GateItem, GateAnswer]],
    outcome: GateOutcome,
    reason: str,
    actor: str,
    now: datetime,
    view_id: str | None,
) -> GateReview:
    return GateReview(
        decided_at=now,
        decided_by=actor,
        answers=[
            {
                "item_id": item.item_id,
                "group": item.group,
                "text": item.text,
                "owner": item.owner_role,
                "yes": answer.yes,
                "note": answer.note,
            }
            for item, answer in answered
        ],
        outcome=outcome,
        override_reason=reason,
        view_id=view_id,
    )


def _go_live(
    session: Session,
    onboarding: Onboarding,
    actor: str,
    now: datetime,
    playbook: Playbook,
    tz: tzinfo,
) -> GoLiveResult:
    live_on = go_live(session, onboarding, actor, now, playbook, tz=tz)
    assert onboarding.hypercare_ends_on is not None
    return GoLiveResult(
        onboarding.id,
        onboarding.company_name,
        live_on,
        onboarding.hypercare_ends_on,
        playbook.hypercare_business_days,
        live_on.weekday() == FRIDAY,
        onboarding.customer_channel_id,
    )


def _record(
    session: Session,
    onboarding: Onboarding,
    actor: str,
    now: datetime,
    outcome: GateOutcome,
    total: int,
    noes: int,
    reason: str,
    failed: list[GateCheck],
) -> None:
    checks = "".join(f"; failed: {c.text}" for c in failed)
    if outcome == GateOutcome.PROCEED:
        detail = f"Go-live readiness gate passed: all {total} items YES"
    elif outcome == GateOutcome.REFUSED:
        detail = f"Go-live refused by the readiness gate: {noes} of {total} items NO{checks}"
    else:
        detail = f"Go-live gate overridden ({noes} of {total} items NO{checks}): {reason}"
    action = {
        GateOutcome.PROCEED: "gate_passed",
        GateOutcome.REFUSED: "gate_refused",
        GateOutcome.OVERRIDE: GATE_OVERRIDDEN_ACTION,
    }[outcome]
    data: dict[str, object] = {"no": noes, "items": total, "failed": [c.key for c in failed]}
    if reason:
        data["reason"] = reason  # the status card reads it from here (no extra query)
    record_activity(session, onboarding, actor, action, detail, now=now, data=data)


# ---- use cases: load, check permission, decide ----------------------------------------------


def _load(session: Session, onboarding_id: int, actor: str, admins: Collection[str]) -> Onboarding:
    onboarding = get_onboarding(
        session,
        onboarding_id,
        Onboarding.milestones,
        Onboarding.checklist_items,
        Onboarding.blockers,
        Onboarding.gate_reviews,
    )
    ensure_can_change(onboarding, actor, admins)
    return onboarding


def playbook_of(onboarding: Onboarding, playbooks: PlaybookLibrary) -> Playbook:
    return playbooks.get(onboarding.playbook) or playbooks.for_arr(onboarding.arr)


def open_gate(
    session: Session,
    onboarding_id: int,
    actor: str,
    *,
    admins: Collection[str],
    playbooks: PlaybookLibrary,
    tz: tzinfo,
) -> GateForm:
    """The modal's content; refuses who may not change the onboarding, and one already live."""
    onboarding = _load(session, onboarding_id, actor, admins)
    ensure_can_go_live(onboarding, tz=tz)
    latest = onboarding.gate_reviews[-1] if onboarding.gate_reviews else None
    playbook = playbook_of(onboarding, playbooks)
    return GateForm(
        onboarding.id,
        onboarding.company_name,
        gate_items(onboarding, playbook),
        can_override=actor in admins,
        last_outcome=latest.outcome if latest else None,
        checks=gate_checks(onboarding, playbook),
    )


def decide_gate_by_id(
    session: Session,
    onboarding_id: int,
    answers: Mapping[int, GateAnswer] | list[GateAnswer],
    actor: str,
    *,
    admins: Collection[str],
    now: datetime,
    playbooks: PlaybookLibrary,
    tz: tzinfo,
    override_reason: str | None = None,
    view_id: str | None = None,
) -> GateDecision:
    """Decide, and queue the go-live post when it went live. Two submissions at the
    same moment (two people, or Slack delivering one twice) take turns on the onboarding's row:
    the second reads the first's go-live and is refused as already live, and the same modal
    (`view_id`) submitted again is refused as already decided, whatever the first decided."""
    lock_row(session, Onboarding, onboarding_id)  # before anything is read: see lock_row
    _ensure_not_decided(session, view_id)
    onboarding = _load(session, onboarding_id, actor, admins)
    playbook = playbook_of(onboarding, playbooks)
    decision = decide_gate(
        session,
        onboarding,
        answers,
        actor,
        now,
        playbook=playbook,
        admins=admins,
        tz=tz,
        override_reason=override_reason,
        view_id=view_id,
    )
    if decision.go_live is not None:
        queue_go_live_post(session, onboarding, decision.go_live, playbook, now)
    return decision


def _ensure_not_decided(session: Session, view_id: str | None) -> None:
    if view_id is None:
        return
    earlier = session.scalar(select(GateReview).where(GateReview.view_id == view_id))
    if earlier is not None:
        raise AlreadyDecided(earlier.onboarding.company_name, GateOutcome(earlier.outcome))


def all_yes(form: GateForm) -> dict[int, GateAnswer]:
    """Every item answered YES (the demo and tests walk through a passed gate)."""
    return {i.item_id: GateAnswer(i.item_id, True) for i in form.items}
