"""A cache this user may not write opens in the TUI read-only: the queue shows, the status line
says why nothing can change, and a change is refused in one sentence, the file untouched."""

from __future__ import annotations

from pathlib import Path

from leadtui.app import LeadTuiApp
from leadtui.cli import _open_for_tui
from leadtui.config import load
from leadtui.locations import locate
from leadtui.screens.modals import PromptModal
from tests.cli.test_errors import read_only_workspace  # noqa: F401 (the fixture)
from tests.tui.conftest import FrozenClock, loaded, settle
from widgets.queue_table import QueueTable
from widgets.sync_status import SyncStatusLine


async def test_a_read_only_cache_shows_the_queue_and_refuses_changes(
    read_only_workspace: Path,  # noqa: F811
    clock: FrozenClock,
) -> None:
    before = (read_only_workspace / "leadtui.db").read_bytes()
    locations = locate(None, str(read_only_workspace))
    ws = _open_for_tui(load(locations.config_path), locations)
    try:
        assert ws.read_only
        app = LeadTuiApp(ws, clock)
        async with app.run_test(size=(120, 35)) as pilot:
            await loaded(pilot)
            assert app.screen.query_one(QueueTable).order, "the rep's queue, read as it is"
            status = str(app.screen.query_one(SyncStatusLine).render())
            assert "read-only cache" in status
            await pilot.press("a")
            assert isinstance(app.screen, PromptModal)
            await pilot.press(*"called, no answer", "enter")
            await settle(pilot)
            said = [str(n.message) for n in app._notifications]
            where = f"The cache at {read_only_workspace / 'leadtui.db'} is read-only"
            assert any(m.startswith(where) for m in said), said
            assert not any("failed" in m for m in said), said
    finally:
        ws.close()
    assert (read_only_workspace / "leadtui.db").read_bytes() == before


async def test_sync_now_on_a_read_only_cache_says_why_not(
    read_only_workspace: Path,  # noqa: F811
    clock: FrozenClock,
) -> None:
    locations = locate(None, str(read_only_workspace))
    ws = _open_for_tui(load(locations.config_path), locations)
    try:
        app = LeadTuiApp(ws, clock)
        async with app.run_test(size=(120, 35)) as pilot:
            await loaded(pilot)
            await pilot.press("S")
            await pilot.pause()
            said = [str(n.message) for n in app._notifications]
            assert any("read-only cache" in m for m in said), said
    finally:
        ws.close()
