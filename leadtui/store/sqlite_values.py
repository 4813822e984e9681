"""Python values as SQLite stores them through leadtui's tables, for bulk writes that run on the
driver's executemany: at 100,000 rows every SQLAlchemy path (a compiled statement's per-row bind
processing) costs several times the write itself."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime
from functools import lru_cache
from operator import itemgetter
from typing import Any

from sqlalchemy import JSON, Boolean, Connection, Table

from leadtui.store.tables import UTCDateTime


def sqlite_time(value: datetime | None) -> str | None:
    # The exact text SQLAlchemy's SQLite DATETIME stores after UTCDateTime made it naive UTC.
    if value is None:
        return None
    if value.tzinfo is None:
        raise ValueError("naive datetime given to the store; pass an aware one")
    if value.tzinfo is not UTC:
        value = value.astimezone(UTC)
    return value.isoformat(" ", "microseconds")[:26]  # drop "+00:00"


def plain(value: Any) -> Any:
    return value


def _flag(value: Any) -> Any:
    return None if value is None else int(bool(value))


def _json(value: Any) -> Any:
    return None if value is None else json.dumps(value)


def _converter(column: Any) -> Any:
    if isinstance(column.type, UTCDateTime):
        return sqlite_time
    if isinstance(column.type, Boolean):
        return _flag
    if isinstance(column.type, JSON):
        return _json
    return plain


@lru_cache(maxsize=64)
def special(table: Table, columns: tuple[str, ...]) -> list[tuple[int, Any]]:
    """(index, converter) of the columns whose SQLite value is not the Python value."""
    converters = enumerate(_converter(table.columns[name]) for name in columns)
    return [(i, convert) for i, convert in converters if convert is not plain]


def converted(row: tuple[Any, ...], changes: list[tuple[int, Any]]) -> tuple[Any, ...]:
    items = list(row)
    for index, convert in changes:
        items[index] = convert(items[index])
    return tuple(items)


def as_stored(
    table: Table, columns: tuple[str, ...], rows: Sequence[dict[str, Any]]
) -> list[tuple[Any, ...]]:
    """The rows' values of `columns`, in that order, as SQLite stores them."""
    getter = itemgetter(*columns)
    values = [getter(row) for row in rows] if len(columns) > 1 else [(getter(r),) for r in rows]
    changes = special(table, columns)
    return [converted(row, changes) for row in values] if changes else values


def update_many(
    conn: Connection, table: Table, rows: Sequence[dict[str, Any]], key: str, column: str
) -> None:
    """Set, in the row of `table` whose `column` is a row's `key` value, that row's other
    values: one prepared statement on the driver (SQLite only)."""
    columns = tuple(name for name in rows[0] if name != key)
    values = as_stored(table, columns, rows)
    params = [(*row, source[key]) for row, source in zip(values, rows, strict=True)]
    raw = conn.connection.driver_connection
    assert raw is not None
    raw.executemany(_update_sql(table, columns, column), params)


def insert_many(conn: Connection, table: Table, rows: Sequence[dict[str, Any]]) -> None:
    """INSERT the rows (all with the same keys) on the driver (SQLite only)."""
    columns = tuple(rows[0])
    raw = conn.connection.driver_connection
    assert raw is not None
    names = ", ".join(f'"{name}"' for name in columns)
    marks = ", ".join("?" for _ in columns)
    sql = f'INSERT INTO "{table.name}" ({names}) VALUES ({marks})'
    raw.executemany(sql, as_stored(table, columns, rows))


@lru_cache(maxsize=64)
def _update_sql(table: Table, columns: tuple[str, ...], key: str) -> str:
    changes = ", ".join(f'"{name}" = ?' for name in columns)
    return f'UPDATE "{table.name}" SET {changes} WHERE "{key}" = ?'
