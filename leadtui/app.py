"""The Textual app: a thin shell that opens the queue on a workspace.

It owns the clock (injected: tests freeze it, the CLI passes real time), the workspace and the
keymap from config; the screens do the rest.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from textual.app import App
from textual.binding import Binding

from leadtui.screens.commands import ScreenActions
from leadtui.screens.empty import EmptyScreen
from leadtui.screens.help import HelpScreen, keys_of
from leadtui.screens.lead_actions import LeadScreen
from leadtui.screens.queue_screen import QueueScreen
from leadtui.workspace import Workspace

Clock = Callable[[], datetime]


def system_clock() -> datetime:
    return datetime.now(UTC)


class LeadTuiApp(App[None]):
    CSS_PATH = "app.tcss"
    TITLE = "leadtui"
    COMMANDS = App.COMMANDS | {ScreenActions}
    BINDINGS = [
        Binding("f1", "help", "Help", id="help", tooltip="Every key of this screen"),
        Binding("q", "quit", "Quit", id="quit", tooltip="Quit leadtui"),
    ]

    def __init__(
        self,
        workspace: Workspace | None,
        clock: Clock = system_clock,
        *,
        where: str = "",
    ) -> None:
        super().__init__()
        self.workspace = workspace
        self.clock = clock
        self._where = where

    def on_mount(self) -> None:
        if self.workspace is None:
            self.push_screen(EmptyScreen(self._where))
            return
        if self.workspace.config.keys:
            self.set_keymap(dict(self.workspace.config.keys))
        self.push_screen(QueueScreen())
        if self.workspace.config.user.role == "manager":
            # A manager opens on the team's SLA board; escape goes back to the queue below it.
            from leadtui.screens.manager import ManagerScreen

            self.push_screen(ManagerScreen())

    def lead_changed(self, lead_id: int) -> None:
        """An action changed a lead: every screen showing leads fetches again."""
        for screen in self.screen_stack:
            if isinstance(screen, LeadScreen):
                screen.reload(lead_id)

    def action_help(self) -> None:
        if isinstance(self.screen, HelpScreen):
            return
        title = "queue" if isinstance(self.screen, QueueScreen) else "this screen"
        self.push_screen(HelpScreen(title, keys_of(self.screen)))


def run(workspace: Workspace | None, clock: Clock = system_clock, where: str = "") -> int:
    try:
        LeadTuiApp(workspace, clock, where=where).run()
    finally:
        if workspace is not None:
            workspace.close()
    return 0
