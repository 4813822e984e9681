"""SLA breaches of one lead: a missed speed-to-lead clock, late cadence steps, giving up early.

These are what a manager reviews afterwards (RESEARCH.md, "What managers measure"); the rep sees
the same clocks live through `speed_to_lead.evaluate` and `cadence.is_overdue`.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from leadtui.domain.cadence import gave_up_early, is_overdue
from leadtui.domain.calendar import BusinessCalendar, as_utc
from leadtui.domain.models import BreachKind, Enrolment, Lead, SpeedToLeadState, Touch
from leadtui.domain.reasons import DEFAULT_REASONS, DisqualifyReason
from leadtui.domain.speed_to_lead import SlaPolicy, evaluate, is_human_touch


@dataclass(frozen=True)
class Breach:
    kind: BreachKind
    due_at: datetime  # the deadline missed, or when the lead was dropped (gave_up_early)
    late_by_minutes: int | None  # None for gave_up_early
    resolved_at: datetime | None  # when the late touch finally happened; None while open


def _late_by(due: datetime, until: datetime, policy: SlaPolicy, calendar: BusinessCalendar) -> int:
    # Rounded up so that any breach is late by at least a minute. When the SLA runs on business
    # hours, nights and weekends do not count against the rep.
    if policy.business_hours_only:
        minutes = calendar.working_minutes_between(due, until)
    else:
        minutes = (as_utc(until) - as_utc(due)).total_seconds() / 60
    return max(math.ceil(minutes), 0)


def breaches_for(
    lead: Lead,
    touches: Iterable[Touch],
    enrolment: Enrolment | None,
    policy: SlaPolicy,
    calendar: BusinessCalendar,
    now: datetime,
    abandon_after_days: int = 14,
    reasons: Sequence[DisqualifyReason] = DEFAULT_REASONS,
) -> list[Breach]:
    """Every breach of `lead` as of `now`, ordered by due time.

    `calendar` is the rep's: it decides the speed-to-lead deadline and, with a business-hours
    policy, how late counts. Touches after `now` are ignored.
    """
    now_u = as_utc(now)
    touches = [t for t in touches if as_utc(t.occurred_at) <= now_u]
    breaches: list[Breach] = []

    clock = evaluate(lead, touches, policy, calendar, now)
    if clock.state == SpeedToLeadState.BREACHED:
        until = clock.first_touch_at or now
        late = _late_by(clock.deadline, until, policy, calendar)
        breaches.append(
            Breach(BreachKind.SPEED_TO_LEAD, clock.deadline, late, clock.first_touch_at)
        )

    # A new lead's first cadence step is its first touch, due when the window closes (or at the
    # prospect's next working hour): missing it is the speed-to-lead breach already counted, not
    # a second, "overdue" one.
    missed_first = clock.state == SpeedToLeadState.BREACHED

    if enrolment is not None:
        for n, record in enumerate(enrolment.history):
            if missed_first and n == 0 and record.step == 0:
                continue
            if as_utc(record.done_at) > as_utc(record.due_at):
                late = _late_by(record.due_at, record.done_at, policy, calendar)
                breaches.append(
                    Breach(BreachKind.OVERDUE_TOUCH, record.due_at, late, record.done_at)
                )
        first_step = enrolment.step == 0 and not enrolment.history
        if (
            not (missed_first and first_step)
            and enrolment.due_at is not None
            and is_overdue(enrolment, now)
        ):
            late = _late_by(enrolment.due_at, now, policy, calendar)
            breaches.append(Breach(BreachKind.OVERDUE_TOUCH, enrolment.due_at, late, None))

    human_touches = sum(1 for t in touches if is_human_touch(t, lead.owner))
    dropped = gave_up_early(lead, human_touches, enrolment, now, abandon_after_days, reasons)
    if dropped is not None:
        breaches.append(Breach(BreachKind.GAVE_UP_EARLY, dropped, None, None))

    return sorted(breaches, key=lambda b: as_utc(b.due_at))
