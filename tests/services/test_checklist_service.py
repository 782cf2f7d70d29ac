"""The checklist service and its modal, without Slack: phases, ticks, added items, limits."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.models import ActivityEntry, ChecklistItem, Milestone, MilestoneStatus, Onboarding
from bot.playbooks import PlaybookLibrary
from bot.services.book import BookEntry, OwnedBlocker
from bot.services.checklist import (
    ChecklistEdit,
    ChecklistInvalid,
    open_checklist,
    parse_new_items,
    save_checklist,
)
from bot.services.errors import NotAllowed
from bot.slack.checklist_views import build_checklist_modal, read_checklist_form
from bot.slack.forms import ViewForm
from bot.slack.home_views import build_home_view
from bot.slack.refusals import refusal_text
from tests.factories import AE, CSM
from tests.fakeslack import view_problems
from tests.services.test_handoff_service import submit

NOW = datetime(2026, 11, 3, 10, 0, tzinfo=UTC)
ADMINS = frozenset({"UADMIN"})


@pytest.fixture
def acme(session: Session, playbooks: PlaybookLibrary) -> Onboarding:
    return submit(session, playbooks)


def edit(
    onboarding_id: int,
    phase: str,
    shown: list[int],
    *,
    done: list[int] = (),  # type: ignore[assignment]
    checked: list[int] = (),  # type: ignore[assignment]
    new: str = "",
) -> ChecklistEdit:
    return ChecklistEdit(
        onboarding_id, phase, frozenset(shown), frozenset(done), frozenset(checked), new
    )


def test_the_current_phase_is_the_next_due_milestones(session: Session, acme: Onboarding) -> None:
    checklist = open_checklist(session, acme.id, CSM, admins=ADMINS)
    assert checklist.phase.key == checklist.current_key == "handoff"
    assert checklist.items[0].text.startswith("Handoff document complete")
    for milestone in acme.milestones[:2]:
        milestone.status = MilestoneStatus.COMPLETE
    session.commit()
    assert open_checklist(session, acme.id, AE, admins=ADMINS).phase.key == "configure"


def test_another_phase_can_be_asked_for(session: Session, acme: Onboarding) -> None:
    checklist = open_checklist(session, acme.id, "UADMIN", admins=ADMINS, phase_key="go_live")
    assert checklist.phase.name == "Go-live"
    assert any(i.text.startswith("[") for i in checklist.items)  # the readiness gate items
    assert open_checklist(session, acme.id, CSM, admins=ADMINS, phase_key="nope").phase.key == (
        "handoff"
    )


def test_only_csm_ae_and_admins_may_open_or_save(session: Session, acme: Onboarding) -> None:
    with pytest.raises(NotAllowed) as refused:
        open_checklist(session, acme.id, "UOTHER", admins=ADMINS)
    assert "<@UCSM>" in refusal_text(refused.value)
    item = acme.checklist_items[0]
    with pytest.raises(NotAllowed):
        save_checklist(
            session,
            edit(acme.id, "handoff", [item.id], checked=[item.id]),
            "UOTHER",
            admins=ADMINS,
            now=NOW,
        )
    session.expire_all()
    assert session.get(ChecklistItem, item.id).done_at is None  # type: ignore[union-attr]


def test_saving_records_who_ticked_what_in_one_activity_entry(
    session: Session, acme: Onboarding
) -> None:
    first, second, third = (c.id for c in acme.checklist_items[:3])
    change = save_checklist(
        session,
        edit(
            acme.id,
            "handoff",
            [first, second, third],
            checked=[first, second],
            new="Send the agenda\n\n  Book the <room> & coffee  ",
        ),
        CSM,
        admins=ADMINS,
        now=NOW,
    )
    assert change.summary() == "2 checked, 2 added"
    session.expire_all()
    done = session.scalars(select(ChecklistItem).where(ChecklistItem.done_at.is_not(None))).all()
    assert {(c.id, c.done_by) for c in done} == {(first, CSM), (second, CSM)}
    added = session.scalars(select(ChecklistItem).where(ChecklistItem.text.like("%agenda%"))).one()
    assert added.phase_key == "handoff" and added.owner_role == "csm"
    entries = session.scalars(
        select(ActivityEntry).where(ActivityEntry.action == "checklist_updated")
    )
    (entry,) = entries.all()
    assert entry.actor_user_id == CSM and entry.data["checked"] == [first, second]
    assert "Book the <room> & coffee" in entry.detail and len(entry.data["added"]) == 2


def test_unticking_and_a_tick_made_meanwhile(session: Session, acme: Onboarding) -> None:
    first, second = (c.id for c in acme.checklist_items[:2])
    save_checklist(
        session, edit(acme.id, "handoff", [first], checked=[first]), AE, admins=ADMINS, now=NOW
    )
    # The AE's modal showed both unticked; meanwhile the CSM ticked the second in theirs.
    save_checklist(
        session, edit(acme.id, "handoff", [second], checked=[second]), CSM, admins=ADMINS, now=NOW
    )
    change = save_checklist(
        session,
        edit(acme.id, "handoff", [first, second], done=[first], checked=[]),
        AE,
        admins=ADMINS,
        now=NOW + timedelta(minutes=1),
    )
    assert change.unchecked and not change.checked
    session.expire_all()
    assert session.get(ChecklistItem, first).done_at is None  # type: ignore[union-attr]
    assert session.get(ChecklistItem, second).done_by == CSM  # type: ignore[union-attr]


def test_saving_nothing_writes_nothing(session: Session, acme: Onboarding) -> None:
    item = acme.checklist_items[0].id
    change = save_checklist(session, edit(acme.id, "handoff", [item]), CSM, admins=ADMINS, now=NOW)
    assert not change.changed
    assert "checklist_updated" not in session.scalars(select(ActivityEntry.action)).all()


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("ok\n" + "x" * 301, "Line 2 is 301 characters"),
        ("\n".join(f"item {i}" for i in range(51)), "at most 50"),
    ],
)
def test_new_items_are_validated(text: str, message: str) -> None:
    with pytest.raises(ChecklistInvalid, match=message):
        parse_new_items(text)


def test_an_item_of_300_characters_is_accepted() -> None:
    assert parse_new_items("y" * 300) == ["y" * 300]


def test_the_modal_for_300_long_items_is_valid_block_kit(
    session: Session, acme: Onboarding
) -> None:
    acme.checklist_items.extend(
        ChecklistItem(
            position=100 + i,
            phase_key="handoff",
            text=f"<b>&{i}" + "é" * 490,
            owner_role="technical_lead",
        )
        for i in range(300)
    )
    session.commit()
    checklist = open_checklist(session, acme.id, CSM, admins=ADMINS)
    for offset in (0, 50, 300):
        view = build_checklist_modal(checklist, offset, "C0GENERAL")
        assert view_problems(view) == []
        groups = [
            b for b in view["blocks"] if str(b.get("block_id", "")).startswith("checklist-items-")
        ]
        assert groups and all(len(g["element"]["options"]) <= 10 for g in groups)
        assert len(view["blocks"]) <= 100


def test_the_form_reads_every_group_and_the_new_items() -> None:
    values = {
        "checklist-items-0": {
            "value": {"type": "checkboxes", "selected_options": [{"value": "4"}, {"value": "7"}]}
        },
        "checklist-items-1": {"value": {"type": "checkboxes", "selected_options": []}},
        "checklist-add-items": {"value": {"type": "plain_text_input", "value": "a\nb"}},
    }
    form = read_checklist_form(ViewForm({"state": {"values": values}}))
    assert form.checked_ids == {4, 7} and form.new_items_text == "a\nb"


def test_app_home_stays_under_100_blocks_for_any_book() -> None:
    today = date(2026, 11, 3)
    entries = [
        BookEntry(
            i,
            f"Customer {i} <&>" + "n" * 190,
            "Enterprise",
            CSM,
            AE,
            "Configure",
            "m" * 120,
            today,
            1,
            60,
            2,
            False,
        )
        for i in range(250)
    ]
    blockers = [
        OwnedBlocker(i, "C" * 200, "r<&>" * 250, NOW - timedelta(days=i)) for i in range(300)
    ]
    view = build_home_view(entries, today, blockers)
    assert view_problems(view) == []
    text = str(view)
    assert "Blockers you own" in text and "…and 280 more." in text


def test_a_milestone_free_onboarding_still_has_a_checklist(
    session: Session, acme: Onboarding
) -> None:
    for milestone in session.scalars(select(Milestone)):
        milestone.status = MilestoneStatus.COMPLETE
    session.commit()
    assert open_checklist(session, acme.id, CSM, admins=ADMINS).phase.key == "transition"
