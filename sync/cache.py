"""Writing pulled pages into the cache: Core bulk upserts keyed on CRM ids, a few statements a
page (the ORM's row-at-a-time path is far too slow for a 100,000-contact pull)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from functools import lru_cache
from operator import attrgetter
from typing import Any

from sqlalchemy import Connection, Table, select, update

from leadtui.domain.models import Lead, Owner
from leadtui.store.convert import LEAD_FIELDS
from leadtui.store.queries import DeriveInputs
from leadtui.store.queries import upsert as upsert_values
from leadtui.store.sqlite_values import as_stored, converted, plain, special, sqlite_time
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
_LEAD_COLUMNS = (*_LEAD_COPIED, "crm_id", "crm_updated_at", "archived")


def upsert(
    conn: Connection,
    table: Table,
    rows: Sequence[dict[str, Any]],
    key: str,
    update: Sequence[str] | None = None,
) -> None:
    """Insert or update rows (dicts of Python values) keyed on a unique column."""
    if not rows:
        return
    columns = tuple(rows[0])
    if conn.dialect.name == "sqlite":
        values = as_stored(table, columns, rows)
    else:
        values = [tuple(row[c] for c in columns) for row in rows]
    upsert_tuples(conn, table, columns, values, key, update)


def upsert_tuples(
    conn: Connection,
    table: Table,
    columns: tuple[str, ...],
    rows: Sequence[tuple[Any, ...]],
    key: str,
    update: Sequence[str] | None = None,
) -> None:
    """Insert or update rows given as parameter tuples in `columns` order, keyed on `key`.

    On SQLite the tuples must hold the values as stored (leadtui.store.sqlite_values): one
    prepared statement, run by the driver's executemany. On PostgreSQL the tuples hold Python
    values and go through leadtui.store.queries.upsert (one statement, compiled once, cached).
    """
    if not rows:
        return
    changed = tuple(update) if update is not None else tuple(c for c in columns if c != key)
    if conn.dialect.name != "sqlite":
        upsert_values(
            conn, table, [dict(zip(columns, row, strict=True)) for row in rows], key, changed
        )
        return
    raw = conn.connection.driver_connection
    assert raw is not None
    raw.executemany(_sqlite_upsert(table, columns, key, changed), rows)


@lru_cache(maxsize=64)
def _sqlite_upsert(
    table: Table, columns: tuple[str, ...], key: str, changed: tuple[str, ...]
) -> str:
    """The statement, built once per table and column set. Columns left out that have a plain
    default get it as a literal, as SQLAlchemy would insert it (schema constants, not CRM text)."""
    omitted = [c for c in table.columns if c.name not in columns and _default(c)[0]]
    names = ", ".join(f'"{name}"' for name in (*columns, *(c.name for c in omitted)))
    marks = ", ".join(["?"] * len(columns) + [_literal(_default(c)[1]) for c in omitted])
    sql = f'INSERT INTO "{table.name}" ({names}) VALUES ({marks}) ON CONFLICT("{key}") DO '
    if not changed:
        return sql + "NOTHING"
    return sql + "UPDATE SET " + ", ".join(f'"{n}" = excluded."{n}"' for n in changed)


def _literal(value: Any) -> str:
    if value is None:
        return "NULL"
    if isinstance(value, bool | int | float):
        return str(int(value) if isinstance(value, bool) else value)
    if isinstance(value, str):
        return "'" + value.replace("'", "''") + "'"
    raise TypeError(f"no SQL literal for the default {value!r}")


def _default(column: Any) -> tuple[bool, Any]:
    """(has a plain Python default, its value): what SQLAlchemy would insert when omitted."""
    default = column.default
    if default is None or not getattr(default, "is_scalar", False):
        return False, None
    return True, default.arg


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
    if conn.dialect.name == "sqlite":
        # Once a page: plain SQL on the driver costs a tenth of a compiled statement's execution.
        raw = conn.connection.driver_connection
        assert raw is not None
        marks = ", ".join("?" for _ in conflicts.UNPUSHED)
        sql = f"SELECT 1 FROM outbox WHERE kind = 'update_lead' AND state IN ({marks}) LIMIT 1"
        return raw.execute(sql, conflicts.UNPUSHED).fetchone() is not None
    outbox = table_of(OutboxRow)
    query = (
        select(outbox.c.id)
        .where(outbox.c.state.in_(conflicts.UNPUSHED), outbox.c.kind == "update_lead")
        .limit(1)
    )
    return conn.execute(query).first() is not None


@dataclass(slots=True)
class StoredPage:
    """What `write_page` stored: the local lead ids, in the page's order, and what it takes to
    give the derive inputs of the leads the page added to the cache without reading them back
    (a first pull of 100,000 contacts spent a fifth of its time doing that)."""

    ids: list[int]
    pulled: dict[str, PulledLead] = field(default_factory=dict)  # by CRM id, the copy stored
    added: dict[str, int] = field(default_factory=dict)  # CRM id -> id of the leads new here
    # Added leads whose stored rows may differ from their pulled record: they are read back.
    read_back: set[int] = field(default_factory=set)

    def added_inputs(self) -> DeriveInputs:
        """The added leads' derive inputs as `derive_inputs` would read them back in this
        transaction: the leadtui-owned columns empty, times in UTC, events and touches in time
        order (ties in the order written, which is their row ids' order)."""
        found = DeriveInputs({}, {}, {}, {})
        for crm_id, lead_id in self.added.items():
            if lead_id in self.read_back:
                continue
            item = self.pulled[crm_id]
            found.leads[lead_id] = _in_utc(
                replace(
                    item.lead, id=lead_id, snoozed_until=None, recycled_at=None, recycle_reason=""
                )
            )
            if item.events:
                found.events[lead_id] = _in_time_order([e.event for e in item.events])
            if item.touches:
                found.touches[lead_id] = _in_time_order([t.touch for t in item.touches])
        return found


def _in_time_order(items: list[Any]) -> list[Any]:
    if any(item.occurred_at.tzinfo is not UTC for item in items):
        items = [replace(i, occurred_at=i.occurred_at.astimezone(UTC)) for i in items]
    items.sort(key=_BY_TIME)
    return items


_BY_TIME = attrgetter("occurred_at")


def write_page(conn: Connection, pulled: Sequence[PulledLead], now: datetime) -> StoredPage:
    """Upsert the page's leads, events, touches and notes."""
    if not pulled:
        return StoredPage([])
    if conn.dialect.name == "sqlite":
        # The lead table carries a dozen indexes; past ~30,000 leads SQLite's default 2 MB page
        # cache thrashes and each page's writes slow down by half. 64 MB keeps them in memory
        # (a per-connection setting, grown only as used).
        conn.exec_driver_sql("PRAGMA cache_size=-65536")
    lead = table_of(LeadRow)
    by_crm = {p.lead.crm_id: p for p in pulled}  # the last copy of a record wins
    crm_ids = list(by_crm)
    if conn.dialect.name == "postgresql":
        # A team database: lock the page's leads (in id order) before reading their unpushed
        # changes, so a rep's action on one of them has either committed (and is merged below)
        # or waits for this page; never written over in between.
        conn.execute(
            select(lead.c.id)
            .where(lead.c.crm_id.in_(crm_ids))
            .order_by(lead.c.id)
            .with_for_update()
        ).all()
    existing = _ids_by_crm_id(conn, crm_ids)
    rows = {
        crm_id: (*_copy_lead(item.lead), crm_id, item.modified_at, False)
        for crm_id, item in by_crm.items()
    }
    # Leads with field changes not yet in the CRM: merge three ways (sync.conflicts) and keep
    # the rep's values where the merge says so, instead of overwriting them with the CRM's.
    unpushed = (
        conflicts.leads_with_unpushed_updates(conn, existing.values())
        if _any_unpushed_updates(conn)
        else set()
    )
    if unpushed:
        remote = {
            existing[crm_id]: dict(zip(_LEAD_COLUMNS, row, strict=True))
            for crm_id, row in rows.items()
            if existing.get(crm_id) in unpushed
        }
        kept = conflicts.reconcile(conn, remote, now)
        for lead_id, values in remote.items():
            local = kept.get(lead_id)
            if local:
                values.update({k: v for k, v in local.items() if k in values})
                rows[values["crm_id"]] = tuple(values[c] for c in _LEAD_COLUMNS)
    stored = list(rows.values())
    if conn.dialect.name == "sqlite":
        changes = special(lead, _LEAD_COLUMNS)
        stored = [converted(row, changes) for row in stored]
    upsert_tuples(conn, lead, _LEAD_COLUMNS, stored, key="crm_id", update=PULLED_FIELDS)
    added = _ids_by_crm_id(conn, [c for c in crm_ids if c not in existing])
    ids = existing | added
    read_back = _write_children(conn, by_crm.values(), ids)
    return StoredPage([ids[c] for c in crm_ids if c in ids], by_crm, added, read_back)


# The Lead fields holding a time (the store gives them back in UTC).
_LEAD_TIMES = (
    "created_at",
    "routed_at",
    "snoozed_until",
    "opportunity_at",
    "won_at",
    "closed_at",
    "form_submitted_at",
    "recycled_at",
)


def _in_utc(lead: Lead) -> Lead:
    moved = {
        name: value.astimezone(UTC)
        for name in _LEAD_TIMES
        if (value := getattr(lead, name)) is not None and value.tzinfo is not UTC
    }
    return replace(lead, **moved) if moved else lead


def _write_children(
    conn: Connection, pulled: Iterable[PulledLead], ids: dict[str, int]
) -> set[int]:
    """Parameter tuples straight from the pulled records (no row dicts), one statement a table:
    the hot loop of a big pull. On SQLite times and flags are converted here as stored.

    Returns the leads whose stored events and touches may differ from their pulled ones: those
    with touches leadtui pushed (their rows may be older than this page), and every lead when a
    record came twice (the last copy is stored, and may belong to another lead)."""
    sqlite = conn.dialect.name == "sqlite"
    when = sqlite_time if sqlite else plain
    flag = int if sqlite else bool
    # Keyed on the CRM id (or op id): the last copy of a record wins.
    events: dict[str, tuple[Any, ...]] = {}
    touches: dict[str, tuple[Any, ...]] = {}
    own_touches: dict[str, tuple[Any, ...]] = {}
    notes: dict[str, tuple[Any, ...]] = {}
    own_notes: dict[str, tuple[Any, ...]] = {}
    read_back: set[int] = set()
    written = 0
    for item in pulled:
        lead_id = ids.get(item.lead.crm_id)
        if lead_id is None:
            continue
        written += len(item.events) + len(item.touches)
        for e in item.events:
            event = e.event
            at: Any = event.occurred_at
            # The common case inline (a UTC time on SQLite): a call a value is a tenth of the loop.
            at = at.isoformat(" ", "microseconds")[:26] if sqlite and at.tzinfo is UTC else when(at)
            events[e.crm_id] = (e.crm_id, lead_id, event.kind._value_, at, event.url, event.title)
        for t in item.touches:
            touch = t.touch
            at = touch.occurred_at
            at = at.isoformat(" ", "microseconds")[:26] if sqlite and at.tzinfo is UTC else when(at)
            row: tuple[Any, ...] = (
                t.crm_id,
                lead_id,
                touch.channel._value_,
                touch.outcome._value_,
                at,
                touch.note,
                touch.by,
                flag(touch.automated),
            )
            # A touch leadtui pushed comes back with its op id: it is the local row, not a new one.
            if t.op_id:
                own_touches[t.op_id] = (*row, t.op_id)
                read_back.add(lead_id)
            else:
                touches[t.crm_id] = row
        for n in item.notes:
            note = (n.crm_id, lead_id, n.body, when(n.created_at), n.by)
            if n.op_id:
                own_notes[n.op_id] = (*note, n.op_id)
            else:
                notes[n.crm_id] = note
    if written != len(events) + len(touches) + len(own_touches):
        read_back.update(ids.values())
    # A touch or note the rep undid stays gone here even while its archive waits in the outbox.
    undone = _undone_op_ids(conn, [*own_touches, *own_notes])
    for op_id in undone:
        own_touches.pop(op_id, None)
        own_notes.pop(op_id, None)
    event_row, touch_row, note_row = table_of(EventRow), table_of(TouchRow), table_of(NoteRow)
    upsert_tuples(conn, event_row, _EVENT_COLUMNS, list(events.values()), key="crm_id")
    upsert_tuples(conn, touch_row, _TOUCH_COLUMNS, list(touches.values()), key="crm_id")
    # leadtui's own records come back with their op id: the local row stays as the rep wrote it
    # and only learns its CRM id (a row missing here, e.g. a rebuilt cache, is inserted whole).
    own_touch = (*_TOUCH_COLUMNS, "op_id")
    upsert_tuples(conn, touch_row, own_touch, list(own_touches.values()), "op_id", ["crm_id"])
    upsert_tuples(conn, note_row, _NOTE_COLUMNS, list(notes.values()), key="crm_id")
    own_note = (*_NOTE_COLUMNS, "op_id")
    upsert_tuples(conn, note_row, own_note, list(own_notes.values()), "op_id", ["crm_id"])
    return read_back


_EVENT_COLUMNS = ("crm_id", "lead_id", "kind", "occurred_at", "url", "title")
_TOUCH_COLUMNS = (
    "crm_id",
    "lead_id",
    "channel",
    "outcome",
    "occurred_at",
    "note",
    "by",
    "automated",
)
_NOTE_COLUMNS = ("crm_id", "lead_id", "body", "created_at", "by")


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
