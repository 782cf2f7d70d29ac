"""Hypercare: go-live, issues with SLA clocks, the exit check, the daily sync, the end.

Domain rules only (no Slack); services never commit, the edge does. The modules:

- `sla`: severities, an issue's SLA clocks and the exit check (pure reads at a given `now`);
- `lifecycle`: the guards (closed, not in hypercare, already live), go-live and its end;
- `issues`: opening, answering and resolving issues, and their use cases;
- `sync`: what the daily sync says (bot/slack/hypercare_sync_views.py words it).

The names below are the ones the rest of the bot imports from `bot.services.hypercare`.
"""

from bot.services.hypercare.issues import (
    TITLE_MAX,
    EmptyTitle,
    IssueChange,
    UnknownIssue,
    UnknownSeverity,
    clean_title,
    find_issue,
    open_issue,
    open_issue_by_id,
    parse_severity,
    resolve_issue,
    resolve_issue_by_id,
    respond_to_issue,
    respond_to_issue_by_id,
)
from bot.services.hypercare.lifecycle import (
    HYPERCARE_EXIT_MILESTONE,
    AlreadyLive,
    ExitCheckFailed,
    GoLiveResult,
    HypercareEnded,
    NotInHypercare,
    OnboardingClosed,
    end_hypercare,
    end_hypercare_by_id,
    ensure_can_go_live,
    ensure_in_hypercare,
    go_live,
)
from bot.services.hypercare.sla import (
    QUIET_WINDOW,
    VOLUME_WINDOW,
    ClockStage,
    ExitCheck,
    IssueSeverity,
    SlaClock,
    exit_check,
    settings_exit_check,
    sla_clock,
)
from bot.services.hypercare.sync import (
    SYNC_DETAIL_KIND,
    SYNC_KIND,
    SYNC_TIME,
    HypercareSync,
    IssueLine,
    build_sync,
    previous_sync_moment,
)

__all__ = [
    "HYPERCARE_EXIT_MILESTONE",
    "QUIET_WINDOW",
    "SYNC_DETAIL_KIND",
    "SYNC_KIND",
    "SYNC_TIME",
    "TITLE_MAX",
    "VOLUME_WINDOW",
    "AlreadyLive",
    "ClockStage",
    "EmptyTitle",
    "ExitCheck",
    "ExitCheckFailed",
    "GoLiveResult",
    "HypercareEnded",
    "HypercareSync",
    "IssueChange",
    "IssueLine",
    "IssueSeverity",
    "NotInHypercare",
    "OnboardingClosed",
    "SlaClock",
    "UnknownIssue",
    "UnknownSeverity",
    "build_sync",
    "clean_title",
    "end_hypercare",
    "end_hypercare_by_id",
    "ensure_can_go_live",
    "ensure_in_hypercare",
    "exit_check",
    "find_issue",
    "go_live",
    "open_issue",
    "open_issue_by_id",
    "parse_severity",
    "previous_sync_moment",
    "resolve_issue",
    "resolve_issue_by_id",
    "respond_to_issue",
    "respond_to_issue_by_id",
    "settings_exit_check",
    "sla_clock",
]
