"""The leaders' Monday digest DM: pure builders from a `LeadersBook` (no database, no Slack).

The headline figures are App Home's *Book health* blocks (with *Open full metrics*); below them
the customers that need a leader, worst first, at most AT_RISK_MAX lines (each line is bounded,
so the part stays under a section's 3,000 characters).
"""

from __future__ import annotations

from bot.services.leaders_digest import LEADERS_DIGEST_KIND, AtRisk, LeadersBook
from bot.slack import blocks as bk
from bot.slack.metrics_views import HEALTH_LABELS, build_book_health_blocks
from bot.slack.mrkdwn import Mrkdwn, count, day, escape, mention, truncate
from bot.slack.rendering import Rendered, renderer

COMPANY_MAX = 80  # escaped characters: a line stays under 200
MORE_HINT = "`/onboard metrics segment` or `/onboard list at-risk`"


def _line(a: AtRisk) -> str:
    label = HEALTH_LABELS.get(a.status, escape(a.status))
    score = f" ({a.score})" if a.score is not None else ""
    return (
        f"{label}{score} *{truncate(escape(a.company_name), COMPANY_MAX)}* · "
        f"CSM {mention(a.csm_user_id)}"
    )


def _needs_a_leader(book: LeadersBook) -> bk.Block:
    title = f"*Customers who need a leader* ({book.at_risk_total} at risk or worse)"
    lines = [_line(a) for a in book.at_risk]
    if not lines:
        lines = ["No open onboarding is at risk, critical or in emergency. :white_check_mark:"]
    elif book.at_risk_total > len(book.at_risk):
        lines.append(f"_…and {book.at_risk_total - len(book.at_risk)} more: {MORE_HINT}_")
    return bk.section(Mrkdwn(title + "\n" + "\n".join(lines)))


def build_leaders_digest_blocks(book: LeadersBook) -> list[bk.Block]:
    return bk.fit_message(
        [
            bk.header(f"The book this week: {book.week}"),
            *build_book_health_blocks(book.metrics),
            _needs_a_leader(book),
            bk.context(
                Mrkdwn(
                    f"Leaders' Monday digest for {day(book.today)} · internal, for Onboard admins "
                    "only · `/onboard metrics segment` for the book by segment"
                )
            ),
        ]
    )


def leaders_digest_text(book: LeadersBook) -> str:
    return bk.fallback_text(
        f"The book this week: {count(book.metrics.total.onboardings, 'onboarding')}, "
        f"{book.at_risk_total} at risk or worse"
    )


def _render_leaders_digest(book: LeadersBook) -> Rendered:
    return Rendered(leaders_digest_text(book), build_leaders_digest_blocks(book))


RENDERERS = {LEADERS_DIGEST_KIND: renderer(LeadersBook, _render_leaders_digest)}
