"""Callback, action and block ids: one StrEnum per feature, kebab-case values."""

from __future__ import annotations

import enum


class Command(enum.StrEnum):
    ONBOARD = "/onboard"


class Shortcut(enum.StrEnum):
    NEW_HANDOFF = "new-handoff"
    HANDOFF_FROM_MESSAGE = "start-handoff-from-message"
    LOG_FROM_MESSAGE = "log-message-on-onboarding"  # a blocker or hypercare issue from a message


class Event(enum.StrEnum):
    APP_HOME_OPENED = "app_home_opened"
    REACTION_ADDED = "reaction_added"
    REACTION_REMOVED = "reaction_removed"
    APP_UNINSTALLED = "app_uninstalled"
    TOKENS_REVOKED = "tokens_revoked"
    MESSAGE = "message"  # message.channels and message.groups: the conversation metadata


class HandoffId(enum.StrEnum):
    VIEW = "handoff-submit"
    INPUT = "value"
    ACKNOWLEDGE = "handoff-acknowledge"
    CREATE_CHANNEL_OPTION = "create-internal-channel"


class MessageLogId(enum.StrEnum):
    """The "Log on onboarding" message shortcut's modal; its block ids are the service's
    LogField values (bot/services/message_log.py)."""

    VIEW = "message-log-submit"
    INPUT = "value"


class StatusId(enum.StrEnum):
    PICK_CUSTOMER = "status-pick-customer"
    DONE_SELECT = "status-done-select"
    UNDO_DONE = "status-undo-done"
    ADD_BLOCKER = "status-add-blocker"
    BLOCKER_VIEW = "status-blocker-submit"
    BLOCKER_REASON = "blocker-reason"
    INPUT = "value"
    LIST_PAGE = "status-list-page"
    OPEN_STATUS = "status-open"


class ChecklistId(enum.StrEnum):
    OPEN = "checklist-open"
    PICK_CUSTOMER = "checklist-pick-customer"
    VIEW = "checklist-submit"
    PHASE = "checklist-phase"
    PAGE = "checklist-page"
    ITEMS = "checklist-items"  # block ids checklist-items-0, -1, …: ten checkboxes each
    ADD_ITEMS = "checklist-add-items"
    INPUT = "value"


class HomeId(enum.StrEnum):
    OPEN_STATUS = "home-open-status"


class HypercareId(enum.StrEnum):
    PICK_CUSTOMER = "hypercare-pick-customer"
    RESPONDED = "hypercare-responded"
    RESOLVE = "hypercare-resolve"
    END = "hypercare-end"


class AlertId(enum.StrEnum):
    ACKNOWLEDGE = "alert-acknowledge"
    SNOOZE_1 = "alert-snooze-1d"
    SNOOZE_3 = "alert-snooze-3d"


class SettingsId(enum.StrEnum):
    """`/onboard settings`: how my stall alerts reach me."""

    ALERTS_PER_ONBOARDING = "settings-alerts-per-onboarding"
    ALERTS_DIGEST = "settings-alerts-digest"


class EscalationId(enum.StrEnum):
    ACKNOWLEDGE = "escalation-acknowledge"


class MetricsId(enum.StrEnum):
    OPEN = "metrics-open"  # App Home's "Open full metrics"


class JourneyId(enum.StrEnum):
    """The tech-touch journey. "Need help?" is open to the customer's users (bot/slack/guard.py:
    CUSTOMER_ACTIONS): it pages the owner and shows the clicker nothing but thanks."""

    HELP = "journey-help"
    STEP = "journey-step"  # the block holding the button


class HealthId(enum.StrEnum):
    PICK_CUSTOMER = "health-pick-customer"
    VIEW = "health-submit"
    AREA = "health-area"  # block ids health-area-<area key>: the area's questions, ticked = YES
    RATING = "health-rating"  # block ids health-rating-<component>: a 1-5 static select
    NOTE = "health-note"
    INPUT = "value"


class ReplanId(enum.StrEnum):
    """The replan modal; its block ids are the service's ReplanField values."""

    OPEN = "replan-open"  # the status card's button
    PICK_CUSTOMER = "replan-pick-customer"
    VIEW = "replan-submit"
    INPUT = "value"
    SHIFT_OPTION = "shift"
    TELL_OPTION = "tell"


class ChangeId(enum.StrEnum):
    """Change requests: the CSM's card and its approval modal (block ids: ChangeField)."""

    PICK_CUSTOMER = "change-pick-customer"
    APPROVE = "change-approve"
    DEFER = "change-defer"
    VIEW = "change-approve-submit"
    INPUT = "value"


class FeedbackId(enum.StrEnum):
    """The customer's voice. The pulse buttons and the survey are the only entry points open
    to users of another organisation (bot/slack/guard.py: CUSTOMER_ACTIONS, CUSTOMER_VIEWS)."""

    PULSE = "feedback-pulse"  # the block; its buttons are feedback-pulse-1 … feedback-pulse-5
    SURVEY_OPEN = "feedback-survey-open"
    SURVEY_VIEW = "feedback-survey-submit"
    SATISFACTION = "feedback-satisfaction"
    NPS = "feedback-nps"
    EFFORT = "feedback-effort"
    PREPARED = "feedback-prepared"
    REFERENCE = "feedback-reference"
    COMMENT = "feedback-comment"
    INPUT = "value"
    PICK_CUSTOMER = "feedback-pick-customer"


PULSE_SCORES = range(1, 6)


def pulse_action_id(score: int) -> str:
    return f"{FeedbackId.PULSE}-{score}"


class ChartId(enum.StrEnum):
    PICK_CUSTOMER = "chart-pick-customer"
    USAGE = "chart-usage"  # the status card's usage chart button (value: onboarding id)


class GateId(enum.StrEnum):
    VIEW = "gate-submit"
    ITEM = "gate-item"  # block ids gate-item-<checklist item id>: YES/NO radio buttons
    NOTE = "gate-note"  # block ids gate-note-<item id>: the item's note
    GROUP_NOTE = "gate-group-note"  # block ids gate-group-note-<group>: long gates only
    OVERRIDE = "gate-override"  # admins only: the written reason to go live despite NO
    INPUT = "value"


class StakeholderId(enum.StrEnum):
    # The "which customer?" buttons of stakeholders, commitments and criteria: -0, -1, …
    PICK_CUSTOMER = "stakeholders-pick-customer"
    ADD = "stakeholder-add"
    EDIT = "stakeholder-edit"
    LOG_CONTACT = "stakeholder-log-contact"
    DEPART = "stakeholder-depart"
    VIEW = "stakeholder-submit"
    INPUT = "value"


class CommitmentId(enum.StrEnum):
    DONE = "commitment-done"
    DROP = "commitment-drop"
    EDIT = "commitment-edit"
    DROP_VIEW = "commitment-drop-submit"
    EDIT_VIEW = "commitment-edit-submit"
    INPUT = "value"


class CriterionId(enum.StrEnum):
    MET = "criterion-met"
    FLAG_FIRST_VALUE = "criterion-flag-first-value"
    ADD = "criterion-add"
    MET_VIEW = "criterion-met-submit"
    ADD_VIEW = "criterion-add-submit"
    INPUT = "value"


class TransitionId(enum.StrEnum):
    """`/onboard close` and `reopen`: the "which customer?" buttons (-0, -1, …), the refusal's
    "Waive milestones" button and its modal, and the close modal (lessons, ongoing CSM)."""

    PICK_CUSTOMER = "transition-pick-customer"
    WAIVE_OPEN = "transition-waive-open"
    WAIVE_VIEW = "transition-waive-submit"
    CLOSE_VIEW = "transition-close-submit"
    MILESTONES = "transition-milestones"
    REASON = "transition-reason"
    LESSONS = "transition-lessons"
    ONGOING_CSM = "transition-ongoing-csm"
    INPUT = "value"


class TrainingId(enum.StrEnum):
    """`/onboard training`: the "which customer?" buttons (-0, -1, …), the card's Schedule
    session and Mark delivered buttons, and their modals."""

    PICK_CUSTOMER = "training-pick-customer"
    SCHEDULE = "training-schedule"
    DELIVER = "training-deliver"  # buttons training-deliver-0, -1, … (unique in a block)
    SCHEDULE_VIEW = "training-schedule-submit"
    DELIVER_VIEW = "training-deliver-submit"
    INPUT = "value"


class SetupId(enum.StrEnum):
    """`/onboard setup`: the "which customer?" buttons (-0, -1, …), the integration card's
    Edit / Add and the select for integrations past the card's buttons, and the modal."""

    PICK_CUSTOMER = "setup-pick-customer"
    EDIT = "setup-edit"
    EDIT_PICK = "setup-edit-pick"
    ADD = "setup-add"
    VIEW = "setup-integration-submit"
    INPUT = "value"


class KickoffId(enum.StrEnum):
    """`/onboard kickoff` and recording the kickoff. QUESTIONNAIRE_OPEN and QUESTIONNAIRE_VIEW
    are open to the customer's users (bot/slack/guard.py: CUSTOMER_ACTIONS, CUSTOMER_VIEWS)."""

    PICK_CUSTOMER = "kickoff-pick-customer"
    QUESTIONNAIRE = "kickoff-questionnaire"  # the block holding the button
    QUESTIONNAIRE_OPEN = "kickoff-questionnaire-open"
    QUESTIONNAIRE_VIEW = "kickoff-questionnaire-submit"
    QUESTION = "kickoff-question"  # block ids kickoff-question-<question key>
    DONE_VIEW = "kickoff-done-submit"
    INPUT = "value"
