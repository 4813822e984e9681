"""The rep's queue, with the lead detail beside it on wide terminals."""

from __future__ import annotations

import bisect
from datetime import datetime

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.timer import Timer
from textual.widgets import Static

from leadtui.domain.queue import Urgency
from leadtui.keys import key_for
from leadtui.screens import loaders
from leadtui.screens.messages import DetailLoaded, QueueLoaded, RowsLoaded
from leadtui.screens.queue_filters import QueueFilters
from widgets.key_bar import KeyBar
from widgets.lead_detail_view import LeadDetailView
from widgets.queue_table import QueueTable
from widgets.safe_text import clean
from widgets.sync_status import SyncStatusLine
from widgets.too_small import TooSmall

WIDE = 150  # columns from which the detail sits beside the queue
REORDER_SECONDS = 10.0  # at most this often the queue re-orders itself as time passes
RELOAD_SECONDS = 15.0  # re-read the cache (a sync may have brought leads); re-armed after each
# Every queued lead's row is read with each load, after the order (loaders.queued_rows, from the
# stored figures: 0.7 s of a worker at 34,000 leads): a filter keystroke or a page far down the
# queue then paints at once from memory, where a read of its page would cost it a second paint
# and a round trip to the database. False: only the rows shown and their neighbours are read.
QUEUED_ROWS = True


class QueueScreen(QueueFilters):
    BINDINGS = [
        Binding(
            key_for("next_urgent"),
            "next_urgent",
            "Next urgent",
            id="next_urgent",
            tooltip="Jump to the next lead with an open window or an overdue step",
        ),
        Binding(key_for("board"), "board", "Board", id="board", tooltip="The team's SLA board"),
        Binding(
            key_for("find"),
            "find",
            "Find",
            id="find",
            tooltip="Find any lead, snoozed and closed ones too; wake or reopen it",
        ),
    ]

    def __init__(self) -> None:
        super().__init__(id="queue-screen")
        self.snapshot: loaders.QueueSnapshot | None = None
        self._last_tick: datetime | None = None
        self._detail_timer: Timer | None = None
        self._reload_timer: Timer | None = None
        self._reordering = False
        self.first_paint_done = False
        self._had_lead = False
        self._left: loaders.SecondsLeft = loaders.wall_clock_left
        self._advance_from: int | None = None  # power hour: move on once the reload lands
        self._status_shown = Text()

    def compose(self) -> ComposeResult:
        rules = self.tui.rules  # before the workspace opens, the light path's (same config)
        risk = rules.policy.at_risk_minutes if rules else 15
        if rules is not None:
            self._left = loaders.seconds_left_by(rules)
        yield Static(id="status", markup=False)
        # The filter box and the detail pane are mounted when first needed: fewer widgets to
        # build and style before the first paint.
        with Horizontal(id="main"):
            yield QueueTable(self.tui.clock, risk, seconds_left=self._left, id="queue")
        yield SyncStatusLine(id="sync-status")
        yield TooSmall()
        yield KeyBar()

    @property
    def table(self) -> QueueTable:
        return self.query_one(QueueTable)

    def on_mount(self) -> None:
        self.table.focus()
        self.reload()
        self.set_interval(1.0, self.tick)

    def on_resize(self) -> None:
        super().on_resize()
        wide = self.size.width >= WIDE
        self.set_class(wide, "-wide")
        if wide and not self.query(LeadDetailView):
            self.query_one("#main").mount(LeadDetailView(id="detail"))
            if self.table.cursor_lead_id is not None:
                self.load_detail(self.table.cursor_lead_id)

    @property
    def wide(self) -> bool:
        return self.has_class("-wide")

    # -- LeadScreen ----------------------------------------------------------------------

    def current_lead_id(self) -> int | None:
        return self.table.cursor_lead_id

    def current_contact(self) -> tuple[str, str, str]:
        lead_id = self.current_lead_id()
        row = self.table.row(lead_id) if lead_id is not None else None
        if row is None:
            return (f"lead {lead_id}", "", "")
        return (row.name or row.email, row.email, row.phone)

    def advance_from(self, lead_id: int) -> None:
        # The worked lead drops down the order once the queue is read again: the top of the new
        # order (or the lead after it) is the next most urgent.
        self._advance_from = lead_id

    def current_timezone(self) -> str:
        lead_id = self.current_lead_id()
        row = self.table.row(lead_id) if lead_id is not None else None
        return row.timezone if row else ""

    def current_window_deadline(self) -> datetime | None:
        lead_id = self.current_lead_id()
        row = self.table.row(lead_id) if lead_id is not None else None
        if row is None or row.first_touch_at is not None or row.stl_deadline is None:
            return None
        return row.stl_deadline if row.stl_deadline > self.tui.clock() else None

    def current_channel(self) -> str | None:
        lead_id = self.current_lead_id()
        row = self.table.row(lead_id) if lead_id is not None else None
        return row.next_channel if row else None

    def reload(self, lead_id: int | None = None) -> None:
        ws, clock = self.tui.workspace, self.tui.clock
        if ws is None:
            self._first_page_light()
            return
        if self._reload_timer is not None:
            self._reload_timer.stop()

        first = self.snapshot is None
        # Rows on screen are fetched again with the order: a sync or `leadtui log` may have
        # changed them, and the cached copies are dropped when this load lands.
        visible = self.table.visible_lead_ids()
        page = max(self.size.height, 20)  # the first page is one screenful: no more to fetch

        def work() -> None:
            now = clock()
            if first:
                # The full order follows once this page is painted (see on_queue_loaded): a
                # second thread reading 100k rows meanwhile would hold the GIL the paint needs.
                self.post_message(QueueLoaded(loaders.load_first_page(ws, now, page)))
                return
            snapshot = loaders.load_queue(ws, now, first_page=0)
            snapshot.rows = loaders.load_rows(ws, visible, now) if visible else {}
            self.post_message(QueueLoaded(snapshot))
            if QUEUED_ROWS:  # then every queued lead's, read as freshly as the order
                rows = loaders.queued_rows(ws, now)
                self.post_message(RowsLoaded(rows, of=snapshot.index, whole_queue=True))

        self.run_worker(
            work,
            thread=True,
            group="queue",
            exclusive=True,
            exit_on_error=False,
            name="Loading the queue",
        )

    def _first_page_light(self) -> None:
        """The first page with plain sqlite3 while the workspace is not open yet (the app opens
        it once this page is painted); without a light path, open it now."""
        start, clock, app = self.tui.light, self.tui.clock, self.tui
        if start is None or self.snapshot is not None:
            app.open_workspace()
            return
        page = max(self.size.height, 20)

        def work() -> None:
            snapshot = loaders.load_first_page_light(start, clock(), page)
            if snapshot is None:
                app.call_from_thread(app.open_workspace)
            else:
                self.post_message(QueueLoaded(snapshot))

        self.run_worker(
            work, thread=True, group="queue", exit_on_error=False, name="Loading the first page"
        )

    # -- data back from workers -------------------------------------------------------

    def on_queue_loaded(self, message: QueueLoaded) -> None:
        if message.reordered:
            self._reordering = False
            if self.snapshot is None or message.snapshot.index is not self.snapshot.index:
                return  # a reload landed while it ran: that order is newer
        self.snapshot = message.snapshot
        if not message.reordered and not message.snapshot.partial:
            self.table.reset_rows(message.snapshot.rows)
            self._reload_timer = self.set_timer(RELOAD_SECONDS, self.reload)
        if message.snapshot.rows:
            self.table.put_rows(message.snapshot.rows)
        self._apply_order()
        if self._advance_from is not None and not message.reordered:
            worked, self._advance_from = self._advance_from, None
            nxt = next((i for i in self.table.order if i != worked), None)
            if nxt is not None:
                self.table.move_to(nxt)
        if self._last_tick is None:
            self._last_tick = message.snapshot.loaded_at
        self._show_status()
        if message.snapshot.partial:
            # The rest of the order; on the light path the workspace opens first (it reloads).
            more = self.reload if self.tui.workspace is not None else self.tui.open_workspace
            self.call_after_refresh(more)
        if not self.first_paint_done:
            self.first_paint_done = True
            self.call_after_refresh(
                self.post_message, QueueTable.Highlighted(self.table, self.table.cursor_lead_id)
            )
        elif self.wide and self.table.cursor_lead_id is not None:
            self.load_detail(self.table.cursor_lead_id)

    @on(QueueTable.RowsWanted)
    def fetch_rows(self, message: QueueTable.RowsWanted) -> None:
        ws, clock, ids = self.tui.workspace, self.tui.clock, message.lead_ids
        if ws is None:
            return

        def work() -> None:
            self.post_message(RowsLoaded(loaders.load_rows(ws, ids, clock())))

        self.run_worker(work, thread=True, group="rows", exit_on_error=False, name="Loading rows")

    def on_rows_loaded(self, message: RowsLoaded) -> None:
        if message.of is not None and (
            self.snapshot is None or message.of is not self.snapshot.index
        ):
            return  # read for a queue since read again: they may be older than its rows
        if message.whole_queue:
            self.table.set_queued_rows(message.rows)
        else:
            self.table.put_rows(message.rows)

    @on(QueueTable.Highlighted)
    def highlighted(self, message: QueueTable.Highlighted) -> None:
        # Refresh the key bar only when the lead actions become (un)available, not per row.
        has_lead = message.lead_id is not None
        if has_lead != self._had_lead:
            self._had_lead = has_lead
            self.refresh_bindings()
        if not self.wide or message.lead_id is None:
            return
        # Debounced: holding j down should not start a detail load per row.
        if self._detail_timer is not None:
            self._detail_timer.stop()
        lead_id = message.lead_id
        self._detail_timer = self.set_timer(0.12, lambda: self.load_detail(lead_id))

    def on_detail_loaded(self, message: DetailLoaded) -> None:
        views = self.query(LeadDetailView)
        if message.lead_id == self.table.cursor_lead_id and views:
            views.first().show(message.detail)

    @on(QueueTable.Opened)
    def opened(self, message: QueueTable.Opened) -> None:
        if self.wide:
            self.query_one(LeadDetailView).focus()
            return
        from leadtui.screens.lead_detail import LeadDetailScreen

        self.app.push_screen(LeadDetailScreen(message.lead_id))

    # -- time ------------------------------------------------------------------------------

    def tick(self) -> None:
        now = self.tui.clock()
        if self.is_current:  # under a dialog nothing shows; the next tick catches up
            self.table.tick(now)
        snapshot, ws = self.snapshot, self.tui.workspace
        if snapshot is None or ws is None:
            return
        if self._last_tick is not None and now > self._last_tick:
            risk = ws.rules.policy.at_risk_minutes
            turned = loaders.turned_at_risk(snapshot, risk, self._last_tick, now, self._left)
            for lead_id in turned:
                row = self.table.row(lead_id)
                name = (row.name or row.email) if row else f"Lead {lead_id}"
                self.notify(
                    f"{name}: {risk} minutes left to make first contact.",
                    title="At risk",
                    severity="warning",
                    markup=False,
                )
        self._last_tick = now
        # Re-ordering 100k leads costs a second of CPU in a thread, and with that many leads some
        # step falls due every few seconds: so at most every REORDER_SECONDS. Countdowns and
        # at-risk marks still change every second; only a row's group can lag behind.
        due = snapshot.next_change is not None and now >= snapshot.next_change
        if due and (now - snapshot.loaded_at).total_seconds() >= REORDER_SECONDS:
            self._reorder(snapshot, now)
        self._show_status()

    def _reorder(self, snapshot: loaders.QueueSnapshot, now: datetime) -> None:
        if self._reordering or self.tui.workspace is None:
            return
        self._reordering = True
        ws = self.tui.workspace

        def work() -> None:
            self.post_message(QueueLoaded(loaders.reorder(ws, snapshot, now), reordered=True))

        self.run_worker(
            work, thread=True, group="reorder", exit_on_error=False, name="Re-ordering the queue"
        )

    def _show_status(self) -> None:
        snapshot, rules = self.snapshot, self.tui.rules
        if snapshot is None or rules is None:
            return
        now = self.tui.clock().timestamp()
        # Windows are sorted by deadline: the open ones are a suffix (bisect, not a scan of
        # thousands every second).
        open_windows = len(snapshot.windows) - bisect.bisect_left(snapshot.windows, (now,))
        at_risk = len(
            loaders.at_risk_ids(
                snapshot, rules.policy.at_risk_minutes, self.tui.clock(), self._left
            )
        )
        text = Text()
        text.append(" leadtui ", style="bold reverse")
        text.append(f"  {clean(self.tui.me) or 'everyone'}")
        if snapshot.partial:
            text.append("  ·  loading the rest of the queue…", style="italic")
        else:
            leads, windows = len(self.table.order), open_windows
            if self._filters:  # the windows are the whole queue's: say so beside a filtered count
                whole = len(snapshot.order)
                text.append(f"  ·  {leads} of {whole} lead{'s' if whole != 1 else ''}")
                text.append(f"  ·  {windows} open window{'s' if windows != 1 else ''} in all")
            else:
                text.append(f"  ·  {leads} lead{'s' if leads != 1 else ''}")
                text.append(f"  ·  {windows} open window{'s' if windows != 1 else ''}")
        if at_risk:
            text.append(f"  ·  ▲ {at_risk} at risk", style="bold yellow")
        if self._filters:
            labels = ", ".join(label for _, label, _ in self._filters.values())
            text.append(f"  ·  filter: {clean(labels)} (esc clears)", style="italic")
        if text != self._status_shown:
            self._status_shown = text
            # One line high whatever it says (app.tcss): no layout pass of the whole screen.
            self.query_one("#status", Static).update(text, layout=False)

    # -- navigation and filters ---------------------------------------------------------

    def action_find(self) -> None:
        from leadtui.screens.find import FindScreen

        self.app.push_screen(FindScreen())

    def action_board(self) -> None:
        from leadtui.screens.manager import ManagerScreen

        self.app.push_screen(ManagerScreen())

    def action_next_urgent(self) -> None:
        snapshot, ws = self.snapshot, self.tui.workspace
        order = self.table.order
        if snapshot is None or snapshot.partial or ws is None or not order:
            return  # while only the first page is loaded, its top is the most urgent anyway
        now = self.tui.clock()
        start = self.table.cursor
        urgent = (Urgency.OPEN_WINDOW, Urgency.FIRST_TOUCH_LATE, Urgency.OVERDUE)
        for step in range(1, len(order) + 1):
            lead_id = order[(start + step) % len(order)]
            if loaders.urgency(ws, snapshot, lead_id, now) in urgent:
                self.table.move_to(lead_id)
                return
            if step > 5000:  # the urgent groups come first; far down nothing is urgent
                break
        self.table.move_to(order[0])
