"""Continuous sync in the TUI: one `SyncService.run_once` at a time in a background thread.

The next run is armed only when the previous one has landed, so runs never overlap however slow
the CRM is; the result comes back as a `SyncDone` message, never as state set from the thread.
Offline is a result like any other: the loop keeps probing at the same pace.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from textual.message import Message
from textual.timer import Timer

if TYPE_CHECKING:
    from textual.app import App

    from leadtui.workspace import Workspace


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
    held: int = 0  # changes waiting on a conflict the rep must settle
    conflicts: int = 0
    error: str = ""
    interval: int = 10
    team: bool = False  # the team's sync on a team database (screens.team_watch), not ours
    notice: str = ""  # an optional CRM feature that is off (e.g. web activity), one sentence
    read_only: bool = False  # the cache may be read, not written: no sync, no changes


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
        *,
        stall_seconds: float | None = None,
        renew: Callable[[Any], Any] | None = None,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._app = app
        self._ws = workspace
        self._service = service
        self._clock = clock
        self.interval = interval
        self._timer: Timer | None = None
        self.view = SyncView(enabled=True, interval=int(interval))
        # A run that shows no sign of life (no progress, no result) for `stall_seconds` is
        # abandoned: `renew(old service)` gives a fresh one (the app closes the old adapter) and
        # syncing goes on. Every request has a total deadline (sync/http.py), so this is the net
        # under whatever else might hang; it must outlast a slow but working run.
        self.stall_seconds = stall_seconds
        self._renew = renew
        self._monotonic = monotonic
        self._generation = 0  # a run's result counts only if no newer run replaced it
        self._last_sign = monotonic()
        self._watchdog: Timer | None = None
        self.abandoned = 0

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
        self._generation += 1
        generation = self._generation
        self.progressed()
        if self.stall_seconds is not None and self._watchdog is None:
            every = max(min(self.stall_seconds / 4, 30.0), 0.05)
            self._watchdog = app.set_interval(every, self.check_stalled, name="sync watchdog")

        def work() -> None:
            try:
                result = service.run_once(clock())
                new_ids = list(getattr(result, "new_lead_ids", None) or [])
                from leadtui.screens.outbox_loaders import lead_names

                names = lead_names(ws, new_ids) if new_ids else {}
            except Exception as error:  # a bug or a lost cache: shown, and the loop goes on
                if generation == self._generation:
                    app.post_message(SyncFailed(error))
                return
            if generation == self._generation:  # else the run was abandoned as stuck
                app.post_message(SyncDone(SyncOutcome(result, clock(), names)))

        # A daemon thread rather than a Textual thread worker: those run in the default executor,
        # which the interpreter joins at exit, so quitting during a long first pull would hang
        # until it finished. Killing a run mid-way is safe: each pulled page is one transaction,
        # and an outbox push is idempotent (sync/engine.py, sync/outbox.py).
        threading.Thread(target=work, name="leadtui-sync", daemon=True).start()

    def progressed(self) -> None:
        """A sign of life from the run under way (a page pulled, an op pushed)."""
        self._last_sign = self._monotonic()

    def check_stalled(self) -> bool:
        """Abandon a run silent for longer than `stall_seconds` and start a fresh one."""
        if not self.view.running or self.stall_seconds is None:
            return False
        silent = self._monotonic() - self._last_sign
        if silent <= self.stall_seconds:
            return False
        self.abandoned += 1
        self._generation += 1  # whatever the stuck run returns one day is ignored
        if self._renew is not None:
            self._service = self._renew(self._service)
        minutes = max(1, round(silent / 60))
        self.view = _replace(
            self.view,
            running=False,
            first=False,
            online=False,
            error=f"a sync run hung for {minutes} min with no reply; it was dropped and "
            "syncing goes on",
        )
        self.run_now()
        return True

    def landed(self, outcome: SyncOutcome) -> SyncView:
        """A run finished: new view, next run armed."""
        result = outcome.result
        online = bool(getattr(result, "online", False))
        # Reached the CRM but failed (a change it could not read, a refused token): not a sync.
        succeeded = online and not getattr(result, "error", None)
        last = outcome.finished_at if succeeded else self.view.last_sync
        self.view = SyncView(
            enabled=True,
            running=False,
            first=False,
            online=online,
            last_sync=last,
            pending=int(getattr(result, "pending", 0) or 0),
            dead=int(getattr(result, "dead", 0) or 0),
            held=int(getattr(result, "held", 0) or 0),
            conflicts=int(getattr(result, "conflicts", 0) or 0),
            error=str(getattr(result, "error", "") or ""),
            interval=self.view.interval,
            notice=" ".join(getattr(result, "notices", ()) or ()),
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
        if self._watchdog is not None:
            self._watchdog.stop()
            self._watchdog = None


def _replace(view: SyncView, **changes: Any) -> SyncView:
    from dataclasses import replace

    return replace(view, **changes)
