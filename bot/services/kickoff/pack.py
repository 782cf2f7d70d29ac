"""The kickoff pack (`/onboard kickoff`): the IMPACT agenda filled with this customer's handoff,
the RACI draft, and the pre-kickoff questionnaire sent where the customer can answer it.

The pack is queued as a `KickoffPack` (kind `kickoff_pack`, internal), the questionnaire as a
`Questionnaire` (kind `questionnaire`); bot/slack/kickoff_views.py renders them when they are
sent.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy.orm import Session

from bot.models import Onboarding
from bot.services.activity import record_activity
from bot.services.kickoff.config import AgendaSection, KickoffConfig, QuestionnaireDef
from bot.services.onboardings import get_onboarding
from bot.services.outbox import Post, enqueue, outbox_key, post_data
from bot.services.permissions import ensure_can_change

PACK_KIND = "kickoff_pack"
QUESTIONNAIRE_KIND = "questionnaire"


@dataclass(frozen=True)
class PersonLine:
    name: str
    title: str
    role: str
    slack_user_id: str | None


@dataclass(frozen=True)
class CriterionLine:
    text: str
    target_date: date | None
    is_first_value: bool


@dataclass(frozen=True)
class MilestoneLine:
    name: str
    phase: str
    due_date: date
    done: bool
    is_first_value: bool
    is_go_live: bool


@dataclass(frozen=True)
class CommitmentLine:
    text: str
    owner_user_id: str | None
    due_date: date | None


@dataclass(frozen=True)
class RaciRow:
    phase: str
    responsible: tuple[str, ...]
    accountable: str
    consulted: tuple[str, ...]
    informed: tuple[str, ...]


@dataclass(frozen=True)
class KickoffPack:
    """Everything the agenda and the RACI draft say, with the agenda's sections (wording)."""

    onboarding_id: int
    company_name: str
    csm_user_id: str
    ae_user_id: str
    why_bought: str
    systems: str
    sso: str
    data_migration: str
    out_of_scope: str
    constraints: str
    hard_deadlines: str
    target_first_value_date: date | None
    target_go_live_date: date | None
    first_value_definition: str
    meeting_cadence: str
    escalation_path: str
    customer_channel_id: str | None
    stakeholders: list[PersonLine]
    criteria: list[CriterionLine]
    milestones: list[MilestoneLine]
    commitments: list[CommitmentLine]
    raci: list[RaciRow]
    agenda: list[AgendaSection]
    phases: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Questionnaire:
    """The questionnaire's post: in the customer channel, the invitation with its button
    (greeting the champion); without one, the questions for the CSM to forward."""

    onboarding_id: int
    company_name: str
    wording: QuestionnaireDef
    in_channel: bool
    champion_user_id: str | None = None


def build_raci(
    phases: list[tuple[str, str]], items: list[tuple[str, str]], config: KickoffConfig
) -> list[RaciRow]:
    """`phases` (key, name) in order; `items` (phase key, owner role) of the checklist.
    R = the phase's owner roles (most items first; the CSM when none), A = the CSM, C = owners of
    the neighbouring phases, I = every other role that owns an item somewhere."""
    by_phase: dict[str, dict[str, int]] = {key: {} for key, _ in phases}
    for phase_key, role in items:
        counts = by_phase.setdefault(phase_key, {})
        counts[role] = counts.get(role, 0) + 1
    every = list(dict.fromkeys(role for _, role in items))
    rows = []
    keys = [key for key, _ in phases]
    for i, (key, name) in enumerate(phases):
        counts = by_phase.get(key, {})
        responsible = sorted(counts, key=lambda r: (-counts[r], every.index(r))) or ["csm"]
        neighbours = {
            r for k in keys[max(i - 1, 0) : i + 2] if k != key for r in by_phase.get(k, {})
        }
        taken = {*responsible, "csm"}
        consulted = [r for r in every if r in neighbours and r not in taken]
        informed = [r for r in every if r not in taken and r not in consulted]
        rows.append(
            RaciRow(
                name,
                tuple(config.role(r) for r in responsible),
                config.role("csm"),
                tuple(config.role(r) for r in consulted),
                tuple(config.role(r) for r in informed),
            )
        )
    return rows


def _raci_of(onboarding: Onboarding, config: KickoffConfig) -> list[RaciRow]:
    phases = [(p.key, p.name) for p in sorted(onboarding.phases, key=lambda p: p.position)]
    items = [
        (c.phase_key, c.owner_role)
        for c in sorted(onboarding.checklist_items, key=lambda c: c.position)
        if not c.is_gate
    ]
    return build_raci(phases, items, config)


def _milestone_lines(onboarding: Onboarding) -> list[MilestoneLine]:
    phase_names = {p.key: p.name for p in onboarding.phases}
    return [
        MilestoneLine(
            m.name,
            phase_names.get(m.phase_key, m.phase_key),
            m.due_date,
            m.is_done,
            m.is_first_value,
            m.is_go_live,
        )
        for m in sorted(onboarding.milestones, key=lambda m: m.position)
    ]


def _people_and_promises(
    onboarding: Onboarding,
) -> tuple[list[PersonLine], list[CriterionLine], list[CommitmentLine]]:
    people = [
        PersonLine(s.name, s.title, s.role, s.slack_user_id)
        for s in onboarding.stakeholders
        if s.departed_at is None
    ]
    criteria = [
        CriterionLine(c.text, c.target_date, c.is_first_value) for c in onboarding.success_criteria
    ]
    promises = [
        CommitmentLine(c.text, c.owner_user_id, c.due_date)
        for c in onboarding.commitments
        if c.status == "open" and not c.timing_key  # the sale's promises, not the handoff's own
    ]
    return people, criteria, promises


def load_kickoff_pack(
    session: Session,
    onboarding_id: int,
    actor: str,
    config: KickoffConfig,
    *,
    admins: Collection[str],
) -> KickoffPack:
    """Everything the agenda and the RACI draft say (read only). NotAllowed for outsiders."""
    onboarding = get_onboarding(
        session,
        onboarding_id,
        Onboarding.phases,
        Onboarding.milestones,
        Onboarding.checklist_items,
        Onboarding.stakeholders,
        Onboarding.success_criteria,
        Onboarding.commitments,
    )
    ensure_can_change(onboarding, actor, admins)
    people, criteria, promises = _people_and_promises(onboarding)
    return KickoffPack(
        onboarding_id=onboarding.id,
        company_name=onboarding.company_name,
        csm_user_id=onboarding.csm_user_id,
        ae_user_id=onboarding.ae_user_id,
        why_bought=onboarding.why_bought,
        systems=onboarding.systems,
        sso=onboarding.sso,
        data_migration=onboarding.data_migration,
        out_of_scope=onboarding.out_of_scope,
        constraints=onboarding.constraints,
        hard_deadlines=onboarding.hard_deadlines,
        target_first_value_date=onboarding.target_first_value_date,
        target_go_live_date=onboarding.target_go_live_date,
        first_value_definition=onboarding.first_value_definition,
        meeting_cadence=onboarding.meeting_cadence,
        escalation_path=onboarding.escalation_path,
        customer_channel_id=onboarding.customer_channel_id,
        stakeholders=people,
        criteria=criteria,
        milestones=_milestone_lines(onboarding),
        commitments=promises,
        raci=_raci_of(onboarding, config),
        agenda=list(config.agenda),
        phases=[p.name for p in sorted(onboarding.phases, key=lambda p: p.position)],
    )


def pack_channel(
    session: Session, onboarding_id: int, actor: str, *, admins: Collection[str]
) -> str | None:
    """The internal channel the pack would go to, for the caller to ask Slack whether it is
    shared before `prepare_kickoff` (no Slack call inside a transaction). NotAllowed for
    outsiders."""
    onboarding = get_onboarding(session, onboarding_id)
    ensure_can_change(onboarding, actor, admins)
    return onboarding.internal_channel_id


@dataclass(frozen=True)
class KickoffSent:
    company_name: str
    pack_to: str  # a channel id, or the CSM's user id (a DM)
    pack_in_dm: bool
    questionnaire_to: str  # the customer channel, or the CSM's user id
    questionnaire_in_channel: bool
    questionnaire_queued: bool  # False: it had been sent to that place before


def _questionnaire_post(onboarding: Onboarding, wording: QuestionnaireDef, stamp: str) -> Post:
    """To the customer channel, once per channel; else to the CSM, each run."""
    channel = onboarding.customer_channel_id
    champion = _champion(onboarding) if channel else None
    fact = Questionnaire(onboarding.id, onboarding.company_name, wording, bool(channel), champion)
    if channel:
        key = outbox_key(QUESTIONNAIRE_KIND, onboarding.id, channel)
    else:
        key = outbox_key(QUESTIONNAIRE_KIND, onboarding.id, onboarding.csm_user_id, stamp)
    return Post(
        key=key,
        kind=QUESTIONNAIRE_KIND,
        channel=channel or onboarding.csm_user_id,
        data=post_data(fact),
        onboarding_id=onboarding.id,
        internal=not channel,
    )


def prepare_kickoff(
    session: Session,
    onboarding_id: int,
    actor: str,
    config: KickoffConfig,
    *,
    admins: Collection[str],
    is_shared: Callable[[str], bool],
    now: datetime,
) -> KickoffSent:
    """`/onboard kickoff`: queue the agenda with the RACI draft (internal channel, else the
    CSM's DM; a channel `is_shared` with another organisation is never used) and the
    questionnaire (customer channel, once; else the CSM's DM)."""
    pack = load_kickoff_pack(session, onboarding_id, actor, config, admins=admins)
    onboarding = get_onboarding(session, onboarding_id)
    internal = onboarding.internal_channel_id
    pack_to = internal if internal and not is_shared(internal) else pack.csm_user_id
    stamp = now.isoformat()  # each run posts its pack (a DM of questions each time too)
    enqueue(
        session,
        Post(
            key=outbox_key(PACK_KIND, onboarding_id, actor, stamp),
            kind=PACK_KIND,
            channel=pack_to,
            data=post_data(pack),
            onboarding_id=onboarding_id,
            internal=True,
        ),
        now=now,
    )
    questionnaire = _questionnaire_post(onboarding, config.questionnaire, stamp)
    queued = enqueue(session, questionnaire, now=now)
    channel = onboarding.customer_channel_id
    record_activity(
        session,
        onboarding,
        actor,
        "kickoff_prepared",
        "kickoff agenda and RACI draft posted; pre-kickoff questionnaire "
        + ("sent to the customer channel" if channel else "sent to the CSM to forward"),
        now=now,
    )
    return KickoffSent(
        pack.company_name,
        pack_to,
        pack_to == pack.csm_user_id,
        questionnaire.channel,
        bool(channel),
        queued,
    )


def _champion(onboarding: Onboarding) -> str | None:
    return next(
        (
            s.slack_user_id
            for s in onboarding.stakeholders
            if s.role == "champion" and s.departed_at is None and s.slack_user_id
        ),
        None,
    )
