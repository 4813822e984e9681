"""What `u` takes back in the TUI: the rep's own changes of this session, latest first.

Undo used to take back the last change of the lead under the cursor. After an action the queue
re-sorts (and power hour moves on), so the cursor is usually on another lead by then, and `u`
took back that lead's last call instead of the one just logged: a real touch archived in the
CRM, with no redo. The trail remembers which lead each change was made to.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from leadtui.workspace import Workspace

# "change": a touch, note or decision, taken back through the outbox (Workspace.undo).
# The others are local-only fields, put back as they were.
UndoKind = Literal["change", "snooze", "pause", "resume", "enrol"]


@dataclass(frozen=True, slots=True)
class UndoStep:
    """One change the rep made in this session, and to which lead."""

    lead_id: int
    name: str
    kind: UndoKind = "change"
    snoozed_until: datetime | None = None  # for a snooze: the lead's snooze before it
    cadence: str = ""  # for an enrolment: the cadence chosen


def take_back(step: UndoStep, ws: Workspace, now: datetime) -> str:
    """Undo `step`; returns the sentence the rep sees. Raises ActionError when it cannot."""
    from leadtui.workspace import ActionError

    name = step.name
    if step.kind == "change":
        _, what = ws.undo(step.lead_id, now)
        return f"Undid {what} on {name}."
    if step.kind == "snooze":
        before = step.snoozed_until
        if before is not None and before > now:
            ws.snooze(step.lead_id, before, now)
            return f"Undid the snooze on {name}: snoozed as before."
        ws.snooze(step.lead_id, None, now)
        return f"Undid the snooze on {name}: back in the queue."
    if step.kind == "pause":
        ws.resume(step.lead_id, now)
        return f"Undid the pause: {name}'s cadence runs again."
    if step.kind == "resume":
        ws.pause(step.lead_id, now)
        return f"Undid the resume: {name}'s cadence is paused again."
    raise ActionError(
        f"Enrolling {name} in {step.cadence} cannot be undone; press e to choose another cadence."
    )
