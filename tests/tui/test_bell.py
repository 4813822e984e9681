"""A new lead rings the terminal bell as well as the toast, unless [ui] bell = false."""

from __future__ import annotations

from pathlib import Path

from leadtui import app as app_module
from leadtui.app import LeadTuiApp
from leadtui.workspace import Workspace
from tests.tui.conftest import FrozenClock, loaded, workspace_with_ui


class Listening(LeadTuiApp):
    """Counts the bells it rings; the driver's own bell is the terminal's (BEL on stdout)."""

    CSS_PATH = str(Path(app_module.__file__).with_name("app.tcss"))  # relative to leadtui/
    rung = 0

    def bell(self) -> None:
        self.rung += 1
        super().bell()


async def _rings(ws: Workspace, clock: FrozenClock) -> tuple[int, list[str]]:
    app = Listening(ws, clock)
    async with app.run_test(size=(120, 35)) as pilot:
        await loaded(pilot)
        app.announce_new_leads({1: "Ann [b]Lee[/b]"})
        await pilot.pause()
        return app.rung, [str(n.message) for n in app._notifications]


async def test_a_new_lead_rings_the_bell(workspace: Workspace, clock: FrozenClock) -> None:
    rung, said = await _rings(workspace, clock)
    assert rung == 1 and any("Ann [b]Lee[/b]" in m for m in said)


async def test_the_bell_can_be_turned_off(tui_dir: Path, clock: FrozenClock) -> None:
    with workspace_with_ui(tui_dir, bell=False) as ws:
        rung, said = await _rings(ws, clock)
    assert rung == 0 and said  # the toast still shows
