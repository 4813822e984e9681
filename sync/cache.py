"""Writing pulled pages into the cache: Core bulk upserts keyed on CRM ids, a few statements a
page (the ORM's row-at-a-time path is far too slow for a 100,000-contact pull)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Table, select, update
from sqlalchemy.dialects import sqlite

from leadtui.domain.models import Owner
from leadtui.store.convert import lead_values
from leadtui.store.queries import upsert as upsert_values
from leadtui.store.tables import (
    EventRow,
    LeadRow,
    NoteRow,
    OutboxRow,
    OwnerRow,
    SyncCursor,
    TouchRow,
    table_of,
)
from sync.protocol import PulledLead

# Lead columns the CRM owns; everything else (snooze, derived figures) is leadtui's.
PULLED_FIELDS = (
    "name",
    "email",
    "owner",
    "source",
    "status",
    "created_at",
    "routed_at",
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
    "opportunity_at",
    "won_at",
    "closed_at",
    "deal_value",
    "disqualified_reason",
    "crm_updated_at",
    "archived",
)
_CHUNK = 500


def upsert(
    conn: Connection,
    table: Table,
    rows: Sequence[dict[str, Any]],
    key: str,
    update: Sequence[str] | None = None,
) -> None:
    """Insert or update rows keyed on a unique column, as one prepared statement run for every
    row (executemany). leadtui.store.queries.upsert builds one multi-VALUES statement a chunk,
    whose compilation costs more than the write itself at 100,000 rows; SQLite gains nothing
    from it. Other databases go through that general path."""
    if not rows:
        return
    if conn.dialect.name != "sqlite":
        upsert_values(conn, table, rows, key=key, update=update)
        return
    columns = list(update) if update is not None else [c for c in rows[0] if c != key]
    statement = sqlite.insert(table)
    if columns:
        statement = statement.on_conflict_do_update(
            index_elements=[key], set_={name: statement.excluded[name] for name in columns}
        )
    else:
        statement = statement.on_conflict_do_nothing(index_elements=[key])
    conn.execute(statement, list(rows))


def write_owners(conn: Connection, owners: Sequence[Owner]) -> None:
    rows = [
        {
            "email": o.email,
            "first_name": o.first_name,
            "last_name": o.last_name,
            "crm_id": o.crm_id or None,
        }
        for o in owners
    ]
    upsert(conn, table_of(OwnerRow), rows, key="email")


def read_cursor(conn: Connection, name: str) -> str | None:
    value = conn.execute(
        select(table_of(SyncCursor).c.value).where(table_of(SyncCursor).c.name == name)
    ).scalar()
    return str(value) if value else None


def write_cursor(conn: Connection, name: str, value: str, now: datetime) -> None:
    upsert(
        conn,
        table_of(SyncCursor),
        [{"name": name, "value": value, "updated_at": now}],
        key="name",
    )


def _ids_by_crm_id(conn: Connection, crm_ids: Sequence[str]) -> dict[str, int]:
    lead = table_of(LeadRow)
    found: dict[str, int] = {}
    for start in range(0, len(crm_ids), _CHUNK):
        chunk = crm_ids[start : start + _CHUNK]
        for crm_id, lead_id in conn.execute(
            select(lead.c.crm_id, lead.c.id).where(lead.c.crm_id.in_(chunk))
        ):
            found[crm_id] = lead_id
    return found


def _unpushed_fields(conn: Connection, lead_ids: Iterable[int]) -> dict[int, set[str]]:
    """Lead fields changed here and not yet pushed: a pull must not overwrite them (the outbox
    will send them, and a real conflict is the outbox's to surface)."""
    ids = list(lead_ids)
    if not ids:
        return {}
    outbox = table_of(OutboxRow)
    found: dict[int, set[str]] = {}
    for start in range(0, len(ids), _CHUNK):
        query = select(outbox.c.lead_id, outbox.c.payload).where(
            outbox.c.state == "pending",
            outbox.c.kind == "update_lead",
            outbox.c.lead_id.in_(ids[start : start + _CHUNK]),
        )
        for lead_id, payload in conn.execute(query):
            fields = (payload or {}).get("fields") or {}
            found.setdefault(lead_id, set()).update(fields)
    return found


def write_page(conn: Connection, pulled: Sequence[PulledLead], now: datetime) -> list[int]:
    """Upsert the page's leads, events, touches and notes; returns the local lead ids."""
    if not pulled:
        return []
    by_crm = {p.lead.crm_id: p for p in pulled}  # the last copy of a record wins
    crm_ids = list(by_crm)
    existing = _ids_by_crm_id(conn, crm_ids)
    keep = _unpushed_fields(conn, existing.values())
    kept_values: dict[int, dict[str, Any]] = {}
    if keep:
        lead = table_of(LeadRow)
        for row in conn.execute(select(lead).where(lead.c.id.in_(list(keep)))).mappings():
            kept_values[row["id"]] = {name: row[name] for name in keep[row["id"]]}
    rows = []
    for crm_id, item in by_crm.items():
        values = lead_values(item.lead)
        values = {name: values[name] for name in PULLED_FIELDS if name in values}
        values |= {"crm_id": crm_id, "crm_updated_at": item.modified_at, "archived": False}
        local = kept_values.get(existing.get(crm_id, -1))
        if local:
            values.update({k: v for k, v in local.items() if k in values})
        rows.append(values)
    upsert(conn, table_of(LeadRow), rows, key="crm_id", update=PULLED_FIELDS)
    ids = existing | _ids_by_crm_id(conn, [c for c in crm_ids if c not in existing])
    _write_children(conn, by_crm.values(), ids)
    return [ids[c] for c in crm_ids if c in ids]


def _write_children(conn: Connection, pulled: Iterable[PulledLead], ids: dict[str, int]) -> None:
    events: list[dict[str, Any]] = []
    touches: list[dict[str, Any]] = []
    own_touches: list[dict[str, Any]] = []
    notes: list[dict[str, Any]] = []
    own_notes: list[dict[str, Any]] = []
    for item in pulled:
        lead_id = ids.get(item.lead.crm_id)
        if lead_id is None:
            continue
        for e in item.events:
            events.append(
                {
                    "crm_id": e.crm_id,
                    "lead_id": lead_id,
                    "kind": e.event.kind.value,
                    "occurred_at": e.event.occurred_at,
                    "url": e.event.url,
                    "title": e.event.title,
                }
            )
        for t in item.touches:
            row = {
                "crm_id": t.crm_id,
                "lead_id": lead_id,
                "channel": t.touch.channel.value,
                "outcome": t.touch.outcome.value,
                "occurred_at": t.touch.occurred_at,
                "note": t.touch.note,
                "by": t.touch.by,
                "automated": t.touch.automated,
            }
            # A touch leadtui pushed comes back with its op id: it is the local row, not a new one.
            (own_touches if t.op_id else touches).append(
                row | ({"op_id": t.op_id} if t.op_id else {})
            )
        for n in item.notes:
            row = {
                "crm_id": n.crm_id,
                "lead_id": lead_id,
                "body": n.body,
                "created_at": n.created_at,
                "by": n.by,
            }
            (own_notes if n.op_id else notes).append(row | ({"op_id": n.op_id} if n.op_id else {}))
    upsert(conn, table_of(EventRow), _unique(events, "crm_id"), key="crm_id")
    upsert(conn, table_of(TouchRow), _unique(touches, "crm_id"), key="crm_id")
    upsert(conn, table_of(TouchRow), _unique(own_touches, "op_id"), key="op_id")
    upsert(conn, table_of(NoteRow), _unique(notes, "crm_id"), key="crm_id")
    upsert(conn, table_of(NoteRow), _unique(own_notes, "op_id"), key="op_id")


def _unique(rows: list[dict[str, Any]], key: str) -> list[dict[str, Any]]:
    return list({row[key]: row for row in rows}.values())


def mark_archived(conn: Connection, crm_ids: Sequence[str]) -> list[int]:
    """Archive these leads (they leave every queue); returns the local ids that changed."""
    lead = table_of(LeadRow)
    changed: list[int] = []
    for start in range(0, len(crm_ids), _CHUNK):
        chunk = list(crm_ids[start : start + _CHUNK])
        query = select(lead.c.id).where(lead.c.crm_id.in_(chunk), lead.c.archived.is_(False))
        ids = [row[0] for row in conn.execute(query)]
        if ids:
            conn.execute(update(lead).where(lead.c.id.in_(ids)).values(archived=True))
            changed.extend(ids)
    return changed
