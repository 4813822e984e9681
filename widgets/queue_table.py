"""The queue: a Line-API ScrollView that renders only the rows on screen.

It holds an ordered list of lead ids (cheap even at 100,000), the rows of the whole queue as its
last load read them (`set_queued_rows`) and a small LRU cache of rows read since, which win;
rows it lacks are asked for with a `RowsWanted` message and painted as placeholders until they
arrive. Nothing here touches the database. Modelled on toolong's `log_lines.py`.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from functools import lru_cache

from rich.cells import cell_len, set_cell_size
from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.binding import Binding
from textual.geometry import Region, Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip

from leadtui.keys import key_for
from widgets.contact_links import link_style
from widgets.queue_row import Cells, Mark, QueueRow, SecondsLeft, cells, wall_clock

ROW_CACHE_SIZE = 4_000  # rows read a page at a time (the queue's own are kept apart, all of them)

# (title, key on Cells, fixed width or 0 for flexible, drop order when narrow: 0 = never)
COLUMNS: tuple[tuple[str, str, int, int], ...] = (
    ("SLA", "sla", 10, 0),
    ("Name", "name", 0, 0),
    ("Company", "company", 0, 0),
    ("Band", "band", 8, 0),
    ("Source", "source", 14, 1),
    ("Next touch", "next", 19, 0),  # "linkedin overdue 2d"
    ("Done", "touches", 5, 3),
    ("Age", "age", 4, 2),
    # Shown when there is room, linked: a click calls or writes (widgets.contact_links).
    ("Phone", "phone", 16, 4),
    ("Email", "email", 28, 5),
)
MIN_FLEX = 10
CONTACT_FLEX = 48  # name and company together, before phone and email get columns


@lru_cache(maxsize=16)
def layout(width: int) -> list[tuple[str, str, int]]:
    """Columns that fit `width`: drop the least useful first, share the rest between name and
    company (55/45)."""
    columns = list(COLUMNS)
    for drop in (5, 4, 1, 2, 3):
        fixed = sum(c[2] + 1 for c in columns if c[2])
        # Phone and email come only once name and company have room to spare.
        room = CONTACT_FLEX if drop in (4, 5) else 2 * MIN_FLEX + 2
        if width - fixed >= room:
            break
        columns = [c for c in columns if c[3] != drop]
    fixed = sum(c[2] + 1 for c in columns if c[2])
    flex = max(width - fixed - 2, 2 * MIN_FLEX)
    name_width = flex * 55 // 100
    widths = {"name": name_width, "company": flex - name_width}
    return [(title, key, size or widths[key]) for title, key, size, _ in columns]


def fit(text: str, width: int) -> str:
    """Pad or clip to exactly `width` cells, with an ellipsis when clipped."""
    if cell_len(text) <= width:
        return set_cell_size(text, width)
    return set_cell_size(text, width - 1) + "…"


class QueueTable(ScrollView, can_focus=True):
    """The rep's queue, most urgent first; the header row stays put while rows scroll."""

    DEFAULT_CSS = """
    QueueTable {
        background: $surface;
        scrollbar-gutter: stable;
        overflow-x: hidden;
        & > .queue-table--header { text-style: bold; color: $text-muted; }
        & > .queue-table--cursor { background: $block-cursor-background; }
        & > .queue-table--cursor-blurred { background: $block-cursor-blurred-background; }
        & > .queue-table--at-risk { color: $warning; text-style: bold; }
        & > .queue-table--breached { color: $error; text-style: bold; }
        & > .queue-table--overdue { color: $error; }
        & > .queue-table--dim { color: $text-muted; }
    }
    """
    COMPONENT_CLASSES = {
        "queue-table--header",
        "queue-table--cursor",
        "queue-table--cursor-blurred",
        "queue-table--at-risk",
        "queue-table--breached",
        "queue-table--overdue",
        "queue-table--dim",
    }
    BINDINGS = [
        Binding(
            key_for("queue.up"),
            "cursor_up",
            "Up",
            show=False,
            id="queue.up",
            tooltip="Previous lead",
        ),
        Binding(
            key_for("queue.down"),
            "cursor_down",
            "Down",
            show=False,
            id="queue.down",
            tooltip="Next lead",
        ),
        Binding(
            key_for("queue.first"),
            "first",
            "First",
            show=False,
            id="queue.first",
            tooltip="Top of queue",
        ),
        Binding(
            key_for("queue.last"),
            "last",
            "Last",
            show=False,
            id="queue.last",
            tooltip="Bottom of queue",
        ),
        Binding(
            key_for("queue.page_up"),
            "page_up",
            "Page up",
            show=False,
            id="queue.page_up",
            tooltip="A page up",
        ),
        Binding(
            key_for("queue.page_down"),
            "page_down",
            "Page down",
            show=False,
            id="queue.page_down",
            tooltip="A page down",
        ),
        Binding(
            key_for("queue.open"), "open", "Open", id="queue.open", tooltip="Open the lead's detail"
        ),
    ]

    class Highlighted(Message):
        """The cursor moved to another lead (or to none)."""

        def __init__(self, table: QueueTable, lead_id: int | None) -> None:
            super().__init__()
            self.table = table
            self.lead_id = lead_id

    class Opened(Message):
        def __init__(self, table: QueueTable, lead_id: int) -> None:
            super().__init__()
            self.table = table
            self.lead_id = lead_id

    class RowsWanted(Message):
        """Rows on screen that the cache lacks; answer with `put_rows`."""

        def __init__(self, table: QueueTable, lead_ids: list[int]) -> None:
            super().__init__()
            self.table = table
            self.lead_ids = lead_ids

    def __init__(
        self,
        clock: Callable[[], datetime],
        at_risk_minutes: int = 15,
        *,
        seconds_left: SecondsLeft = wall_clock,
        empty_text: str = "Nothing to do: the queue is empty.",
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self._clock = clock
        self.at_risk_seconds = at_risk_minutes * 60.0
        self._seconds_left = seconds_left
        self.empty_text = empty_text
        self._order: list[int] = []
        self._position_of: dict[int, int] | None = {}  # None: not made yet
        self._rows: OrderedDict[int, QueueRow] = OrderedDict()
        self._queued: dict[int, QueueRow] = {}  # every queued lead's, as the last load read it
        self._wanted: set[int] = set()
        self.cursor = 0
        self.loaded = False
        # What each screen line showed when last painted, so a tick repaints only changes.
        self._painted: dict[int, tuple[object, ...]] = {}
        self._now = clock()
        self._base_style: Style | None = None  # set for each paint by render_lines

    # -- data in -------------------------------------------------------------------------

    @property
    def order(self) -> Sequence[int]:
        return self._order

    @property
    def cursor_lead_id(self) -> int | None:
        return self._order[self.cursor] if 0 <= self.cursor < len(self._order) else None

    def row(self, lead_id: int) -> QueueRow | None:
        row = self._rows.get(lead_id)
        return row if row is not None else self._queued.get(lead_id)

    def set_order(self, lead_ids: Sequence[int], position: dict[int, int] | None = None) -> None:
        """Show these leads in this order; the cursor stays on its lead if it is still here.
        `position`: each lead's index in `lead_ids`, if the caller has it already."""
        keep = self.cursor_lead_id
        self._order = list(lead_ids)
        # Each lead's place is made when first asked for (`move_to`), not on every keystroke
        # of a filter: at 100,000 leads a dict of them costs more than the rest of the key.
        self._position_of = position
        index = self._index_of(keep) if keep is not None else None
        if index is not None:
            self.cursor = index
        else:
            self.cursor = min(self.cursor, max(len(self._order) - 1, 0))
        self.loaded = True
        self._fit_virtual_size()
        self._repaint_all()
        self._cursor_into_view()
        if self.cursor_lead_id != keep:
            self.post_message(self.Highlighted(self, self.cursor_lead_id))

    def put_rows(self, rows: dict[int, QueueRow]) -> None:
        shown = set(self.visible_lead_ids())
        # Prefetched rows, and rows on screen that read as they did, need no repaint.
        changed = any(i in shown and self.row(i) != row for i, row in rows.items())
        for lead_id, row in rows.items():
            self._rows[lead_id] = row
            self._rows.move_to_end(lead_id)
            self._wanted.discard(lead_id)
        while len(self._rows) > ROW_CACHE_SIZE:
            self._rows.popitem(last=False)
        if changed:
            self._repaint_all()

    def set_queued_rows(self, rows: dict[int, QueueRow]) -> None:
        """Every queued lead's row, read with the order: a filter's page or a page far down
        paints from memory. Rows read one page at a time (`put_rows`) are kept in front, since
        they are fresher; the next load replaces these whole (`reset_rows`)."""
        shown = self.visible_lead_ids()
        before = [self.row(i) for i in shown]
        self._queued = rows
        self._wanted = {i for i in self._wanted if i not in rows}
        if [self.row(i) for i in shown] != before:
            self._repaint_all()

    def reset_rows(self, rows: dict[int, QueueRow]) -> None:
        """Replace every row held (fresh rows for the screen; the rest fetched on demand)."""
        self._rows.clear()
        self._queued = {}
        self._wanted.clear()
        self.put_rows(rows)
        self._repaint_all()

    def forget(self, lead_ids: Iterable[int]) -> None:
        """Drop cached rows (after an action changed them) so they are fetched again."""
        for lead_id in lead_ids:
            self._rows.pop(lead_id, None)
            self._queued.pop(lead_id, None)
        self._repaint_all()

    def _index_of(self, lead_id: int) -> int | None:
        if self._position_of is not None:
            return self._position_of.get(lead_id)
        try:
            return self._order.index(lead_id)  # one scan in C, cheaper than making the dict
        except ValueError:
            return None

    def move_to(self, lead_id: int) -> bool:
        if self._position_of is None:
            self._position_of = {shown: i for i, shown in enumerate(self._order)}
        index = self._position_of.get(lead_id)
        if index is None:
            return False
        self._move(index)
        return True

    # -- time ----------------------------------------------------------------------------

    def tick(self, now: datetime) -> None:
        """Repaint only the visible lines whose text changed since they were painted."""
        self._now = now
        for y in range(1, self.size.height):
            index = self._index_at(y)
            lead_id = self._order[index] if 0 <= index < len(self._order) else None
            if self._key(index, lead_id) != self._painted.get(y):
                self.refresh(Region(0, y, self.size.width, 1))

    def visible_lead_ids(self) -> list[int]:
        start = int(self.scroll_y)
        return self._order[start : start + max(self.size.height - 1, 0)]

    # -- cursor --------------------------------------------------------------------------

    def _move(self, index: int) -> None:
        if not self._order:
            return
        index = max(0, min(index, len(self._order) - 1))
        if index == self.cursor:
            return
        old = self.cursor
        self.cursor = index
        self._refresh_index(old)
        self._refresh_index(index)
        self._cursor_into_view()
        self.post_message(self.Highlighted(self, self.cursor_lead_id))

    def _page(self) -> int:
        return max(self.size.height - 2, 1)

    def action_cursor_up(self) -> None:
        self._move(self.cursor - 1)

    def action_cursor_down(self) -> None:
        self._move(self.cursor + 1)

    def action_first(self) -> None:
        self._move(0)

    def action_last(self) -> None:
        self._move(len(self._order) - 1)

    def action_page_up(self) -> None:
        self._move(self.cursor - self._page())

    def action_page_down(self) -> None:
        self._move(self.cursor + self._page())

    def action_open(self) -> None:
        if self.cursor_lead_id is not None:
            self.post_message(self.Opened(self, self.cursor_lead_id))

    def on_click(self, event: events.Click) -> None:
        if event.y < 1:
            return
        index = self._index_at(event.y)
        if 0 <= index < len(self._order):
            self._move(index)
            if event.chain > 1:
                self.action_open()

    def _cursor_into_view(self) -> None:
        rows_shown = max(self.size.height - 1, 1)
        top = int(self.scroll_y)
        if self.cursor < top:
            self.scroll_to(y=self.cursor, animate=False, immediate=True)
        elif self.cursor >= top + rows_shown:
            self.scroll_to(y=self.cursor - rows_shown + 1, animate=False, immediate=True)

    def _refresh_index(self, index: int) -> None:
        y = index - int(self.scroll_y) + 1
        if 1 <= y < self.size.height:
            self.refresh(Region(0, y, self.size.width, 1))

    def _repaint_all(self) -> None:
        self._painted.clear()
        self.refresh()

    def on_focus(self) -> None:
        self._refresh_index(self.cursor)

    def on_blur(self) -> None:
        self._refresh_index(self.cursor)

    def on_resize(self) -> None:
        self._fit_virtual_size()
        self._cursor_into_view()

    def _fit_virtual_size(self) -> None:
        """One line a lead and the header. Not through the `virtual_size` reactive: it asks for a
        layout of the whole screen, which re-renders every widget on it, twice the cost of the
        filter keystroke that changed the row count. Our box never depends on the row count
        (fixed height, `scrollbar-gutter: stable`); only the scrollbar does, and updating it is
        what Textual's ScrollView does on a resize without layout. A scrollbar that appears or
        goes still asks for a layout itself (`show_vertical_scrollbar` is a layout reactive)."""
        size = Size(self.size.width, len(self._order) + 1)
        if size == self.virtual_size:
            return
        self.set_reactive(ScrollView.virtual_size, size)
        self._scroll_update(size)

    # -- painting ------------------------------------------------------------------------

    def render_lines(self, crop: Region) -> list[Strip]:
        # One look-up of the widget's style a paint, not one a line: rich_style walks the
        # widget's ancestors every time, the largest cost of painting a page of rows.
        self._base_style = self.rich_style
        strips = super().render_lines(crop)
        self._prefetch()
        return strips

    def _prefetch(self) -> None:
        """Ask for the rows a page above and a page below the screen too, so that moving or
        paging paints from memory instead of waiting for the database. Only while the queue has
        the keys: while a filter is typed, each keystroke's neighbours would be read for nothing
        (the next key brings other rows), competing with that key for the interpreter."""
        if not self.has_focus:
            return  # focus coming back repaints the cursor's line, which prefetches
        visible = self.visible_lead_ids()
        if any(self.row(i) is None for i in visible):
            return  # the screen's own rows first; their arrival paints and comes back here
        shown = max(self.size.height - 1, 1)
        top = int(self.scroll_y)
        near = self._order[max(top - shown, 0) : top + 2 * shown]
        missing = [i for i in near if self.row(i) is None and i not in self._wanted]
        if missing:
            self._wanted.update(missing)
            self.post_message(self.RowsWanted(self, missing))

    @property
    def _base(self) -> Style:
        return self._base_style if self._base_style is not None else self.rich_style

    def _index_at(self, y: int) -> int:
        return int(self.scroll_y) + y - 1

    def _key(self, index: int, lead_id: int | None) -> tuple[object, ...]:
        if lead_id is None:
            return ("blank",)
        row = self.row(lead_id)
        if row is None:
            return ("wanted", lead_id)
        return (
            lead_id,
            index == self.cursor,
            cells(row, self._now, self.at_risk_seconds, self._seconds_left),
        )

    def render_line(self, y: int) -> Strip:
        width = self.size.width
        if y == 0:
            return self._header(width)
        index = self._index_at(y)
        if not 0 <= index < len(self._order):
            self._painted[y] = ("blank",)
            if not self._order and y == 2 and self.loaded:
                style = self._base + self._part("queue-table--dim")
                return Strip([Segment(fit("  " + self.empty_text, width), style)], width)
            return Strip.blank(width, self._base)
        lead_id = self._order[index]
        key = self._key(index, lead_id)
        self._painted[y] = key
        row = self.row(lead_id)
        if row is None:
            self._want(lead_id)
            style = self._base + self._part("queue-table--dim")
            return Strip([Segment(fit("  …", width), style)], width)
        if lead_id in self._rows:
            self._rows.move_to_end(lead_id)
        return self._row_strip(key[2], index == self.cursor, width)  # type: ignore[arg-type]

    def _want(self, lead_id: int) -> None:
        if lead_id in self._wanted:
            return
        # Ask for the whole visible page at once, not one message per line.
        missing = [i for i in self.visible_lead_ids() if self.row(i) is None]
        missing = [i for i in missing if i not in self._wanted] or [lead_id]
        self._wanted.update(missing)
        self.post_message(self.RowsWanted(self, missing))

    def _part(self, name: str) -> Style:
        # Always partial: Textual caches component styles by name alone, whatever `partial` is.
        return self.get_component_rich_style(name, partial=True)

    def _header(self, width: int) -> Strip:
        style = self._base + self._part("queue-table--header")
        text = " ".join(fit(title, size) for title, _, size in layout(width))
        return Strip([Segment(fit(text, width), style)], width)

    def _row_strip(self, row_cells: Cells, selected: bool, width: int) -> Strip:
        base = self._base
        if selected:
            name = "queue-table--cursor" if self.has_focus else "queue-table--cursor-blurred"
            base = base + self._part(name)
        mark_style = {
            Mark.AT_RISK: "queue-table--at-risk",
            Mark.BREACHED: "queue-table--breached",
        }.get(row_cells.mark)
        segments: list[Segment] = []
        for title, key, size in layout(width):
            style: Style = base
            if key == "sla" and mark_style:
                style = base + self._part(mark_style)
            elif key == "next" and row_cells.overdue:
                style = base + self._part("queue-table--overdue")
            elif key in ("age", "touches", "source") and title:
                style = base + self._part("queue-table--dim")
            elif key in ("email", "phone"):
                style = base + link_style(key, getattr(row_cells, key))
            segments.append(Segment(fit(getattr(row_cells, key), size) + " ", style))
        strip = Strip(segments).adjust_cell_length(width, base)
        return strip
