"""Power hour: after logging a touch the next most urgent lead comes up; `n` from a lead's
detail goes to the next one (issue 13, day one)."""

from __future__ import annotations

from pathlib import Path

import pytest

from leadtui.app import LeadTuiApp
from leadtui.config import ConfigError, parse
from leadtui.screens.lead_detail import LeadDetailScreen
from leadtui.screens.log_touch import LogTouchModal
from leadtui.workspace import Workspace
from tests.tui.conftest import FrozenClock, loaded, settle, workspace_with_ui
from widgets.queue_table import QueueTable


async def log_on_cursor(app: LeadTuiApp, pilot) -> int:  # type: ignore[no-untyped-def]
    table = app.screen.query_one(QueueTable)
    first = table.cursor_lead_id
    assert first is not None
    await pilot.press("l")
    assert isinstance(app.screen, LogTouchModal)
    await pilot.press("ctrl+s")
    await settle(pilot)
    await settle(pilot)
    return first


async def test_after_logging_the_next_most_urgent_lead_is_selected(
    app: LeadTuiApp, workspace: Workspace
) -> None:
    async with app.run_test(size=(120, 35)) as pilot:
        await loaded(pilot)
        table = app.screen.query_one(QueueTable)
        second = table.order[1]
        first = await log_on_cursor(app, pilot)
        assert table.cursor_lead_id not in (None, first)
        assert table.cursor_lead_id == second or table.cursor == 0


async def test_power_hour_off_keeps_the_lead(tui_dir: Path, clock: FrozenClock) -> None:
    with workspace_with_ui(tui_dir, power_hour=False) as ws:
        app = LeadTuiApp(ws, clock)
        async with app.run_test(size=(120, 35)) as pilot:
            await loaded(pilot)
            first = await log_on_cursor(app, pilot)
            assert app.screen.query_one(QueueTable).cursor_lead_id == first


async def test_n_in_the_detail_goes_to_the_next_lead(app: LeadTuiApp) -> None:
    async with app.run_test(size=(100, 40)) as pilot:
        await loaded(pilot)
        order = list(app.screen.query_one(QueueTable).order)
        await pilot.press("enter")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, LeadDetailScreen) and screen.lead_id == order[0]
        await pilot.press("n")
        await settle(pilot)
        assert isinstance(app.screen, LeadDetailScreen) and app.screen.lead_id == order[1]
        assert app.screen.detail is not None and app.screen.detail.lead.id == order[1]


def test_power_hour_must_be_true_or_false() -> None:
    with pytest.raises(ConfigError, match="power_hour"):
        parse('[ui]\npower_hour = "yes please"\n')


async def test_a_booked_meeting_not_converted_yet_moves_on_too(
    app: LeadTuiApp, workspace: Workspace
) -> None:
    from textual.widgets import Input, Select

    from leadtui.screens.modals import ChoiceModal, PromptModal

    async with app.run_test(size=(120, 35)) as pilot:
        await loaded(pilot)
        table = app.screen.query_one(QueueTable)
        first = table.cursor_lead_id
        await pilot.press("l")
        assert isinstance(app.screen, LogTouchModal)
        app.screen.query_one("#channel", Select).value = "call"
        await pilot.pause()
        app.screen.query_one("#outcome", Select).value = "meeting_booked"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, PromptModal)
        app.screen.query_one(Input).value = "tomorrow 10"
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, ChoiceModal)
        await pilot.press("down", "enter")  # "Not yet"
        await settle(pilot)
        await settle(pilot)
        assert not isinstance(app.screen, ChoiceModal)
        assert table.cursor_lead_id not in (None, first)


async def test_back_from_a_lead_the_queue_is_on_the_lead_last_shown(app: LeadTuiApp) -> None:
    async with app.run_test(size=(100, 40)) as pilot:
        await loaded(pilot)
        table = app.screen.query_one(QueueTable)
        order = list(table.order)
        await pilot.press("enter")
        await settle(pilot)
        await pilot.press("n")  # the detail moves on to the next lead
        await settle(pilot)
        assert isinstance(app.screen, LeadDetailScreen) and app.screen.lead_id == order[1]
        await pilot.press("escape")
        await settle(pilot)
        assert table.cursor_lead_id == order[1]
