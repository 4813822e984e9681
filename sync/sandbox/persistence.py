"""Optional SQLite file behind the sandbox (`--db PATH`), so a restarted sandbox keeps its data.

Memory stays the source of truth while running; every request that changes something writes the
rows it touched in one transaction before the reply goes out, so "committed" means on disk. On
start, a file that already holds a portal is loaded instead of seeding a new one.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sync.sandbox.schema import PropertyDef, PropType
from sync.sandbox.table import Record
from sync.sandbox.webevents import WebEvent

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS records (
    object_type TEXT NOT NULL, id INTEGER NOT NULL, created_ms INTEGER NOT NULL,
    updated_ms INTEGER NOT NULL, archived_ms INTEGER, props TEXT NOT NULL,
    PRIMARY KEY (object_type, id));
CREATE TABLE IF NOT EXISTS associations (
    from_type TEXT NOT NULL, from_id INTEGER NOT NULL, to_type TEXT NOT NULL,
    to_id INTEGER NOT NULL, PRIMARY KEY (from_type, from_id, to_type, to_id));
CREATE TABLE IF NOT EXISTS web_events (
    contact_id INTEGER NOT NULL, seq INTEGER NOT NULL, event_type TEXT NOT NULL,
    occurred_ms INTEGER NOT NULL, url TEXT NOT NULL, title TEXT NOT NULL,
    PRIMARY KEY (contact_id, seq));
CREATE TABLE IF NOT EXISTS owners (id INTEGER PRIMARY KEY, json TEXT NOT NULL);
-- Property definitions that differ from a fresh portal's; json 'null' marks a deleted one.
CREATE TABLE IF NOT EXISTS properties (
    object_type TEXT NOT NULL, name TEXT NOT NULL, json TEXT NOT NULL,
    PRIMARY KEY (object_type, name));
"""

AssocRow = tuple[str, int, str, int]


@dataclass
class Snapshot:
    """Everything a stored portal holds, as loaded from the file."""

    meta: dict[str, Any]
    records: dict[str, list[Record]]
    associations: list[AssocRow]
    events: dict[int, list[WebEvent]]
    owners: list[dict[str, Any]]
    properties: dict[tuple[str, str], PropertyDef | None] = field(default_factory=dict)


def property_to_json(prop: PropertyDef | None) -> str:
    if prop is None:
        return "null"
    return json.dumps(
        {
            "name": prop.name,
            "type": str(prop.type),
            "options": list(prop.options),
            "unique": prop.unique,
            "read_only": prop.read_only,
            "hubspot_defined": prop.hubspot_defined,
            "label": prop.label,
            "group": prop.group,
            "created_ms": prop.created_ms,
        }
    )


def property_from_json(text: str) -> PropertyDef | None:
    data = json.loads(text)
    if data is None:
        return None
    return PropertyDef(
        name=data["name"],
        type=PropType(data["type"]),
        options=tuple(data["options"]),
        unique=data["unique"],
        read_only=data["read_only"],
        hubspot_defined=data["hubspot_defined"],
        label=data["label"],
        group=data["group"],
        created_ms=data["created_ms"],
    )


class Store:
    """One SQLite file. Callers serialise access (SandboxCRM holds its lock); the connection is
    shared across the server's threads for that reason."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self._conn = sqlite3.connect(self.path, check_same_thread=False)
        self._conn.execute("PRAGMA journal_mode=WAL")
        self._conn.execute("PRAGMA synchronous=NORMAL")
        self._conn.executescript(_SCHEMA)
        self._lock = threading.Lock()

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    def is_seeded(self) -> bool:
        row = self._conn.execute("SELECT value FROM meta WHERE key = 'seeded'").fetchone()
        return row is not None

    def load(self) -> Snapshot:
        conn = self._conn
        meta = {k: json.loads(v) for k, v in conn.execute("SELECT key, value FROM meta")}
        records: dict[str, list[Record]] = {}
        rows = conn.execute(
            "SELECT object_type, id, created_ms, updated_ms, archived_ms, props FROM records "
            "ORDER BY object_type, id"
        )
        for object_type, record_id, created, updated, archived_ms, props in rows:
            records.setdefault(object_type, []).append(
                Record(
                    record_id,
                    json.loads(props),
                    created,
                    updated,
                    archived=archived_ms is not None,
                    archived_ms=archived_ms,
                )
            )
        associations = [tuple(r) for r in conn.execute("SELECT * FROM associations")]
        events: dict[int, list[WebEvent]] = {}
        for contact_id, _, *event in conn.execute(
            "SELECT contact_id, seq, event_type, occurred_ms, url, title FROM web_events "
            "ORDER BY contact_id, seq"
        ):
            events.setdefault(contact_id, []).append(WebEvent(*event))
        owners = [json.loads(j) for (j,) in conn.execute("SELECT json FROM owners ORDER BY id")]
        properties = {
            (t, n): property_from_json(j)
            for t, n, j in conn.execute("SELECT object_type, name, json FROM properties")
        }
        return Snapshot(meta, records, associations, events, owners, properties)  # type: ignore[arg-type]

    def write(
        self,
        *,
        records: Iterable[tuple[str, Record]] = (),
        associations: Iterable[AssocRow] = (),
        events: Iterable[tuple[int, int, WebEvent]] = (),
        owners: Iterable[dict[str, Any]] = (),
        properties: Iterable[tuple[str, str, PropertyDef | None]] = (),
        meta: dict[str, Any] | None = None,
    ) -> None:
        """Write the given rows in one transaction."""
        with self._lock, self._conn as conn:
            conn.executemany(
                "INSERT OR REPLACE INTO records VALUES (?, ?, ?, ?, ?, ?)",
                (
                    (t, r.id, r.created_ms, r.updated_ms, r.archived_ms, json.dumps(r.props))
                    for t, r in records
                ),
            )
            conn.executemany("INSERT OR IGNORE INTO associations VALUES (?, ?, ?, ?)", associations)
            conn.executemany(
                "INSERT OR REPLACE INTO web_events VALUES (?, ?, ?, ?, ?, ?)",
                ((c, seq, *e) for c, seq, e in events),
            )
            conn.executemany(
                "INSERT OR REPLACE INTO owners VALUES (?, ?)",
                ((int(o["id"]), json.dumps(o)) for o in owners),
            )
            conn.executemany(
                "INSERT OR REPLACE INTO properties VALUES (?, ?, ?)",
                ((t, n, property_to_json(p)) for t, n, p in properties),
            )
            conn.executemany(
                "INSERT OR REPLACE INTO meta VALUES (?, ?)",
                ((k, json.dumps(v)) for k, v in (meta or {}).items()),
            )
