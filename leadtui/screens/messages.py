"""Messages the worker threads post back to the screens (never reactives set from a thread)."""

from __future__ import annotations

from textual.message import Message

from leadtui.screens.loaders import QueueSnapshot
from leadtui.screens.undo_trail import UndoStep
from widgets.lead_detail_view import LeadDetail
from widgets.queue_row import QueueRow


class QueueLoaded(Message):
    def __init__(self, snapshot: QueueSnapshot, reordered: bool = False) -> None:
        super().__init__()
        self.snapshot = snapshot
        self.reordered = reordered


class RowsLoaded(Message):
    """Rows read for the screen; `of`: the snapshot index they were read with, if they are only
    good while that queue is shown; `whole_queue`: every queued lead's, read with the order."""

    def __init__(
        self, rows: dict[int, QueueRow], of: object = None, *, whole_queue: bool = False
    ) -> None:
        super().__init__()
        self.rows = rows
        self.of = of
        self.whole_queue = whole_queue


class DetailLoaded(Message):
    def __init__(self, lead_id: int, detail: LeadDetail | None) -> None:
        super().__init__()
        self.lead_id = lead_id
        self.detail = detail


class FilterComputed(Message):
    """Lead ids matching one kind of filter ("text" or "field"); None clears that filter. A list
    holds them in the order of the snapshot `of` (matched in memory), a set in no order."""

    def __init__(
        self,
        kind: str,
        lead_ids: set[int] | list[int] | None,
        label: str = "",
        of: object = None,
    ) -> None:
        super().__init__()
        self.kind = kind
        self.lead_ids = lead_ids
        self.label = label
        self.of = of


class ActionDone(Message):
    def __init__(
        self, lead_id: int, summary: str, *, advance: bool = False, undo: UndoStep | None = None
    ) -> None:
        super().__init__()
        self.lead_id = lead_id
        self.summary = summary
        self.advance = advance  # a touch was logged: power hour moves on to the next lead
        self.undo = undo  # how `u` takes this change back (None: it was an undo itself)
