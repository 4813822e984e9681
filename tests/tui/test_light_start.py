"""The queue paints its first page from the light path, then opens the workspace (ORM, validated
config, sync) in a thread and loads the whole order: nothing waits for the ORM to draw."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

from leadtui.app import LeadTuiApp
from leadtui.config import ConfigError, load, locate
from leadtui.light_queue import LightStart, light_start
from leadtui.screens import loaders
from leadtui.screens.queue_screen import QueueScreen
from leadtui.workspace import Workspace
from tests.tui.conftest import FrozenClock, loaded


def _start(folder: Path) -> LightStart:
    locations = locate(None, str(folder))
    load(locations.config_path, remember_in=locations.data_dir)
    start = light_start(locations, explicit_config=False)
    assert start is not None
    return start


async def test_the_first_page_paints_before_the_workspace_opens(
    tui_dir: Path, clock: FrozenClock
) -> None:
    start = _start(tui_dir)
    gate = threading.Event()
    opened: list[Workspace] = []

    def opener() -> tuple[Workspace, Any]:
        gate.wait(60)  # the workspace opens only when the test says so
        ws = Workspace.open(load(start.locations.config_path), start.locations)
        opened.append(ws)
        return ws, None

    app = LeadTuiApp(None, clock, light=start, opener=opener)
    try:
        async with app.run_test(size=(120, 35)) as pilot:
            screen = app.screen
            assert isinstance(screen, QueueScreen)
            for _ in range(500):
                if screen.snapshot is not None:
                    break
                await pilot.pause(0.01)
            assert screen.snapshot is not None and screen.snapshot.partial
            assert app.workspace is None  # painted without it
            first = list(screen.table.order)
            assert first and screen.table.row(first[0]) is not None
            gate.set()
            await loaded(pilot)
            assert app.workspace is opened[0]
            assert screen.snapshot is not None and not screen.snapshot.partial
            assert list(screen.table.order[: len(first)]) == first
            full = loaders.load_queue(opened[0], clock(), first_page=0)
            assert list(screen.table.order) == full.order
    finally:
        gate.set()
        for ws in opened:
            ws.close()


async def test_a_workspace_that_cannot_open_ends_the_app_with_its_sentence(
    tui_dir: Path, clock: FrozenClock, capsys: Any
) -> None:
    start = _start(tui_dir)

    def opener() -> tuple[Workspace, Any]:
        raise ConfigError("config.toml (line 3): [sla] speed is not a known key.")

    app = LeadTuiApp(None, clock, light=start, opener=opener)
    async with app.run_test(size=(120, 35)) as pilot:
        for _ in range(500):
            if app.return_code is not None:
                break
            await pilot.pause(0.01)
    assert app.return_code == 1
    shown = capsys.readouterr().err
    assert "leadtui: config.toml (line 3): [sla] speed is not a known key." in shown
