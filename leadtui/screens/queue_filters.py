"""The queue's filters: text as you type (`/`), and band, state or source (`f`)."""

from __future__ import annotations

from textual import on
from textual.binding import Binding
from textual.widgets import Input

from leadtui.screens import loaders
from leadtui.screens.lead_actions import LeadScreen
from leadtui.screens.messages import FilterComputed
from leadtui.screens.modals import ChoiceModal
from widgets.queue_table import QueueTable

BANDS = ("hot", "warm", "cool", "unqualified")
STATES = ("at_risk", "pending", "breached", "met", "overdue")


class QueueFilters(LeadScreen):
    """The filter half of the queue screen; `QueueScreen` supplies the queue itself."""

    BINDINGS = [
        Binding(
            "slash",
            "filter_text",
            "Filter",
            id="filter_text",
            tooltip="Filter by name, company or email",
        ),
        Binding(
            "f",
            "filter_fields",
            "Band/state/source",
            id="filter_fields",
            tooltip="Filter by band, speed-to-lead state or source",
        ),
        Binding(
            "escape",
            "clear_filters",
            "Clear filter",
            id="clear_filters",
            show=False,
            tooltip="Show the whole queue again",
        ),
    ]

    snapshot: loaders.QueueSnapshot | None = None

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._filters: dict[str, tuple[set[int], str]] = {}
        # (the snapshot's texts, needle, its matches): typing on narrows the last matches.
        self._last_match: tuple[object, str, list[tuple[int, str]]] | None = None

    @property
    def table(self) -> QueueTable:
        return self.query_one(QueueTable)

    def _show_status(self) -> None:
        """Overridden by the queue screen, which shows the filters in its status line."""

    async def _filter_box(self) -> Input:
        box = next(self.query("#filter").results(Input), None)
        if box is None:
            box = Input(placeholder="filter: name, company or email", id="filter")
            await self.mount(box, after="#status")
        return box

    def _apply_order(self) -> None:
        if self.snapshot is None:
            return
        order = self.snapshot.order
        if self._filters:
            smallest, *others = sorted((ids for ids, _ in self._filters.values()), key=len)
            order = self.snapshot.filtered(smallest.intersection(*others) if others else smallest)
        self.table.set_order(order)

    async def action_filter_text(self) -> None:
        box = await self._filter_box()
        box.add_class("-shown")
        box.focus()

    @on(Input.Changed, "#filter")
    def filter_changed(self, event: Input.Changed) -> None:
        text = event.value.strip()
        ws = self.tui.workspace
        if not text or ws is None:
            self.post_message(FilterComputed("text", None))
            return

        snapshot = self.snapshot
        if snapshot is not None and snapshot.texts:
            # The whole queue's texts are in memory: match here, in the keystroke's own frame,
            # without a thread's round trip; a longer needle searches the last matches only.
            needle, texts = text.lower(), snapshot.texts
            last = self._last_match
            if last is not None and last[0] is texts and needle.startswith(last[1]):
                texts = last[2]
            found = loaders.narrow_text(texts, needle)
            self._last_match = (snapshot.texts, needle, found)
            self.on_filter_computed(FilterComputed("text", {i for i, _ in found}, f"“{text}”"))
            return

        def work() -> None:
            found = loaders.matching_text(ws, text, snapshot)
            self.post_message(FilterComputed("text", found, f"“{text}”"))

        self.run_worker(
            work, thread=True, group="filter", exclusive=True, exit_on_error=False, name="Filtering"
        )

    @on(Input.Submitted, "#filter")
    def filter_submitted(self) -> None:
        self.table.focus()

    def on_filter_computed(self, message: FilterComputed) -> None:
        if message.lead_ids is None:
            self._filters.pop(message.kind, None)
        else:
            self._filters[message.kind] = (message.lead_ids, message.label)
        self._apply_order()
        self._show_status()

    def action_clear_filters(self) -> None:
        for box in self.query("#filter").results(Input):
            box.value = ""
            box.remove_class("-shown")
        self._filters.clear()
        self._apply_order()
        self._show_status()
        self.table.focus()

    def action_filter_fields(self) -> None:
        snapshot = self.snapshot
        choices = [(f"band: {b}", f"band:{b}") for b in BANDS]
        choices += [(f"state: {s.replace('_', ' ')}", f"state:{s}") for s in STATES]
        choices += [(f"source: {s}", f"source:{s}") for s in (snapshot.sources if snapshot else [])]
        choices.append(("no band/state/source filter", "clear:"))
        self.app.push_screen(ChoiceModal("Show only", choices), self._field_chosen)

    def _field_chosen(self, choice: str | None) -> None:
        ws, snapshot = self.tui.workspace, self.snapshot
        if choice is None or ws is None or snapshot is None:
            return
        kind, _, value = choice.partition(":")
        if kind == "clear":
            self.post_message(FilterComputed("field", None))
            return
        now = self.tui.clock()
        label = f"{kind} {value}"

        def work() -> None:
            if kind == "state":
                ids = loaders.matching_state(ws, snapshot, value, now)
            elif kind == "band":
                ids = loaders.matching_fields(ws, value, None)
            else:
                ids = loaders.matching_fields(ws, None, value)
            self.post_message(FilterComputed("field", ids, label))

        self.run_worker(
            work, thread=True, group="filter-field", exit_on_error=False, name="Filtering"
        )
