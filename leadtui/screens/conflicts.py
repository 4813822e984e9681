"""Conflicts and rejected changes: what sync cannot settle without the rep.

A conflict is a field both the rep and the CRM changed since the last sync; the rep keeps theirs
or takes the CRM's. A rejected ("dead") change is one the CRM refused too many times; the rep
retries it (after fixing what was wrong) or discards it. Each choice runs the workspace method in
a thread worker; the screen then reads the lists again and asks the app for a sync, so the choice
reaches the CRM at once. CRM values are shown as plain text, never markup.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING

from rich.text import Text
from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.message import Message
from textual.screen import Screen
from textual.widgets import DataTable, Static
from textual.worker import Worker, WorkerState

from leadtui.keys import key_for
from leadtui.screens.outbox_loaders import OutboxView, load_outbox_view
from leadtui.workspace import ActionError, Workspace
from widgets.key_bar import KeyBar
from widgets.safe_text import clean, plain
from widgets.sync_status import SyncStatusLine

if TYPE_CHECKING:
    from leadtui.app import LeadTuiApp

Choice = Callable[[Workspace, datetime], int | None]


class OutboxLoaded(Message):
    def __init__(self, view: OutboxView) -> None:
        super().__init__()
        self.view = view


class ChoiceDone(Message):
    def __init__(self, summary: str, lead_id: int | None) -> None:
        super().__init__()
        self.summary = summary
        self.lead_id = lead_id


COLUMNS_CONFLICTS = (("Lead", 24), ("Field", 14), ("Yours", 24), ("CRM's", 24), ("Before", 16))
COLUMNS_DEAD = (("Lead", 24), ("Change", 32), ("Tries", 5), ("The CRM said", 50))


def _cut(text: str, width: int) -> Text:
    """One line of CRM text, cut to `width` cells with an ellipsis."""
    line = plain(" ".join(text.split()) or "(empty)")
    line.no_wrap = True
    line.truncate(width, overflow="ellipsis")
    return line


class ConflictsScreen(Screen[None]):
    BINDINGS = [
        Binding(
            key_for("conflicts.back"),
            "back",
            "Back",
            id="conflicts.back",
            tooltip="Back to the queue",
        ),
        Binding(
            key_for("conflicts.keep_mine"),
            "keep_mine",
            "Keep mine",
            id="conflicts.keep_mine",
            tooltip="Your value wins",
        ),
        Binding(
            key_for("conflicts.take_theirs"),
            "take_theirs",
            "Take theirs",
            id="conflicts.take_theirs",
            tooltip="The CRM's value wins",
        ),
        Binding(
            key_for("conflicts.retry"),
            "retry",
            "Retry",
            id="conflicts.retry",
            tooltip="Send the rejected change again",
        ),
        Binding(
            key_for("conflicts.discard"),
            "discard",
            "Discard",
            id="conflicts.discard",
            tooltip="Give up the rejected change",
        ),
    ]

    def __init__(self) -> None:
        super().__init__(id="conflicts-screen")
        self.view: OutboxView | None = None

    @property
    def tui(self) -> LeadTuiApp:
        return self.app  # type: ignore[return-value]

    def compose(self) -> ComposeResult:
        yield Static(
            Text.assemble((" Conflicts ", "bold reverse"), "  fields you and the CRM both changed"),
            id="conflicts-title",
            classes="section-title",
        )
        yield DataTable(id="conflicts", cursor_type="row", zebra_stripes=True)
        yield Static(
            Text.assemble(
                (" Rejected changes ", "bold reverse"), "  changes the CRM refused to take"
            ),
            id="dead-title",
            classes="section-title",
        )
        yield DataTable(id="dead", cursor_type="row", zebra_stripes=True)
        # The table cuts the CRM's reason to fit; the selected one is shown here whole.
        yield Static(id="dead-reason", classes="dead-reason", markup=False)
        yield SyncStatusLine(id="sync-status")
        yield KeyBar()

    def on_mount(self) -> None:
        # Fixed widths (cells are cut to them): columns do not jump as values come and go.
        conflicts = self.query_one("#conflicts", DataTable)
        for label, width in COLUMNS_CONFLICTS:
            conflicts.add_column(label, width=width)
        dead = self.query_one("#dead", DataTable)
        for label, width in COLUMNS_DEAD:
            dead.add_column(label, width=width)
        conflicts.focus()
        self.reload()

    # -- data ------------------------------------------------------------------------------

    def reload(self) -> None:
        ws = self.tui.workspace
        if ws is None:
            return

        def work() -> None:
            self.post_message(OutboxLoaded(load_outbox_view(ws)))

        self.run_worker(
            work,
            thread=True,
            group="outbox",
            exclusive=True,
            exit_on_error=False,
            name="Loading conflicts",
        )

    def on_outbox_loaded(self, message: OutboxLoaded) -> None:
        self.view = view = message.view
        conflicts = self.query_one("#conflicts", DataTable)
        kept = conflicts.cursor_row
        conflicts.clear()
        for c in view.conflicts:
            conflicts.add_row(
                _cut(c.lead, 24),
                _cut(c.field, 14),
                _cut(c.mine, 24),
                _cut(c.theirs, 24),
                _cut(c.base, 16),
                key=str(c.id),
            )
        if view.conflicts:
            conflicts.move_cursor(row=min(kept, len(view.conflicts) - 1))
        dead = self.query_one("#dead", DataTable)
        kept = dead.cursor_row
        dead.clear()
        for d in view.dead:
            dead.add_row(
                _cut(d.lead, 24),
                _cut(f"{d.kind}: {d.summary}" if d.summary else d.kind, 32),
                Text(str(d.attempts)),
                _cut(d.last_error, 50),
                key=d.op_id,
            )
        if view.dead:
            dead.move_cursor(row=min(kept, len(view.dead) - 1))
        self._show_reason()
        self._titles(view)
        self.refresh_bindings()

    def _titles(self, view: OutboxView) -> None:
        n, m = len(view.conflicts), len(view.dead)
        self.query_one("#conflicts-title", Static).update(
            Text.assemble(
                (f" Conflicts ({n}) ", "bold reverse"),
                "  fields you and the CRM both changed: m keeps yours, t takes the CRM's"
                if n
                else "  none: nothing to settle",
            )
        )
        self.query_one("#dead-title", Static).update(
            Text.assemble(
                (f" Rejected changes ({m}) ", "bold reverse"),
                "  the CRM refused these: r sends again, d gives up" if m else "  none",
            )
        )

    @on(DataTable.RowHighlighted, "#dead")
    def _dead_highlighted(self) -> None:
        self._show_reason()

    def _show_reason(self) -> None:
        key = self._selected("dead")
        item = next((d for d in self.view.dead if d.op_id == key), None) if self.view else None
        reason = Text()
        if item is not None:
            reason.append("Why: ", style="bold")
            reason.append(clean(item.last_error) or "(the CRM gave no reason)")
        self.query_one("#dead-reason", Static).update(reason)

    # -- choices ---------------------------------------------------------------------------

    def _selected(self, table_id: str) -> str | None:
        table = self.query_one(f"#{table_id}", DataTable)
        if table.row_count == 0:
            return None
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        return str(key) if key is not None else None

    def _focused_table(self) -> str | None:
        focused = self.focused
        return focused.id if isinstance(focused, DataTable) else None

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # Greyed out rather than hidden: the rep sees what the other list offers.
        if action in ("keep_mine", "take_theirs"):
            ok = self._focused_table() == "conflicts" and self._selected("conflicts")
            return True if ok else None
        if action in ("retry", "discard"):
            ok = self._focused_table() == "dead" and self._selected("dead")
            return True if ok else None
        return True

    def on_descendant_focus(self, event: events.DescendantFocus) -> None:
        self.refresh_bindings()

    def _choose(self, summary: str, choice: Choice) -> None:
        ws, clock = self.tui.workspace, self.tui.clock
        if ws is None:
            return

        def work() -> None:
            lead_id = choice(ws, clock())
            self.post_message(ChoiceDone(summary, lead_id))

        self.run_worker(work, thread=True, group="choice", exit_on_error=False, name=summary)

    def on_choice_done(self, message: ChoiceDone) -> None:
        self.notify(message.summary, markup=False)
        if message.lead_id is not None:
            self.tui.lead_changed(message.lead_id)
        self.reload()
        self.tui.sync_soon()  # the choice should reach the CRM now, not at the next tick

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.state is not WorkerState.ERROR or event.worker.group not in ("choice", "outbox"):
            return
        error = event.worker.error
        if isinstance(error, ActionError):
            self.notify(str(error), severity="warning", markup=False)
        else:
            self.notify(f"{type(error).__name__}: {error}", severity="error", markup=False)
        self.reload()

    def _conflict(self) -> tuple[int, str, str] | None:
        key = self._selected("conflicts")
        if key is None or self.view is None:
            return None
        item = next((c for c in self.view.conflicts if str(c.id) == key), None)
        return (item.id, item.lead, item.field) if item else None

    def action_keep_mine(self) -> None:
        found = self._conflict()
        if found is None:
            return
        conflict_id, lead, field = found
        self._choose(
            f"{lead}: kept your {field}.",
            lambda ws, now: ws.resolve_conflict(conflict_id, "local", now),
        )

    def action_take_theirs(self) -> None:
        found = self._conflict()
        if found is None:
            return
        conflict_id, lead, field = found
        self._choose(
            f"{lead}: took the CRM's {field}.",
            lambda ws, now: ws.resolve_conflict(conflict_id, "remote", now),
        )

    def _dead(self) -> tuple[str, str, int] | None:
        key = self._selected("dead")
        if key is None or self.view is None:
            return None
        item = next((d for d in self.view.dead if d.op_id == key), None)
        return (item.op_id, item.lead, item.lead_id) if item else None

    def action_retry(self) -> None:
        found = self._dead()
        if found is None:
            return
        op_id, lead, lead_id = found

        def retry(ws: Workspace, now: datetime) -> int:
            ws.retry_dead(op_id, now)
            return lead_id

        self._choose(f"{lead}: the change will be sent again.", retry)

    def action_discard(self) -> None:
        found = self._dead()
        if found is None:
            return
        op_id, lead, lead_id = found

        def discard(ws: Workspace, now: datetime) -> int:
            ws.discard_dead(op_id, now)
            return lead_id

        self._choose(f"{lead}: the rejected change was discarded.", discard)

    def action_back(self) -> None:
        self.dismiss()
