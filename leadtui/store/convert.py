"""Rows to domain objects and back. The domain never sees a row; the store never sees a rule."""

from __future__ import annotations

from datetime import datetime
from operator import attrgetter
from typing import TYPE_CHECKING, Any

from leadtui.domain.models import (
    Channel,
    Enrolment,
    Event,
    EventKind,
    Lead,
    LeadStatus,
    Outcome,
    StepRecord,
    Touch,
)

if TYPE_CHECKING:  # only annotations: the light read path converts without the ORM loaded
    from leadtui.store.tables import EnrolmentRow, EventRow, LeadRow, TouchRow

# The lead fields that are plain copies between the row and the domain object.
LEAD_FIELDS = (
    "name",
    "email",
    "owner",
    "source",
    "created_at",
    "routed_at",
    "crm_id",
    "company",
    "phone",
    "job_title",
    "industry",
    "company_size",
    "country",
    "timezone",
    "form_problem",
    "form_timeline",
    "email_bad",
    "phone_bad",
    "snoozed_until",
    "opportunity_at",
    "won_at",
    "closed_at",
    "deal_value",
    "disqualified_reason",
    "form_submitted_at",
)
# Lead fields leadtui owns and a pull never overwrites.
LOCAL_LEAD_FIELDS = ("recycled_at", "recycle_reason")


# Members by value: Enum(value) runs two Python frames a call, and a 1,000-lead queue converts a
# few thousand. An unknown value still goes to Enum(value), which says what is wrong.
_STATUSES = {member.value: member for member in LeadStatus}
_CHANNELS = {member.value: member for member in Channel}
_OUTCOMES = {member.value: member for member in Outcome}


# A lead row's columns carry the lead's field names: all of them are read in one C call, in
# the lead's field order, and made a Lead without keyword matching (a queue read makes
# thousands); only the status and a missing id or CRM id need converting.
_LEAD_VALUES = attrgetter(*Lead._fields)
_ID, _STATUS, _CRM_ID = (Lead._fields.index(name) for name in ("id", "status", "crm_id"))


def lead_from_row(row: LeadRow) -> Lead:
    values = list(_LEAD_VALUES(row))
    values[_ID] = values[_ID] or 0
    values[_STATUS] = _STATUSES.get(values[_STATUS]) or LeadStatus(values[_STATUS])
    values[_CRM_ID] = values[_CRM_ID] or ""
    return Lead._make(values)


def lead_values(lead: Lead) -> dict[str, Any]:
    """The row's columns for a domain lead (no id: the database gives it)."""
    values = {name: getattr(lead, name) for name in LEAD_FIELDS + LOCAL_LEAD_FIELDS}
    values["crm_id"] = lead.crm_id or None
    values["status"] = lead.status.value
    return values


def event_from_row(row: EventRow) -> Event:
    return Event(EventKind(row.kind), row.occurred_at, row.url, row.title)


def touch_from_row(row: TouchRow) -> Touch:
    return Touch(
        channel=_CHANNELS.get(row.channel) or Channel(row.channel),
        outcome=_OUTCOMES.get(row.outcome) or Outcome(row.outcome),
        occurred_at=row.occurred_at,
        note=row.note,
        by=row.by,
        automated=row.automated,
    )


def enrolment_from_row(row: EnrolmentRow) -> Enrolment:
    return enrolment_from_mapping(row.__dict__)


def enrolment_values(enrolment: Enrolment) -> dict[str, Any]:
    return {
        "cadence": enrolment.cadence,
        "enrolled_at": enrolment.enrolled_at,
        "step": enrolment.step,
        "due_at": enrolment.due_at,
        "paused_at": enrolment.paused_at,
        "exited_at": enrolment.exited_at,
        "exit_reason": enrolment.exit_reason,
        "completed_at": enrolment.completed_at,
        "history": [
            [record.step, record.due_at.isoformat(), record.done_at.isoformat()]
            for record in enrolment.history
        ],
    }


def lead_from_mapping(values: Any) -> Lead:
    """A lead from a Core row mapping: the fast path for bulk work, no ORM object made."""
    fields = {name: values[name] for name in LEAD_FIELDS + LOCAL_LEAD_FIELDS}
    fields["crm_id"] = values["crm_id"] or ""
    return Lead(id=values["id"], status=LeadStatus(values["status"]), **fields)


def enrolment_from_mapping(values: Any) -> Enrolment:
    return Enrolment(
        cadence=values["cadence"],
        enrolled_at=values["enrolled_at"],
        step=values["step"],
        due_at=values["due_at"],
        paused_at=values["paused_at"],
        exited_at=values["exited_at"],
        exit_reason=values["exit_reason"],
        completed_at=values["completed_at"],
        history=tuple(
            StepRecord(int(step), datetime.fromisoformat(due), datetime.fromisoformat(done))
            for step, due, done in (values["history"] or [])
        ),
    )
