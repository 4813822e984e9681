"""The speed-to-lead clock: how fast the owner first reached a new lead.

The clock starts when the lead is routed (or created, when routing is instant) and only a genuine
human touch by the owner stops it: an automated email or a colleague's call does not (RESEARCH.md,
"Speed to lead").
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import NamedTuple

from leadtui.domain.calendar import BusinessCalendar, as_utc
from leadtui.domain.models import TOUCH_CHANNELS, Lead, SpeedToLeadState, Touch

HUMAN_TOUCH_CHANNELS = frozenset(TOUCH_CHANNELS)


class _SlaPolicyFields(NamedTuple):
    window_minutes: int
    at_risk_minutes: int
    business_hours_only: bool


class SlaPolicy(_SlaPolicyFields):
    """How long the owner has to first touch a lead.

    With `business_hours_only` the clock runs only inside the calendar's working hours: the
    deadline is `window_minutes` of working time after the clock starts, and `minutes_left` and
    the at-risk threshold count working minutes too: a lead that arrived at 16:40 shows 15
    minutes left at 17:25 (due 09:10 tomorrow), not 15 hours and 45 minutes.

    A named tuple checked when made, not a dataclass: nothing on `leadtui queue --format json`'s
    path then imports dataclasses (and inspect with it), a tenth of its start-up.
    """

    __slots__ = ()

    def __new__(
        cls, window_minutes: int = 60, at_risk_minutes: int = 15, business_hours_only: bool = False
    ) -> SlaPolicy:
        if window_minutes <= 0:
            raise ValueError(f"speed-to-lead window must be positive, got {window_minutes}")
        if at_risk_minutes < 0:
            raise ValueError(f"at-risk minutes must be >= 0, got {at_risk_minutes}")
        return super().__new__(cls, window_minutes, at_risk_minutes, business_hours_only)


class SpeedToLead(NamedTuple):
    """Where a lead stands against its speed-to-lead window at `now`. A named tuple: one is made
    per queued lead on every read (leadtui.lead_views.LeadView says why)."""

    deadline: datetime
    state: SpeedToLeadState
    minutes_left: int | None  # None once met or breached
    first_touch_at: datetime | None


def is_human_touch(touch: Touch, owner: str) -> bool:
    """A touch by the owner in person; an empty `by` is taken as the owner (a manual log)."""
    if touch.automated or touch.channel not in HUMAN_TOUCH_CHANNELS:
        return False
    by = touch.by.strip().casefold()
    return not by or by == owner.strip().casefold()


def first_human_touch(owner: str, touches: Iterable[Touch]) -> Touch | None:
    """The earliest human touch by `owner`, whatever order `touches` come in."""
    human = [t for t in touches if is_human_touch(t, owner)]
    return min(human, key=lambda t: as_utc(t.occurred_at)) if human else None


def window_touches(lead: Lead, touches: Iterable[Touch]) -> list[Touch]:
    """The touches that can stop this lead's clock: all of them, except for a lead back from
    nurture, whose fresh window only a touch made after it came back can meet."""
    if lead.recycled_at is None:
        return list(touches)
    since = as_utc(lead.recycled_at)
    return [t for t in touches if as_utc(t.occurred_at) >= since]


def deadline_for(lead: Lead, policy: SlaPolicy, calendar: BusinessCalendar) -> datetime:
    """When the first touch is due, in the calendar's zone."""
    start = as_utc(lead.clock_start)
    if policy.business_hours_only:
        return calendar.add_working_minutes(start, policy.window_minutes)
    return (start + timedelta(minutes=policy.window_minutes)).astimezone(calendar.zone)


def evaluate(
    lead: Lead,
    touches: Iterable[Touch],
    policy: SlaPolicy,
    calendar: BusinessCalendar,
    now: datetime,
) -> SpeedToLead:
    """The clock as it stands at `now`; touches after `now` have not happened yet."""
    deadline = deadline_for(lead, policy, calendar)
    now_u = as_utc(now)
    so_far = [t for t in window_touches(lead, touches) if as_utc(t.occurred_at) <= now_u]
    first = first_human_touch(lead.owner, so_far)
    return clock_at(deadline, first.occurred_at if first else None, policy, calendar, now)


def clock_at(
    deadline: datetime,
    first_touch_at: datetime | None,
    policy: SlaPolicy,
    calendar: BusinessCalendar,
    now: datetime,
) -> SpeedToLead:
    """The clock from a stored deadline and first touch: what the queue computes every second
    for every visible lead, without reloading touches."""
    now_u, deadline_u = as_utc(now), as_utc(deadline)
    if first_touch_at is not None and as_utc(first_touch_at) <= now_u:
        met = as_utc(first_touch_at) <= deadline_u
        state = SpeedToLeadState.MET if met else SpeedToLeadState.BREACHED
        return SpeedToLead(deadline, state, None, first_touch_at)
    if now_u > deadline_u:
        return SpeedToLead(deadline, SpeedToLeadState.BREACHED, None, None)
    if policy.business_hours_only:
        left = calendar.working_minutes_between(now_u, deadline_u)
    else:
        left = (deadline_u - now_u).total_seconds() / 60
    # Seen before the clock started (a `--now` in the past), the whole window is left, not more.
    left = min(left, policy.window_minutes)
    minutes_left = max(math.ceil(left), 0)
    at_risk = left <= policy.at_risk_minutes
    state = SpeedToLeadState.AT_RISK if at_risk else SpeedToLeadState.PENDING
    return SpeedToLead(deadline, state, minutes_left, None)
