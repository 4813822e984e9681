"""The queue's hot paths (filtering as the rep types, paging) give what the plain way gives."""

from __future__ import annotations

from leadtui.app import LeadTuiApp
from leadtui.screens import loaders
from leadtui.screens.queue_screen import QueueScreen
from leadtui.workspace import Workspace
from tests.conftest import NOW
from tests.tui.conftest import loaded, settle
from widgets.queue_table import QueueTable


def test_filtered_order_is_the_order_with_only_those_leads(workspace: Workspace) -> None:
    snapshot = loaders.load_queue(workspace, NOW, first_page=0)
    order = snapshot.order
    assert len(order) > 16
    for keep in (set(order[::9]), set(order[1::2]), {order[-1], order[0], -5}, set()):
        # A few leads are sorted by place, many scanned: both read as the plain filter.
        assert snapshot.filtered(keep) == [i for i in order if i in keep]


async def test_typing_narrows_to_what_a_fresh_search_finds(
    app: LeadTuiApp, workspace: Workspace
) -> None:
    async with app.run_test(size=(120, 35)) as pilot:
        await loaded(pilot)
        screen = app.screen
        assert isinstance(screen, QueueScreen) and screen.snapshot is not None
        table = screen.query_one(QueueTable)
        everyone = list(table.order)
        await pilot.press("slash")
        for typed in ("e", "ex", "exa"):
            await pilot.press(typed[-1])
            await settle(pilot)
            fresh = loaders.matching_text(workspace, typed)  # in the database, no snapshot
            assert list(table.order) == [i for i in everyone if i in fresh]
        await pilot.press("backspace", "backspace", "backspace")
        await settle(pilot)
        assert list(table.order) == everyone


async def test_the_pages_around_the_screen_are_fetched_before_they_are_shown(
    app: LeadTuiApp,
) -> None:
    async with app.run_test(size=(120, 16)) as pilot:
        await loaded(pilot)
        await settle(pilot)
        table = app.screen.query_one(QueueTable)
        shown = table.size.height - 1
        assert len(table.order) > shown + 3
        below = table.order[shown : 2 * shown]  # the page a page-down shows
        assert all(table.row(i) is not None for i in below)
