"""Parsing `/onboard` text and the help card."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from slack_bolt import Ack, BoltContext, Respond
from slack_sdk import WebClient

from bot.slack import blocks as bk
from bot.slack.deps import Deps, deps_of
from bot.slack.mrkdwn import Mrkdwn, escape

HELP = [
    ("new", "Start a sales-to-CS handoff (also: the “New handoff” shortcut)"),
    ("status <customer> [share]", "A customer's status card (`share` posts it in the channel)"),
    ("<customer>", "The same status card, when the name is a customer's"),
    ("list [mine|at-risk|overdue|all]", "Your book, most urgent first"),
    ("done <customer> <milestone>", "Complete a milestone (with Undo)"),
    ("kickoff <customer>", "Kickoff agenda and RACI draft (internal), questions for the customer"),
    ("checklist <customer>", "Tick off the current phase's checklist, or add items"),
    ("health <customer>", "The weekly health check: score, status, trend (only you see it)"),
    ("stakeholders <customer>", "The stakeholder map: edit, log a contact, mark departed"),
    ("commitments <customer>", "Promises from the handoff: done, dropped (why), owner, due"),
    ("criteria <customer>", "Success criteria: mark met with evidence, flag first value"),
    ("setup <customer>", "Integrations: owner, status, notes, migration result, limitations"),
    ("training <customer>", "The training plan: schedule sessions, mark them delivered"),
    ("replan <customer>", "Move milestones and go-live (with a reason); the first plan is kept"),
    ("change <customer> <what>", "Log a change request; the CSM approves it or parks it"),
    ("block <customer> <reason>", "Add a blocker you own"),
    ("unblock <customer> [n]", "Resolve blocker n (as numbered on the status card)"),
    ("channel <customer> #channel", "Link the customer channel"),
    ("golive <customer>", "Readiness gate, then go-live and hypercare"),
    ("issue <customer> P1|P2|P3|P4 <title>", "Log a hypercare issue; its SLA clocks start"),
    ("respond <customer> <n>", "Record the first response on hypercare issue n"),
    ("resolve <customer> <n>", "Resolve hypercare issue n"),
    ("rollback <customer> <what happened>", "Record a rollback; its post-mortem is due in 48 h"),
    ("timeline <customer>", "The plan as a picture: planned vs actual, today, overdue in red"),
    ("survey <customer>", "Send the customer the post-onboarding survey now"),
    ("close <customer>", "Completion check, then the onboarding report and the handover"),
    ("reopen <customer> <why>", "Reopen a closed onboarding (logged with the reason)"),
    ("metrics [segment|csm|cohort] [value]", "Book metrics: time to value, completion, funnel"),
    ("export", "The book as CSV, sent to you by DM (admins and CSMs)"),
    ("settings", "Your settings: stall alerts per onboarding, or one daily digest by DM"),
    ("help", "Show this help"),
]


@dataclass
class CommandRequest:
    name: str
    args: str
    user_id: str
    channel_id: str
    trigger_id: str
    body: dict[str, Any]
    ack: Ack
    respond: Respond
    client: WebClient
    context: BoltContext

    @property
    def deps(self) -> Deps:
        return deps_of(self.context)


def parse_command(
    body: dict[str, Any], *, client: WebClient, respond: Respond, context: BoltContext, ack: Ack
) -> CommandRequest:
    text = " ".join(str(body.get("text") or "").split())
    name, _, args = text.partition(" ")
    return CommandRequest(
        name=name.lower() or "help",
        args=args,
        user_id=body.get("user_id", ""),
        channel_id=body.get("channel_id", ""),
        trigger_id=body.get("trigger_id", ""),
        body=body,
        ack=ack,
        respond=respond,
        client=client,
        context=context,
    )


def help_blocks(unknown: str = "", suggestion: str = "") -> list[bk.Block]:
    """The help card; for a command we do not know, say so first, with `suggestion` (the
    command as it was probably meant) when there is one."""
    lines = "\n".join(f"`/onboard {name}`  {escape(text)}" for name, text in HELP)
    if suggestion:
        intro = Mrkdwn(
            f"I don't know `{escape(unknown[:50])}`. Did you mean "
            f"`/onboard {escape(suggestion[:200])}`? Everything I can do:"
        )
    elif unknown and unknown != "help":
        intro = Mrkdwn(f"I don't know `{escape(unknown[:50])}`. Here is what I can do:")
    else:
        intro = Mrkdwn("*Onboard* runs customer onboarding from Slack. Commands:")
    return [
        bk.section(intro),
        bk.section(Mrkdwn(lines)),
        bk.context("Example: `/onboard new` right after a deal closes."),
        bk.context(
            "Shortcuts: *New handoff* (the ⚡ menu); on any message's ⋮ menu, *Start handoff* "
            "(prefilled from the message) and *Log on onboarding* (as a blocker or a hypercare "
            "issue). App Home lists your onboardings and the blockers you own."
        ),
    ]
