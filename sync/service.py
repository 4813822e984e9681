"""One sync round for any caller: `leadtui sync --watch`, `--once`, and the TUI's thread worker.

    service = SyncService(workspace, adapter_factory)
    result = service.run_once(now)   # push, pull, push field changes; never raises for "offline"
    status = service.status()        # counts and the last outcome, read from the cache

A round pushes new touches and notes, pulls (merging three ways: sync.conflicts), then pushes
field changes, so a field the CRM changed meanwhile is held as a conflict, never overwritten.
The CRM being unreachable is not an error for the caller: the result says online=False, every
change stays pending, and the next round (the caller's timer) simply tries again. last_sync_at
and last_error live in the sync_cursor table so another process (the TUI while
`leadtui sync --watch` runs) reads the same status.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func
from sqlmodel import Session, col, select

from leadtui.store.engine import StoreError
from leadtui.store.tables import ConflictRow, LeadRow, OutboxRow, SyncCursor
from leadtui.workspace import Workspace
from sync import cache
from sync.engine import ProgressFn, SyncEngine
from sync.outbox import push_outbox, refund
from sync.protocol import AuthError, CrmAdapter, CrmUnavailable, Scope, SyncError

AdapterFactory = Callable[[], CrmAdapter]
# Pushed before the pull: new records (they cannot conflict, and the pull then sees them as
# ours, a convert's deal included) and archives of undone ones (else the pull brings them back).
CREATES = (
    "create_touch",
    "create_note",
    "create_deal",
    "archive_touch",
    "archive_note",
    "archive_deal",
)
# What an adapter's mapping raises on a reply of the wrong shape.
MALFORMED = (KeyError, TypeError, ValueError, AttributeError, IndexError, UnicodeError)

LAST_SYNC = "service:last_sync_at"  # value: ISO time of the last round that reached the CRM
LAST_ERROR = "service:last_error"  # value: the last round's error sentence, "" when it went well
ONLINE = "service:online"  # value: "1" or "0", as the last round found the CRM
TEAM_SYNC = "service:team"  # value: where the team's sync runs ("host pid N"); team databases


@dataclass(slots=True)
class SyncResult:
    online: bool
    pushed: int = 0
    pulled: int = 0
    pending: int = 0
    dead: int = 0
    held: int = 0  # changes held back by a conflict until the rep settles it
    conflicts: int = 0
    new_lead_ids: list[int] = field(default_factory=list)
    error: str | None = None  # one sentence for the rep; never the token
    skipped: list[str] = field(default_factory=list)  # "<crm id>: why", records not stored
    notices: list[str] = field(default_factory=list)  # optional features off, one sentence each


@dataclass(frozen=True, slots=True)
class SyncStatus:
    pending: int
    dead: int
    held: int
    conflicts: int
    last_sync_at: datetime | None
    last_error: str
    online: bool
    team_sync: str = ""  # where the team's sync runs, once one has started on this database


def counts(session: Session) -> tuple[int, int, int, int]:
    """(pending, dead, held, open conflicts) in the cache now."""
    by_state = dict(
        session.exec(
            select(OutboxRow.state, func.count()).group_by(col(OutboxRow.state))  # type: ignore[call-overload]
        ).all()
    )
    conflicts = session.exec(
        select(func.count()).select_from(ConflictRow).where(col(ConflictRow.resolved_at).is_(None))
    ).one()
    return (
        int(by_state.get("pending", 0)),
        int(by_state.get("dead", 0)),
        int(by_state.get("held", 0)),
        int(conflicts),
    )


class SyncService:
    """Push then pull, one round at a time. Thread-safe: a round holds a lock, so a timer firing
    while the previous round still runs waits instead of pushing the same op twice."""

    def __init__(
        self,
        workspace: Workspace,
        adapter_factory: AdapterFactory,
        *,
        progress: ProgressFn | None = None,
        scope: Scope | None = None,
    ) -> None:
        self.ws = workspace
        self.adapter_factory = adapter_factory
        self.progress = progress
        self.scope = scope  # None: the configured user's (sync.engine.SyncEngine.scope)
        self._adapter: CrmAdapter | None = None
        self._lock = threading.Lock()

    def close(self) -> None:
        with self._lock:
            if self._adapter is not None:
                self._adapter.close()
                self._adapter = None

    def _get_adapter(self) -> CrmAdapter:
        if self._adapter is None:
            self._adapter = self.adapter_factory()
        return self._adapter

    def run_once(self, now: datetime) -> SyncResult:
        with self._lock:
            return self._round(now)

    def _round(self, now: datetime) -> SyncResult:
        result = SyncResult(online=True)
        try:
            adapter = self._get_adapter()
            before = self._max_lead_id()
            # New records first: they cannot conflict, and the pull then sees them as ours.
            created = push_outbox(self.ws, adapter, now, self.progress, kinds=CREATES)
            engine = SyncEngine(self.ws, adapter, progress=self.progress, scope=self.scope)
            try:
                pulled = engine.pull(now)
            except CrmUnavailable:
                refund(self.ws, created.server_errors)  # the CRM is down, not those changes
                raise
            result.pulled = pulled.leads
            result.skipped = [f"{s.crm_id}: {s.reason}" for s in pulled.skipped]
            # Field changes only after the pull's three-way merge, so one the CRM changed too
            # is held as a conflict instead of being pushed over the CRM's value.
            updated = push_outbox(self.ws, adapter, now, self.progress)
            result.pushed = created.done + updated.done
            result.new_lead_ids = self._lead_ids_after(before)
            result.notices = list(getattr(adapter, "notices", ()))
            if engine.mended:
                shown = ", ".join(engine.mended[:3]) + (", ..." if len(engine.mended) > 3 else "")
                result.notices.append(
                    f"{len(engine.mended)} CRM records had text that is not valid Unicode"
                    f" ({shown}): kept, each bad character shown as \ufffd."
                )
        except CrmUnavailable as exc:
            result.online, result.error = False, str(exc)
        except AuthError as exc:
            result.error = str(exc)
        except SyncError as exc:
            result.error = str(exc)
        except StoreError as exc:
            # The cache is locked by another program past the busy timeout, or the disk is full:
            # this round stops with that sentence and the next one tries again.
            result.error = str(exc)
        except MALFORMED as exc:
            # A reply of the wrong shape (a list where an object belongs, a number for a name...)
            # that the adapter's mapping did not expect: not worth dying for. The same net would
            # hide a bug of ours, so LEADTUI_DEBUG=1 lets it through with its traceback.
            if os.environ.get("LEADTUI_DEBUG"):
                raise
            result.error = (
                f"The CRM sent a reply leadtui cannot read ({type(exc).__name__}); "
                "the sync tries again next round."
            )
        try:
            self._record(result, now)
        except StoreError as exc:
            result.error = result.error or str(exc)
        return result

    def _record(self, result: SyncResult, now: datetime) -> None:
        """Counts into the result, the round's outcome into the cache (for other processes)."""
        with self.ws.session() as session:
            result.pending, result.dead, result.held, result.conflicts = counts(session)
            conn = session.connection()
            if result.online and result.error is None:
                cache.write_cursor(conn, LAST_SYNC, now.isoformat(), now)
            cache.write_cursor(conn, LAST_ERROR, result.error or "", now)
            cache.write_cursor(conn, ONLINE, "1" if result.online else "0", now)

    def _max_lead_id(self) -> int:
        with self.ws.session() as session:
            return int(session.exec(select(func.max(LeadRow.id))).one() or 0)

    def _lead_ids_after(self, before: int) -> list[int]:
        with self.ws.session() as session:
            query = select(LeadRow.id).where(col(LeadRow.id) > before).order_by(col(LeadRow.id))
            return [int(i) for i in session.exec(query).all() if i is not None]

    def status(self) -> SyncStatus:
        return read_status(self.ws)


def read_status(ws: Workspace) -> SyncStatus:
    """How sync stands, from the cache alone: what waits, and what the last round (this
    process's, `sync --watch`'s or, on a team database, the team sync's) wrote down."""
    with ws.session() as session:
        pending, dead, held, conflicts = counts(session)
        values = {
            row.name: row.value
            for row in session.exec(
                select(SyncCursor).where(
                    col(SyncCursor.name).in_([LAST_SYNC, LAST_ERROR, ONLINE, TEAM_SYNC])
                )
            )
        }
    last = values.get(LAST_SYNC)
    return SyncStatus(
        pending=pending,
        dead=dead,
        held=held,
        conflicts=conflicts,
        last_sync_at=datetime.fromisoformat(last) if last else None,
        last_error=values.get(LAST_ERROR, ""),
        online=values.get(ONLINE, "1") == "1",
        team_sync=values.get(TEAM_SYNC, ""),
    )
