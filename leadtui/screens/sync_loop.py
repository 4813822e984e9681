"""Continuous sync in the TUI: one `SyncService.run_once` at a time in a background thread.

The next run is armed only when the previous one has landed, so runs never overlap however slow
the CRM is; the result comes back as a `SyncDone` message, never as state set from the thread.
Offline is a result like any other: the loop keeps probing at the same pace.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from textual.message import Message
from textual.timer import Timer

from leadtui.screens.outbox_loaders import lead_names
from leadtui.workspace import Workspace

if TYPE_CHECKING:
    from textual.app import App


@dataclass(frozen=True)
class SyncView:
    """What the status line shows about sync; built on the UI thread from the last result."""

    enabled: bool = False
    running: bool = False
    first: bool = True  # no run has landed yet
    online: bool | None = None  # None: not known yet
    last_sync: datetime | None = None  # when the last successful run finished
    pending: int = 0
    dead: int = 0
    conflicts: int = 0
    error: str = ""
    interval: int = 10
    team: bool = False  # the team's sync on a team database (screens.team_watch), not ours


@dataclass
class SyncOutcome:
    """What a run returned (any SyncResult-like object) plus what the toast needs."""

    result: Any
    finished_at: datetime
    new_leads: dict[int, str] = field(default_factory=dict)  # id -> name, for the toast


class SyncProgressed(Message):
    """Posted from the sync thread as pages land (sync.engine.Progress)."""

    def __init__(self, progress: Any) -> None:
        super().__init__()
        self.progress = progress


def progress_text(progress: Any) -> str:
    """A few words on where a run is: pages and leads while pulling, else the phase."""
    phase = getattr(progress, "phase", "")
    if phase == "pull":
        pages = "1 page" if progress.pages == 1 else f"{progress.pages} pages"
        return f"pulled {progress.leads} leads ({pages})"
    message = getattr(progress, "message", "")
    return str(message or phase)


class SyncFailed(Message):
    def __init__(self, error: Exception) -> None:
        super().__init__()
        self.error = error


class SyncDone(Message):
    def __init__(self, outcome: SyncOutcome) -> None:
        super().__init__()
        self.outcome = outcome


class SyncLoop:
    """Owned by the app; `service` has `run_once(now)` (sync.service.SyncService)."""

    def __init__(
        self,
        app: App[Any],
        workspace: Workspace,
        service: Any,
        clock: Callable[[], datetime],
        interval: float,
    ) -> None:
        self._app = app
        self._ws = workspace
        self._service = service
        self._clock = clock
        self.interval = interval
        self._timer: Timer | None = None
        self.view = SyncView(enabled=True, interval=int(interval))

    @property
    def running(self) -> bool:
        return self.view.running

    def run_now(self) -> None:
        """Sync at once (start, a resolved conflict, `s`); a no-op while a run is under way."""
        if self.view.running:
            return
        if self._timer is not None:
            self._timer.stop()
            self._timer = None
        self.view = _replace(self.view, running=True)
        service, ws, clock, app = self._service, self._ws, self._clock, self._app

        def work() -> None:
            try:
                result = service.run_once(clock())
                new_ids = list(getattr(result, "new_lead_ids", None) or [])
                names = lead_names(ws, new_ids) if new_ids else {}
            except Exception as error:  # a bug or a lost cache: shown, and the loop goes on
                app.post_message(SyncFailed(error))
                return
            app.post_message(SyncDone(SyncOutcome(result, clock(), names)))

        # A daemon thread rather than a Textual thread worker: those run in the default executor,
        # which the interpreter joins at exit, so quitting during a long first pull would hang
        # until it finished. Killing a run mid-way is safe: each pulled page is one transaction,
        # and an outbox push is idempotent (sync/engine.py, sync/outbox.py).
        threading.Thread(target=work, name="leadtui-sync", daemon=True).start()

    def landed(self, outcome: SyncOutcome) -> SyncView:
        """A run finished: new view, next run armed."""
        result = outcome.result
        online = bool(getattr(result, "online", False))
        last = outcome.finished_at if online else self.view.last_sync
        self.view = SyncView(
            enabled=True,
            running=False,
            first=False,
            online=online,
            last_sync=last,
            pending=int(getattr(result, "pending", 0) or 0),
            dead=int(getattr(result, "dead", 0) or 0),
            conflicts=int(getattr(result, "conflicts", 0) or 0),
            error=str(getattr(result, "error", "") or ""),
            interval=self.view.interval,
        )
        self._arm()
        return self.view

    def failed(self, error: BaseException) -> SyncView:
        """The run raised instead of returning a result (a bug or a lost cache): say so, retry."""
        self.view = _replace(
            self.view,
            running=False,
            first=False,
            online=False,
            error=f"{type(error).__name__}: {error}",
        )
        self._arm()
        return self.view

    def _arm(self) -> None:
        self._timer = self._app.set_timer(self.interval, self.run_now, name="next sync")

    def stop(self) -> None:
        if self._timer is not None:
            self._timer.stop()
            self._timer = None


def _replace(view: SyncView, **changes: Any) -> SyncView:
    from dataclasses import replace

    return replace(view, **changes)
