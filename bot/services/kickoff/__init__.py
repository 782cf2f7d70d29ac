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
  kickoff milestone completes together (`record_kickoff`). First value cannot complete
  before it is defined (bot/services/onboardings.first_value_refusal).

The modules: `config` (templates/kickoff.yml), `pack` (the agenda, the RACI draft and sending
them with the questionnaire), `questionnaire` (its answers), `agreements` (recording the
kickoff). Nothing here renders: bot/slack/kickoff_views.py does, when the posts are sent.
"""

from bot.services.kickoff.agreements import (
    AGREEMENT_MAX,
    KICKOFF_MILESTONE,
    KickoffAgreements,
    KickoffField,
    KickoffForm,
    KickoffInvalid,
    check_agreements,
    is_kickoff,
    kickoff_form_for,
    record_kickoff,
)
from bot.services.kickoff.config import (
    IMPACT_KEYS,
    AgendaSection,
    KickoffConfig,
    KickoffConfigError,
    QuestionDef,
    QuestionnaireDef,
    load_kickoff_config,
)
from bot.services.kickoff.pack import (
    PACK_KIND,
    QUESTIONNAIRE_KIND,
    CommitmentLine,
    CriterionLine,
    KickoffPack,
    KickoffSent,
    MilestoneLine,
    PersonLine,
    Questionnaire,
    RaciRow,
    build_raci,
    load_kickoff_pack,
    pack_channel,
    prepare_kickoff,
)
from bot.services.kickoff.questionnaire import (
    ANSWER_MAX,
    ANSWERS_KIND,
    QuestionnaireAnswered,
    QuestionnaireAnswers,
    QuestionnaireInvalid,
    ensure_questionnaire_here,
    open_questionnaire,
    record_questionnaire,
)

__all__ = [
    "AGREEMENT_MAX",
    "ANSWERS_KIND",
    "ANSWER_MAX",
    "IMPACT_KEYS",
    "KICKOFF_MILESTONE",
    "PACK_KIND",
    "QUESTIONNAIRE_KIND",
    "AgendaSection",
    "CommitmentLine",
    "CriterionLine",
    "KickoffAgreements",
    "KickoffConfig",
    "KickoffConfigError",
    "KickoffField",
    "KickoffForm",
    "KickoffInvalid",
    "KickoffPack",
    "KickoffSent",
    "MilestoneLine",
    "PersonLine",
    "QuestionDef",
    "Questionnaire",
    "QuestionnaireAnswered",
    "QuestionnaireAnswers",
    "QuestionnaireDef",
    "QuestionnaireInvalid",
    "RaciRow",
    "build_raci",
    "check_agreements",
    "ensure_questionnaire_here",
    "is_kickoff",
    "kickoff_form_for",
    "load_kickoff_config",
    "load_kickoff_pack",
    "open_questionnaire",
    "pack_channel",
    "prepare_kickoff",
    "record_kickoff",
    "record_questionnaire",
]
