"""F1 help fits the terminal and scrolls from the keyboard; so do the board's charts (issue 13,
defect 6)."""

from __future__ import annotations

import pytest
from textual.containers import VerticalScroll
from textual.widgets import Label, TabbedContent

from leadtui.app import LeadTuiApp
from leadtui.screens.help import HelpScreen
from tests.tui.conftest import loaded, settle


@pytest.mark.parametrize("size", [(120, 36), (80, 24)])
async def test_help_fits_and_scrolls_to_its_last_key(
    app: LeadTuiApp, size: tuple[int, int]
) -> None:
    async with app.run_test(size=size) as pilot:
        await loaded(pilot)
        await pilot.press("f1")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, HelpScreen)
        dialog = screen.query_one("#help").content_region
        assert dialog.bottom <= app.size.height
        # The title, the list and the remapping hint all show inside the dialog's frame.
        for widget in [*screen.query(Label), screen.query_one("#help-scroll")]:
            region = widget.region
            assert region.height > 0 and dialog.contains_region(region), (widget, region, dialog)
        scroll = screen.query_one("#help-scroll", VerticalScroll)
        await pilot.press("end")
        await pilot.pause()
        assert scroll.scroll_y == scroll.max_scroll_y
        if scroll.max_scroll_y:
            await pilot.press("home")
            await pilot.pause()
            assert scroll.scroll_y == 0


async def test_board_charts_scroll_from_the_keyboard(app: LeadTuiApp) -> None:
    from tests.manager.test_screen import board_loaded

    async with app.run_test(size=(80, 24)) as pilot:
        await loaded(pilot)
        await pilot.press("b")
        screen = await board_loaded(pilot)
        await pilot.press("a")
        screen = await board_loaded(pilot)
        await pilot.press("4")
        await settle(pilot)
        pane = screen.query_one("#pictures-scroll", VerticalScroll)
        assert screen.query_one(TabbedContent).active == "tab-pictures"
        assert pane.max_scroll_y > 0, "the charts are taller than 24 lines"
        await pilot.press("pagedown")
        await pilot.pause()
        assert pane.scroll_y > 0
        await pilot.press("end")
        await pilot.pause()
        assert pane.scroll_y == pane.max_scroll_y
