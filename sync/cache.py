"""Writing pulled pages into the cache: Core bulk upserts keyed on CRM ids, a few statements a
page (the ORM's row-at-a-time path is far too slow for a 100,000-contact pull)."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from operator import attrgetter, itemgetter
from typing import Any

from sqlalchemy import JSON, Boolean, Connection, Table, select, update

from leadtui.domain.models import Owner
from leadtui.store.convert import LEAD_FIELDS
from leadtui.store.queries import upsert as upsert_values
from leadtui.store.tables import (
    EventRow,
    LeadRow,
    NoteRow,
    OutboxRow,
    OwnerRow,
    SyncCursor,
    TouchRow,
    UTCDateTime,
    table_of,
)
from sync import conflicts
from sync.protocol import PulledLead

# Lead columns the CRM owns; everything else (snooze, derived figures) is leadtui's.
PULLED_FIELDS = (
    *(f for f in LEAD_FIELDS if f not in ("crm_id", "snoozed_until")),
    "status",
    "crm_updated_at",
)
_CHUNK = 500
# Lead attributes copied as they are into the pulled columns.
_LEAD_COPIED = tuple(f for f in PULLED_FIELDS if f not in ("crm_updated_at", "archived"))
_copy_lead = attrgetter(*_LEAD_COPIED)


def upsert(
    conn: Connection,
    table: Table,
    rows: Sequence[dict[str, Any]],
    key: str,
    update: Sequence[str] | None = None,
) -> None:
    """Insert or update rows keyed on a unique column.

    On SQLite: one prepared statement run by the driver for every row (executemany), with the
    values converted here exactly as the column types would. Both SQLAlchemy paths (a compiled
    multi-VALUES statement, or its per-row bind processing) cost several times the write itself
    at 100,000 rows. Other databases go through leadtui.store.queries.upsert.
    """
    if not rows:
        return
    if conn.dialect.name != "sqlite":
        upsert_values(conn, table, rows, key=key, update=update)
        return
    given = list(rows[0])
    columns = given + [c.name for c in table.columns if c.name not in given and _default(c)[0]]
    changed = list(update) if update is not None else [c for c in given if c != key]
    converters = [_converter(table.columns[name]) for name in columns]
    defaults = {name: _default(table.columns[name])[1] for name in columns if name not in given}
    names = ", ".join(f'"{name}"' for name in columns)
    marks = ", ".join("?" for _ in columns)
    sql = f'INSERT INTO "{table.name}" ({names}) VALUES ({marks}) ON CONFLICT("{key}") DO '
    sql += (
        "UPDATE SET " + ", ".join(f'"{n}" = excluded."{n}"' for n in changed)
        if changed
        else "NOTHING"
    )
    values = _tuples(rows, given, converters, [defaults[n] for n in columns[len(given) :]])
    raw = conn.connection.driver_connection
    assert raw is not None
    raw.executemany(sql, values)


def _tuples(
    rows: Sequence[dict[str, Any]], given: list[str], converters: list[Any], tail: list[Any]
) -> list[tuple[Any, ...]]:
    """Row dicts as parameter tuples: the given columns converted, then the omitted columns'
    defaults (converted once). The hot loop of a big pull, so it does as little as it can."""
    defaults = tuple(convert(v) for convert, v in zip(converters[len(given) :], tail, strict=True))
    special = [
        (i, convert) for i, convert in enumerate(converters[: len(given)]) if convert is not _plain
    ]
    getter = itemgetter(*given)
    out = []
    for row in rows:
        found = getter(row)
        items = list(found) if len(given) > 1 else [found]
        for index, convert in special:
            items[index] = convert(items[index])
        out.append((*items, *defaults))
    return out


def _default(column: Any) -> tuple[bool, Any]:
    """(has a plain Python default, its value): what SQLAlchemy would insert when omitted."""
    default = column.default
    if default is None or not getattr(default, "is_scalar", False):
        return False, None
    return True, default.arg


def _sqlite_time(value: datetime | None) -> str | None:
    # The exact text SQLAlchemy's SQLite DATETIME stores after UTCDateTime made it naive UTC.
    if value is None:
        return None
    if value.tzinfo is None:
        raise ValueError("naive datetime given to the store; pass an aware one")
    if value.tzinfo is not UTC:
        value = value.astimezone(UTC)
    return value.isoformat(" ", "microseconds")[:26]  # drop "+00:00"


def _plain(value: Any) -> Any:
    return value


def _bool(value: Any) -> Any:
    return None if value is None else int(bool(value))


def _converter(column: Any) -> Any:
    if isinstance(column.type, UTCDateTime):
        return _sqlite_time
    if isinstance(column.type, Boolean):
        return _bool
    if isinstance(column.type, JSON):
        return lambda v: None if v is None else json.dumps(v)
    return _plain


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
    raw = conn.connection.driver_connection if conn.dialect.name == "sqlite" else None
    for start in range(0, len(crm_ids), _CHUNK):
        chunk = list(crm_ids[start : start + _CHUNK])
        if raw is not None:
            # Once a page: plain SQL on the driver, not a freshly compiled expanding IN.
            marks = ", ".join("?" for _ in chunk)
            found.update(
                raw.execute(f"SELECT crm_id, id FROM lead WHERE crm_id IN ({marks})", chunk)
            )
            continue
        for crm_id, lead_id in conn.execute(
            select(lead.c.crm_id, lead.c.id).where(lead.c.crm_id.in_(chunk))
        ):
            found[crm_id] = lead_id
    return found


def _any_unpushed_updates(conn: Connection) -> bool:
    outbox = table_of(OutboxRow)
    query = (
        select(outbox.c.id)
        .where(outbox.c.state.in_(conflicts.UNPUSHED), outbox.c.kind == "update_lead")
        .limit(1)
    )
    return conn.execute(query).first() is not None


def write_page(conn: Connection, pulled: Sequence[PulledLead], now: datetime) -> list[int]:
    """Upsert the page's leads, events, touches and notes; returns the local lead ids."""
    if not pulled:
        return []
    if conn.dialect.name == "sqlite":
        # The lead table carries a dozen indexes; past ~30,000 leads SQLite's default 2 MB page
        # cache thrashes and each page's writes slow down by half. 64 MB keeps them in memory
        # (a per-connection setting, grown only as used).
        conn.exec_driver_sql("PRAGMA cache_size=-65536")
    by_crm = {p.lead.crm_id: p for p in pulled}  # the last copy of a record wins
    crm_ids = list(by_crm)
    if conn.dialect.name == "postgresql":
        # A team database: lock the page's leads (in id order) before reading their unpushed
        # changes, so a rep's action on one of them has either committed (and is merged below)
        # or waits for this page; never written over in between.
        lead = table_of(LeadRow)
        conn.execute(
            select(lead.c.id)
            .where(lead.c.crm_id.in_(crm_ids))
            .order_by(lead.c.id)
            .with_for_update()
        ).all()
    # Only a cache with unpushed lead edits needs to know, before writing, which leads exist.
    existing = _ids_by_crm_id(conn, crm_ids) if _any_unpushed_updates(conn) else {}
    rows = []
    for crm_id, item in by_crm.items():
        values = dict(zip(_LEAD_COPIED, _copy_lead(item.lead), strict=True))
        values |= {"crm_id": crm_id, "crm_updated_at": item.modified_at, "archived": False}
        rows.append(values)
    # Leads with field changes not yet in the CRM: merge three ways (sync.conflicts) and keep
    # the rep's values where the merge says so, instead of overwriting them with the CRM's.
    unpushed = conflicts.leads_with_unpushed_updates(conn, existing.values())
    if unpushed:
        remote = {existing[r["crm_id"]]: r for r in rows if existing.get(r["crm_id"]) in unpushed}
        kept = conflicts.reconcile(conn, remote, now)
        for values in rows:
            local = kept.get(existing.get(values["crm_id"], -1))
            if local:
                values.update({k: v for k, v in local.items() if k in values})
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
    # A touch or note the rep undid stays gone here even while its archive waits in the outbox.
    undone = _undone_op_ids(conn, [r["op_id"] for r in own_touches + own_notes])
    if undone:
        own_touches = [r for r in own_touches if r["op_id"] not in undone]
        own_notes = [r for r in own_notes if r["op_id"] not in undone]
    upsert(conn, table_of(EventRow), _unique(events, "crm_id"), key="crm_id")
    upsert(conn, table_of(TouchRow), _unique(touches, "crm_id"), key="crm_id")
    # leadtui's own records come back with their op id: the local row stays as the rep wrote it
    # and only learns its CRM id (a row missing here, e.g. a rebuilt cache, is inserted whole).
    upsert(conn, table_of(TouchRow), _unique(own_touches, "op_id"), key="op_id", update=["crm_id"])
    upsert(conn, table_of(NoteRow), _unique(notes, "crm_id"), key="crm_id")
    upsert(conn, table_of(NoteRow), _unique(own_notes, "op_id"), key="op_id", update=["crm_id"])


def _undone_op_ids(conn: Connection, op_ids: Sequence[str]) -> set[str]:
    outbox = table_of(OutboxRow)
    found: set[str] = set()
    for start in range(0, len(op_ids), _CHUNK):
        query = select(outbox.c.op_id).where(
            outbox.c.op_id.in_(op_ids[start : start + _CHUNK]),
            outbox.c.state.in_(UNDONE_STATES),
        )
        found.update(row[0] for row in conn.execute(query))
    return found


# Outbox states of a change the rep took back: never sent ("withdrawn"), sent and compensated
# ("undone"), or refused by the CRM and given up ("discarded").
UNDONE_STATES = ("withdrawn", "undone", "discarded")


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
