"""Pushing the outbox: local changes go to the CRM in the order they were made.

A create carries its op id as the CRM record's unique property, so a push retried after a lost
reply lands once. Operations on one lead go in order: when one fails, the lead's later ones wait
for the next round rather than overtaking it.
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import String, func, type_coerce, update
from sqlmodel import Session, col, select

from leadtui.domain.models import Channel, LeadStatus, Outcome, Touch
from leadtui.store.tables import LeadRow, NoteRow, OutboxRow, TouchRow, table_of
from leadtui.workspace import Workspace
from sync import conflicts
from sync.engine import Progress
from sync.http import RequestError, ServerError, UnsendableChange
from sync.protocol import (
    AuthError,
    CrmAdapter,
    CrmUnavailable,
    DealSpec,
    DecisionPushes,
    FieldReader,
    SyncError,
)

MAX_ATTEMPTS = 8  # then the operation is "dead" and shown to the rep, never silently dropped
# Changes the CRM answered 5xx for (after every retry) in one round before the round stops pushing:
# one such change is likely this change's problem, several in a row the CRM's.
SERVER_ERRORS_PER_ROUND = 2


@dataclass(slots=True)
class PushReport:
    done: int = 0
    failed: int = 0
    dead: int = 0
    server_errors: list[int] = field(default_factory=list)  # op ids counted for a 5xx this round


def pending_count(session: Session) -> int:
    """Changes not yet in the CRM: waiting ones and "dead" ones (rejected, needing a person)."""
    # Not "done", "discarded", "withdrawn" (undone before it was sent) nor "undone" (compensated).
    query = (
        select(func.count())
        .select_from(OutboxRow)
        .where(col(OutboxRow.state).in_(["pending", "held", "dead"]))
    )
    return int(session.exec(query).one())


def _retry_at(now: datetime, attempts: int) -> datetime:
    return now + timedelta(seconds=min(3600, 2**attempts * (1 + random.random())))


def push_outbox(
    ws: Workspace,
    adapter: CrmAdapter,
    now: datetime,
    progress: Callable[[Progress], None] | None = None,
    kinds: Collection[str] | None = None,
) -> PushReport:
    """Push pending ops (only these kinds, if given) in order; CrmUnavailable stops the round."""
    report = PushReport()
    set_aside_damaged(ws, now)
    with ws.session() as session:
        query = select(OutboxRow.id).where(OutboxRow.state == "pending")
        if kinds is not None:
            query = query.where(col(OutboxRow.kind).in_(list(kinds)))
        op_ids = list(session.exec(query.order_by(col(OutboxRow.id))))
        if not op_ids:
            return report
        # A held field change (waiting on a conflict) keeps the lead's later field changes back
        # too: sent first, they would be overwritten by the held one once the rep resolves it.
        held = dict(
            session.exec(
                select(OutboxRow.lead_id, func.min(OutboxRow.id))
                .where(OutboxRow.state == "held")
                .group_by(col(OutboxRow.lead_id))
            ).all()
        )
    blocked: set[int] = set()
    rechecked: set[int] = set()
    for op_id in op_ids:
        with ws.session() as session:
            op = session.get(OutboxRow, op_id, with_for_update=True)
            if op is None or op.state != "pending" or op.lead_id in blocked:
                continue
            first_held = held.get(op.lead_id)
            if op.kind == "update_lead" and first_held is not None and first_held < op_id:
                continue
            if op.next_attempt_at is not None and op.next_attempt_at > now and op.attempts:
                blocked.add(op.lead_id)
                continue
            try:
                if op.kind == "update_lead" and op.lead_id not in rechecked:
                    rechecked.add(op.lead_id)
                    if not _still_unmoved(session, adapter, op, now):
                        held.setdefault(op.lead_id, op_id)
                        continue  # held as a conflict (or settled): nothing to write now
                if op.kind == "create_deal":
                    rechecked.add(op.lead_id)
                    if not _deal_still_wanted(session, adapter, op, now):
                        session.commit()
                        continue
                _send(session, adapter, op)
            except AuthError:
                raise
            except ServerError as exc:
                # The CRM answers, but 5xx to this change after every retry: count the attempt,
                # so a change it can never take ends as a rejected change with its answer instead
                # of blocking every round, and go on with the other leads' changes and the pull.
                # (The caller refunds these when the pull finds the whole CRM down.)
                _failed(op, exc, now, report, permanent=False)
                report.server_errors.append(op_id)
                blocked.add(op.lead_id)
                session.add(op)
                session.commit()
                if len(report.server_errors) >= SERVER_ERRORS_PER_ROUND:
                    break
                continue
            except CrmUnavailable as exc:
                # The CRM or the network is down: not this op's fault, so no attempt is counted
                # (an offline afternoon must not kill changes); stop the round, all stay pending.
                op.last_error = str(exc)[:500]
                session.add(op)
                session.commit()
                raise
            except SyncError as exc:
                refused = isinstance(exc, RequestError) and exc.status < 500
                _failed(op, exc, now, report, refused or isinstance(exc, UnsendableChange))
                blocked.add(op.lead_id)
            else:
                op.state = "done"
                op.done_at = now
                op.last_error = ""
                report.done += 1
            session.add(op)
        if progress:
            progress(Progress("push", message=f"{report.done} pushed, {report.failed} failed"))
    return report


def _failed(
    op: OutboxRow, exc: Exception, now: datetime, report: PushReport, permanent: bool
) -> None:
    """Count a failed attempt; past the retry budget (or refused for good) it is rejected."""
    op.attempts += 1
    op.last_error = str(exc)[:500]
    if permanent or op.attempts >= MAX_ATTEMPTS:
        op.state = "dead"
        report.dead += 1
    else:
        op.next_attempt_at = _retry_at(now, op.attempts)
        report.failed += 1


def refund(ws: Workspace, op_ids: Collection[int]) -> None:
    """Take back attempts counted for 5xx answers in a round that then found the whole CRM
    failing: an outage is not the changes' fault, and must not use up their retry budget."""
    if not op_ids:
        return
    with ws.session() as session:
        for op_id in op_ids:
            op = session.get(OutboxRow, op_id)
            if op is None or op.attempts == 0:
                continue
            op.attempts -= 1
            if op.state == "dead":
                op.state = "pending"
            session.add(op)


def set_aside_damaged(ws: Workspace, now: datetime) -> int:
    """Outbox rows whose stored JSON cannot be read (a damaged file, a hand edit) become rejected
    changes that keep the damaged text, with a sentence; the other changes go on."""
    outbox = table_of(OutboxRow)
    with ws.session() as session:
        conn = session.connection()
        rows = conn.execute(
            select(outbox.c.id, type_coerce(outbox.c.payload, String)).where(
                outbox.c.state.in_(["pending", "held"])
            )
        ).all()
        damaged = []
        for op_id, raw in rows:
            if not isinstance(raw, str | bytes):
                continue  # the driver decoded it (PostgreSQL's json type): valid by definition
            try:
                json.loads(raw)
            except ValueError:
                damaged.append((op_id, raw))
        for op_id, raw in damaged:
            conn.execute(
                update(outbox)
                .where(outbox.c.id == op_id)
                .values(
                    payload={"damaged": raw},
                    state="dead",
                    last_error="Its stored data is damaged (not valid JSON), so it cannot be "
                    "sent; redo the change by hand and discard this one.",
                    next_attempt_at=None,
                )
            )
    return len(damaged)


def _still_unmoved(session: Session, adapter: CrmAdapter, op: OutboxRow, now: datetime) -> bool:
    """Read the lead's record just before writing the fields the rep changed: when the CRM moved
    one since the rep's base (an edit made after the pull), the pull's three-way merge
    (sync.conflicts) raises the conflict and holds the op. The window an edit can slip through
    shrinks from the whole pull to one request. True when the op is still to be sent."""
    if not isinstance(adapter, FieldReader):
        return True
    lead = session.get(LeadRow, op.lead_id)
    if lead is None or not lead.crm_id:
        return True  # _send says what is wrong
    conn = session.connection()
    if not conflicts.leads_with_unpushed_updates(conn, [op.lead_id]):
        return True
    names = {
        name
        for row in conn.execute(
            select(table_of(OutboxRow).c.payload).where(
                table_of(OutboxRow).c.lead_id == op.lead_id,
                table_of(OutboxRow).c.kind == "update_lead",
                table_of(OutboxRow).c.state.in_(conflicts.UNPUSHED),
            )
        )
        for name in ((row[0] or {}).get("fields") or {})
    }
    current = adapter.read_fields(lead.crm_id, sorted(names))
    if not current:
        return True
    conflicts.reconcile(conn, {op.lead_id: dict(current)}, now)
    session.refresh(op)
    return op.state == "pending"


def _deal_still_wanted(session: Session, adapter: CrmAdapter, op: OutboxRow, now: datetime) -> bool:
    """A convert's deal makes the contact an opportunity in the CRM whatever its lead status
    says, so it is a status change too: read the status just before creating the deal, and
    when the CRM moved it since the rep's base (disqualified by someone else meanwhile, say),
    the convert's status change is held as a conflict and the deal waits for the rep's answer
    (found by tests/sync/test_stateful.py). Kept by the rep: the deal goes. The CRM's value
    taken, or the convert undone: the deal is no longer wanted and is set aside unsent."""
    _still_unmoved(session, adapter, op, now)
    waiting = session.exec(
        select(OutboxRow.id)
        .where(OutboxRow.lead_id == op.lead_id)
        .where(col(OutboxRow.kind) == "update_lead")
        .where(OutboxRow.state == "held")
    ).first()
    if waiting is not None:
        return False
    lead = session.get(LeadRow, op.lead_id)
    if lead is not None and lead.status not in OPPORTUNITY_STATUSES:
        op.state = "discarded"
        op.last_error = (
            "Not sent: the lead is no longer an opportunity here (the CRM's status was kept)."
        )
        session.add(op)
        return False
    return True


def _send(session: Session, adapter: CrmAdapter, op: OutboxRow) -> None:
    lead = session.get(LeadRow, op.lead_id)
    if lead is None or not lead.crm_id:
        raise RequestError(404, "NO_CRM_ID", f"lead {op.lead_id} has no CRM record to update")
    if op.kind == "create_touch":
        row = session.get(TouchRow, op.record_id) if op.record_id else None
        if row is None:
            raise RequestError(404, "GONE", f"touch {op.record_id} no longer exists")
        touch = Touch(
            Channel(row.channel),
            Outcome(row.outcome),
            row.occurred_at,
            row.note,
            row.by,
            row.automated,
        )
        result = adapter.create_touch(lead.crm_id, touch, op.op_id)
        row.crm_id = result.crm_id
        session.add(row)
    elif op.kind == "create_note":
        note = session.get(NoteRow, op.record_id) if op.record_id else None
        if note is None:
            raise RequestError(404, "GONE", f"note {op.record_id} no longer exists")
        result = adapter.create_note(lead.crm_id, note.body, note.created_at, op.op_id)
        note.crm_id = result.crm_id
        session.add(note)
    elif op.kind in DECISION_KINDS:
        _send_decision(adapter, lead.crm_id, op)
    elif op.kind == "update_lead":
        fields: dict[str, Any] = {
            name: change.get("after")
            for name, change in (op.payload.get("fields") or {}).items()
            if isinstance(change, dict)
        }
        adapter.update_lead(lead.crm_id, fields)
    else:
        raise RequestError(400, "UNKNOWN_KIND", f"unknown outbox operation {op.kind!r}")


# Outbox kinds for a rep's decisions and their undo (sync.protocol.DecisionPushes).
OPPORTUNITY_STATUSES = frozenset(
    {LeadStatus.CONVERTED.value, LeadStatus.WON.value, LeadStatus.LOST.value}
)
DECISION_KINDS = frozenset({"create_deal", "archive_deal", "archive_touch", "archive_note"})


def _send_decision(adapter: CrmAdapter, lead_crm_id: str, op: OutboxRow) -> None:
    if op.kind not in adapter.capabilities.pushes or not isinstance(adapter, DecisionPushes):
        if op.kind == "create_deal":
            # A CRM without deals of its own (BottleCRM keeps the amount on the lead) gets the
            # convert through the update_lead that goes with it: nothing more to send.
            return
        raise RequestError(
            400, "UNSUPPORTED", f"the {adapter.name} adapter cannot {op.kind.replace('_', ' ')}"
        )
    payload = op.payload
    if op.kind == "create_deal":
        adapter.create_deal(lead_crm_id, deal_spec(payload.get("deal") or {}), op.op_id)
    elif op.kind == "archive_deal":
        adapter.archive_deal(str(payload.get("deal_op_id") or ""))
    elif op.kind == "archive_touch":
        adapter.archive_touch(str(payload.get("crm_id") or ""), str(payload.get("channel") or ""))
    else:
        adapter.archive_note(str(payload.get("crm_id") or ""))


def deal_spec(raw: dict[str, Any]) -> DealSpec:
    """The deal a create_deal op's payload describes (leadtui.workspace.Workspace.convert)."""
    close = raw.get("close_date")
    amount = raw.get("amount")
    return DealSpec(
        name=str(raw.get("name") or "Deal"),
        opened_at=datetime.fromisoformat(str(raw["opened_at"])),
        amount=float(amount) if amount is not None else None,
        close_date=date.fromisoformat(close) if close else None,
        owner=str(raw.get("owner") or ""),
        pipeline=str(raw.get("pipeline") or ""),
        stage=str(raw.get("stage") or ""),
    )
