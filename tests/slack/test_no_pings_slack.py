"""A customer named like a broadcast pings nobody: every post, preview text included, carries
the name escaped (the fake Slack fails any test whose traffic holds <!channel>, <!here> or
<!everyone>)."""

from __future__ import annotations

import json

from tests.fakeslack import BROADCAST
from tests.slack.test_alerts_slack import at, bare, day, deliver, run
from tests.slack.test_status_slack import onboard

EVIL = "Injco <!channel> <!here> & co"


def _said(fake_slack) -> str:  # type: ignore[no-untyped-def]
    return json.dumps([c.params for c in fake_slack.calls] + fake_slack.responses)


def test_a_handoff_and_its_status_ping_nobody(slack, fake_slack) -> None:  # type: ignore[no-untyped-def]
    onboard(slack, fake_slack, EVIL)
    slack.command("status injco")
    fake_slack.wait_for_response(lambda r: "Milestones" in json.dumps(r))
    said = _said(fake_slack)
    assert "Injco &lt;!channel&gt;" in said  # the name is there, as text
    assert not BROADCAST.search(said)
    assert not fake_slack.invalid


def test_a_stall_alert_previews_the_name_escaped(  # type: ignore[no-untyped-def]
    slack, db, settings, playbooks, fake_slack, session
) -> None:
    fake_slack.add_channel("CINT", "onb-injco", is_private=True)
    bare(session, EVIL, blockers=2, internal_channel_id="CINT")
    run(settings, db, playbooks, at(day(0)))
    deliver(db, settings, at(day(0)))
    [message] = fake_slack.messages_in("CINT")
    assert message["text"].startswith("Stall alert: Injco &lt;!channel&gt; &lt;!here&gt; &amp; co")
    assert not BROADCAST.search(_said(fake_slack))
    assert not fake_slack.invalid
