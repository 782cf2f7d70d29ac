"""What the demo prints at the end: the story in figures, and the book as leaders see it."""

from __future__ import annotations

from collections import Counter
from datetime import date

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from bot.models import AlertState, Onboarding, OutboxMessage, OutboxStatus
from bot.services.alerts import ALERT_KIND, DIGEST_KIND
from bot.services.metrics import SliceBy, book_metrics, nps_targets, ttfv_targets
from bot.services.signals import SignalKind
from bot.slack.deps import Deps
from bot.slack.metrics_views import build_metrics_blocks
from bot.slack.terminal import TerminalSlack, blocks_to_text


def leaders_view(deps: Deps, slack: TerminalSlack, today: date) -> str:
    """The book as a leader sees it with `/onboard metrics segment`, from the same builder."""
    with deps.db.session() as session:
        metrics = book_metrics(
            session,
            today=today,
            ttfv_targets=ttfv_targets(deps.playbooks),
            nps_targets=nps_targets(deps.playbooks),
            hypercare_sla=deps.settings.hypercare_sla,
            slice_by=SliceBy.SEGMENT,
        )
    card = blocks_to_text(build_metrics_blocks(metrics), slack.readable_name)
    return "\nWhat leaders see (/onboard metrics segment):\n    " + card.replace("\n", "\n    ")


# Where a signal's facts come from: what the customer does (the conversation, product usage),
# else what the team logs in Onboard (plan, checks, issues).
SOURCES = {
    "the conversation": {
        SignalKind.CUSTOMER_WAITING,
        SignalKind.CUSTOMER_QUIET,
        SignalKind.SLOW_CUSTOMER_REPLIES,
    },
    "product usage": {SignalKind.NO_USAGE, SignalKind.ADOPTION_BEHIND, SignalKind.USAGE_DROPPING},
}


def by_source(tellings: Counter[str]) -> str:
    counts = {name: sum(tellings.get(k, 0) for k in kinds) for name, kinds in SOURCES.items()}
    logged = tellings.total() - sum(counts.values())
    parts = [f"what the team logs {logged}", *(f"{name} {n}" for name, n in counts.items())]
    return "Tellings by source: " + " · ".join(parts)


def summary(deps: Deps, ids: dict[str, int], start: date) -> str:
    """The story in figures: alerts told, posts sent, and each customer's course."""
    with deps.db.session() as session:
        alerts = _counts(session, select(AlertState.signal, func.sum(AlertState.notify_count)))
        posts, alert_posts = _alert_posts(session)
        sent = _counts(
            session,
            select(OutboxMessage.kind, func.count()).where(
                OutboxMessage.status == OutboxStatus.SENT
            ),
        )
        onboardings = [session.get(Onboarding, i) for i in ids.values()]
        customers = [o for o in onboardings if o is not None]
        lines = ["", "=" * 72, "Summary", "=" * 72]
        lines.append(
            f"Alerts: {alerts.total()} tellings in {posts} posts; by signal "
            "(tellings, posts naming it):"
        )
        lines += [
            f"  {signal:<24} {count:>4} {alert_posts.get(signal, 0):>4}"
            for signal, count in alerts.most_common()
        ] or ["  none"]
        lines.append(by_source(alerts))
        lines.append(f"Celebrations posted: {sent.get('celebration', 0)}")
        lines.append("Posts by kind: " + ", ".join(f"{k} {n}" for k, n in sorted(sent.items())))
        lines.append("Time to first value:")
        lines += [f"  {o.company_name:<24} {_ttfv(o)}" for o in customers]
        lines.append("Hypercare:")
        lines += [_hypercare(o, start) for o in customers if o.go_live_at is not None]
        lines.append("Transition:")
        lines += [f"  {o.company_name:<24} {_transition(o, start)}" for o in customers]
    return "\n".join(lines)


def _alert_posts(session: Session) -> tuple[int, Counter[str]]:
    """Sent alert posts (an onboarding's alert, or a CSM's daily digest) in all, and by signal
    (a post naming several counts for each)."""
    by_id = dict(session.execute(select(AlertState.id, AlertState.signal)).all())
    payloads = session.scalars(
        select(OutboxMessage.payload).where(
            OutboxMessage.kind.in_([ALERT_KIND, DIGEST_KIND]),
            OutboxMessage.status == OutboxStatus.SENT,
        )
    )
    posts, by_signal = 0, Counter[str]()
    for payload in payloads:
        posts += 1
        groups = payload["data"].get("groups") or [payload["data"]]
        items = [item for group in groups for item in group["items"]]
        by_signal.update({by_id.get(item["alert_id"], "?") for item in items})
    return posts, by_signal


def _counts(session: Session, query: Select[tuple[str, int]]) -> Counter[str]:
    """`query`'s (key, number) rows summed by its first column."""
    column = query.selected_columns[0]
    return Counter(dict(session.execute(query.group_by(column)).all()))


def _ttfv(onboarding: Onboarding) -> str:
    if onboarding.first_value_at is None:
        return "not reached"
    return f"{(onboarding.first_value_at.date() - onboarding.start_date).days} days"


def _hypercare(onboarding: Onboarding, start: date) -> str:
    assert onboarding.go_live_at is not None
    issues = onboarding.hypercare_issues
    exited = (
        f"exited on day {(onboarding.hypercare_exited_at.date() - start).days}"
        if onboarding.hypercare_exited_at
        else "still in hypercare"
    )
    return (
        f"  {onboarding.company_name}: live on day "
        f"{(onboarding.go_live_at.date() - start).days}, {len(issues)} issues "
        f"({sum(1 for i in issues if i.resolved_at)} resolved), {exited}"
    )


def _transition(onboarding: Onboarding, start: date) -> str:
    if not onboarding.closed_at:
        return f"open ({onboarding.status})"
    return (
        f"closed on day {(onboarding.closed_at.date() - start).days}, handed to "
        f"<@{onboarding.ongoing_csm_user_id}>"
    )
