"""The customer's voice: a one-click pulse after kickoff and after go-live, and the
post-onboarding survey at transition.

- **Pulse** (1-5): when the kickoff milestone completes, or go-live happens, one message goes to
  the customer channel (the outbox key is per onboarding and pulse, so it is queued once however
  many paths ask). Without a customer channel nothing is sent: the pulse is the customer's to
  answer, and an internal channel has no customer in it.
- **Survey** (satisfaction 1-10, NPS 0-10, effort 1-5, a comment): when the transition milestone
  completes, or the CSM runs `/onboard survey`, a "Give feedback" message goes to the customer
  channel or, without one, by DM to each customer stakeholder with a Slack user id.
- Answers are FeedbackResponse rows, one per (onboarding, kind, respondent): answering again
  changes the answer. Scores are internal: the messages only count answers.

Wording is data (templates/feedback.yml, validated at start-up). `recent_sentiment` feeds the
health score; `nps_of` and `summarise_feedback` feed the metrics. The modules: `wording`
(the file), `questions` (what is asked, where, queued once), `answers`, `summaries`.
"""

from bot.services.feedback.answers import (
    COMMENT_MAX,
    EFFORT_RANGE,
    NPS_RANGE,
    PULSE_RANGE,
    SATISFACTION_RANGE,
    Answered,
    InvalidAnswer,
    SurveyAnswers,
    ensure_may_answer,
    open_survey,
    record_pulse,
    record_survey,
)
from bot.services.feedback.questions import (
    FEEDBACK_WINDOW,
    KICKOFF_MILESTONE,
    PULSE_KIND,
    SURVEY_KIND,
    TRANSITION_MILESTONE,
    FeedbackKind,
    PulseQuestion,
    SurveyInvite,
    SurveySent,
    SurveyTarget,
    pulse_key,
    pulse_kind_for,
    pulse_post,
    queue_due_feedback,
    queue_pulse,
    queue_survey,
    send_survey,
    survey_key,
    survey_post,
    survey_target,
)
from bot.services.feedback.summaries import (
    SENTIMENT_WINDOW,
    FeedbackSummary,
    Nps,
    RecentSentiment,
    nps_of,
    recent_sentiment,
    satisfaction_on_five,
    summarise_feedback,
)
from bot.services.feedback.wording import (
    FeedbackConfig,
    FeedbackConfigError,
    PulseWording,
    Question,
    SurveyQuestions,
    SurveyWording,
    load_feedback_config,
)

__all__ = [
    "COMMENT_MAX",
    "EFFORT_RANGE",
    "FEEDBACK_WINDOW",
    "KICKOFF_MILESTONE",
    "NPS_RANGE",
    "PULSE_KIND",
    "PULSE_RANGE",
    "SATISFACTION_RANGE",
    "SENTIMENT_WINDOW",
    "SURVEY_KIND",
    "TRANSITION_MILESTONE",
    "Answered",
    "FeedbackConfig",
    "FeedbackConfigError",
    "FeedbackKind",
    "FeedbackSummary",
    "InvalidAnswer",
    "Nps",
    "PulseQuestion",
    "PulseWording",
    "Question",
    "RecentSentiment",
    "SurveyAnswers",
    "SurveyInvite",
    "SurveyQuestions",
    "SurveySent",
    "SurveyTarget",
    "SurveyWording",
    "ensure_may_answer",
    "load_feedback_config",
    "nps_of",
    "open_survey",
    "pulse_key",
    "pulse_kind_for",
    "pulse_post",
    "queue_due_feedback",
    "queue_pulse",
    "queue_survey",
    "recent_sentiment",
    "record_pulse",
    "record_survey",
    "satisfaction_on_five",
    "send_survey",
    "summarise_feedback",
    "survey_key",
    "survey_post",
    "survey_target",
]
