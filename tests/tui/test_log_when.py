"""Log a touch at an earlier time, read back before saving; a booked meeting asks when and offers
to convert (issue 13, day one)."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import select

from leadtui.app import LeadTuiApp
from leadtui.screens.log_touch import LogTouchModal
from leadtui.screens.modals import ChoiceModal, PromptModal
from leadtui.store.tables import LeadRow, NoteRow, TouchRow
from leadtui.workspace import Workspace
from tests.tui.conftest import loaded, settle
from widgets.queue_table import QueueTable


async def test_a_call_made_an_hour_ago(app: LeadTuiApp, workspace: Workspace) -> None:
    async with app.run_test(size=(120, 40)) as pilot:
        await loaded(pilot)
        lead_id = app.screen.query_one(QueueTable).cursor_lead_id
        await pilot.press("l")
        assert isinstance(app.screen, LogTouchModal)
        app.screen.query_one("#when").focus()
        await pilot.press(*"1h ago")
        await pilot.pause()
        # Read back in the rep's zone (NOW is 10:00 in New York) before saving.
        assert "09:00 (1 h ago)" in str(app.screen.query_one("#when-hint").render())
        await pilot.press("ctrl+s")
        await settle(pilot)
    with workspace.session() as session:
        (touch,) = session.exec(select(TouchRow).where(TouchRow.lead_id == lead_id)).all()
    assert touch.occurred_at.replace(tzinfo=None) == (app.clock() - timedelta(hours=1)).replace(
        tzinfo=None
    )


async def test_a_time_to_come_is_refused_for_a_touch(app: LeadTuiApp) -> None:
    async with app.run_test(size=(120, 40)) as pilot:
        await loaded(pilot)
        await pilot.press("l")
        app.screen.query_one("#when").focus()
        await pilot.press(*"in 2h", "ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, LogTouchModal)
        assert "future" in str(app.screen.query_one("#when-hint").render())


async def test_meeting_booked_asks_when_and_offers_to_convert(
    app: LeadTuiApp, workspace: Workspace
) -> None:
    async with app.run_test(size=(120, 40)) as pilot:
        await loaded(pilot)
        lead_id = app.screen.query_one(QueueTable).cursor_lead_id
        await pilot.press("l")
        modal = app.screen
        assert isinstance(modal, LogTouchModal)
        modal.query_one("#outcome").value = "meeting_booked"  # type: ignore[attr-defined]
        await pilot.pause()
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, PromptModal)
        await pilot.press(*"tomorrow 10")
        await pilot.pause()
        assert "Thu 19 Nov 10:00" in str(app.screen.query_one("#hint").render())
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, ChoiceModal)
        await pilot.press("enter")  # convert now
        await settle(pilot)
        assert isinstance(app.screen, PromptModal)  # the deal value
        await pilot.press(*"9000", "enter")
        await settle(pilot)
    with workspace.session() as session:
        notes = [n.body for n in session.exec(select(NoteRow).where(NoteRow.lead_id == lead_id))]
        row = session.get(LeadRow, lead_id)
    assert any("Meeting booked for Thu 19 Nov 10:00" in n for n in notes), notes
    assert row is not None and row.status == "converted" and row.deal_value == 9000
