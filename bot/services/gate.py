"""The go-live readiness gate: every gate item answered YES or NO before go-live.

Domain rules only (no Slack). Definitions (domain.md "Go-live readiness gate"):

- The gate items are the onboarding's checklist items with `is_gate=True`, created from the
  playbook's `gate:` list. `instantiate_playbook` stores each one's group in its text, as
  `"[technical] Core configuration complete and tested"`; `gate_items` reads the group back from
  that prefix, and for an item without one, from the playbook item of the same text (else
  "other"). No schema change.
- All YES: a GateReview(outcome proceed) is recorded, the gate items are ticked done, any open
  blocker an earlier refusal opened for an item now answered YES is resolved, and the onboarding
  goes live (`hypercare.go_live`: hypercare starts), in one transaction.
- Any NO: go-live is refused. A GateReview(outcome refused) is recorded, each NO item becomes an
  open blocker (reason: "Go-live gate: <item> (<group>) — <note>"; owner: the item's owner role
  mapped to a person: csm -> the CSM, ae -> the AE, every other role (SE, champion, sponsor,
  technical lead, customer...) -> the CSM, who chases it), and the activity log says so. Nothing
  else changes. A NO item that already has an open gate blocker does not get a second one.
- Override: an Onboard admin may go live despite NO answers by writing a reason (at least
  OVERRIDE_REASON_MIN characters). Recorded as outcome override with the reason, logged, shown on
  the (internal) status card; the NO items still become blockers (the override lets go-live
  proceed, it does not make the gaps go away). A reason from anyone else is refused, even with
  every answer YES; with every answer YES an admin's reason is not needed and the outcome is
  proceed.
- After a successful go-live, a go-live post listing the playbook's rollback triggers goes to the
  customer channel (else the internal channel) through the outbox. It is customer-safe: names,
  dates and the triggers, never the override or the answers.
"""

from __future__ import annotations

import enum
import logging
import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, tzinfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.calendar import FRIDAY
from bot.db import lock_row
from bot.models import Blocker, ChecklistItem, GateReview, Onboarding
from bot.playbooks import DEFAULT_ROLLBACK_TRIGGERS, Playbook, PlaybookLibrary
from bot.services.activity import record_activity
from bot.services.blockers import REASON_MAX
from bot.services.errors import DomainError, NotAllowed
from bot.services.hypercare import GoLiveResult, ensure_can_go_live, go_live
from bot.services.onboardings import get_onboarding
from bot.services.outbox import Post, enqueue, outbox_key
from bot.services.permissions import ensure_can_change
from bot.services.status import GATE_OVERRIDDEN_ACTION
from bot.slack.mrkdwn import escape, truncate

log = logging.getLogger(__name__)

GROUPS = ("technical", "operational", "business", "support")
OTHER_GROUP = "other"
NOTE_MAX = 500
OVERRIDE_REASON_MIN = 10
OVERRIDE_REASON_MAX = 2000
BLOCKER_PREFIX = "Go-live gate: "
GO_LIVE_POST_KIND = "go-live"
GO_LIVE_POST_WINDOW = timedelta(days=2)
_GROUP_PREFIX = re.compile(r"^\[([a-z_]+)\]\s*(.*)$", re.DOTALL)


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
    """The same readiness modal submitted again (Slack delivering it twice, a double click)."""


OUTCOME_WORDS = {
    GateOutcome.PROCEED: "every item YES, it went live",
    GateOutcome.REFUSED: "go-live refused",
    GateOutcome.OVERRIDE: "overridden, it went live",
}


@dataclass(frozen=True)
class GateItem:
    item_id: int
    group: str
    text: str
    owner_role: str
    # The answer of the latest review, to start from when the gate is opened again.
    previous: bool | None = None
    previous_note: str = ""


@dataclass(frozen=True)
class GateForm:
    """What the readiness modal shows."""

    onboarding_id: int
    company_name: str
    items: list[GateItem]
    can_override: bool
    last_outcome: str | None = None

    def by_group(self) -> list[tuple[str, list[GateItem]]]:
        order = [*GROUPS, *sorted({i.group for i in self.items} - set(GROUPS))]
        return [(g, [i for i in self.items if i.group == g]) for g in order if self.has(g)]

    def has(self, group: str) -> bool:
        return any(i.group == group for i in self.items)


@dataclass(frozen=True)
class GateAnswer:
    item_id: int
    yes: bool | None  # None: not answered
    note: str = ""


@dataclass(frozen=True)
class GateBlocker:
    item_text: str
    reason: str
    owner_user_id: str
    new: bool  # False: an open blocker for this item already existed


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

    @property
    def went_live(self) -> bool:
        return self.go_live is not None


# ---- the items --------------------------------------------------------------------------


def split_group(text: str) -> tuple[str | None, str]:
    """`"[technical] SSO working"` -> ("technical", "SSO working"); no prefix -> (None, text)."""
    match = _GROUP_PREFIX.match(text)
    if match is None:
        return None, text
    return match.group(1), match.group(2)


def gate_items(onboarding: Onboarding, playbook: Playbook | None = None) -> list[GateItem]:
    """The onboarding's gate items in playbook order, each with its group (see module doc)."""
    from_playbook = {g.text: g.group for g in playbook.gate} if playbook else {}
    previous = _previous_answers(onboarding)
    items: list[GateItem] = []
    for item in sorted(
        (c for c in onboarding.checklist_items if c.is_gate), key=lambda c: (c.position, c.id)
    ):
        group, text = split_group(item.text)
        if group is None:
            group = from_playbook.get(text, OTHER_GROUP)
        answer = previous.get(item.id, {})
        yes = answer.get("yes")
        items.append(
            GateItem(
                item.id,
                group,
                text,
                item.owner_role,
                yes if isinstance(yes, bool) else None,
                str(answer.get("note") or ""),
            )
        )
    return items


def _previous_answers(onboarding: Onboarding) -> dict[int, dict[str, object]]:
    latest = onboarding.gate_reviews[-1] if onboarding.gate_reviews else None
    if latest is None:
        return {}
    return {a["item_id"]: a for a in latest.answers if isinstance(a, dict) and "item_id" in a}


def owner_for(onboarding: Onboarding, owner_role: str) -> str:
    """The person who owns a gate item's blocker: the AE for AE items, else the CSM."""
    return onboarding.ae_user_id if owner_role == "ae" else onboarding.csm_user_id


def blocker_reason(item: GateItem, note: str) -> str:
    reason = f"{BLOCKER_PREFIX}{item.text} ({item.group})"
    if note:
        reason += f" — {note}"
    return truncate(reason, REASON_MAX)


def _is_item_blocker(blocker: Blocker, item: GateItem) -> bool:
    return blocker.resolved_at is None and blocker.reason.startswith(
        f"{BLOCKER_PREFIX}{item.text} ("
    )


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
    the permission and commits."""
    ensure_can_go_live(onboarding, tz=tz)
    if not isinstance(answers, Mapping):
        answers = {a.item_id: a for a in answers}
    items = gate_items(onboarding, playbook)
    ordered = _answers(items, answers)
    reason = _check_override(override_reason, actor, admins)
    noes = [(item, a) for item, a in zip(items, ordered, strict=True) if not a.yes]
    if not noes:
        outcome, reason = GateOutcome.PROCEED, ""
    else:
        outcome = GateOutcome.OVERRIDE if reason else GateOutcome.REFUSED
    review = GateReview(
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
            for item, answer in zip(items, ordered, strict=True)
        ],
        outcome=outcome,
        override_reason=reason,
        view_id=view_id,
    )
    onboarding.gate_reviews.append(review)
    blockers = [_open_blocker(session, onboarding, item, a, actor, now) for item, a in noes]
    _record(session, onboarding, actor, now, outcome, len(items), len(noes), reason)
    result: GoLiveResult | None = None
    if outcome != GateOutcome.REFUSED:
        yes_items = [item for item, a in zip(items, ordered, strict=True) if a.yes]
        _tick_and_unblock(session, onboarding, yes_items, actor, now)
        if outcome == GateOutcome.OVERRIDE:
            log.warning(
                "go-live gate overridden for onboarding %s by %s (%d NO): %s",
                onboarding.id,
                actor,
                len(noes),
                reason,
            )
        live_on = go_live(session, onboarding, actor, now, playbook, tz=tz)
        assert onboarding.hypercare_ends_on is not None
        result = GoLiveResult(
            onboarding.id,
            onboarding.company_name,
            live_on,
            onboarding.hypercare_ends_on,
            playbook.hypercare_business_days,
            live_on.weekday() == FRIDAY,
            onboarding.customer_channel_id,
        )
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
    )


def _open_blocker(
    session: Session,
    onboarding: Onboarding,
    item: GateItem,
    answer: GateAnswer,
    actor: str,
    now: datetime,
) -> GateBlocker:
    existing = next((b for b in onboarding.blockers if _is_item_blocker(b, item)), None)
    if existing is not None:
        return GateBlocker(item.text, existing.reason, existing.owner_user_id, new=False)
    blocker = Blocker(
        reason=blocker_reason(item, answer.note),
        owner_user_id=owner_for(onboarding, item.owner_role),
        opened_at=now,
        opened_by=actor,
    )
    onboarding.blockers.append(blocker)
    record_activity(
        session, onboarding, actor, "blocker_added", f"Blocked: {blocker.reason}", now=now
    )
    return GateBlocker(item.text, blocker.reason, blocker.owner_user_id, new=True)


def _record(
    session: Session,
    onboarding: Onboarding,
    actor: str,
    now: datetime,
    outcome: GateOutcome,
    total: int,
    noes: int,
    reason: str,
) -> None:
    if outcome == GateOutcome.PROCEED:
        detail = f"Go-live readiness gate passed: all {total} items YES"
    elif outcome == GateOutcome.REFUSED:
        detail = f"Go-live refused by the readiness gate: {noes} of {total} items NO"
    else:
        detail = f"Go-live gate overridden ({noes} of {total} items NO): {reason}"
    action = {
        GateOutcome.PROCEED: "gate_passed",
        GateOutcome.REFUSED: "gate_refused",
        GateOutcome.OVERRIDE: GATE_OVERRIDDEN_ACTION,
    }[outcome]
    data: dict[str, object] = {"no": noes, "items": total}
    if reason:
        data["reason"] = reason  # the status card reads it from here (no extra query)
    record_activity(session, onboarding, actor, action, detail, now=now, data=data)


def _tick_and_unblock(
    session: Session, onboarding: Onboarding, items: list[GateItem], actor: str, now: datetime
) -> None:
    """YES items are done on the checklist, and their blockers from a refusal are resolved."""
    ids = {item.item_id for item in items}
    rows: dict[int, ChecklistItem] = {c.id: c for c in onboarding.checklist_items}
    for item_id in ids:
        row = rows.get(item_id)
        if row is not None and row.done_at is None:
            row.done_at, row.done_by = now, actor
    for item in items:
        for blocker in onboarding.blockers:
            if _is_item_blocker(blocker, item):
                blocker.resolved_at, blocker.resolved_by = now, actor
                record_activity(
                    session,
                    onboarding,
                    actor,
                    "blocker_resolved",
                    f"Unblocked: {blocker.reason}",
                    now=now,
                )


# ---- the go-live post ----------------------------------------------------------------------


@dataclass(frozen=True)
class GoLivePost:
    """What the go-live post says: customer-safe (names, dates, the rollback triggers)."""

    onboarding_id: int
    company_name: str
    csm_user_id: str
    go_live: GoLiveResult
    rollback_triggers: list[str]
    planned_on: date | None = None  # the go-live milestone's due date

    @property
    def days_vs_plan(self) -> int | None:
        """Negative: that many days early; positive: late; None without a planned date."""
        return None if self.planned_on is None else (self.go_live.go_live_on - self.planned_on).days


def go_live_post_key(onboarding_id: int, result: GoLiveResult) -> str:
    return outbox_key(
        GO_LIVE_POST_KIND, onboarding_id, "announcement", result.go_live_on.isoformat()
    )


def queue_go_live_post(
    session: Session,
    onboarding: Onboarding,
    result: GoLiveResult,
    playbook: Playbook,
    now: datetime,
) -> str | None:
    """Queue the go-live post (customer channel, else internal channel); its key, or None when
    the onboarding has neither. The caller commits."""
    # Imported here: the views import this module for its types.
    from bot.slack.gate_views import build_go_live_post_blocks, go_live_post_text

    channel = onboarding.customer_channel_id or onboarding.internal_channel_id
    if not channel:
        return None
    milestone = next((m for m in onboarding.milestones if m.is_go_live), None)
    content = GoLivePost(
        onboarding.id,
        onboarding.company_name,
        onboarding.csm_user_id,
        result,
        list(playbook.rollback_triggers or DEFAULT_ROLLBACK_TRIGGERS),
        planned_on=milestone.due_date if milestone is not None else None,
    )
    key = go_live_post_key(onboarding.id, result)
    enqueue(
        session,
        Post(
            key=key,
            kind=GO_LIVE_POST_KIND,
            channel=channel,
            text=go_live_post_text(content),
            blocks=build_go_live_post_blocks(content),
            onboarding_id=onboarding.id,
            expires_at=now + GO_LIVE_POST_WINDOW,
        ),
        now=now,
    )
    return key


# ---- use cases: load, check permission, decide, commit once ---------------------------------


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
    return GateForm(
        onboarding.id,
        onboarding.company_name,
        gate_items(onboarding, playbook_of(onboarding, playbooks)),
        can_override=actor in admins,
        last_outcome=latest.outcome if latest else None,
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
    """Decide, queue the go-live post when it went live, commit once. Two submissions at the
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
    session.commit()
    return decision


def _ensure_not_decided(session: Session, view_id: str | None) -> None:
    if view_id is None:
        return
    earlier = session.scalar(select(GateReview).where(GateReview.view_id == view_id))
    if earlier is not None:
        name = escape(earlier.onboarding.company_name)
        raise AlreadyDecided(
            f"This readiness review of *{name}* was already submitted "
            f"({OUTCOME_WORDS[GateOutcome(earlier.outcome)]}); "
            f"`/onboard status {name}` shows where it stands."
        )


def all_yes(form: GateForm) -> dict[int, GateAnswer]:
    """Every item answered YES (the demo and tests walk through a passed gate)."""
    return {i.item_id: GateAnswer(i.item_id, True) for i in form.items}
