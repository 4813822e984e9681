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
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any, NamedTuple

from leadtui.domain.models import OPEN_STATUSES, Enrolment, EventKind
from leadtui.store.convert import enrolment_from_mapping

# The schema this module reads; a cache at any other version goes down the full path, which
# migrates it (or refuses it) as always. tests/store checks it against the store's migrations.
SCHEMA_VERSION = 2  # 2: form_submitted_at, recycled_at, recycle_reason (issue 14)


def _datetime(raw: bytes) -> datetime:
    # leadtui.store.tables.UTCDateTime stores naive UTC text and reads it back as aware UTC
    # (datetime.UTC itself: the offset parsed here is that object). Six times faster than
    # .replace(tzinfo=UTC), and a queue read converts thousands.
    return datetime.fromisoformat(raw.decode() + "+00:00")


# Process-wide, but only connections opened with detect_types (these) use them.
sqlite3.register_converter("DATETIME", _datetime)
sqlite3.register_converter("BOOLEAN", lambda raw: bool(int(raw)))
sqlite3.register_converter("JSON", json.loads)


class ContextSummary(NamedTuple):
    """What marketing captured about a lead, in brief: page views, downloads, the last page.
    Named tuples here, not dataclasses: leadtui.lead_views.LeadView says why."""

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

# Which leads to read: "SELECT id FROM lead WHERE ..." and its parameters.
Selection = tuple[str, list[Any]]


def open_leads_of(owner: str | None) -> Selection:
    """leadtui.store.queries.leads(owner, open_only=True)'s leads."""
    sql = f"SELECT id FROM lead WHERE archived = 0 AND status IN ({', '.join('?' for _ in _OPEN)})"
    params: list[Any] = list(_OPEN)
    if owner:
        sql += " AND lower(owner) = ?"
        params.append(owner.lower())
    return sql, params


def these_leads(lead_ids: Iterable[int]) -> Selection:
    ids = list(lead_ids)
    return f"SELECT id FROM lead WHERE id IN ({', '.join('?' for _ in ids)})", ids


def leads(conn: sqlite3.Connection, which: Selection) -> list[Any]:
    """Lead rows, by id."""
    sql, params = which
    return _rows(conn.execute(f"SELECT * FROM lead WHERE id IN ({sql}) ORDER BY id", params))


def touches(conn: sqlite3.Connection, which: Selection) -> dict[int, list[Any]]:
    """Touch rows by lead, each lead's by time (leadtui.store.queries.touches_by_lead)."""
    sql, params = which
    grouped: dict[int, list[Any]] = defaultdict(list)
    query = f"SELECT * FROM touch WHERE lead_id IN ({sql}) ORDER BY lead_id, occurred_at, id"
    for row in _rows(conn.execute(query, params)):
        grouped[row.lead_id].append(row)
    return grouped


def enrolments(conn: sqlite3.Connection, which: Selection) -> dict[int, Enrolment]:
    sql, params = which
    cursor = conn.execute(f"SELECT * FROM enrolment WHERE lead_id IN ({sql})", params)
    cursor.row_factory = sqlite3.Row  # by column name, as enrolment_from_mapping reads (C, fast)
    return {row["lead_id"]: enrolment_from_mapping(row) for row in cursor}


def contexts(conn: sqlite3.Connection, which: Selection) -> dict[int, ContextSummary]:
    """leadtui.store.queries.context_summaries for these leads."""
    sql, params = which
    page_view, download = EventKind.PAGE_VIEW.value, EventKind.DOWNLOAD.value
    query = (
        "SELECT lead_id, kind, url, title FROM event WHERE kind IN (?, ?) "
        f"AND lead_id IN ({sql}) ORDER BY lead_id, occurred_at, id"
    )
    return summarise_context(conn.execute(query, [page_view, download, *params]))


def sqlite_time(moment: datetime) -> str:
    """A time as the store writes it (naive UTC text), for comparing with stored times."""
    return moment.astimezone(UTC).replace(tzinfo=None).isoformat(" ", "microseconds")


class QueueIndexRow(NamedTuple):
    """The few columns ordering the queue needs; the rest is fetched for visible rows only."""

    lead_id: int
    score: int
    status: str
    stl_deadline: datetime | None
    first_touch_at: datetime | None
    snoozed_until: datetime | None
    due_at: datetime | None
    paused: bool


def queue_index(conn: sqlite3.Connection, which: Selection) -> list[QueueIndexRow]:
    """leadtui.store.queries.queue_index for these leads (open, not archived, among them)."""
    sql, params = which
    open_sql, open_params = open_leads_of(None)
    query = (
        "SELECT lead.id, lead.score, lead.status, lead.stl_deadline, lead.first_touch_at, "
        "lead.snoozed_until, enrolment.due_at, enrolment.paused_at, enrolment.exited_at, "
        "enrolment.completed_at FROM lead LEFT OUTER JOIN enrolment "
        f"ON enrolment.lead_id = lead.id WHERE lead.id IN ({open_sql}) AND lead.id IN ({sql})"
    )
    out = []
    for row in conn.execute(query, [*open_params, *params]):
        lead_id, score, status, deadline, first, snoozed, due, paused, exited, done = row
        active = exited is None and done is None
        out.append(
            QueueIndexRow(
                lead_id, score, status, deadline, first, snoozed,
                due if active else None, paused is not None and active,
            )
        )  # fmt: skip
    return out


def queue_candidates(
    conn: sqlite3.Connection, owner: str | None, now: datetime, day_end: datetime, limit: int
) -> set[int]:
    """leadtui.store.queries.queue_candidates in plain SQL (see there for why these groups):
    a superset of the queue's first `limit` leads, through indexes, for the first paint."""
    at, end = sqlite_time(now), sqlite_time(day_end)
    statuses = ", ".join("?" for _ in _OPEN)
    # Wrapped in expressions so that SQLite picks the deadline, due and score indexes.
    visible = (
        f"coalesce(lead.archived, 0) IS 0 AND (lead.status || '') IN ({statuses}) "
        "AND (lead.snoozed_until IS NULL OR lead.snoozed_until <= ?)"
    )
    seen: list[Any] = [*_OPEN, at]
    if owner:
        visible += " AND lower(lead.owner) = ?"
        seen.append(owner.lower())
    live = "enrolment.exited_at IS NULL AND enrolment.completed_at IS NULL "
    live += "AND enrolment.paused_at IS NULL"
    leads_q = f"SELECT lead.id FROM lead WHERE {visible}"
    steps_q = (
        "SELECT lead.id FROM enrolment JOIN lead ON lead.id = enrolment.lead_id "
        f"WHERE {visible} AND {live}"
    )
    groups: list[tuple[str, list[Any]]] = [
        (
            f"{leads_q} AND lead.first_touch_at IS NULL AND lead.stl_deadline >= ? "
            "ORDER BY lead.stl_deadline, lead.id",
            [*seen, at],
        ),
        (
            f"{leads_q} AND (lead.status || '') = 'new' AND lead.stl_deadline < ? AND "
            "(lead.first_touch_at IS NULL OR lead.first_touch_at > lead.stl_deadline) "
            "ORDER BY lead.stl_deadline DESC, lead.id",
            [*seen, at],
        ),
        (f"{steps_q} AND enrolment.due_at < ? ORDER BY enrolment.due_at, lead.id", [*seen, at]),
        (
            f"{steps_q} AND enrolment.due_at >= ? AND enrolment.due_at <= ? "
            "ORDER BY lead.score DESC, lead.id",
            [*seen, at, end],
        ),
    ]
    found: set[int] = set()
    for sql, params in groups:
        ids = [lead_id for (lead_id,) in conn.execute(f"{sql} LIMIT ?", [*params, limit])]
        found.update(ids)
        if len(ids) >= limit or len(found) >= limit:
            return found  # the page is filled by this group and the ones before it
    rest = f"{leads_q} ORDER BY lead.score DESC, lead.id LIMIT ?"
    found.update(lead_id for (lead_id,) in conn.execute(rest, [*seen, limit + len(found)]))
    return found


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
