"""One queue row as plain data, and how each of its cells reads at a given moment.

Pure functions of (row, now): the table calls them for visible lines only, and the tick compares
their output with what is on screen to repaint only lines whose text changed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from enum import Enum

from widgets.safe_text import clean


class Mark(Enum):
    """Why a row stands out. Each has a symbol as well as a colour: colour alone fails some eyes."""

    NONE = ""
    AT_RISK = "▲"  # speed-to-lead window about to close
    BREACHED = "✖"  # speed-to-lead window closed, never touched
    OVERDUE = "!"  # a cadence step is past due


@dataclass(frozen=True, slots=True)
class QueueRow:
    """What the queue shows of one lead; text fields are already free of control characters."""

    lead_id: int
    name: str
    company: str
    email: str
    phone: str
    band: str
    score: int
    source: str
    created_at: datetime
    stl_deadline: datetime | None
    first_touch_at: datetime | None
    next_channel: str | None
    next_due: datetime | None
    paused: bool
    touches: int
    steps_done: int
    steps_total: int | None
    timezone: str = ""  # the prospect's IANA zone, where known
    back: str = ""  # why a lead is back from nurture, until its rep answers it

    @classmethod
    def make(cls, **fields: object) -> QueueRow:
        for key in ("name", "company", "email", "phone", "source", "back"):
            fields[key] = clean(str(fields.get(key) or ""))
        return cls(**fields)  # type: ignore[arg-type]


@dataclass(frozen=True, slots=True)
class Cells:
    """A row's cell texts at one moment, and its mark; equal Cells paint identically."""

    sla: str
    name: str
    company: str
    band: str
    source: str
    next: str
    touches: str
    age: str
    mark: Mark
    overdue: bool
    email: str = ""
    phone: str = ""


SecondsLeft = Callable[[datetime, datetime], float]


def wall_clock(deadline: datetime, now: datetime) -> float:
    return (deadline - now).total_seconds()


def window_left(row: QueueRow, now: datetime, left: SecondsLeft = wall_clock) -> float | None:
    """Seconds left on an open speed-to-lead window, or None when it is met or closed.

    `left` counts them as the SLA policy does: working time only, with business hours."""
    # Open up to and including the deadline itself, as the domain's speed-to-lead rule has it.
    if row.first_touch_at is None and row.stl_deadline is not None and row.stl_deadline >= now:
        # The clock never runs before the lead exists (`--now` before its creation): the window
        # shows whole, as the domain's speed-to-lead rule caps it, not a day and more left.
        return max(left(row.stl_deadline, max(now, row.created_at)), 0.0)
    return None


def countdown(seconds: float) -> str:
    whole = int(seconds)
    if whole >= 100 * 60:
        return f"{whole // 3600}h{whole % 3600 // 60:02d}m"
    return f"{whole // 60:02d}:{whole % 60:02d}"


def span(seconds: float) -> str:
    """A compact duration: 45m, 3h, 2d, 5w."""
    minutes = int(abs(seconds) // 60)
    if minutes < 60:
        return f"{minutes}m"
    if minutes < 48 * 60:
        return f"{minutes // 60}h"
    if minutes < 14 * 24 * 60:
        return f"{minutes // (24 * 60)}d"
    return f"{minutes // (7 * 24 * 60)}w"


def cells(
    row: QueueRow, now: datetime, at_risk_seconds: float, seconds_left: SecondsLeft = wall_clock
) -> Cells:
    left = window_left(row, now, seconds_left)
    mark = Mark.NONE
    if left is not None:
        at_risk = left <= at_risk_seconds
        mark = Mark.AT_RISK if at_risk else Mark.NONE
        sla = f"{'▲' if at_risk else ' '} {countdown(left)}"
    elif row.first_touch_at is None:
        mark = Mark.BREACHED
        sla = "✖ breached"
    elif row.stl_deadline is not None and row.first_touch_at > row.stl_deadline:
        sla = "  breached"  # `leadtui queue` says "breached" too; touched since, so no ✖
    else:
        sla = "✓ met"
    overdue = row.next_due is not None and not row.paused and row.next_due < now
    if overdue and mark is Mark.NONE:
        mark = Mark.OVERDUE
    if row.next_channel is None or row.next_due is None:
        nxt = "—"
    elif row.paused:
        nxt = f"{row.next_channel} paused"
    elif overdue:
        # "overdue", as `leadtui queue` and the board say; the word marks it without colour.
        nxt = f"{row.next_channel} overdue {span((now - row.next_due).total_seconds())}"
    else:
        nxt = f"{row.next_channel} in {span((row.next_due - now).total_seconds())}"
    total = "–" if row.steps_total is None else str(row.steps_total)
    return Cells(
        sla=sla,
        name=("↺ " if row.back else "") + (row.name or row.email or f"#{row.lead_id}"),
        company=row.company,
        band=f"{row.band[:4]:<4} {row.score:>3}",
        source=row.source,
        next=nxt,
        touches=f"{row.touches}/{total}",
        age=span((now - row.created_at).total_seconds()),
        mark=mark,
        overdue=overdue,
        email=row.email,
        phone=row.phone,
    )
