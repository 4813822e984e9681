"""The cache on a real SQLite file: creation, permissions, versions, migrations, bulk upserts."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlmodel import select

from leadtui.store.engine import StoreError, open_engine, session_scope, sqlite_url
from leadtui.store.queries import upsert
from leadtui.store.tables import LeadRow, OwnerRow, table_of

WHEN = datetime(2026, 11, 18, 15, 0, tzinfo=UTC)


def test_new_cache_is_owner_only_with_wal_and_foreign_keys(tmp_path: Path) -> None:
    path = tmp_path / "data" / "leadtui.db"
    engine = open_engine(sqlite_url(path))
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    engine.dispose()
    assert path.stat().st_mode & 0o777 == 0o600
    assert path.parent.stat().st_mode & 0o777 == 0o700


def test_datetimes_round_trip_as_aware_utc(tmp_path: Path) -> None:
    engine = open_engine(sqlite_url(tmp_path / "c.db"))
    tokyo = timezone(timedelta(hours=9))
    with session_scope(engine) as session:
        session.add(LeadRow(name="A", created_at=WHEN.astimezone(tokyo)))
    with session_scope(engine) as session:
        row = session.exec(select(LeadRow)).one()
    assert row.created_at == WHEN
    assert row.created_at.tzinfo is UTC


def test_naive_datetimes_are_refused(tmp_path: Path) -> None:
    engine = open_engine(sqlite_url(tmp_path / "c.db"))
    with pytest.raises(Exception, match="naive datetime"), session_scope(engine) as session:
        session.add(LeadRow(name="A", created_at=datetime(2026, 1, 1)))


def test_older_cache_is_migrated_with_a_backup_and_keeps_its_data(tmp_path: Path) -> None:
    path = tmp_path / "leadtui.db"
    _v1_cache(path)

    def add_column(conn) -> None:  # what a real v1 -> v2 migration looks like
        conn.execute(text("ALTER TABLE lead ADD COLUMN linkedin_url VARCHAR DEFAULT ''"))

    engine = open_engine(sqlite_url(path), migrations=[add_column])
    with engine.connect() as conn:
        assert conn.execute(text("SELECT value FROM meta")).scalar() == "2"
        assert conn.execute(text("SELECT name, linkedin_url FROM lead")).one() == ("Kept", "")
    engine.dispose()
    backup = sqlite3.connect(tmp_path / "leadtui.db.v1.bak")
    assert backup.execute("SELECT name FROM lead").fetchall() == [("Kept",)]


def _v1_cache(path: Path) -> None:
    """A cache as leadtui wrote it before any migration: the v1 tables, one lead."""
    engine = open_engine(sqlite_url(path), migrations=[])
    with session_scope(engine) as session:
        session.add(LeadRow(name="Kept", created_at=WHEN))
    with engine.begin() as conn:
        for column in ("form_submitted_at", "recycled_at", "recycle_reason"):
            conn.execute(text(f"ALTER TABLE lead DROP COLUMN {column}"))
    engine.dispose()


def test_v1_cache_gains_the_marketing_columns(tmp_path: Path) -> None:
    path = tmp_path / "leadtui.db"
    _v1_cache(path)
    engine = open_engine(sqlite_url(path))  # the shipped migrations
    with session_scope(engine) as session:
        row = session.exec(select(LeadRow)).one()
        assert (row.name, row.form_submitted_at, row.recycled_at, row.recycle_reason) == (
            "Kept",
            None,
            None,
            "",
        )
        row.recycled_at = WHEN
    engine.dispose()


def test_newer_cache_is_refused_and_untouched(tmp_path: Path) -> None:
    path = tmp_path / "leadtui.db"
    open_engine(sqlite_url(path)).dispose()
    db = sqlite3.connect(path)
    db.execute("UPDATE meta SET value = '99'")
    db.commit()
    db.close()
    with pytest.raises(StoreError, match="newer leadtui"):
        open_engine(sqlite_url(path))
    assert sqlite3.connect(path).execute("SELECT value FROM meta").fetchone() == ("99",)


def test_foreign_database_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "other.db"
    db = sqlite3.connect(path)
    db.execute("CREATE TABLE lead (x)")
    db.commit()
    db.close()
    with pytest.raises(StoreError, match="not written by leadtui"):
        open_engine(sqlite_url(path))


def test_bulk_upsert_inserts_then_updates_by_key(tmp_path: Path) -> None:
    engine = open_engine(sqlite_url(tmp_path / "c.db"))
    rows = [{"email": f"r{i}@x.example", "first_name": f"R{i}"} for i in range(1200)]
    with engine.begin() as conn:
        upsert(conn, table_of(OwnerRow), rows, key="email")
        upsert(conn, table_of(OwnerRow), [{"email": "r5@x.example", "first_name": "Five"}], "email")
    with session_scope(engine) as session:
        owners = session.exec(select(OwnerRow)).all()
    assert len(owners) == 1200
    assert {o.first_name for o in owners if o.email == "r5@x.example"} == {"Five"}


def test_database_url_password_is_never_echoed() -> None:
    with pytest.raises(StoreError) as info:
        open_engine("nosuchdialect://user:hunter2@db.example/leads")
    assert "hunter2" not in str(info.value)
