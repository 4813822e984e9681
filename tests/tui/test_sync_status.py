"""The TUI syncing against a real sandbox CRM on 127.0.0.1: the status line and new leads.

Runs are started by hand (the app's `S` action) rather than waited for: the interval timer
only decides when, and a test should not sleep through it.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot

from leadtui.app import LeadTuiApp
from leadtui.config import Locations, load
from leadtui.demo_workspace import prepare_demo
from leadtui.screens.queue_screen import QueueScreen
from leadtui.workspace import Workspace
from sync.http import RetryPolicy
from sync.hubspot import HubSpotAdapter
from sync.sandbox import RunningSandbox, start_sandbox
from tests.conftest import NOW, set_up_portal
from tests.tui.conftest import FrozenClock, loaded, settle
from widgets.sync_status import SyncStatusLine

SEED, REPS = 11, 1  # one rep: every lead the sandbox invents is in this rep's queue


@pytest.fixture
def sandbox() -> Iterator[RunningSandbox]:
    with start_sandbox(seed=SEED, leads=20, reps=REPS, now=NOW, rate_limit=None) as running:
        set_up_portal(running)
        yield running


@pytest.fixture
def synced_ws(sandbox: RunningSandbox, tmp_path: Path) -> Iterator[Workspace]:
    folder = prepare_demo(
        tmp_path / "ws", leads=0, reps=REPS, seed=SEED, now=NOW, base_url=sandbox.base_url
    )
    locations = Locations(folder / "config.toml", folder)
    ws = Workspace.open(load(locations.config_path, required=True), locations)
    yield ws
    ws.close()


def _app(ws: Workspace, sandbox: RunningSandbox) -> LeadTuiApp:
    def adapter() -> HubSpotAdapter:
        # Two quick tries: "offline" should be found out in a moment, not after a minute.
        return HubSpotAdapter.from_config(
            sandbox.base_url,
            sandbox.token,
            timeout_seconds=2.0,
            rate_limited=False,
            retry=RetryPolicy(attempts=2, base=0.01),
        )

    return LeadTuiApp(ws, FrozenClock(), adapter_factory=adapter)


def _status(app: LeadTuiApp) -> str:
    return str(app.screen.query_one(SyncStatusLine).render())


async def _synced(pilot: Pilot[None]) -> None:
    app = pilot.app
    assert isinstance(app, LeadTuiApp)
    await pilot.pause()
    if not app.sync_view.running:
        app.action_sync_now()
    for _ in range(100):
        await settle(pilot)
        if not app.sync_view.running:
            return
        await pilot.pause(0.05)
    raise AssertionError("the sync never finished")


async def test_online_offline_and_back(synced_ws: Workspace, sandbox: RunningSandbox) -> None:
    app = _app(synced_ws, sandbox)
    async with app.run_test(size=(120, 35)) as pilot:
        await _synced(pilot)  # the first run, started on mount
        await loaded(pilot)
        assert "online" in _status(app) and "last sync" in _status(app)
        assert isinstance(app.screen, QueueScreen) and app.screen.table.order, "leads pulled"

        sandbox.faults.offline()
        await _synced(pilot)
        assert "offline" in _status(app) and "retrying" in _status(app)
        assert app.sync is not None and app.sync._timer is not None, "keeps probing"
        await pilot.press("j")  # the queue still works
        assert isinstance(app.screen, QueueScreen)

        sandbox.faults.reset()
        await _synced(pilot)
        assert "online" in _status(app) and "offline" not in _status(app)


async def test_a_new_inbound_lead_appears_with_a_toast(
    synced_ws: Workspace, sandbox: RunningSandbox
) -> None:
    app = _app(synced_ws, sandbox)
    async with app.run_test(size=(120, 35)) as pilot:
        await _synced(pilot)
        await loaded(pilot)
        screen = app.screen
        assert isinstance(screen, QueueScreen)
        before = set(screen.table.order)

        assert len(sandbox.crm.add_inbound_leads(1)) == 1
        await _synced(pilot)
        await loaded(pilot)
        new = set(screen.table.order) - before
        assert len(new) == 1, "the new lead is in the queue"
        toasts: list[Any] = list(app._notifications)
        assert any("new lead" in (t.title or "") for t in toasts)
        row = screen.table.row(new.pop())
        assert row is not None and row.name and row.name in str(toasts[-1].message)

        await pilot.click(SyncStatusLine)  # the status line leads to conflicts
        await settle(pilot)
        from leadtui.screens.conflicts import ConflictsScreen

        assert isinstance(app.screen, ConflictsScreen)


def test_status_line_wording() -> None:
    from datetime import UTC

    from leadtui.screens.sync_loop import SyncView
    from widgets.sync_status import sync_text

    def said(**fields: Any) -> str:
        return sync_text(SyncView(enabled=True, **fields), UTC).plain

    assert "connecting to the CRM" in said(running=True)
    assert (
        "first sync: pulled 200"
        in sync_text(
            SyncView(enabled=True, running=True), UTC, progress="pulled 200 leads (1 page)"
        ).plain
    )
    online = said(first=False, online=True, last_sync=NOW, pending=1, conflicts=1, dead=2)
    assert "online" in online and f"last sync {NOW:%H:%M:%S}" in online
    assert "1 change waiting" in online and "1 conflict " in online and "2 rejected" in online
    offline = said(first=False, online=False, error="[b]no route[/b]")
    assert "offline" in offline and "[b]no route[/b]" in offline  # CRM text, never markup
    refused = said(first=False, online=True, error="401: the token was refused")
    assert "sync failed" in refused and "● online" not in refused
    assert sync_text(SyncView(), UTC).plain.strip().endswith("off")
    off = said(first=False, online=True, notice="Web activity is off: no events API.")
    assert "● online" in off and off.endswith("Web activity is off: no events API.")


def test_the_status_line_shows_held_changes() -> None:
    from datetime import UTC

    from leadtui.screens.sync_loop import SyncView
    from widgets.sync_status import sync_text

    text = sync_text(SyncView(enabled=True, first=False, online=True, held=2), UTC).plain
    assert "2 held" in text and "C" in text  # held behind a conflict: said, and where to settle


def test_a_team_sync_that_stopped_is_said_and_a_running_one_is_not() -> None:
    from datetime import UTC, timedelta

    from leadtui.screens.sync_loop import SyncView
    from widgets.sync_status import sync_text

    view = SyncView(enabled=True, first=False, online=True, last_sync=NOW, team=True, interval=10)
    soon = sync_text(view, UTC, now=NOW + timedelta(minutes=4)).plain
    assert f"last sync {NOW:%H:%M:%S}" in soon and "no team sync" not in soon
    late = sync_text(view, UTC, now=NOW + timedelta(minutes=6)).plain
    assert f"no team sync since {NOW:%a %H:%M}" in late and "--team" in late
    mine = SyncView(enabled=True, first=False, online=True, last_sync=NOW, interval=10)
    assert "no team sync" not in sync_text(mine, UTC, now=NOW + timedelta(hours=2)).plain


async def test_the_status_line_notices_a_stopped_team_sync_by_itself() -> None:
    """No news comes from a dead sync: the line looks at the clock again on its own."""

    from textual.app import App, ComposeResult

    from leadtui.screens.sync_loop import SyncView
    from widgets.sync_status import SyncStatusLine

    clock = FrozenClock(NOW)

    class Host(App[None]):
        def __init__(self) -> None:
            super().__init__()
            self.clock = clock
            self.sync_view = SyncView(
                enabled=True, first=False, online=True, last_sync=NOW, team=True, interval=10
            )

        def compose(self) -> ComposeResult:
            yield SyncStatusLine(id="line")

    app = Host()
    async with app.run_test(size=(160, 3)) as pilot:
        line = app.query_one(SyncStatusLine)
        assert "last sync" in str(line.render())
        clock.advance(minutes=10)
        line._render_shown()  # what its 30 s timer does
        await pilot.pause()
        assert "no team sync since" in str(line.render())


def test_held_or_refused_changes_are_not_all_changes_sent() -> None:
    from datetime import UTC

    from leadtui.screens.sync_loop import SyncView
    from widgets.sync_status import sync_text

    for counts in ({"held": 1}, {"dead": 2}):
        text = sync_text(SyncView(enabled=True, first=False, online=True, **counts), UTC).plain
        assert "all changes sent" not in text and "nothing else waiting" in text
    text = sync_text(SyncView(enabled=True, first=False, online=True), UTC).plain
    assert "all changes sent" in text


def test_a_round_that_failed_is_not_the_last_sync() -> None:
    from datetime import timedelta
    from types import SimpleNamespace

    from leadtui.screens.sync_loop import SyncLoop, SyncOutcome

    class Timers:  # what SyncLoop asks of the app: arming the next run
        def set_timer(self, *args: object, **kwargs: object) -> None:
            return None

    loop = SyncLoop(Timers(), None, None, lambda: NOW, 10)  # type: ignore[arg-type]
    good = SimpleNamespace(online=True, error=None)
    assert loop.landed(SyncOutcome(good, NOW)).last_sync == NOW
    later = NOW + timedelta(minutes=1)
    bad = SimpleNamespace(online=True, error="The CRM sent a reply leadtui cannot read.")
    assert loop.landed(SyncOutcome(bad, later)).last_sync == NOW
