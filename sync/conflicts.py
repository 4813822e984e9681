"""The pull's three-way merge for leads with unpushed field changes (leadtui.domain.merge).

For a lead whose outbox holds update_lead ops (pending or held), the CRM's values for the fields
the rep changed are compared with the rep's before/after:
- the CRM still has the "before": the rep's value stays in the cache; the push will carry it;
- the CRM already has the rep's value: the field is settled and dropped from the ops (an op
  left with no fields is done);
- the CRM has something else: a ConflictRow (one open row per lead and field) and the ops
  carrying that field become "held", so no push overwrites the CRM until the rep chooses.
A conflict the rep resolved as "keep mine" is not raised again while the CRM still shows the
value the rep saw and overruled: the released op will overwrite it on purpose.

Everything here runs inside the pull page's transaction, through Core (the page's connection).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, insert, select, update

from leadtui.domain.merge import PendingChange, merge_fields, same
from leadtui.store.tables import ConflictRow, LeadRow, OutboxRow, table_of

UNPUSHED = ("pending", "held")
_CHUNK = 500


def plain(value: Any) -> Any:
    """The JSON-safe form the outbox payload stores (datetimes as ISO text), to compare alike."""
    if isinstance(value, datetime):
        return value.isoformat()
    return value


def text(value: Any) -> str | None:
    """A value as a ConflictRow keeps it (leadtui.workspace._column_value reads it back)."""
    value = plain(value)
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def leads_with_unpushed_updates(conn: Connection, lead_ids: Iterable[int]) -> set[int]:
    ids = list(lead_ids)
    outbox = table_of(OutboxRow)
    found: set[int] = set()
    for start in range(0, len(ids), _CHUNK):
        query = select(outbox.c.lead_id).where(
            outbox.c.kind == "update_lead",
            outbox.c.state.in_(UNPUSHED),
            outbox.c.lead_id.in_(ids[start : start + _CHUNK]),
        )
        found.update(row[0] for row in conn.execute(query))
    return found


def reconcile(
    conn: Connection, remote: Mapping[int, Mapping[str, Any]], now: datetime
) -> dict[int, dict[str, Any]]:
    """Merge each lead's CRM values (`remote`, by local lead id) with its unpushed changes.

    Returns, per lead, the local values the cache must keep instead of the CRM's.
    """
    if not remote:
        return {}
    ids = list(remote)
    outbox, conflict, lead = table_of(OutboxRow), table_of(ConflictRow), table_of(LeadRow)
    ops_by_lead: dict[int, list[dict[str, Any]]] = {}
    query = (
        select(outbox.c.id, outbox.c.lead_id, outbox.c.payload, outbox.c.state)
        .where(
            outbox.c.kind == "update_lead",
            outbox.c.state.in_(UNPUSHED),
            outbox.c.lead_id.in_(ids),
        )
        .order_by(outbox.c.id)
    )
    for row in conn.execute(query).mappings():
        ops_by_lead.setdefault(row["lead_id"], []).append(dict(row))
    open_rows: dict[tuple[int, str], dict[str, Any]] = {}
    overruled: dict[tuple[int, str], str | None] = {}
    query = select(conflict).where(conflict.c.lead_id.in_(ids)).order_by(conflict.c.id)
    for row in conn.execute(query).mappings():
        key = (row["lead_id"], row["field"])
        if row["resolved_at"] is None:
            open_rows[key] = dict(row)
        elif row["resolution"] == "local":
            overruled[key] = row["remote_value"]
        else:
            overruled.pop(key, None)
    locals_ = {
        row["id"]: dict(row)
        for row in conn.execute(select(lead).where(lead.c.id.in_(list(ops_by_lead)))).mappings()
    }
    kept: dict[int, dict[str, Any]] = {}
    for lead_id, ops in ops_by_lead.items():
        pending = _pending(ops)
        theirs = {name: plain(remote[lead_id][name]) for name in pending if name in remote[lead_id]}
        merge = merge_fields(theirs, pending)
        held: set[str] = set()
        for found in merge.conflicts:
            key = (lead_id, found.field)
            if key in overruled and same(overruled[key], found.remote):
                continue  # the rep already chose their value over exactly this one
            held.add(found.field)
            if key in open_rows:
                if not same(open_rows[key]["remote_value"], found.remote):
                    conn.execute(
                        update(conflict)
                        .where(conflict.c.id == open_rows[key]["id"])
                        .values(remote_value=text(found.remote))
                    )
                continue
            conn.execute(
                insert(conflict).values(
                    lead_id=lead_id,
                    field=found.field,
                    local_value=text(found.local),
                    remote_value=text(found.remote),
                    base_value=text(found.base),
                    created_at=now,
                )
            )
        for name in merge.settled:
            # Both sides agree now: an open conflict on it has nothing left to decide.
            if (lead_id, name) in open_rows:
                conn.execute(
                    update(conflict)
                    .where(conflict.c.id == open_rows[(lead_id, name)]["id"])
                    .values(resolved_at=now, resolution="settled")
                )
                del open_rows[(lead_id, name)]
        still_open = held | {f for (lid, f) in open_rows if lid == lead_id}
        _update_ops(conn, ops, set(merge.settled), still_open, now)
        local = locals_.get(lead_id, {})
        kept[lead_id] = {name: local[name] for name in pending if name not in merge.settled}
    return kept


def _pending(ops: list[dict[str, Any]]) -> dict[str, PendingChange]:
    """A field's change across the lead's ops: the first op's before, the last op's after."""
    pending: dict[str, PendingChange] = {}
    for op in ops:
        for name, change in ((op["payload"] or {}).get("fields") or {}).items():
            if not isinstance(change, dict):
                continue
            before = pending[name].before if name in pending else change.get("before")
            pending[name] = PendingChange(before, change.get("after"))
    return pending


def _update_ops(
    conn: Connection,
    ops: list[dict[str, Any]],
    settled: set[str],
    conflicted: set[str],
    now: datetime,
) -> None:
    outbox = table_of(OutboxRow)
    for op in ops:
        payload = dict(op["payload"] or {})
        fields = dict(payload.get("fields") or {})
        values: dict[str, Any] = {}
        if settled & set(fields):
            fields = {k: v for k, v in fields.items() if k not in settled}
            values["payload"] = {**payload, "fields": fields}
        if not fields:
            values |= {"state": "done", "done_at": now, "last_error": ""}
        elif conflicted & set(fields):
            if op["state"] != "held":
                values["state"] = "held"
        elif op["state"] == "held":
            values |= {"state": "pending", "next_attempt_at": now}
        if values:
            conn.execute(update(outbox).where(outbox.c.id == op["id"]).values(**values))
