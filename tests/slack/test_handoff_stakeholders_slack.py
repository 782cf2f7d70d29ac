"""Stakeholders typed as people type them, over signed HTTP: the handoff stores each line as
read and the AE's confirmation says what was understood; a line it cannot read is refused next
to the field."""

from __future__ import annotations

import json

from sqlalchemy import select

from bot.models import Onboarding, Stakeholder
from tests.slack.test_handoff_slack import count, handoff_values, submit
from tests.slack_http import plain

TYPED = (
    "Dana Ruiz - VP Operations - executive sponsor - dana@acme.example\n"
    "Sam Lee, IT Director, technical lead, sam@acme.example\n"
    "Pat Kim (Plant Manager, project lead) pat@acme.example\n"
    "Jo Park | Ops Analyst | end-user champion | <@U0JOPARK>"
)


def test_typed_stakeholders_are_stored_and_read_back_to_the_ae(slack, fake_slack, db) -> None:
    response = submit(slack, handoff_values(stakeholders=plain(TYPED)))
    assert response.status == 200 and response.body in (b"", b"{}")
    ae = fake_slack.wait_for("chat.postMessage", lambda p: p["channel"] == "UAE")[0].params
    with db.session() as session:
        stored = [
            (s.name, s.title, s.role, s.email, s.slack_user_id)
            for s in session.scalars(select(Stakeholder).order_by(Stakeholder.id))
        ]
        missing = session.scalars(select(Onboarding.handoff_missing)).one()
    assert stored == [
        ("Dana Ruiz", "VP Operations", "executive_sponsor", "dana@acme.example", None),
        ("Sam Lee", "IT Director", "technical_lead", "sam@acme.example", None),
        ("Pat Kim", "Plant Manager", "champion", "pat@acme.example", None),
        ("Jo Park", "Ops Analyst", "end_user_champion", None, "U0JOPARK"),
    ]
    assert not any("not identified" in m for m in missing)  # sponsor, champion, tech lead
    shown = json.dumps(ae["blocks"], ensure_ascii=False)
    assert "Stakeholders, as Onboard read them" in shown
    for line in (
        "*Dana Ruiz* · title: VP Operations · role: Executive sponsor · contact: dana@acme.example",
        "*Sam Lee* · title: IT Director · role: Technical lead · contact: sam@acme.example",
        "*Pat Kim* · title: Plant Manager · role: Project lead (champion) · "
        "contact: pat@acme.example",
        "*Jo Park* · title: Ops Analyst · role: End-user champion · contact: <@U0JOPARK>",
    ):
        assert line in shown


def test_typed_stakeholder_text_is_escaped_in_the_confirmation(slack, fake_slack) -> None:
    line = "<!channel> & Co - <b>VP</b> - sponsor - dana@acme.example"
    submit(slack, handoff_values(stakeholders=plain(line)))
    ae = fake_slack.wait_for("chat.postMessage", lambda p: p["channel"] == "UAE")[0].params
    shown = json.dumps(ae["blocks"], ensure_ascii=False)
    assert "<!channel>" not in shown and "<b>" not in shown
    assert "*&lt;!channel&gt; &amp; Co* · title: &lt;b&gt;VP&lt;/b&gt;" in shown


def test_a_line_it_cannot_read_is_refused_next_to_the_field(slack, db) -> None:
    text = "Sam Lee, IT Director, technical lead, sam@acme.example\nask Dana, she knows everyone"
    response = submit(slack, handoff_values(stakeholders=plain(text)))
    body = response.json()
    assert body["response_action"] == "errors"
    assert set(body["errors"]) == {"stakeholders"}
    error = body["errors"]["stakeholders"]
    assert error.startswith("Line 2: ")
    for form in ("Name | Title | Role", "Name - Title - Role", "Name, Title, Role", "Name (Title,"):
        assert form in error
    assert "ask Dana, she knows everyone" in error
    assert count(db, Onboarding) == 0


def test_the_modal_says_which_forms_it_reads(slack, fake_slack) -> None:
    slack.command("new", user_id="UAE")
    view = fake_slack.wait_for("views.open")[0].params["view"]
    field = next(b for b in view["blocks"] if b.get("block_id") == "stakeholders")
    assert "dashes or commas" in field["hint"]["text"]
    assert "Name (Title, Role)" in field["hint"]["text"]
