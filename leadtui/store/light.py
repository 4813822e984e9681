"""The SQLite cache read with plain sqlite3: the light path for `leadtui queue` and the TUI's first
screen, which must not wait for SQLAlchemy to import (a third of a second).

It returns the rows leadtui.store.queries returns, in the same order (tests compare the two
paths), as objects with the same attributes. Datetimes, booleans and JSON are converted by the
types the schema declares (DATETIME, BOOLEAN, JSON: sqlite3's detect_types) exactly as the ORM's
column types convert them, so no column list is repeated here.
"""

from __future__ import annotations

import json
import sqlite3
from collections import defaultdict, namedtuple
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

from leadtui.domain.models import OPEN_STATUSES, Enrolment, EventKind
from leadtui.store.convert import enrolment_from_mapping

# The schema this module reads; a cache at any other version goes down the full path, which
# migrates it (or refuses it) as always. tests/store checks it against the store's migrations.
SCHEMA_VERSION = 1


def _datetime(raw: bytes) -> datetime:
    # leadtui.store.tables.UTCDateTime stores naive UTC text and reads it back as aware UTC
    # (datetime.UTC itself: the offset parsed here is that object). Six times faster than
    # .replace(tzinfo=UTC), and a queue read converts thousands.
    return datetime.fromisoformat(raw.decode() + "+00:00")


# Process-wide, but only connections opened with detect_types (these) use them.
sqlite3.register_converter("DATETIME", _datetime)
sqlite3.register_converter("BOOLEAN", lambda raw: bool(int(raw)))
sqlite3.register_converter("JSON", json.loads)


@dataclass(frozen=True, slots=True)
class ContextSummary:
    """What marketing captured about a lead, in brief: page views, downloads, the last page."""

    page_views: int
    downloads: list[str]
    last_page: str


def _rows(cursor: sqlite3.Cursor) -> list[Any]:
    """The cursor's rows as objects with one attribute per column, like the ORM's rows."""
    return list(map(_row_type(tuple(c[0] for c in cursor.description))._make, cursor))


@lru_cache(maxsize=32)
def _row_type(columns: tuple[str, ...]) -> Any:
    # A named tuple is made eight times faster than a SimpleNamespace.
    return namedtuple("Row", columns)  # type: ignore[misc]


@contextmanager
def connect(database: Path) -> Iterator[sqlite3.Connection | None]:
    """A read-only connection, or None when this module cannot read that cache as it is."""
    try:
        conn = sqlite3.connect(
            f"{database.resolve().as_uri()}?mode=ro",
            uri=True,
            detect_types=sqlite3.PARSE_DECLTYPES,
        )
    except (sqlite3.Error, OSError):
        yield None
        return
    try:
        found = conn.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
        if found is None or found[0] != str(SCHEMA_VERSION):
            yield None
            return
        yield conn
    except sqlite3.Error:
        yield None
    finally:
        conn.close()


_OPEN = tuple(s.value for s in OPEN_STATUSES)


def _open_leads(owner: str | None) -> tuple[str, list[Any]]:
    """leadtui.store.queries.leads(owner, open_only=True) as SQL and its parameters."""
    sql = f"archived = 0 AND status IN ({', '.join('?' for _ in _OPEN)})"
    params: list[Any] = list(_OPEN)
    if owner:
        sql += " AND lower(owner) = ?"
        params.append(owner.lower())
    return sql, params


def open_leads(conn: sqlite3.Connection, owner: str | None) -> list[Any]:
    where, params = _open_leads(owner)
    return _rows(conn.execute(f"SELECT * FROM lead WHERE {where} ORDER BY id", params))


def touches_of_open_leads(conn: sqlite3.Connection, owner: str | None) -> dict[int, list[Any]]:
    where, params = _open_leads(owner)
    grouped: dict[int, list[Any]] = defaultdict(list)
    query = (
        f"SELECT * FROM touch WHERE lead_id IN (SELECT id FROM lead WHERE {where}) "
        "ORDER BY lead_id, occurred_at, id"
    )
    for row in _rows(conn.execute(query, params)):
        grouped[row.lead_id].append(row)
    return grouped


def enrolments_of_open_leads(conn: sqlite3.Connection, owner: str | None) -> dict[int, Enrolment]:
    where, params = _open_leads(owner)
    query = f"SELECT * FROM enrolment WHERE lead_id IN (SELECT id FROM lead WHERE {where})"
    rows = _rows(conn.execute(query, params))
    return {row.lead_id: enrolment_from_mapping(row._asdict()) for row in rows}


def contexts_of_open_leads(
    conn: sqlite3.Connection, owner: str | None
) -> dict[int, ContextSummary]:
    """leadtui.store.queries.context_summaries for the open leads."""
    where, params = _open_leads(owner)
    page_view, download = EventKind.PAGE_VIEW.value, EventKind.DOWNLOAD.value
    query = (
        "SELECT lead_id, kind, url, title FROM event WHERE kind IN (?, ?) "
        f"AND lead_id IN (SELECT id FROM lead WHERE {where}) ORDER BY lead_id, occurred_at, id"
    )
    return summarise_context(conn.execute(query, [page_view, download, *params]))


def summarise_context(rows: Iterable[tuple[int, str, str, str]]) -> dict[int, ContextSummary]:
    """(lead_id, kind, url, title) of page views and downloads, by lead and time, summarised."""
    counts: dict[int, int] = defaultdict(int)
    last: dict[int, str] = {}
    downloads: dict[int, list[str]] = defaultdict(list)
    page_view = EventKind.PAGE_VIEW.value  # an enum's .value is slow to read in a loop
    for lead_id, kind, url, title in rows:
        if kind == page_view:
            counts[lead_id] += 1
            last[lead_id] = url
        else:
            downloads[lead_id].append(title or url)
    ids = set(counts) | set(downloads)
    return {i: ContextSummary(counts.get(i, 0), downloads.get(i, []), last.get(i, "")) for i in ids}
