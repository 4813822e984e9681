"""The queue screen: order, cursor, ticking, filters, keys, sizes."""

from __future__ import annotations

from datetime import timedelta

from leadtui import views
from leadtui.app import LeadTuiApp
from leadtui.screens.empty import EmptyScreen
from leadtui.screens.help import HelpScreen
from leadtui.screens.lead_detail import LeadDetailScreen
from leadtui.screens.log_touch import LogTouchModal
from leadtui.screens.queue_screen import QueueScreen
from leadtui.workspace import Workspace
from tests.tui.conftest import FrozenClock, loaded, settle
from widgets.queue_table import QueueTable
from widgets.too_small import TooSmall


def table(app: LeadTuiApp) -> QueueTable:
    return app.screen.query_one(QueueTable)


def lines(app: LeadTuiApp) -> list[str]:
    t = table(app)
    return [t.render_line(y).text for y in range(t.size.height)]


async def test_opens_on_the_queue_in_the_cli_order(app: LeadTuiApp, workspace: Workspace) -> None:
    async with app.run_test(size=(120, 35)) as pilot:
        await loaded(pilot)
        assert isinstance(app.screen, QueueScreen)
        with workspace.session() as session:
            expected = [
                v.lead.id for v in views.queue(workspace, session, app.clock(), workspace.me)
            ]
        assert list(table(app).order) == expected
        first = lines(app)[1]
        with workspace.session() as session:
            top = views.lead_view(workspace, session, expected[0], app.clock())
        assert top is not None and top.lead.name in first


async def test_cursor_keys_move_and_enter_opens_detail_on_narrow(app: LeadTuiApp) -> None:
    async with app.run_test(size=(100, 30)) as pilot:
        await loaded(pilot)
        t = table(app)
        await pilot.press("j", "j", "down")
        assert t.cursor == 3
        await pilot.press("k")
        assert t.cursor == 2
        await pilot.press("G")
        assert t.cursor == len(t.order) - 1
        await pilot.press("g")
        assert t.cursor == 0
        await pilot.press("pagedown")
        assert t.cursor == min(t.size.height - 2, len(t.order) - 1)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, LeadDetailScreen)
        assert app.screen.detail is not None and app.screen.lead_id == t.order[t.cursor]
        await pilot.press("escape")
        assert isinstance(app.screen, QueueScreen)


async def test_detail_sits_beside_the_queue_when_wide(app: LeadTuiApp) -> None:
    async with app.run_test(size=(160, 40)) as pilot:
        await loaded(pilot)
        await pilot.press("j")
        await pilot.pause(0.3)
        await settle(pilot)
        detail = app.screen.query_one("#detail")
        assert detail.display
        header = app.screen.query_one("#header")
        row = table(app).row(table(app).order[1])
        assert row is not None and row.name in str(header.render())


async def test_cursor_stays_on_its_lead_when_rows_reorder(
    app: LeadTuiApp, clock: FrozenClock
) -> None:
    async with app.run_test(size=(120, 35)) as pilot:
        await loaded(pilot)
        screen = app.screen
        assert isinstance(screen, QueueScreen) and screen.snapshot is not None
        t = table(app)
        await pilot.press("j", "j", "j")
        lead_id = t.cursor_lead_id
        assert lead_id is not None
        before = list(t.order)
        # Jump past every open window's deadline: they breach, and the order changes.
        clock.advance(hours=2)
        screen.tick()
        await settle(pilot)
        assert list(t.order) != before
        assert t.cursor_lead_id == lead_id
        assert t.cursor == list(t.order).index(lead_id)


async def test_countdowns_tick_and_at_risk_raises_a_toast(
    app: LeadTuiApp, clock: FrozenClock
) -> None:
    async with app.run_test(size=(120, 35)) as pilot:
        await loaded(pilot)
        screen = app.screen
        assert isinstance(screen, QueueScreen) and screen.snapshot is not None
        assert screen.snapshot.windows, "the seeded queue has open speed-to-lead windows"
        deadline_ts, lead_id = screen.snapshot.windows[-1]
        before = lines(app)
        clock.advance(seconds=1)
        screen.tick()
        assert lines(app) != before  # the countdown moved
        # Step to one second before the at-risk line, then across it.
        risk = app.workspace.rules.policy.at_risk_minutes * 60 if app.workspace else 900
        clock.now = clock.now.fromtimestamp(deadline_ts - risk - 1, clock.now.tzinfo)
        screen.tick()
        clock.advance(seconds=2)
        screen.tick()
        await pilot.pause()
        titles = [n.title for n in app._notifications]
        assert "At risk" in titles
        row = table(app).row(lead_id)
        y = list(table(app).order).index(lead_id) + 1
        if row is not None and y < table(app).size.height:
            assert "▲" in lines(app)[y]


async def test_text_filter_narrows_and_escape_clears(app: LeadTuiApp) -> None:
    async with app.run_test(size=(120, 35)) as pilot:
        await loaded(pilot)
        t = table(app)
        everyone = list(t.order)
        row = t.row(everyone[0])
        assert row is not None
        await pilot.press("slash")
        await pilot.press(*row.email.split("@")[0][:8])
        await settle(pilot)
        assert everyone[0] in t.order and len(t.order) < len(everyone)
        await pilot.press("enter", "escape")
        await settle(pilot)
        assert list(t.order) == everyone


async def test_band_filter(app: LeadTuiApp, workspace: Workspace) -> None:
    async with app.run_test(size=(120, 35)) as pilot:
        await loaded(pilot)
        await pilot.press("f")
        await pilot.pause()
        await pilot.press("enter")  # the first choice: band hot
        await settle(pilot)
        t = table(app)
        assert t.order
        for lead_id in t.order[:10]:
            row = t.row(lead_id)
            assert row is None or row.band == "hot"


async def test_next_urgent_jumps_to_an_open_window_or_overdue_lead(app: LeadTuiApp) -> None:
    async with app.run_test(size=(120, 35)) as pilot:
        await loaded(pilot)
        t = table(app)
        await pilot.press("G", "n")
        assert t.cursor < len(t.order) - 1


async def test_help_lists_the_screen_keys(app: LeadTuiApp) -> None:
    async with app.run_test(size=(120, 35)) as pilot:
        await loaded(pilot)
        await pilot.press("f1")
        assert isinstance(app.screen, HelpScreen)
        text = str(app.screen.query_one("#help-keys").render())
        for words in ("Log touch", "Snooze", "Convert", "Disqualify", "Filter", "Quit"):
            assert words in text
        await pilot.press("escape")
        assert isinstance(app.screen, QueueScreen)


async def test_keys_remap_through_config(workspace: Workspace, clock: FrozenClock) -> None:
    remapped = workspace.config.model_copy(update={"keys": {"log_touch": "t"}})
    workspace.config = remapped
    app = LeadTuiApp(workspace, clock)
    async with app.run_test(size=(120, 35)) as pilot:
        await loaded(pilot)
        await pilot.press("t")
        assert isinstance(app.screen, LogTouchModal)


async def test_palette_offers_the_screen_actions(app: LeadTuiApp) -> None:
    from leadtui.screens.commands import ScreenActions

    async with app.run_test(size=(120, 35)) as pilot:
        await loaded(pilot)
        provider = ScreenActions(app.screen)
        names = [hit.text async for hit in provider.discover()]
        assert "Log touch" in names and "Next urgent" in names


async def test_empty_state_without_a_workspace(clock: FrozenClock) -> None:
    app = LeadTuiApp(None, clock, where="/nowhere")
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, EmptyScreen)
        text = str(app.screen.query_one("#empty").render())
        assert "leadtui demo" in text and "leadtui login" in text


async def test_too_small_shows_a_message(app: LeadTuiApp) -> None:
    async with app.run_test(size=(50, 12)) as pilot:
        await loaded(pilot)
        assert app.screen.query_one(TooSmall).display
        assert not app.screen.query_one("#main").display
        await pilot.resize_terminal(80, 24)
        await pilot.pause()
        assert not app.screen.query_one(TooSmall).display


def test_time_helpers_never_go_negative() -> None:
    from widgets.queue_row import countdown, span

    assert countdown(59 * 60 + 59) == "59:59"
    assert countdown(2 * 3600) == "2h00m"
    assert span(-timedelta(hours=3).total_seconds()) == "3h"


async def test_board_opens_from_the_queue_and_for_managers(
    workspace: Workspace, clock: FrozenClock
) -> None:
    from leadtui.screens.manager import ManagerScreen

    app = LeadTuiApp(workspace, clock)
    async with app.run_test(size=(120, 35)) as pilot:
        await loaded(pilot)
        await pilot.press("b")
        await settle(pilot)
        assert isinstance(app.screen, ManagerScreen)
        await pilot.press("escape")
        assert isinstance(app.screen, QueueScreen)
    user = workspace.config.user.model_copy(update={"role": "manager"})
    workspace.config = workspace.config.model_copy(update={"user": user})
    app = LeadTuiApp(workspace, clock)
    async with app.run_test(size=(120, 35)) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, ManagerScreen)


async def test_a_filter_says_what_it_counts_and_when_nothing_matches(app: LeadTuiApp) -> None:
    async with app.run_test(size=(120, 35)) as pilot:
        await loaded(pilot)
        whole = len(table(app).order)
        await pilot.press("slash", *"zzqx-nobody")
        await settle(pilot)
        assert not table(app).order
        shown = "\n".join(lines(app))
        assert "No lead matches the filter" in shown and "queue is empty" not in shown
        status = str(app.screen.query_one("#status").render())
        assert f"0 of {whole} leads" in status and "open windows in all" in status
