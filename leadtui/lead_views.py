"""A lead with everything derived about it at `now`, and the queue's order of them.

Built from rows already read, whichever way they were read: the ORM (leadtui.views) or plain
sqlite3 (leadtui.light_queue). One function makes both, so both paths show the same figures.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any, NamedTuple

from leadtui.domain import cadence as cadences
from leadtui.domain.calendar import as_utc
from leadtui.domain.models import Band, CadenceTemplate, Enrolment, Lead, Step, Touch
from leadtui.domain.queue import QueueEntry, Urgency, order_queue, urgency_of
from leadtui.domain.speed_to_lead import (
    SpeedToLead,
    clock_at,
    deadline_for,
    evaluate,
    is_human_touch,
)
from leadtui.rules import Rules
from leadtui.store.convert import lead_from_row, touch_from_row
from leadtui.store.light import ContextSummary

NO_CONTEXT = ContextSummary(0, [], "")


class LeadView(NamedTuple):
    """One lead with everything derived about it at `now`.

    A named tuple, like the other records the queue makes per lead (SpeedToLead, QueueEntry,
    ContextSummary): made three times faster than a frozen dataclass, and its class a quarter
    of the cost at import, which `leadtui queue --format json` pays on every run
    (bench/startup.py)."""

    lead: Lead
    score: int
    band: Band
    stl: SpeedToLead
    enrolment: Enrolment | None
    template: CadenceTemplate | None
    touches: tuple[Touch, ...]
    human_touches: int
    context: ContextSummary | None
    urgency: Urgency | None = None

    @property
    def next_step(self) -> Step | None:
        if self.enrolment is None or self.template is None or not self.enrolment.active:
            return None
        return cadences.current_step(self.enrolment, self.template)

    def overdue(self, now: datetime) -> bool:
        return self.enrolment is not None and cadences.is_overdue(self.enrolment, now)


def build_views(
    rules: Rules,
    now: datetime,
    lead_rows: Sequence[Any],
    touches: Mapping[int, Sequence[Any]] | None,
    enrolments: Mapping[int, Enrolment],
    contexts: Mapping[int, ContextSummary],
) -> dict[int, LeadView]:
    """Views of these lead rows (attribute access: ORM rows or the light path's), in their order,
    with their touches (rows), enrolments and contexts, keyed by lead id.

    `touches` None: views for a listing, without their touches. The clock and the count of
    human touches then come from the figures the cache keeps beside each lead (first_touch_at:
    the owner's first human touch in the lead's window, human_touches), which Workspace.refresh
    rewrites after every change to a lead's touches, owner or return from nurture: the same
    figures (tests/cli/test_light_queue.py compares), without reading or converting a touch.
    The deadline depends on the configuration, so it is always computed."""
    views: dict[int, LeadView] = {}
    policy, calendar = rules.policy, rules.calendar
    for row in lead_rows:
        lead = lead_from_row(row)
        if touches is None:
            lead_touches: tuple[Touch, ...] = ()
            deadline = deadline_for(lead, policy, calendar)
            stl = clock_at(deadline, row.first_touch_at, policy, calendar, now)
            human_touches = row.human_touches
        else:
            lead_touches = tuple(touch_from_row(t) for t in touches.get(row.id, []))
            stl = evaluate(lead, lead_touches, policy, calendar, now)
            human_touches = sum(1 for t in lead_touches if is_human_touch(t, lead.owner))
        enrolment = enrolments.get(row.id)
        views[row.id] = LeadView(
            lead=lead,
            score=row.score,
            band=_BANDS.get(row.band) or Band(row.band),
            stl=stl,
            enrolment=enrolment,
            template=rules.templates.get(enrolment.cadence) if enrolment else None,
            touches=lead_touches,
            human_touches=human_touches,
            context=contexts.get(row.id, NO_CONTEXT),
        )
    return views


# Members by value, as leadtui.store.convert reads statuses: Enum(value) is two Python frames.
_BANDS = {member.value: member for member in Band}


def queue_entry(view: LeadView) -> QueueEntry:
    enrolment = view.enrolment
    active = enrolment is not None and enrolment.active
    return QueueEntry(
        lead_id=view.lead.id,
        score=view.score,
        stl_state=view.stl.state,
        stl_deadline=view.stl.deadline,
        next_due=enrolment.due_at if enrolment is not None and active else None,
        paused=bool(active and enrolment is not None and enrolment.paused_at is not None),
        snoozed_until=view.lead.snoozed_until,
        status=view.lead.status,
    )


def in_queue_order(rules: Rules, views: Mapping[int, LeadView], now: datetime) -> list[LeadView]:
    """The views most urgent first, each with its urgency."""
    day_end = rules.end_of_day(now)
    ordered = order_queue([queue_entry(v) for v in views.values()], now, day_end)
    return [
        _with_urgency(views[entry.lead_id], urgency_of(entry, now, day_end)) for entry in ordered
    ]


def _with_urgency(view: LeadView, urgency: Urgency) -> LeadView:
    return view._replace(urgency=urgency)


def minutes_in_system(lead: Lead, now: datetime) -> int:
    return max(int((as_utc(now) - as_utc(lead.created_at)).total_seconds() // 60), 0)
