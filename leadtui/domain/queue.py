"""The rep's queue: which lead to work next.

Speed to lead comes first because a web lead's odds of qualifying fall steeply within minutes
(RESEARCH.md); then whatever is already late, oldest first, so nothing rots at the bottom; then
today's steps and the rest by score. Snoozed and closed leads are not shown at all.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from enum import StrEnum
from typing import NamedTuple

from leadtui.domain.models import OPEN_STATUSES, LeadStatus, SpeedToLeadState


class QueueEntry(NamedTuple):
    """What ordering needs of one lead; `next_due` is its cadence's next step, if any. A named
    tuple: one is made per queued lead on every read (leadtui.lead_views.LeadView says why)."""

    lead_id: int
    score: int
    stl_state: SpeedToLeadState
    stl_deadline: datetime
    next_due: datetime | None
    paused: bool  # the cadence is paused: its due step is neither overdue nor due today
    snoozed_until: datetime | None
    status: LeadStatus


class Urgency(StrEnum):
    """The queue's groups, most urgent first (the declaration order is the queue order)."""

    OPEN_WINDOW = "open_window"  # speed-to-lead window still open
    # The hour is gone but nobody has called: still the best next call there is (the odds keep
    # falling for about a day, RESEARCH.md), so these come before old overdue steps, newest
    # breach first. A lead missed five minutes ago beats one missed last month.
    FIRST_TOUCH_LATE = "first_touch_late"
    OVERDUE = "overdue"  # a cadence step past due
    DUE_TODAY = "due_today"  # a cadence step due by the end of the rep's day
    LATER = "later"


_BY_RANK = tuple(Urgency)
_WINDOW_OPEN = frozenset({SpeedToLeadState.PENDING, SpeedToLeadState.AT_RISK})

UrgencyKey = tuple[int, float, int]


def is_visible(entry: QueueEntry, now: datetime) -> bool:
    """Open leads that are not snoozed past `now`."""
    snoozed = entry.snoozed_until is not None and entry.snoozed_until > now
    return entry.status in OPEN_STATUSES and not snoozed


def urgency_key(entry: QueueEntry, now: datetime, day_end: datetime) -> UrgencyKey:
    """A sort key, smallest most urgent: (group rank, order within the group, lead_id)."""
    rank, order = _place(entry, now.timestamp(), day_end.timestamp())
    return rank, order, entry.lead_id


def urgency_of(entry: QueueEntry, now: datetime, day_end: datetime) -> Urgency:
    return _BY_RANK[_place(entry, now.timestamp(), day_end.timestamp())[0]]


def order_queue(
    entries: Iterable[QueueEntry], now: datetime, day_end: datetime
) -> list[QueueEntry]:
    """Visible entries sorted by `urgency_key`; `day_end` ends the rep's local working day.

    It runs on every refresh of up to 100k leads. Comparing key tuples was the slowest part, so
    it sorts by lead_id once, buckets by group, then stable-sorts each bucket on a float, which
    CPython compares on a fast path (about 4x quicker): the same order, exactly.
    """
    now_ts = now.timestamp()
    end_ts = day_end.timestamp()
    visible = sorted((e for e in entries if is_visible(e, now)), key=_lead_id)
    groups: tuple[list[tuple[float, QueueEntry]], ...] = tuple([] for _ in _BY_RANK)
    for entry in visible:
        rank, order = _place(entry, now_ts, end_ts)
        groups[rank].append((order, entry))
    ordered: list[QueueEntry] = []
    for group in groups:
        group.sort(key=_order)  # stable: equal orders stay in lead_id order
        ordered.extend(entry for _, entry in group)
    return ordered


def _lead_id(entry: QueueEntry) -> int:
    return entry.lead_id


def _order(pair: tuple[float, QueueEntry]) -> float:
    return pair[0]


def _place(entry: QueueEntry, now_ts: float, end_ts: float) -> tuple[int, float]:
    """(group rank, order within the group), both ascending."""
    if entry.stl_state in _WINDOW_OPEN:
        # The earliest deadline is the least time left; no need to subtract `now`.
        return 0, entry.stl_deadline.timestamp()

    # Still NEW after a breach means nobody has touched it yet.
    if entry.stl_state is SpeedToLeadState.BREACHED and entry.status is LeadStatus.NEW:
        return 1, -entry.stl_deadline.timestamp()

    late_since: float | None = None

    # A paused cadence is the rep's time off: its steps must not come back as a wall of overdue.
    due_today = False
    if entry.next_due is not None and not entry.paused:
        due = entry.next_due.timestamp()
        if due < now_ts:
            late_since = due if late_since is None else min(late_since, due)
        elif due <= end_ts:
            due_today = True

    if late_since is not None:
        return 2, late_since  # the earliest is the most overdue
    return (3 if due_today else 4), -float(entry.score)
