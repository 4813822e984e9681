"""The sync engine: pull the CRM into the cache, page by page, and report as it goes.

Each page is one transaction: its leads, events, touches and notes, their derived figures
(Workspace.refresh) and the cursor are written together, so a crash between pages loses nothing
and re-reads at most one page; the cursor never passes a record that is not in the cache.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, fields, is_dataclass, replace
from datetime import UTC, datetime
from typing import Any

from leadtui.workspace import Workspace
from sync import cache
from sync.prefetch import prefetch
from sync.protocol import CrmAdapter, PulledLead, Scope, Skipped

# What writing a malformed record raises: text SQLite cannot encode, values of the wrong type.
UNSTORABLE = (UnicodeError, ValueError, TypeError, OverflowError)


def mended(value: Any) -> Any:
    """`value` (a pulled record, or any part of one) with every string made valid Unicode:
    lone surrogates become U+FFFD, pairs written as two escapes become their character."""
    if type(value) is str:  # not a str-valued enum member
        return value.encode("utf-16", "surrogatepass").decode("utf-16", "replace")
    if isinstance(value, tuple) and hasattr(value, "_fields"):  # a named tuple
        record: Any = value
        return record._replace(**{name: mended(getattr(record, name)) for name in record._fields})
    if isinstance(value, tuple):
        return tuple(mended(item) for item in value)
    if is_dataclass(value) and not isinstance(value, type):
        return replace(value, **{f.name: mended(getattr(value, f.name)) for f in fields(value)})
    return value


@dataclass(frozen=True, slots=True)
class Progress:
    phase: str  # "owners", "pull", "archived", "push", "done"
    pages: int = 0
    leads: int = 0
    skipped: int = 0
    requests: int = 0
    message: str = ""


@dataclass(slots=True)
class PullReport:
    pages: int = 0
    leads: int = 0
    archived: int = 0
    requests: int = 0
    seconds: float = 0.0
    cursor: str = ""
    completed: bool = False
    skipped: list[Skipped] = field(default_factory=list)

    @property
    def rate(self) -> float:
        return self.leads / self.seconds if self.seconds > 0 else 0.0


ProgressFn = Callable[[Progress], None]


def _quiet(_: Progress) -> None:
    return None


def wall_clock() -> datetime:
    return datetime.now(UTC)


class SyncEngine:
    """Joins one workspace to one adapter. `now` (for derived figures) is always passed in; the
    wall clock is used only to cap the cursor at the moment the sync started."""

    def __init__(
        self,
        workspace: Workspace,
        adapter: CrmAdapter,
        *,
        progress: ProgressFn | None = None,
        clock: Callable[[], datetime] = wall_clock,
        refresh: bool = True,
        scope: Scope | None = None,
    ) -> None:
        self.ws = workspace
        self.adapter = adapter
        self.progress = progress or _quiet
        self.clock = clock
        self.refresh = refresh
        self._scope = scope
        self.mended: list[str] = []  # CRM ids of records whose invalid text was replaced

    def scope(self) -> Scope:
        """The configured user's leads, or the team's for a manager (or as told)."""
        if self._scope is not None:
            return self._scope
        user = self.ws.config.user
        if user.role == "manager" or not user.email:
            return Scope(None)
        return Scope(user.email)

    def _write(
        self,
        leads: Sequence[PulledLead],
        cursor_name: str,
        cursor: str,
        now: datetime,
        archived: Sequence[str] = (),
    ) -> int:
        """One transaction: the leads, their derived figures, the records the page says vanished,
        and the cursor. Returns how many leads it archived."""
        gone = 0
        with self.ws.session() as session:
            conn = session.connection()
            stored = cache.write_page(conn, leads, now)
            if archived:
                gone = len(cache.mark_archived(conn, archived))
            if self.refresh:
                self.ws.refresh(session, stored.ids, now, known=stored.added_inputs())
            if cursor:
                cache.write_cursor(conn, cursor_name, cursor, now)
        return gone

    def _write_each(
        self,
        leads: Sequence[PulledLead],
        cursor_name: str,
        cursor: str,
        now: datetime,
        archived: Sequence[str] = (),
    ) -> tuple[list[Skipped], int]:
        """The page a record at a time: the ones that fail are skipped; the records that vanished
        and the cursor go last, once the others are in. (skipped, how many leads archived).

        Text that is not valid Unicode (a lone surrogate: JSON allows "\\ud800", UTF-8 does not)
        is mended, each bad character shown as U+FFFD, rather than the whole lead kept from the
        rep; `self.mended` names those records."""
        skipped = []
        for item in leads:
            try:
                self._write([item], cursor_name, "", now)
                continue
            except UnicodeError as exc:
                failed: Exception = exc
                try:
                    self._write([mended(item)], cursor_name, "", now)
                    self.mended.append(item.lead.crm_id)
                    continue
                except UNSTORABLE as again:
                    failed = again
            except UNSTORABLE as exc:
                failed = exc
            reason = f"the record could not be stored ({type(failed).__name__}: {failed})"
            skipped.append(Skipped(item.lead.crm_id, reason[:300]))
        return skipped, self._write([], cursor_name, cursor, now, archived)

    def cursor_name(self, scope: Scope) -> str:
        # One cursor per adapter and scope: switching from a rep's view to the team's must pull
        # the other reps' leads from the start, not from the rep's cursor.
        return f"{self.adapter.name}:contacts:{(scope.owner_email or '*').lower()}"

    def pull(self, now: datetime) -> PullReport:
        report = PullReport()
        started = time.perf_counter()
        scope = self.scope()
        name = self.cursor_name(scope)
        started_at = self.clock()
        self.progress(Progress("owners", message="reading owners"))
        owners = self.adapter.owners()
        with self.ws.session() as session:
            conn = session.connection()
            cache.write_owners(conn, owners)
            cursor = cache.read_cursor(conn, name)
        for page in prefetch(self.adapter.pull(cursor, scope, started_at)):
            try:
                report.archived += self._write(page.leads, name, page.cursor, now, page.archived)
                stored = len(page.leads)
            except UNSTORABLE:
                # One record the cache cannot hold (a lone surrogate in a name, a value of the
                # wrong type) must not stop every sync for good: write the page a record at a
                # time and skip, and report, the ones that fail.
                skipped, gone = self._write_each(page.leads, name, page.cursor, now, page.archived)
                report.archived += gone
                stored = len(page.leads) - len(skipped)
                report.skipped.extend(skipped)
            report.pages += 1
            report.leads += stored
            report.requests += page.requests
            report.skipped.extend(page.skipped)
            report.cursor = page.cursor or report.cursor
            self.progress(
                Progress(
                    "pull",
                    pages=report.pages,
                    leads=report.leads,
                    skipped=len(report.skipped),
                    requests=report.requests,
                )
            )
        self.progress(Progress("archived", leads=report.leads, message="reconciling archived"))
        for batch in self.adapter.archived(scope):
            with self.ws.session() as session:
                report.archived += len(cache.mark_archived(session.connection(), batch))
        report.completed = True
        report.seconds = time.perf_counter() - started
        self.progress(
            Progress(
                "done",
                pages=report.pages,
                leads=report.leads,
                skipped=len(report.skipped),
                requests=report.requests,
            )
        )
        return report
