"""Stall and warning signals (domain.md): what is wrong with each open onboarding at `now`.

- catalog: templates/signals.yml, what each signal is called, how severe it is, who acts;
- facts: the rows of one onboarding that can signal;
- detection: the pure rules, one onboarding's facts in, its signals out (the decisions are
  documented there); detected: the Signal it returns; rules: what a scan's detections share;
- queries: the scan's queries, one per table over every open onboarding;
- scan: the fact sources (`SOURCES`, where a new one is registered) and every open
  onboarding's facts with a constant number of queries, streamed.

The wording of a signal (its `what` template) is rendered in bot/slack/alert_views.py; a
signal carries only its facts.
"""

from bot.services.signals.catalog import (
    SignalCatalog,
    SignalCatalogError,
    SignalDef,
    SignalOverride,
    load_catalog,
)
from bot.services.signals.detected import Signal, fingerprint_level, signal_kind
from bot.services.signals.detection import detect
from bot.services.signals.fact_types import FACT_TYPES, SAMPLE_FACTS, typed_facts
from bot.services.signals.facts import (
    DONE_STATUSES,
    KICKOFF_MILESTONE,
    OPEN_STATUSES,
    BlockerRow,
    ChampionRow,
    CommitmentRow,
    ConversationRow,
    CustomerReplyRow,
    Facts,
    HealthRow,
    IntegrationRow,
    IssueRow,
    MilestoneRow,
    OnboardingRow,
    ScopeRow,
    StakeholderCount,
    TrainingRow,
    UsageRow,
)
from bot.services.signals.kinds import (
    ALERT_FAMILY,
    AlertSeverity,
    Gravity,
    SignalKind,
    fingerprint_gravity,
)
from bot.services.signals.queries import ScanWindow
from bot.services.signals.rules import Rules
from bot.services.signals.scan import (
    SOURCES,
    STREAM_CHUNK,
    Aligned,
    FactSource,
    detect_all,
    scan,
    scan_statements,
    stream_rows,
)

__all__ = [
    "ALERT_FAMILY",
    "DONE_STATUSES",
    "FACT_TYPES",
    "KICKOFF_MILESTONE",
    "OPEN_STATUSES",
    "SAMPLE_FACTS",
    "SOURCES",
    "STREAM_CHUNK",
    "AlertSeverity",
    "Aligned",
    "BlockerRow",
    "ChampionRow",
    "CommitmentRow",
    "ConversationRow",
    "CustomerReplyRow",
    "FactSource",
    "Facts",
    "Gravity",
    "HealthRow",
    "IntegrationRow",
    "IssueRow",
    "MilestoneRow",
    "OnboardingRow",
    "Rules",
    "ScanWindow",
    "ScopeRow",
    "Signal",
    "SignalCatalog",
    "SignalCatalogError",
    "SignalDef",
    "SignalKind",
    "SignalOverride",
    "StakeholderCount",
    "TrainingRow",
    "UsageRow",
    "detect",
    "detect_all",
    "fingerprint_gravity",
    "fingerprint_level",
    "load_catalog",
    "scan",
    "scan_statements",
    "signal_kind",
    "stream_rows",
    "typed_facts",
]
