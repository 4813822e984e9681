"""Find any lead, snoozed and closed ones too, and wake or reopen it (`s` from the queue).

The queue hides snoozed and closed leads on purpose; this is the way back to them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.message import Message
from textual.screen import Screen
from textual.widgets import DataTable, Input, Static
from textual.worker import Worker, WorkerState

from leadtui.keys import key_for
from leadtui.workspace import ActionError, Workspace
from widgets.key_bar import KeyBar
from widgets.safe_text import clean
from widgets.table_fill import fill_table

if TYPE_CHECKING:
    from leadtui.app import LeadTuiApp

COLUMNS = ("state", "name", "company", "email", "owner")  # state first: it is why they hid


@dataclass(frozen=True)
class Found:
    lead_id: int
    name: str
    company: str
    email: str
    owner: str
    status: str
    snoozed_until: datetime | None


def find(ws: Workspace, text: str, now: datetime) -> list[Found]:
    from leadtui.store import queries
    from leadtui.store.convert import lead_from_row

    with ws.session() as session:
        rows = queries.find_leads(session, text) if text.strip() else []
        leads = [lead_from_row(row) for row in rows]
    return [
        Found(
            lead.id,
            lead.name,
            lead.company,
            lead.email,
            lead.owner,
            lead.status.value,
            lead.snoozed_until if lead.snoozed_until and lead.snoozed_until > now else None,
        )
        for lead in leads
    ]


class FoundLeads(Message):
    def __init__(self, text: str, found: list[Found]) -> None:
        super().__init__()
        self.text, self.found = text, found


class FindScreen(Screen[None]):
    BINDINGS = [
        Binding(key_for("find.back"), "back", "Back", id="find.back", tooltip="Back to the queue"),
        Binding(
            key_for("find.open"), "open", "Open", id="find.open", tooltip="Open the lead", show=True
        ),
        Binding(
            key_for("find.wake"), "wake", "Wake", id="find.wake", tooltip="End the lead's snooze"
        ),
        Binding(
            key_for("find.reopen"),
            "reopen",
            "Reopen",
            id="find.reopen",
            tooltip="Put a disqualified lead back",
        ),
        # From the search box (the list, focused, moves its own cursor with the same key).
        Binding(
            key_for("find.results"),
            "to_results",
            "Results",
            id="find.results",
            tooltip="From the search box to the leads found",
            show=False,
        ),
    ]

    def __init__(self) -> None:
        super().__init__(id="find-screen")
        self.found: list[Found] = []

    @property
    def tui(self) -> LeadTuiApp:
        return self.app  # type: ignore[return-value]

    def compose(self) -> ComposeResult:
        yield Static(
            Text.assemble((" Find any lead ", "bold reverse"), "  snoozed and closed ones too"),
            classes="section-title",
        )
        yield Input(placeholder="name, company or email", id="find-text")
        yield DataTable(id="found", cursor_type="row", zebra_stripes=True)
        yield KeyBar()

    def on_mount(self) -> None:
        self.query_one("#find-text", Input).focus()

    @on(Input.Changed, "#find-text")
    def _typed(self, event: Input.Changed) -> None:
        self.search(event.value)

    @on(Input.Submitted, "#find-text")
    def _open_first(self) -> None:
        """Enter in the search box opens the lead found first (the list keeps it highlighted
        for w and o on the way back)."""
        self.query_one("#found", DataTable).focus()
        self.action_open()

    def action_to_results(self) -> None:
        self.query_one("#found", DataTable).focus()

    def on_screen_resume(self) -> None:
        # Back from a lead's page: what was done there (a touch, a reopen) shows in the list.
        self.search(self.query_one("#find-text", Input).value)

    def search(self, text: str) -> None:
        ws, clock = self.tui.workspace, self.tui.clock
        if ws is None:
            return

        def work() -> None:
            self.post_message(FoundLeads(text, find(ws, text, clock())))

        self.run_worker(work, thread=True, group="find", exclusive=True, exit_on_error=False)

    def on_found_leads(self, message: FoundLeads) -> None:
        if message.text != self.query_one("#find-text", Input).value:
            return  # typed on since
        self.found = message.found
        zone = self.tui.workspace.rules.calendar.zone if self.tui.workspace else None
        rows = []
        for f in message.found:
            state = f.status
            if f.snoozed_until is not None:
                state = f"snoozed until {f.snoozed_until.astimezone(zone):%a %d %b %H:%M}"
            cells = (state, clean(f.name), clean(f.company), clean(f.email), clean(f.owner))
            rows.append((tuple(Text(c) for c in cells), str(f.lead_id)))
        fill_table(self.query_one("#found", DataTable), COLUMNS, rows)

    def _selected(self) -> Found | None:
        table = self.query_one("#found", DataTable)
        if not table.row_count:
            return None
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        return next((f for f in self.found if str(f.lead_id) == key), None)

    @on(DataTable.RowSelected, "#found")
    def _selected_row(self) -> None:
        self.action_open()

    def action_open(self) -> None:
        found = self._selected()
        if found is not None:
            from leadtui.screens.lead_detail import LeadDetailScreen

            self.app.push_screen(LeadDetailScreen(found.lead_id))

    def _act(self, summary: str, act: object) -> None:
        ws, clock = self.tui.workspace, self.tui.clock
        if ws is None:
            return

        def work() -> None:
            lead_id = act(ws, clock())  # type: ignore[operator]
            self.app.call_from_thread(self._done, lead_id, summary)

        self.run_worker(work, thread=True, group="find-action", exit_on_error=False, name=summary)

    def _done(self, lead_id: int, summary: str) -> None:
        self.notify(summary, markup=False)
        self.tui.lead_changed(lead_id)
        self.tui.sync_soon()
        self.search(self.query_one("#find-text", Input).value)

    def action_wake(self) -> None:
        found = self._selected()
        if found is None:
            return
        if found.snoozed_until is None:
            self.notify(f"{clean(found.name)} is not snoozed.", severity="warning", markup=False)
            return
        lead_id = found.lead_id
        self._act(f"{clean(found.name)} woken.", lambda w, now: w.snooze(lead_id, None, now))

    def action_reopen(self) -> None:
        found = self._selected()
        if found is not None:
            lead_id = found.lead_id
            self._act(f"{clean(found.name)} reopened.", lambda w, now: w.reopen(lead_id, now))

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.state is WorkerState.ERROR:
            error = event.worker.error
            text = str(error) if isinstance(error, ActionError) else f"That failed: {error}"
            self.notify(text, severity="warning", markup=False)

    def action_back(self) -> None:
        self.app.pop_screen()
