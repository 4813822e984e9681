"""The store on SQLite and on a team database (PostgreSQL): schema, versions, migrations, upserts,
and many writers at once on one lead and on many leads."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, text
from sqlmodel import select

from leadtui.config import load, locate
from leadtui.store.engine import MIGRATIONS, StoreError, open_engine, session_scope, sqlite_url
from leadtui.store.queries import upsert
from leadtui.store.tables import LeadRow, OutboxRow, TouchRow, table_of
from leadtui.workspace import ActionError, Workspace
from tests.conftest import NOW


@pytest.fixture
def url(store_url: str | None, tmp_path: Path) -> str:
    return store_url or sqlite_url(tmp_path / "leadtui.db")


@pytest.fixture
def engine(url: str) -> Iterator[Engine]:
    made = open_engine(url)
    yield made
    made.dispose()


def test_a_new_store_has_every_table_and_version_1(engine: Engine) -> None:
    with engine.connect() as conn:
        # A new store starts at the latest version (1 + the shipped migrations).
        assert conn.execute(text("SELECT value FROM meta")).scalar() == str(1 + len(MIGRATIONS))
        assert conn.execute(text("SELECT count(*) FROM lead")).scalar() == 0


def test_an_older_store_is_migrated_once_and_keeps_its_data(url: str) -> None:
    first = open_engine(url, migrations=[])  # a version-1 store
    with session_scope(first) as session:
        session.add(LeadRow(name="Kept", created_at=NOW))
    first.dispose()
    runs: list[int] = []

    def add_column(conn) -> None:  # what a real v1 -> v2 migration looks like
        runs.append(1)
        conn.execute(text("ALTER TABLE lead ADD COLUMN linkedin_url VARCHAR DEFAULT ''"))

    for _ in range(2):  # opening again finds version 2: nothing runs twice
        migrated = open_engine(url, migrations=[add_column])
        with migrated.connect() as conn:
            assert conn.execute(text("SELECT value FROM meta")).scalar() == "2"
            assert conn.execute(text("SELECT name, linkedin_url FROM lead")).one() == ("Kept", "")
        migrated.dispose()
    assert runs == [1]


def test_a_failed_migration_leaves_the_store_as_it_was(url: str) -> None:
    open_engine(url, migrations=[]).dispose()  # a version-1 store

    def broken(conn) -> None:
        conn.execute(text("ALTER TABLE lead ADD COLUMN half_done VARCHAR"))
        conn.execute(text("SELECT no_such_column FROM lead"))

    with pytest.raises(StoreError):
        open_engine(url, migrations=[broken])
    engine = open_engine(url, migrations=[])
    with engine.connect() as conn:
        assert conn.execute(text("SELECT value FROM meta")).scalar() == "1"
    engine.dispose()


def test_a_newer_store_is_refused(url: str) -> None:
    engine = open_engine(url)
    with engine.begin() as conn:
        conn.execute(text("UPDATE meta SET value = '99'"))
    engine.dispose()
    with pytest.raises(StoreError, match="newer leadtui"):
        open_engine(url)


def test_upsert_inserts_then_updates_by_key(engine: Engine) -> None:
    table = table_of(LeadRow)
    rows = [{"crm_id": str(i), "name": f"L{i}", "created_at": NOW} for i in range(1200)]
    with session_scope(engine) as session:
        upsert(session.connection(), table, rows, key="crm_id")
        upsert(
            session.connection(),
            table,
            [{"crm_id": "7", "name": "Seven", "created_at": NOW}],
            "crm_id",
        )
    with session_scope(engine) as session:
        assert session.exec(select(func.count()).select_from(LeadRow)).one() == 1200
        assert session.exec(select(LeadRow.name).where(LeadRow.crm_id == "7")).one() == "Seven"


def test_many_apps_opening_a_new_store_at_once_make_one_schema(url: str) -> None:
    errors: list[BaseException] = []

    def open_one() -> None:
        try:
            open_engine(url).dispose()
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=open_one) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    engine = open_engine(url)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM meta")).scalar() == 1
    engine.dispose()


# -- many writers ---------------------------------------------------------------------------


@pytest.fixture
def ws(workspace_dir: Path, seeded_store: str | None) -> Iterator[Workspace]:
    locations = locate(None, str(workspace_dir))
    workspace = Workspace.open(load(locations.config_path), locations, url=seeded_store)
    yield workspace
    workspace.close()


def _open_leads(ws: Workspace, n: int) -> list[int]:
    with ws.session() as session:
        query = (
            select(LeadRow.id)
            .where(LeadRow.status.in_(["new", "working"]))  # type: ignore[attr-defined]
            .where(LeadRow.archived.is_(False))  # type: ignore[attr-defined]
            .order_by(LeadRow.id)
            .limit(n)
        )
        return [int(i) for i in session.exec(query)]


def _run_at_once(jobs: list[list[tuple[int, str]]], act) -> list[BaseException]:  # type: ignore[no-untyped-def]
    """Each job list runs in its own thread, all released together."""
    errors: list[BaseException] = []
    start = threading.Barrier(len(jobs))

    def worker(job: list[tuple[int, str]]) -> None:
        start.wait()
        for lead_id, note in job:
            try:
                act(lead_id, note)
            except BaseException as exc:
                errors.append(exc)

    threads = [threading.Thread(target=worker, args=(job,)) for job in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return errors


def _touch_counts(ws: Workspace) -> tuple[Counter[str], Counter[str]]:
    """Touches and create_touch outbox rows, by note (each action writes a unique note)."""
    with ws.session() as session:
        touches = Counter(session.exec(select(TouchRow.note).where(TouchRow.op_id.is_not(None))))  # type: ignore[union-attr]
        ops = session.exec(
            select(TouchRow.note)
            .join(OutboxRow, OutboxRow.record_id == TouchRow.id)  # type: ignore[arg-type]
            .where(OutboxRow.kind == "create_touch")
        )
        return touches, Counter(ops)


@pytest.mark.parametrize("one_lead", [True, False], ids=["one lead", "many leads"])
def test_many_writers_lose_nothing_and_duplicate_nothing(ws: Workspace, one_lead: bool) -> None:
    writers, each = 6, 8
    leads = _open_leads(ws, writers)
    jobs = [
        [(leads[0] if one_lead else leads[w], f"w{w}-{i}") for i in range(each)]
        for w in range(writers)
    ]

    def act(lead_id: int, note: str) -> None:
        ws.log_touch(lead_id, "call", "no_answer", NOW + timedelta(minutes=1), note=note)

    # A wait beyond the store's bound (PostgreSQL's lock_timeout, SQLite's busy timeout) raises
    # StoreError: an empty error list also says nobody was blocked longer than that.
    assert _run_at_once(jobs, act) == []
    touches, ops = _touch_counts(ws)
    made = {note for job in jobs for _, note in job}
    assert set(touches) == made and set(touches.values()) == {1}
    assert set(ops) == made and set(ops.values()) == {1}


def test_two_people_closing_one_lead_at_once_close_it_once(ws: Workspace) -> None:
    """Row locking: the second sees the first's decision instead of overwriting it."""
    lead_id = _open_leads(ws, 1)[0]
    outcomes: list[str] = []

    def act(lead: int, how: str) -> None:
        try:
            if how == "convert":
                ws.convert(lead, 5000.0, NOW)
            else:
                ws.disqualify(lead, "No budget", NOW)
            outcomes.append(how)
        except ActionError:
            outcomes.append("refused")

    jobs = [[(lead_id, "convert")], [(lead_id, "disqualify")]] * 3
    assert _run_at_once(jobs, act) == []
    assert outcomes.count("refused") == 5
    with ws.session() as session:
        updates = session.exec(
            select(OutboxRow)
            .where(OutboxRow.lead_id == lead_id)
            .where(OutboxRow.kind == "update_lead")
        ).all()
    statuses = [
        op.payload["fields"]["status"] for op in updates if "status" in op.payload["fields"]
    ]
    assert len(statuses) == 1 and statuses[0]["before"] in ("new", "working")


def test_store_url_is_checked_with_its_line_and_what_is_allowed() -> None:
    from leadtui.config import ConfigError, parse

    with pytest.raises(ConfigError, match=r"line 2\): \[store\] url must be empty .* PostgreSQL"):
        parse('[store]\nurl = "mysql://db.example/leadtui"\n')
    team = parse('[store]\nurl = "postgresql://rep@db.example/leadtui"\n').store
    assert team.url == "postgresql+psycopg://rep@db.example/leadtui" and team.is_team
    assert not parse("").store.is_team
