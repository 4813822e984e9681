"""A rep's app on a team database: no CRM of its own, woken by PostgreSQL NOTIFY instead.

The team's one sync (`leadtui sync --watch --team`, sync.team) pulls and pushes for everybody.
This app listens on the team database (leadtui.store.notify.Listener, its own thread); after each
burst of notices it reads, still on that thread, how the team's sync stands (the sync_cursor rows
that sync writes, and the outbox counts) and which leads are new, and posts one `TeamChanged`
message. The app then updates the status line and has its screens read the cache again.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy import func
from sqlmodel import col, select
from textual.message import Message

from leadtui.screens.outbox_loaders import lead_names
from leadtui.screens.sync_loop import SyncView
from leadtui.store.notify import EVERYTHING, Listener
from leadtui.store.tables import LeadRow
from leadtui.workspace import Workspace

if TYPE_CHECKING:
    from textual.app import App

# Notices that change no screen's rows, only the status line.
STATUS_ONLY = frozenset({"sync_cursor"})


class TeamChanged(Message):
    """Posted from the listener thread: what changed, the new status, the new leads' names."""

    def __init__(self, tables: set[str], view: SyncView, new_leads: dict[int, str]) -> None:
        super().__init__()
        self.tables = tables
        self.view = view
        self.new_leads = new_leads

    @property
    def rows_changed(self) -> bool:
        return bool(self.tables - STATUS_ONLY)


class TeamWatch:
    """Owned by the app on a team database; `view` is what the status line shows."""

    def __init__(self, app: App[Any], workspace: Workspace) -> None:
        self._app = app
        self._ws = workspace
        self._last_lead_id: int | None = None
        self.view = SyncView(enabled=True, running=True, first=True, team=True)
        self._listener = Listener(workspace.engine, self._changed, on_lost=self._lost)

    def start(self) -> None:
        self._listener.start()

    def stop(self) -> None:
        self._listener.stop()

    @property
    def listening(self) -> bool:
        return self._listener.listening.is_set()

    def _changed(self, tables: set[str]) -> None:
        """On the listener thread: read what the message carries (never on the UI thread)."""
        try:
            view = team_view(self._ws)
            new = self._new_lead_ids()
            names = lead_names(self._ws, new) if new else {}
        except Exception as error:  # a lost database: shown on the status line, never raised
            self._lost(str(error))
            return
        self._app.post_message(TeamChanged(tables, view, names))

    def _lost(self, error: str) -> None:
        view = SyncView(
            enabled=True,
            first=False,
            online=False,
            team=True,
            error=f"cannot reach the team database: {error}"[:200],
        )
        self._app.post_message(TeamChanged({EVERYTHING}, view, {}))

    def _new_lead_ids(self) -> list[int]:
        with self._ws.session() as session:
            if self._last_lead_id is None:  # the first look: what is there is not new
                self._last_lead_id = int(session.exec(select(func.max(LeadRow.id))).one() or 0)
                return []
            query = select(LeadRow.id).where(col(LeadRow.id) > self._last_lead_id)
            ids = sorted(int(i) for i in session.exec(query) if i is not None)
        if ids:
            self._last_lead_id = ids[-1]
        return ids


def team_view(ws: Workspace) -> SyncView:
    """The status line's view of the team's sync, read from the team database."""
    from sync.service import read_status

    status = read_status(ws)
    started = bool(status.team_sync or status.last_sync_at)
    return SyncView(
        enabled=True,
        first=False,
        online=status.online if started else None,
        last_sync=status.last_sync_at,
        pending=status.pending,
        dead=status.dead,
        conflicts=status.conflicts,
        error=status.last_error
        if started
        else "no team sync has run yet: start `leadtui sync --watch --team`",
        interval=ws.config.crm.sync_interval_seconds,
        team=True,
    )
