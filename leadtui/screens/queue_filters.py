"""The queue's filters: text as you type (`/`), and band, state or source (`f`)."""

from __future__ import annotations

from textual import on
from textual.binding import Binding
from textual.widgets import Input

from leadtui.keys import key_for
from leadtui.screens import loaders
from leadtui.screens.lead_actions import LeadScreen
from leadtui.screens.messages import FilterComputed
from leadtui.screens.modals import ChoiceModal
from widgets.filter_box import FilterBox
from widgets.queue_table import QueueTable

BANDS = ("hot", "warm", "cool", "unqualified")
STATES = ("at_risk", "pending", "breached", "met", "overdue")


class QueueFilters(LeadScreen):
    """The filter half of the queue screen; `QueueScreen` supplies the queue itself."""

    BINDINGS = [
        Binding(
            key_for("filter_text"),
            "filter_text",
            "Filter",
            id="filter_text",
            tooltip="Filter by name, company or email",
        ),
        Binding(
            key_for("filter_fields"),
            "filter_fields",
            "Band/state/source",
            id="filter_fields",
            tooltip="Filter by band, speed-to-lead state or source",
        ),
        Binding(
            key_for("clear_filters"),
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
        # kind -> (matching ids, label, the snapshot order a list of ids is in; None for a set)
        self._filters: dict[str, tuple[set[int] | list[int], str, object]] = {}
        # Matches of each prefix of the needle typed, in the queued texts they were found in
        # and as lead ids: typing on narrows the longest one, erasing finds its answer there.
        self._matches: dict[str, tuple[list[tuple[int, str]], list[int]]] = {}
        self._matches_in: object = None

    @property
    def table(self) -> QueueTable:
        return self.query_one(QueueTable)

    def _show_status(self) -> None:
        """Overridden by the queue screen, which shows the filters in its status line."""

    async def _filter_box(self) -> Input:
        box = next(self.query("#filter").results(Input), None)
        if box is None:
            box = FilterBox(placeholder="filter: name, company or email", id="filter")
            await self.mount(box, after="#status")
            # Watched, not heard as Input.Changed: the queue then changes in the same frame as
            # the box. The message reached the screen after the box could have painted alone,
            # so the queue's repaint came a frame later (one more pass of the compositor).
            self.watch(box, "value", self.filter_changed, init=False)
        return box

    def _apply_order(self) -> None:
        if self.snapshot is None:
            return
        snapshot = self.snapshot
        order: list[int] = snapshot.order
        filters = list(self._filters.values())
        if len(filters) == 1 and filters[0][2] is snapshot.order:
            order = list(filters[0][0])  # matched in this very order: nothing to sort
        elif filters:
            smallest, *others = sorted((set(ids) for ids, _, _ in filters), key=len)
            order = snapshot.filtered(smallest.intersection(*others) if others else smallest)
        self.table.empty_text = (
            "No lead matches the filter (esc clears it)."
            if filters
            else "Nothing to do: the queue is empty."
        )
        self.table.set_order(order, snapshot.position() if order is snapshot.order else None)

    async def action_filter_text(self) -> None:
        box = await self._filter_box()
        box.add_class("-shown")
        box.focus()

    def filter_changed(self, value: str) -> None:
        text = value.strip()
        ws = self.tui.workspace
        if not text or ws is None:
            self.on_filter_computed(FilterComputed("text", None))
            return

        snapshot = self.snapshot
        if snapshot is not None and snapshot.queued_texts:
            # The whole queue's texts are in memory, in queue order: match here, in the
            # keystroke's own frame, without a thread's round trip.
            ids = self._match(snapshot, text.lower())[1]
            self.on_filter_computed(FilterComputed("text", ids, f"“{text}”", snapshot.order))
            return

        def work() -> None:
            found = loaders.matching_text(ws, text, snapshot)
            self.post_message(FilterComputed("text", found, f"“{text}”"))

        self.run_worker(
            work, thread=True, group="filter", exclusive=True, exit_on_error=False, name="Filtering"
        )

    def _match(
        self, snapshot: loaders.QueueSnapshot, needle: str
    ) -> tuple[list[tuple[int, str]], list[int]]:
        """The queued texts containing `needle` and their leads, searching the matches of its
        longest prefix typed, else those holding its rarest character."""
        texts = snapshot.queued_texts
        if self._matches_in is not texts:
            self._matches, self._matches_in = {}, texts
        found = self._matches.get(needle)
        if found is None:
            prefixes = (needle[:end] for end in range(len(needle) - 1, 0, -1))
            within = next((self._matches[p][0] for p in prefixes if p in self._matches), None)
            if within is None:
                pairs = loaders.match_queued(snapshot, needle)
            elif len(within) * 4 > len(texts):  # many: one pass over the texts joined
                pairs = loaders.search_queued(snapshot, needle)
            else:
                pairs = loaders.narrow_text(within, needle)
            found = (pairs, [lead_id for lead_id, _ in pairs])
        # Only the needle's prefixes are kept: what backspace comes back to, and few.
        self._matches = {p: m for p, m in self._matches.items() if needle.startswith(p)}
        self._matches[needle] = found
        return found

    @on(Input.Submitted, "#filter")
    def filter_submitted(self) -> None:
        self.table.focus()

    def on_filter_computed(self, message: FilterComputed) -> None:
        if message.lead_ids is None:
            self._filters.pop(message.kind, None)
        else:
            self._filters[message.kind] = (message.lead_ids, message.label, message.of)
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
