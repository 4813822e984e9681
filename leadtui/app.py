"""The Textual app: a thin shell that opens the queue on a workspace.

It owns the clock (injected: tests freeze it, the CLI passes real time), the workspace, the
keymap from config and, when a CRM adapter can be made, the sync loop (leadtui.screens.sync_loop);
the screens do the rest.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, tzinfo
from typing import TYPE_CHECKING, Any

from textual.app import App
from textual.binding import Binding
from textual.message import Message

from leadtui.keys import key_for
from leadtui.safe_text import clean, clean_lines
from leadtui.screens.commands import ScreenActions
from leadtui.screens.empty import EmptyScreen
from leadtui.screens.help import HelpScreen, keys_of
from leadtui.screens.lead_actions import LeadScreen
from leadtui.screens.queue_screen import QueueScreen
from leadtui.screens.sync_loop import (
    SyncDone,
    SyncFailed,
    SyncLoop,
    SyncProgressed,
    SyncView,
    progress_text,
)
from widgets.sync_status import SyncStatusLine

if TYPE_CHECKING:  # the ORM is imported after the first frame, not before (bench/paint.py)
    from leadtui.light_queue import LightStart
    from leadtui.rules import Rules
    from leadtui.screens.team_watch import TeamChanged, TeamWatch
    from leadtui.screens.undo_trail import UndoStep
    from leadtui.workspace import Workspace

Clock = Callable[[], datetime]
NOTIFY_LIMIT = 300  # characters one notification shows: a 100,000-character name must not
TITLE_LIMIT = 60  # fill the screen
AdapterFactory = Callable[[], Any]  # () -> sync.protocol.CrmAdapter
# () -> the workspace and, when sync can run, its adapter factory; raises the CLI's user errors.
Opener = Callable[[], "tuple[Workspace, AdapterFactory | None]"]


class WorkspaceOpened(Message):
    def __init__(self, workspace: Workspace, adapter_factory: AdapterFactory | None) -> None:
        super().__init__()
        self.workspace = workspace
        self.adapter_factory = adapter_factory


class WorkspaceFailed(Message):
    def __init__(self, error: Exception) -> None:
        super().__init__()
        self.error = error


def system_clock() -> datetime:
    return datetime.now(UTC)


class LeadTuiApp(App[None]):
    CSS_PATH = "app.tcss"
    TITLE = "leadtui"
    COMMANDS = App.COMMANDS | {ScreenActions}
    BINDINGS = [
        Binding(key_for("help"), "help", "Help", id="help", tooltip="Every key of this screen"),
        Binding(key_for("quit"), "quit", "Quit", id="quit", tooltip="Quit leadtui"),
        Binding(
            key_for("conflicts"),
            "conflicts",
            "Conflicts",
            id="conflicts",
            show=False,  # the sync status line says when there is something to settle
            tooltip="Conflicts with the CRM and changes it rejected",
        ),
        Binding(
            key_for("sync_now"),
            "sync_now",
            "Sync now",
            id="sync_now",
            show=False,
            tooltip="Sync with the CRM now",
        ),
    ]

    def __init__(
        self,
        workspace: Workspace | None,
        clock: Clock = system_clock,
        *,
        where: str = "",
        adapter_factory: AdapterFactory | None = None,
        board: bool = False,
        light: LightStart | None = None,
        opener: Opener | None = None,
    ) -> None:
        """`light` and `opener` (instead of `workspace`) open the workspace after the first frame:
        the queue's first page is read with plain sqlite3 (leadtui.light_queue) while `opener`
        waits, and runs in a thread once that page is painted (bench/paint.py)."""
        super().__init__()
        self._board_first = board
        self.workspace = workspace
        self.clock = clock
        self.light = light if workspace is None else None
        self._opener = opener
        self._opening = False
        self._where = where
        self._adapter_factory = adapter_factory
        self.sync: SyncLoop | None = None
        self.team: TeamWatch | None = None  # on a team database instead of `sync`
        # What the status line says while no sync can run: an offline copy, a read-only cache.
        self.fixed_view: SyncView | None = None
        self._service: Any = None
        self._adapters: list[Any] = []
        # The rep's changes of this session, latest last: what `u` takes back (screens.undo_trail).
        self.undo_trail: list[UndoStep] = []
        self.changes_made = 0  # this session's, undone or not

    @property
    def rules(self) -> Rules | None:
        """The workspace's rules, or before it opens the light path's (the same config)."""
        if self.workspace is not None:
            return self.workspace.rules
        return self.light.rules if self.light is not None else None

    @property
    def me(self) -> str:
        if self.workspace is not None:
            return self.workspace.me
        return self.light.me if self.light is not None else ""

    def on_mount(self) -> None:
        config = (
            self.workspace.config if self.workspace else self.light.config if self.light else None
        )
        if config is None:
            self.push_screen(EmptyScreen(self._where))
            return
        if config.keys:
            self.set_keymap(dict(config.keys))
        self.push_screen(QueueScreen())
        if self.workspace is None:
            return  # the queue screen calls open_workspace once its first page is painted
        _freeze_startup()
        self._start_sync(self.workspace)
        if self.workspace.config.user.role == "manager" or self._board_first:
            # A manager opens on the team's SLA board; escape goes back to the queue below it.
            from leadtui.screens.manager import ManagerScreen

            self.push_screen(ManagerScreen())

    def open_workspace(self) -> None:
        """Open the workspace (ORM, validated config, sync) in a thread, once."""
        if self.workspace is not None or self._opener is None or self._opening:
            return
        self._opening = True
        opener = self._opener

        def work() -> None:
            try:
                workspace, factory = opener()
            except Exception as error:
                self.post_message(WorkspaceFailed(error))
                return
            self.post_message(WorkspaceOpened(workspace, factory))

        self.run_worker(work, thread=True, exit_on_error=False, name="Opening the workspace")

    def on_workspace_opened(self, message: WorkspaceOpened) -> None:
        self.workspace, self.light = message.workspace, None
        _freeze_startup()
        self._adapter_factory = self._adapter_factory or message.adapter_factory
        self._start_sync(message.workspace)
        for screen in self.screen_stack:
            if isinstance(screen, QueueScreen):
                screen.reload()

    def on_workspace_failed(self, message: WorkspaceFailed) -> None:
        # What the command line says when it opens the workspace itself (leadtui.cli.main).
        error = message.error
        from leadtui.cli import _user_errors

        if isinstance(error, _user_errors()):
            self.exit(return_code=1, message=f"leadtui: {error}")
        else:
            self.exit(
                return_code=1,
                message=f"leadtui: unexpected error ({type(error).__name__}: {error}); "
                "run again with LEADTUI_DEBUG=1 for details and report it.",
            )

    def lead_changed(self, lead_id: int) -> None:
        """An action changed a lead: every screen showing leads fetches again."""
        for screen in self.screen_stack:
            if isinstance(screen, LeadScreen):
                screen.reload(lead_id)

    # -- sync ------------------------------------------------------------------------------

    def _start_sync(self, ws: Workspace) -> None:
        if ws.read_only:
            # A sync would write the cache: the rep may look, and the status line says why not.
            self.fixed_view = SyncView(enabled=True, first=False, read_only=True)
            self._show_sync()
            return
        if ws.is_team:
            # The team's one sync talks to the CRM; this app listens for what it writes.
            from leadtui.screens.team_watch import TeamWatch

            self.team = TeamWatch(self, ws)
            self.team.start()
            self._show_sync()
            return
        if ws.offline_copy:
            self.fixed_view = SyncView(
                enabled=True,
                first=False,
                online=False,
                team=True,
                error="the team database cannot be reached: working on your offline copy; "
                "restart leadtui when it is back to catch up",
            )
            self._show_sync()
            return
        if self._adapter_factory is None:
            return  # no CRM token: the cache is all there is, and the status line stays hidden
        from sync.service import SyncService

        # Progress arrives on the sync thread; post_message is the thread-safe way back.
        def progress(step: Any) -> None:
            self.post_message(SyncProgressed(step))

        factory = self._adapter_factory

        def adapter() -> Any:
            made = factory()
            self._adapters.append(made)  # so that quitting can cut a run short (close_sync)
            return made

        def renew(stuck: Any) -> Any:
            # A run hung past every deadline: close its adapters (cutting what it waits on, if it
            # can be cut) and go on with a new service, so one stuck run never stops all syncing.
            for made in list(self._adapters):
                made.close()
            self._adapters.clear()
            self._service = SyncService(ws, adapter, progress=progress)
            return self._service

        self._service = SyncService(ws, adapter, progress=progress)
        timeout = ws.config.crm.timeout_seconds
        self.sync = SyncLoop(
            self,
            ws,
            self._service,
            self.clock,
            ws.config.crm.sync_interval_seconds,
            # Silence longer than every try of one request at its deadline (sync/http.py: 6
            # tries, each at most two timeouts, 30 s backoff) is a hang, not a slow CRM.
            stall_seconds=6 * (2 * timeout + 30) + 60,
            renew=renew,
        )
        self.sync.run_now()
        self._show_sync()

    @property
    def sync_view(self) -> SyncView:
        """How sync stands (the loop's view, also between runs it started on its own timer)."""
        if self.team is not None:
            return self.team.view
        if self.fixed_view is not None:
            return self.fixed_view
        return self.sync.view if self.sync is not None else SyncView()

    def notify(
        self,
        message: str,
        *,
        title: str = "",
        severity: Any = "information",
        timeout: float | None = None,
        markup: bool = True,
    ) -> None:
        """Every toast of the app (screens' and widgets' `notify` end here) shows its text
        literally: never markup, never a terminal escape, never longer than NOTIFY_LIMIT."""
        super().notify(
            clean_lines(message, NOTIFY_LIMIT),
            title=clean(title, TITLE_LIMIT),
            severity=severity,
            timeout=timeout,
            markup=False,
        )

    def sync_soon(self) -> None:
        """Sync now if no run is under way (a conflict was settled, a change retried)."""
        if self.sync is not None:
            self.sync.run_now()
            self._show_sync()

    @property
    def zone(self) -> tzinfo | None:
        """The rep's time zone (times on screen are shown in it)."""
        return self.workspace.rules.calendar.zone if self.workspace else None

    def _show_sync(self, progress: str = "") -> None:
        for screen in self.screen_stack:
            for line in screen.query(SyncStatusLine):
                line.show(self.sync_view, self.zone, progress)

    def on_sync_progressed(self, message: SyncProgressed) -> None:
        if self.sync is not None:
            self.sync.progressed()
        if self.sync_view.running:
            self._show_sync(progress_text(message.progress))

    def announce_new_leads(self, names: dict[int, str]) -> None:
        """A toast, and the terminal bell unless [ui] bell = false: a rep in another window
        still hears that a speed-to-lead clock has started."""
        shown = ", ".join(clean(name, 40) for name in list(names.values())[:3])
        more = f" and {len(names) - 3} more" if len(names) > 3 else ""
        self.notify(
            f"{shown}{more}: the speed-to-lead clock is running.",
            title=f"{len(names)} new lead{'s' if len(names) != 1 else ''}",
            markup=False,
            timeout=8,
        )
        if self.workspace is None or self.workspace.config.ui.bell:
            self.bell()

    def on_sync_done(self, message: SyncDone) -> None:
        if self.sync is None:
            return
        self.sync.landed(message.outcome)
        self._show_sync()
        result, names = message.outcome.result, message.outcome.new_leads
        self._announce(names)
        self._reload_screens(bool(names or result.pulled or result.pushed))

    def on_team_changed(self, message: TeamChanged) -> None:
        """The team database changed (NOTIFY): new status; screens read again if rows moved."""
        if self.team is None:
            return
        self.team.view = message.view
        self._show_sync()
        self._announce(message.new_leads)
        self._reload_screens(message.rows_changed)

    def _announce(self, names: dict[int, str]) -> None:
        if names:
            self.announce_new_leads(names)

    def _reload_screens(self, changed: bool) -> None:
        from leadtui.screens.conflicts import ConflictsScreen
        from leadtui.screens.manager import ManagerScreen

        for screen in self.screen_stack:
            # Screens read the cache again: new leads and CRM changes show without waiting for
            # their own reload timers. The conflicts screen always does: its counts may move.
            if isinstance(screen, ConflictsScreen) or (
                changed and isinstance(screen, LeadScreen | ManagerScreen)
            ):
                screen.reload()

    def on_sync_failed(self, message: SyncFailed) -> None:
        if self.sync is not None:
            self.sync.failed(message.error)
            self._show_sync()

    def action_sync_now(self) -> None:
        if self.team is not None:
            self.notify(
                "This is a team workspace: the team's sync talks to the CRM, "
                f"every {self.team.view.interval} s.",
                markup=False,
            )
            return
        if self.sync is None:
            if self.fixed_view is not None and self.fixed_view.read_only:
                said = "No sync on a read-only cache: nothing here can be written."
            elif self.fixed_view is not None:
                said = "On your offline copy: restart leadtui when the team database is back."
            else:
                said = "Sync is off: no CRM token (run `leadtui login`)."
            self.notify(said, markup=False)
            return
        running = self.sync.view.running
        self.sync_soon()
        self.notify(
            "A sync is already running." if running else "Syncing with the CRM now…",
            markup=False,
            timeout=3,
        )

    def action_conflicts(self) -> None:
        from leadtui.screens.conflicts import ConflictsScreen

        if self.workspace is None or isinstance(self.screen, ConflictsScreen):
            return
        self.push_screen(ConflictsScreen())

    def on_sync_status_line_clicked(self) -> None:
        self.action_conflicts()

    def close_sync(self) -> None:
        """Stop syncing, without waiting for a run under way (SyncService.close would wait for
        its lock); what a cut run leaves is safe, see SyncLoop.run_now."""
        if self.team is not None:
            self.team.stop()
        if self.sync is not None:
            self.sync.stop()
        if self._service is None:
            return
        if self.sync_view.running:
            # Closing the adapter under a run cancels its queued requests and its connections,
            # so the run fails at once instead of the interpreter joining its request threads.
            for adapter in self._adapters:
                adapter.close()
        else:
            self._service.close()

    def action_help(self) -> None:
        if isinstance(self.screen, HelpScreen):
            return
        title = "queue" if isinstance(self.screen, QueueScreen) else "this screen"
        self.push_screen(HelpScreen(title, keys_of(self.screen)))


def run(
    workspace: Workspace | None,
    clock: Clock = system_clock,
    where: str = "",
    adapter_factory: AdapterFactory | None = None,
    *,
    light: LightStart | None = None,
    opener: Opener | None = None,
    board: bool = False,
) -> int:
    app = LeadTuiApp(
        workspace,
        clock,
        where=where,
        adapter_factory=adapter_factory,
        light=light,
        opener=opener,
        board=board,
    )
    try:
        app.run()
    finally:
        app.close_sync()
        if app.workspace is not None:
            app.workspace.close()
    return app.return_code or 0


def _freeze_startup() -> None:
    """Once the app and its workspace are loaded, move what is alive (modules, classes, the
    ORM's and Textual's machinery: about 90,000 objects, there for good) out of the cyclic
    collector's sight. Every full collection then walks only the app's data: 47 ms instead of
    110 at 100,000 cached leads, a pause a keystroke can land on every 15 s reload (gc.freeze's
    documented use; what is frozen is still freed by reference counting). Once a process: a
    second app in the same process (tests) must not freeze the first one's leftovers."""
    import gc

    if not gc.get_freeze_count():
        gc.freeze()
