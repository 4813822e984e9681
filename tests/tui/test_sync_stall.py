"""One stuck sync run never stops all syncing in the TUI.

The stuck run is a service whose `run_once` blocks until the test lets it go: the thing under test
is the app's sync loop, and no real request can hang that long any more (sync/http.py bounds each
one), so the hang is made on purpose. Time is a fake monotonic clock the test moves.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from leadtui.app import LeadTuiApp
from leadtui.screens.sync_loop import SyncLoop
from leadtui.workspace import Workspace
from tests.tui.conftest import FrozenClock, loaded, settle


@dataclass
class Result:
    online: bool = True
    pushed: int = 0
    pulled: int = 0
    pending: int = 0
    dead: int = 0
    conflicts: int = 0
    new_lead_ids: list[int] = field(default_factory=list)
    error: str | None = None


class Service:
    def __init__(self, stuck: bool) -> None:
        self.release = threading.Event()
        self.stuck = stuck
        self.runs = 0

    def run_once(self, now: datetime) -> Result:
        self.runs += 1
        if self.stuck:
            self.release.wait(60)
            return Result(pulled=1, new_lead_ids=[1], error="late")
        return Result()

    def close(self) -> None:
        return None


class Monotonic:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


async def test_a_stuck_run_is_dropped_and_syncing_goes_on(
    workspace: Workspace, clock: FrozenClock
) -> None:
    stuck, fresh = Service(stuck=True), Service(stuck=False)
    renewed: list[Any] = []

    def renew(old: Any) -> Any:
        renewed.append(old)
        return fresh

    app = LeadTuiApp(workspace, clock)
    async with app.run_test(size=(120, 35)) as pilot:
        await loaded(pilot)
        ticks = Monotonic()
        loop = SyncLoop(
            app, workspace, stuck, clock, 3600, stall_seconds=600, renew=renew, monotonic=ticks
        )
        app.sync = loop
        loop.run_now()
        await settle(pilot)
        assert loop.running and stuck.runs == 1

        ticks.now += 599  # slow is not stuck
        assert not loop.check_stalled() and loop.running

        ticks.now += 2
        assert loop.check_stalled(), "a run silent past its bound is dropped"
        for _ in range(20):
            await settle(pilot)
            if not loop.running:
                break
        assert renewed == [stuck] and fresh.runs == 1, "a fresh service ran"
        assert not loop.running and loop.view.online and not loop.view.error

        stuck.release.set()  # the stuck run returns at last: its result is ignored
        await settle(pilot)
        await pilot.pause(0.1)
        await settle(pilot)
        assert loop.view.error == "" and not any(
            "new lead" in (n.title or "") for n in app._notifications
        )
        loop.stop()
