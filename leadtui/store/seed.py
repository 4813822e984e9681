"""Writing generated demo data into the cache in bulk."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import insert, text
from sqlmodel import Session, select

from leadtui.store.convert import lead_values
from leadtui.store.queries import upsert
from leadtui.store.tables import EventRow, LeadRow, OwnerRow, TouchRow, table_of


def write_demo(session: Session, owners: Sequence[Any], demo_leads: Sequence[Any]) -> list[int]:
    """Owners, leads, their events and touches, in a handful of statements. Returns lead ids."""
    conn = session.connection()
    upsert(
        conn,
        table_of(OwnerRow),
        [
            {
                "email": o.email,
                "first_name": o.first_name,
                "last_name": o.last_name,
                "crm_id": o.crm_id or None,
            }
            for o in owners
        ],
        key="email",
    )
    if not demo_leads:
        return []
    first_id = (session.exec(select(LeadRow.id).order_by(LeadRow.id.desc())).first() or 0) + 1  # type: ignore[union-attr]
    lead_rows: list[dict[str, Any]] = []
    event_rows: list[dict[str, Any]] = []
    touch_rows: list[dict[str, Any]] = []
    for offset, item in enumerate(demo_leads):
        lead_id = first_id + offset
        lead_rows.append({"id": lead_id, **lead_values(item.lead)})
        event_rows.extend(
            {
                "lead_id": lead_id,
                "kind": e.kind.value,
                "occurred_at": e.occurred_at,
                "url": e.url,
                "title": e.title,
            }
            for e in item.events
        )
        touch_rows.extend(
            {
                "lead_id": lead_id,
                "channel": t.channel.value,
                "outcome": t.outcome.value,
                "occurred_at": t.occurred_at,
                "note": t.note,
                "by": t.by,
                "automated": t.automated,
            }
            for t in item.touches
        )
    for table, rows in (
        (table_of(LeadRow), lead_rows),
        (table_of(EventRow), event_rows),
        (table_of(TouchRow), touch_rows),
    ):
        for start in range(0, len(rows), 2000):
            conn.execute(insert(table), rows[start : start + 2000])
    if conn.dialect.name == "postgresql":
        # Ids were given, so PostgreSQL's sequence did not move: move it past them, or the next
        # lead a pull inserts would take an id already used.
        conn.execute(
            text("SELECT setval(pg_get_serial_sequence('lead', 'id'), (SELECT max(id) FROM lead))")
        )
    return [row["id"] for row in lead_rows]
