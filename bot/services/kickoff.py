"""The kickoff pack: the agenda, the RACI draft, the pre-kickoff questionnaire, and recording the
kickoff with what was agreed.

- **Agenda** (`/onboard kickoff`): the IMPACT framework (Introductions, Mutual objectives, Plan,
  Accountability, Communication, Timeline; wording in templates/kickoff.yml) filled with this
  customer's stakeholders, success criteria, milestones with their dates and commitments from
  the handoff. It holds internal data (detractors, promises), so it goes to the internal channel,
  or the CSM's DM when there is none or it is shared with another organisation; never a shared
  channel (the outbox re-checks that right before posting: `Post.internal`).
- **RACI draft**, one row per playbook phase, derived from the onboarding's checklist (the
  playbook's owner roles): R = the roles owning the phase's checklist items (the CSM when the
  phase has none); A = the CSM, accountable for every phase; C = the roles owning items of the
  phase just before or after it (they hand over to it or take it over); I = every other role
  of the playbook's checklist (kept informed).
- **Questionnaire** (technical and business context, first-value definition; questions in
  templates/kickoff.yml): a message with a button in the customer channel (queued once per
  channel), which the customer's users may press (bot/slack/guard.py); without a channel, a DM
  to the CSM with the questions to forward. Answers are an activity entry (`data.answers`); the
  first-value answer pre-fills `Onboarding.first_value_definition` when it is empty; the CSM is
  told by DM. The customer sees nothing but the questions and a thank-you.
- **Recording the kickoff** (`done <customer> kickoff` from Slack opens a modal): the agreed
  first-value definition (required), meeting cadence and escalation path are stored and the
  kickoff milestone completes in one commit (`record_kickoff`). First value cannot complete
  before it is defined (bot/services/onboardings.first_value_refusal).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator
from sqlalchemy.orm import Session

from bot.models import Milestone, Onboarding
from bot.services.activity import record_activity
from bot.services.errors import DomainError, NotAllowed, NotFound
from bot.services.milestones import MilestoneChange, match_milestone
from bot.services.onboardings import complete_milestone, get_onboarding
from bot.services.outbox import Post, enqueue, outbox_key
from bot.services.permissions import ensure_can_change
from bot.slack import kickoff_views as views

KICKOFF_MILESTONE = "kickoff"
IMPACT_KEYS = (
    "introductions",
    "mutual_objectives",
    "plan",
    "accountability",
    "communication",
    "timeline",
)
AGREEMENT_MAX = 2000
ANSWER_MAX = 2000

# ---- wording: templates/kickoff.yml ------------------------------------------------------------


class KickoffConfigError(ValueError):
    """templates/kickoff.yml is missing, unreadable or invalid; the message says where."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class AgendaSection(_Strict):
    key: Literal[
        "introductions", "mutual_objectives", "plan", "accountability", "communication", "timeline"
    ]
    title: str = Field(min_length=1, max_length=150)
    purpose: str = Field(default="", max_length=500)


class QuestionDef(_Strict):
    key: str = Field(pattern=r"^[a-z][a-z0-9_]{0,39}$")
    area: Literal["technical", "business", "first_value"]
    label: str = Field(min_length=1, max_length=2000)
    hint: str = Field(default="", max_length=150)
    optional: bool = False


class QuestionnaireDef(_Strict):
    intro: str = Field(min_length=1, max_length=1000)
    button: str = Field(min_length=1, max_length=75)
    title: str = Field(min_length=1, max_length=24)  # a modal title
    thanks: str = Field(min_length=1, max_length=1000)
    questions: list[QuestionDef] = Field(min_length=1, max_length=40)

    @model_validator(mode="after")
    def _one_first_value(self) -> QuestionnaireDef:
        keys = [q.key for q in self.questions]
        if len(set(keys)) != len(keys):
            raise ValueError("questions: two questions share a key")
        if sum(q.area == "first_value" for q in self.questions) != 1:
            raise ValueError("questions: exactly one question must have area: first_value")
        return self

    @property
    def first_value_key(self) -> str:
        return next(q.key for q in self.questions if q.area == "first_value")


class KickoffConfig(_Strict):
    agenda: list[AgendaSection]
    roles: dict[str, str] = Field(default_factory=dict)
    questionnaire: QuestionnaireDef

    @model_validator(mode="after")
    def _impact(self) -> KickoffConfig:
        if tuple(s.key for s in self.agenda) != IMPACT_KEYS:
            raise ValueError(f"agenda: the six IMPACT sections in order: {', '.join(IMPACT_KEYS)}")
        return self

    def role(self, key: str) -> str:
        return self.roles.get(key) or key.replace("_", " ").capitalize()

    @classmethod
    def load(cls, templates_dir: Path) -> KickoffConfig:
        path = templates_dir / "kickoff.yml"
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8"))
        except (OSError, yaml.YAMLError) as exc:
            raise KickoffConfigError(f"{path}: cannot read: {exc}") from None
        try:
            return cls.model_validate(data)
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(part) for part in first["loc"]) or "(top level)"
            raise KickoffConfigError(f"{path}: {where}: {first['msg']}") from None


@functools.cache
def load_kickoff_config(templates_dir: Path) -> KickoffConfig:
    """The kickoff wording of a templates directory, read once per process."""
    return KickoffConfig.load(templates_dir)


# ---- the pack -----------------------------------------------------------------------------------


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
    phases: list[str] = field(default_factory=list)


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
    phase_names = {p.key: p.name for p in onboarding.phases}
    phases = [(p.key, p.name) for p in sorted(onboarding.phases, key=lambda p: p.position)]
    items = [
        (c.phase_key, c.owner_role)
        for c in sorted(onboarding.checklist_items, key=lambda c: c.position)
        if not c.is_gate
    ]
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
        stakeholders=[
            PersonLine(s.name, s.title, s.role, s.slack_user_id)
            for s in onboarding.stakeholders
            if s.departed_at is None
        ],
        criteria=[
            CriterionLine(c.text, c.target_date, c.is_first_value)
            for c in onboarding.success_criteria
        ],
        milestones=[
            MilestoneLine(
                m.name,
                phase_names.get(m.phase_key, m.phase_key),
                m.due_date,
                m.is_done,
                m.is_first_value,
                m.is_go_live,
            )
            for m in sorted(onboarding.milestones, key=lambda m: m.position)
        ],
        commitments=[
            CommitmentLine(c.text, c.owner_user_id, c.due_date)
            for c in onboarding.commitments
            if c.status == "open"
        ],
        raci=build_raci(phases, items, config),
        phases=[name for _, name in phases],
    )


@dataclass(frozen=True)
class KickoffSent:
    company_name: str
    pack_to: str  # a channel id, or the CSM's user id (a DM)
    pack_in_dm: bool
    questionnaire_to: str  # the customer channel, or the CSM's user id
    questionnaire_in_channel: bool
    questionnaire_queued: bool  # False: it had been sent to that place before


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
    questionnaire (customer channel, once; else the CSM's DM). Commits."""
    pack = load_kickoff_pack(session, onboarding_id, actor, config, admins=admins)
    onboarding = get_onboarding(session, onboarding_id)
    internal = onboarding.internal_channel_id
    pack_to = internal if internal and not is_shared(internal) else pack.csm_user_id
    stamp = now.isoformat()  # each run posts its pack (a DM of questions each time too)
    enqueue(
        session,
        Post(
            key=outbox_key("kickoff_pack", onboarding_id, actor, stamp),
            kind="kickoff_pack",
            channel=pack_to,
            text=views.pack_text(pack),
            blocks=views.build_kickoff_pack_blocks(pack, config),
            onboarding_id=onboarding_id,
            internal=True,
        ),
        now=now,
    )
    channel = onboarding.customer_channel_id
    if channel:
        post = Post(
            key=outbox_key("questionnaire", onboarding_id, channel),
            kind="questionnaire",
            channel=channel,
            text=views.questionnaire_text(config.questionnaire),
            blocks=views.build_questionnaire_invite_blocks(
                onboarding_id, config.questionnaire, _champion(onboarding)
            ),
            onboarding_id=onboarding_id,
        )
    else:
        post = Post(
            key=outbox_key("questionnaire", onboarding_id, pack.csm_user_id, stamp),
            kind="questionnaire",
            channel=pack.csm_user_id,
            text=views.questionnaire_forward_text(pack.company_name),
            blocks=views.build_questionnaire_forward_blocks(
                pack.company_name, config.questionnaire
            ),
            onboarding_id=onboarding_id,
            internal=True,
        )
    queued = enqueue(session, post, now=now)
    record_activity(
        session,
        onboarding,
        actor,
        "kickoff_prepared",
        "kickoff agenda and RACI draft posted; pre-kickoff questionnaire "
        + ("sent to the customer channel" if channel else "sent to the CSM to forward"),
        now=now,
    )
    session.commit()
    return KickoffSent(
        pack.company_name,
        pack_to,
        pack_to == pack.csm_user_id,
        channel or pack.csm_user_id,
        bool(channel),
        queued,
    )


def _champion(onboarding: Onboarding) -> str | None:
    found = next(
        (
            s.slack_user_id
            for s in onboarding.stakeholders
            if s.role == "champion" and s.departed_at is None and s.slack_user_id
        ),
        None,
    )
    return found


# ---- the questionnaire's answers ---------------------------------------------------------------


class QuestionnaireInvalid(DomainError):
    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(errors.values()))
        self.errors = errors  # question key -> message


def ensure_questionnaire_here(onboarding: Onboarding, channel_id: str | None) -> None:
    """The questionnaire is answered where it was asked: the customer channel."""
    if not channel_id or channel_id != onboarding.customer_channel_id:
        raise NotAllowed("These questions were not asked here, so your answers were not recorded.")


def open_questionnaire(session: Session, onboarding_id: int, channel_id: str | None) -> None:
    ensure_questionnaire_here(get_onboarding(session, onboarding_id), channel_id)


@dataclass(frozen=True)
class QuestionnaireAnswered:
    onboarding_id: int
    company_name: str
    csm_user_id: str
    prefilled_first_value: bool


def record_questionnaire(
    session: Session,
    onboarding_id: int,
    respondent: str,
    answers: dict[str, str],
    config: QuestionnaireDef,
    *,
    channel_id: str | None,
    now: datetime,
) -> QuestionnaireAnswered:
    """Store the answers (an activity entry with them in `data`), pre-fill the first-value
    definition when empty, and queue a DM to the CSM with the answers. Commits."""
    cleaned = {q.key: (answers.get(q.key) or "").strip() for q in config.questions}
    errors = {
        q.key: "Please answer this question."
        for q in config.questions
        if not q.optional and not cleaned[q.key]
    }
    errors |= {
        key: f"At most {ANSWER_MAX} characters, please."
        for key, value in cleaned.items()
        if len(value) > ANSWER_MAX
    }
    if errors:
        raise QuestionnaireInvalid(errors)
    onboarding = get_onboarding(session, onboarding_id)
    ensure_questionnaire_here(onboarding, channel_id)
    first_value = cleaned[config.first_value_key]
    prefilled = bool(first_value) and not onboarding.first_value_definition.strip()
    if prefilled:
        onboarding.first_value_definition = first_value
    entry = record_activity(
        session,
        onboarding,
        respondent,
        "questionnaire_answered",
        "pre-kickoff questionnaire answered",
        now=now,
        data={"answers": cleaned, "respondent": respondent},
    )
    session.flush()
    enqueue(
        session,
        Post(
            key=outbox_key("questionnaire_answers", onboarding_id, respondent, str(entry.id)),
            kind="questionnaire_answers",
            channel=onboarding.csm_user_id,
            text=f"{onboarding.company_name} answered the pre-kickoff questions",
            blocks=views.build_questionnaire_answers_blocks(
                onboarding.company_name, respondent, config, cleaned, prefilled
            ),
            onboarding_id=onboarding_id,
            internal=True,
        ),
        now=now,
    )
    session.commit()
    return QuestionnaireAnswered(
        onboarding.id, onboarding.company_name, onboarding.csm_user_id, prefilled
    )


# ---- recording the kickoff ----------------------------------------------------------------------


@dataclass(frozen=True)
class KickoffAgreements:
    first_value_definition: str
    meeting_cadence: str = ""
    escalation_path: str = ""


class KickoffField:
    FIRST_VALUE = "kickoff-first-value"
    CADENCE = "kickoff-cadence"
    ESCALATION = "kickoff-escalation"


class KickoffInvalid(DomainError):
    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(errors.values()))
        self.errors = errors  # KickoffField -> message


@dataclass(frozen=True)
class KickoffForm:
    """The modal `done <customer> kickoff` opens, prefilled with what is stored."""

    onboarding_id: int
    milestone_id: int
    company_name: str
    agreements: KickoffAgreements


def is_kickoff(milestone: Milestone) -> bool:
    return milestone.key == KICKOFF_MILESTONE


def kickoff_form_for(
    session: Session,
    onboarding_id: int | None,
    *,
    query: str = "",
    milestone_id: int | None = None,
    actor: str,
    admins: Collection[str],
) -> KickoffForm | None:
    """When `done` names the kickoff milestone (by `query`, or `milestone_id` from the status
    card) and it is not done yet: the form to ask for the agreements. None for any other
    milestone (the caller completes it as usual). NotAllowed for outsiders."""
    if milestone_id is not None:
        milestone = session.get(Milestone, milestone_id)
        if milestone is None:
            raise NotFound("That milestone no longer exists.")
        onboarding = milestone.onboarding
        ensure_can_change(onboarding, actor, admins)
    else:
        assert onboarding_id is not None
        onboarding = get_onboarding(session, onboarding_id, Onboarding.milestones)
        ensure_can_change(onboarding, actor, admins)
        milestone = match_milestone(onboarding.milestones, query)
    if not is_kickoff(milestone) or milestone.is_done:
        return None
    return KickoffForm(
        onboarding.id,
        milestone.id,
        onboarding.company_name,
        KickoffAgreements(
            onboarding.first_value_definition,
            onboarding.meeting_cadence,
            onboarding.escalation_path,
        ),
    )


def check_agreements(agreements: KickoffAgreements) -> KickoffAgreements:
    cleaned = KickoffAgreements(
        agreements.first_value_definition.strip(),
        agreements.meeting_cadence.strip(),
        agreements.escalation_path.strip(),
    )
    errors: dict[str, str] = {}
    if not cleaned.first_value_definition:
        errors[KickoffField.FIRST_VALUE] = (
            "Say what first value is for this customer, in measurable terms: "
            "first value cannot be marked done before it is defined."
        )
    for key, value in (
        (KickoffField.FIRST_VALUE, cleaned.first_value_definition),
        (KickoffField.CADENCE, cleaned.meeting_cadence),
        (KickoffField.ESCALATION, cleaned.escalation_path),
    ):
        if len(value) > AGREEMENT_MAX:
            errors.setdefault(key, f"At most {AGREEMENT_MAX} characters, please.")
    if errors:
        raise KickoffInvalid(errors)
    return cleaned


def record_kickoff(
    session: Session,
    onboarding_id: int,
    actor: str,
    agreements: KickoffAgreements,
    *,
    admins: Collection[str],
    now: datetime,
) -> MilestoneChange:
    """The kickoff was held: store the agreed first-value definition, meeting cadence and
    escalation path, and complete the kickoff milestone, in one commit. KickoffInvalid (by
    field) when the first-value definition is missing."""
    cleaned = check_agreements(agreements)
    onboarding = get_onboarding(session, onboarding_id, Onboarding.milestones)
    ensure_can_change(onboarding, actor, admins)
    milestone = next((m for m in onboarding.milestones if is_kickoff(m)), None)
    if milestone is None:
        raise NotFound(f"{onboarding.company_name}'s plan has no kickoff milestone.")
    onboarding.first_value_definition = cleaned.first_value_definition
    onboarding.meeting_cadence = cleaned.meeting_cadence
    onboarding.escalation_path = cleaned.escalation_path
    record_activity(
        session,
        onboarding,
        actor,
        "kickoff_agreed",
        "kickoff agreements recorded: first value, meeting cadence, escalation path",
        now=now,
        data={
            "first_value_definition": cleaned.first_value_definition,
            "meeting_cadence": cleaned.meeting_cadence,
            "escalation_path": cleaned.escalation_path,
        },
    )
    changed = complete_milestone(session, milestone, actor, now=now)
    session.commit()
    return MilestoneChange(
        onboarding.id,
        onboarding.company_name,
        milestone.id,
        milestone.name,
        changed,
        milestone.is_first_value,
    )
