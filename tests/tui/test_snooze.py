"""Snoozing: shown in the rep's zone, warned past an open window, not counted while hidden
(issue 13, defect 5)."""

from __future__ import annotations

from datetime import timedelta

from leadtui.app import LeadTuiApp
from leadtui.screens import loaders
from leadtui.screens.modals import ChoiceModal, PromptModal
from leadtui.workspace import Workspace
from tests.tui.conftest import loaded, settle
from tests.tui.test_actions import lead
from widgets.queue_table import QueueTable


def _notes(app: LeadTuiApp) -> list[str]:
    return [n.message for n in app._notifications]


def _open_window_lead(ws: Workspace, app: LeadTuiApp) -> int:
    snapshot = loaders.load_queue(ws, app.clock())
    assert snapshot.windows, "the seeded rep should have an open window"
    return snapshot.windows[0][1]


def test_snoozed_leads_do_not_count_as_open_windows(app: LeadTuiApp, workspace: Workspace) -> None:
    now = app.clock()
    lead_id = _open_window_lead(workspace, app)
    before = len(loaders.load_queue(workspace, now).windows)
    workspace.snooze(lead_id, now + timedelta(minutes=5), now)
    after = loaders.load_queue(workspace, now).windows
    assert lead_id not in [i for _, i in after] and len(after) == before - 1


async def test_snooze_toast_reads_in_the_reps_zone(app: LeadTuiApp, workspace: Workspace) -> None:
    async with app.run_test(size=(120, 35)) as pilot:
        await loaded(pilot)
        table = app.screen.query_one(QueueTable)
        # a lead whose window is already met or closed: no warning in the way
        windowed = {i for _, i in loaders.load_queue(workspace, app.clock()).windows}
        lead_id = next(i for i in table.order if i not in windowed)
        table.move_to(lead_id)
        await pilot.press("z", "enter")  # 1 hour
        await settle(pilot)
        # 15:00 UTC is 10:00 in New York: an hour later reads 11:00, not 16:00.
        assert any("11:00" in n and "snoozed until" in n for n in _notes(app)), _notes(app)
        assert not any("16:00" in n for n in _notes(app))


async def test_snoozing_past_an_open_window_asks_first(
    app: LeadTuiApp, workspace: Workspace
) -> None:
    async with app.run_test(size=(120, 35)) as pilot:
        await loaded(pilot)
        lead_id = _open_window_lead(workspace, app)
        app.screen.query_one(QueueTable).move_to(lead_id)
        await pilot.press("z", "down", "down", "enter")  # tomorrow 9:00
        await settle(pilot)
        assert isinstance(app.screen, ChoiceModal)
        assert lead(workspace, lead_id).snoozed_until is None
        await pilot.press("down", "enter")  # keep it in the queue
        await settle(pilot)
        assert lead(workspace, lead_id).snoozed_until is None
        await pilot.press("z", "down", "down", "enter")
        await settle(pilot)
        await pilot.press("enter")  # snooze anyway
        await settle(pilot)
        assert lead(workspace, lead_id).snoozed_until is not None


async def test_snooze_until_a_time_in_plain_words_is_shown_back(
    app: LeadTuiApp, workspace: Workspace
) -> None:
    async with app.run_test(size=(120, 35)) as pilot:
        await loaded(pilot)
        table = app.screen.query_one(QueueTable)
        windowed = {i for _, i in loaders.load_queue(workspace, app.clock()).windows}
        lead_id = next(i for i in table.order if i not in windowed)
        table.move_to(lead_id)
        await pilot.press("z", "end", "enter")  # at a time…
        await settle(pilot)
        assert isinstance(app.screen, PromptModal)
        await pilot.press(*"fri 15:00")
        await pilot.pause()
        hint = str(app.screen.query_one("#hint").render())
        assert "Fri 20 Nov 15:00 (in 2 d 5 h)" in hint
        await pilot.press("enter")
        await settle(pilot)
        until = lead(workspace, lead_id).snoozed_until
        assert until is not None
        assert until.replace(tzinfo=None) == app.clock().replace(
            day=20, hour=20, tzinfo=None
        )  # 15:00 New York is 20:00 UTC (SQLite gives naive UTC back)
