"""What the screens look like, clock frozen, on the seeded workspace (pytest-textual-snapshot).

Update after an intended change with `pytest tests/tui --snapshot-update` and review the SVGs.
"""

from __future__ import annotations

from typing import Any

from textual.pilot import Pilot

from leadtui.app import LeadTuiApp
from tests.tui.conftest import FrozenClock, loaded, settle


async def _loaded(pilot: Pilot[None]) -> None:
    await loaded(pilot)
    await settle(pilot)


def test_queue(snap_compare: Any, app: LeadTuiApp) -> None:
    assert snap_compare(app, terminal_size=(120, 35), run_before=_loaded)


def test_queue_80x24(snap_compare: Any, app: LeadTuiApp) -> None:
    assert snap_compare(app, terminal_size=(80, 24), run_before=_loaded)


def test_queue_wide_with_detail(snap_compare: Any, app: LeadTuiApp) -> None:
    async def run_before(pilot: Pilot[None]) -> None:
        await _loaded(pilot)
        await pilot.pause(0.2)  # the detail load is debounced
        await settle(pilot)

    assert snap_compare(app, terminal_size=(170, 48), run_before=run_before)


def test_lead_detail_screen(snap_compare: Any, app: LeadTuiApp) -> None:
    async def run_before(pilot: Pilot[None]) -> None:
        await _loaded(pilot)
        await pilot.press("enter")
        await settle(pilot)

    assert snap_compare(app, terminal_size=(100, 50), run_before=run_before)


def test_log_touch_modal(snap_compare: Any, app: LeadTuiApp) -> None:
    async def run_before(pilot: Pilot[None]) -> None:
        await _loaded(pilot)
        await pilot.press("l")
        await settle(pilot)

    assert snap_compare(app, terminal_size=(120, 35), run_before=run_before)


def test_help(snap_compare: Any, app: LeadTuiApp) -> None:
    async def run_before(pilot: Pilot[None]) -> None:
        await _loaded(pilot)
        await pilot.press("f1")
        await settle(pilot)

    assert snap_compare(app, terminal_size=(120, 40), run_before=run_before)


def test_empty_state(snap_compare: Any, clock: FrozenClock) -> None:
    app = LeadTuiApp(None, clock, where="~/.local/share/leadtui")
    assert snap_compare(app, terminal_size=(80, 24))
