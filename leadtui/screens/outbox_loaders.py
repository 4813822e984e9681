"""Read models for sync's side of the TUI: conflicts, rejected ("dead") changes, new leads' names.

Plain functions of the workspace, called from worker threads; no Textual here.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import col, select

from leadtui.store import queries
from leadtui.store.tables import LeadRow, NoteRow, OutboxRow
from leadtui.workspace import Workspace

# What an outbox change does, in the rep's words.
KIND_LABELS = {
    "create_touch": "touch",
    "create_note": "note",
    "update_lead": "lead fields",
}


@dataclass(frozen=True)
class ConflictItem:
    id: int
    lead_id: int
    lead: str
    field: str
    mine: str
    theirs: str
    base: str
    created_at: datetime


@dataclass(frozen=True)
class DeadItem:
    op_id: str
    lead_id: int
    lead: str
    kind: str
    summary: str
    attempts: int
    last_error: str
    created_at: datetime


@dataclass(frozen=True)
class OutboxView:
    conflicts: list[ConflictItem]
    dead: list[DeadItem]


def lead_names(ws: Workspace, lead_ids: Sequence[int]) -> dict[int, str]:
    """Name (or email) of each lead, in the order given; unknown ids are left out."""
    if not lead_ids:
        return {}
    with ws.session() as session:
        rows = session.exec(
            select(LeadRow.id, LeadRow.name, LeadRow.email).where(col(LeadRow.id).in_(lead_ids))
        ).all()
    found = {lead_id: (name or email or f"lead {lead_id}") for lead_id, name, email in rows}
    return {i: found[i] for i in lead_ids if i in found}


def _summary(op: OutboxRow, notes: dict[int, str]) -> str:
    payload = op.payload or {}
    if op.kind == "update_lead":
        fields = payload.get("fields") or {}
        parts = [f"{name} → {(change or {}).get('after')}" for name, change in fields.items()]
        return ", ".join(parts) or "no fields"
    if op.kind == "create_note":
        return notes.get(op.record_id or 0, "")
    if op.kind == "create_touch":
        channel, outcome = payload.get("channel", ""), payload.get("outcome", "")
        return f"{channel} {outcome}".strip().replace("_", " ")
    return ""


def load_outbox_view(ws: Workspace) -> OutboxView:
    """Open conflicts, oldest first, and dead changes, oldest first."""
    with ws.session() as session:
        conflicts = queries.open_conflicts(session)
        dead = list(
            session.exec(
                select(OutboxRow).where(OutboxRow.state == "dead").order_by(col(OutboxRow.id))
            )
        )
        ids = {c.lead_id for c in conflicts} | {op.lead_id for op in dead}
        # A note's outbox payload is empty (the row is the record): its text is in the note.
        note_ids = [op.record_id for op in dead if op.kind == "create_note" and op.record_id]
        notes = {
            int(i or 0): body
            for i, body in session.exec(
                select(NoteRow.id, NoteRow.body).where(col(NoteRow.id).in_(note_ids))
            ).all()
        }
    names = lead_names(ws, sorted(ids))
    return OutboxView(
        conflicts=[
            ConflictItem(
                id=c.id or 0,
                lead_id=c.lead_id,
                lead=names.get(c.lead_id, f"lead {c.lead_id}"),
                field=c.field,
                mine=c.local_value or "",
                theirs=c.remote_value or "",
                base=c.base_value or "",
                created_at=c.created_at,
            )
            for c in conflicts
        ],
        dead=[
            DeadItem(
                op_id=op.op_id,
                lead_id=op.lead_id,
                lead=names.get(op.lead_id, f"lead {op.lead_id}"),
                kind=KIND_LABELS.get(op.kind, op.kind),
                summary=_summary(op, notes),
                attempts=op.attempts,
                last_error=op.last_error,
                created_at=op.created_at,
            )
            for op in dead
        ],
    )
