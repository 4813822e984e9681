"""Taking back a rep's last touch, note or decision (leadtui.workspace.Workspace.undo).

Every rep action writes its outbox ops with the same `action` id in their payload, the first
one also with the lead's enrolment as it was before (`enrolment_before`), and each field change
with the values it replaced (`restore`, which the pull's merge never edits). Undo finds the
lead's newest action and, op by op: not yet pushed, withdraws it; pushed, queues the change that
compensates it (archive the engagement or the deal, write the old field values back). Then the
enrolment is put back as it was and the workspace recomputes the clock and cadence.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlmodel import Session, col, select

from leadtui.store.tables import (
    ConflictRow,
    EnrolmentRow,
    LeadRow,
    NoteRow,
    OutboxRow,
    TouchRow,
    UTCDateTime,
    table_of,
)

# Kinds a rep's action writes; compensations carry "compensates" and are never undone.
ACTION_KINDS = ("create_touch", "create_note", "update_lead", "create_deal")
UNSENT = ("pending", "held", "dead")
_ENROLMENT_TIMES = ("enrolled_at", "due_at", "paused_at", "exited_at", "completed_at")

Enqueue = Callable[..., None]  # Workspace._outbox


class NothingToUndo(Exception):
    """The lead has no touch, note or decision left to take back."""


def action_payload(session: Session, lead_id: int, action_id: str) -> dict[str, Any]:
    """What the first op of a rep's action carries so that undo can take it back."""
    return {"action": action_id, "enrolment_before": _enrolment_json(session, lead_id)}


def take_back(session: Session, row: LeadRow, now: datetime, enqueue: Enqueue) -> str:
    """Undo the lead's newest action; returns what it was, in words. NothingToUndo if none."""
    ops = session.exec(
        select(OutboxRow)
        .where(OutboxRow.lead_id == row.id)
        .where(col(OutboxRow.kind).in_(ACTION_KINDS))
        .where(col(OutboxRow.state).in_([*UNSENT, "done"]))
        .order_by(col(OutboxRow.id).desc())
    ).all()
    ops = [op for op in ops if not op.payload.get("compensates")]
    if not ops:
        raise NothingToUndo(f"Nothing to undo on {row.name or row.email}.")
    action = _action_of(ops[0])
    group = [op for op in ops if _action_of(op) == action]
    said = describe(group)
    snapshot: Any = ...
    for op in group:  # newest first
        if "enrolment_before" in op.payload:
            snapshot = op.payload["enrolment_before"]
        if op.state == "done":
            _compensate(session, row, op, now, enqueue)
            op.state = "undone"
        else:
            _settle_conflicts(session, row, op, now)
            op.state = "withdrawn"
        revert_local(session, op)
        op.done_at = now
        session.add(op)
    if snapshot is not ...:
        _restore_enrolment(session, row.id or 0, snapshot)
    return said


def revert_local(session: Session, op: OutboxRow) -> None:
    """Undo what an op changed in the cache: its touch or note row, its field values."""
    if op.kind == "create_touch" and op.record_id:
        touch = session.get(TouchRow, op.record_id)
        if touch is not None:
            session.delete(touch)
    elif op.kind == "create_note" and op.record_id:
        note = session.get(NoteRow, op.record_id)
        if note is not None:
            session.delete(note)
    elif op.kind == "update_lead":
        lead = session.get(LeadRow, op.lead_id)
        if lead is not None:
            for name, value in restore_values(op).items():
                setattr(lead, name, from_plain(name, value))
            session.add(lead)


def restore_values(op: OutboxRow) -> dict[str, Any]:
    """The values an update_lead op replaced (plain JSON values)."""
    if isinstance(op.payload.get("restore"), dict):
        return dict(op.payload["restore"])
    fields = op.payload.get("fields") or {}
    return {k: v.get("before") for k, v in fields.items() if isinstance(v, dict)}


def from_plain(field: str, value: Any) -> Any:
    """A plain (JSON) value back as the lead column's type."""
    column = table_of(LeadRow).c[field]
    if isinstance(column.type, UTCDateTime) and isinstance(value, str):
        return datetime.fromisoformat(value)
    return value


def describe(group: list[OutboxRow]) -> str:
    kinds = {op.kind: op for op in group}
    if "create_deal" in kinds:
        return "the conversion"
    if "create_touch" in kinds:
        payload = kinds["create_touch"].payload
        outcome = str(payload.get("outcome", "")).replace("_", " ")
        return f"the {payload.get('channel', 'touch')} ({outcome})"
    if "create_note" in kinds:
        return "the note"
    fields = kinds["update_lead"].payload.get("fields") or {}
    after = (fields.get("status") or {}).get("after")
    return {"disqualified": "the disqualification", "working": "the reopening"}.get(
        str(after), "the change"
    )


def _action_of(op: OutboxRow) -> str:
    return str(op.payload.get("action") or op.op_id)


def _compensate(
    session: Session, row: LeadRow, op: OutboxRow, now: datetime, enqueue: Enqueue
) -> None:
    lead_id = row.id or 0
    marker = {"compensates": op.op_id}
    if op.kind in ("create_touch", "create_note"):
        if op.kind == "create_touch":
            touch = session.get(TouchRow, op.record_id) if op.record_id else None
            if touch is not None and touch.crm_id:
                payload = {"crm_id": touch.crm_id, "channel": touch.channel, **marker}
                enqueue(session, "archive_touch", lead_id, now, payload)
        else:
            note = session.get(NoteRow, op.record_id) if op.record_id else None
            if note is not None and note.crm_id:
                enqueue(session, "archive_note", lead_id, now, {"crm_id": note.crm_id, **marker})
    elif op.kind == "create_deal":
        enqueue(session, "archive_deal", lead_id, now, {"deal_op_id": op.op_id, **marker})
    elif op.kind == "update_lead":
        fields = {}
        for name, before in restore_values(op).items():
            current = _plain(getattr(row, name))
            if current != before:
                fields[name] = {"before": current, "after": before}
        if fields:
            enqueue(session, "update_lead", lead_id, now, {"fields": fields, **marker})


def _settle_conflicts(session: Session, row: LeadRow, op: OutboxRow, now: datetime) -> None:
    """A withdrawn change held by a conflict: the CRM's value stands, the conflict is closed."""
    if op.state != "held":
        return
    fields = set((op.payload.get("fields") or {}).keys())
    conflicts = session.exec(
        select(ConflictRow)
        .where(ConflictRow.lead_id == row.id)
        .where(col(ConflictRow.resolved_at).is_(None))
    ).all()
    for conflict in conflicts:
        if conflict.field in fields:
            conflict.resolved_at, conflict.resolution = now, "remote"
            session.add(conflict)


def _enrolment_json(session: Session, lead_id: int) -> dict[str, Any] | None:
    row = session.get(EnrolmentRow, lead_id)
    if row is None:
        return None
    values = row.model_dump(exclude={"lead_id"})
    return {k: _plain(v) for k, v in values.items()}


def _restore_enrolment(session: Session, lead_id: int, snapshot: dict[str, Any] | None) -> None:
    row = session.get(EnrolmentRow, lead_id)
    if snapshot is None:
        if row is not None:
            session.delete(row)
        return
    values = {
        k: datetime.fromisoformat(v) if k in _ENROLMENT_TIMES and isinstance(v, str) else v
        for k, v in snapshot.items()
    }
    if row is None:
        row = EnrolmentRow(
            lead_id=lead_id, cadence=str(values["cadence"]), enrolled_at=values["enrolled_at"]
        )
    for key, value in values.items():
        setattr(row, key, value)
    session.add(row)


def _plain(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime) else value
