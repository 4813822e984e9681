"""Opening the cache: engine set-up, permissions, schema versioning, and errors in one sentence."""

from __future__ import annotations

import os
import shutil
import sqlite3
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import unquote

from sqlalchemy import Engine, create_engine, event, insert, inspect, text
from sqlalchemy.exc import DatabaseError, OperationalError, SQLAlchemyError
from sqlmodel import Session, SQLModel

from leadtui.store import notify, tables
from leadtui.store.tables import Meta

Migration = Callable[[Any], None]  # receives a SQLAlchemy Connection inside a transaction


def _add_lead_columns(*names: str) -> Migration:
    """ALTER TABLE lead ADD COLUMN for model columns added later, typed as the model types them
    on whichever database this is (SQLite or PostgreSQL)."""

    def step(conn: Any) -> None:
        lead = tables.table_of(tables.LeadRow)
        for name in names:
            column = lead.c[name]
            kind = column.type.compile(dialect=conn.dialect)
            default = getattr(column.default, "arg", None)
            literal = "" if default is None else f" NOT NULL DEFAULT '{default}'"
            conn.execute(text(f'ALTER TABLE lead ADD COLUMN "{name}" {kind}{literal}'))

    return step


# Each entry takes the schema from version N to N+1 (index 0: 1 -> 2). Never edit a shipped one.
MIGRATIONS: list[Migration] = [
    # 1 -> 2: marketing's handoff time and leads back from nurture (issue 14).
    _add_lead_columns("form_submitted_at", "recycled_at", "recycle_reason"),
]

LOCK_WAIT_SECONDS = 3
SCHEMA_LOCK = 0x1EAD7A1  # pg_advisory_lock key: one opener creates or migrates at a time


class StoreError(Exception):
    """The cache cannot be used; the message is one sentence a user can act on."""


class ReadOnlyStore(StoreError):
    """The cache may be read but not written by this user: open it with read_only=True."""


def sqlite_url(path: Path) -> str:
    return f"sqlite:///{path}"


def _prepare_sqlite_file(path: Path) -> None:
    """Make the directory and file owner-only before SQLite creates them with looser modes."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        if not path.exists():
            fd = os.open(path, os.O_CREAT | os.O_WRONLY, 0o600)
            os.close(fd)
    except PermissionError as exc:
        raise StoreError(
            f"Cannot create the cache at {path}: permission denied; "
            "choose another data dir with --data-dir or LEADTUI_DATA_DIR."
        ) from exc
    except OSError as exc:
        raise StoreError(f"Cannot create the cache at {path}: {exc.strerror}.") from exc


def _sqlite_pragmas(dbapi_connection: sqlite3.Connection, _record: object) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={LOCK_WAIT_SECONDS * 1000}")
    cursor.execute("PRAGMA synchronous=NORMAL")  # safe with WAL: a crash loses no commit
    cursor.close()


def explain(exc: BaseException, where: str) -> StoreError:
    """Turn a database failure into one actionable sentence."""
    message = str(getattr(exc, "orig", exc)).lower()
    if "lock timeout" in message or "deadlock detected" in message:
        return StoreError(
            f"Another rep or the team sync is changing the same lead in {where}; try again."
        )
    if (
        "connection refused" in message
        or "could not connect" in message
        or ("connection" in message and "failed" in message and "authentication" not in message)
    ):
        return StoreError(
            f"Cannot reach the team database at {where}; check that it is running and that "
            "[store] url names the right host and port."
        )
    if "password authentication failed" in message or "no password supplied" in message:
        return StoreError(
            f"The team database at {where} refused the login; check the user in [store] url "
            "and its password in ~/.pgpass or PGPASSWORD."
        )
    if "database" in message and "does not exist" in message:
        return StoreError(
            f"The team database at {where} does not exist; create it (createdb) or fix [store] url."
        )
    if "locked" in message or "busy" in message:
        return StoreError(
            f"The cache at {where} is locked by another program (another leadtui?); "
            "close it and try again."
        )
    if "not a database" in message or "malformed" in message or "corrupt" in message:
        return StoreError(
            f"The cache at {where} is damaged or not a leadtui database; move it aside "
            "and run `leadtui sync` (or `leadtui demo`) to rebuild it. Nothing was changed."
        )
    if "disk is full" in message or "no space" in message or "disk i/o" in message:
        return StoreError(
            f"The disk holding the cache at {where} is full (or failing); free some space "
            "and try again. Nothing was lost: the change was not written."
        )
    if "readonly" in message or "read-only" in message or "permission" in message:
        return StoreError(
            f"The cache at {where} is read-only; make it writable by you "
            "or choose another data dir with --data-dir."
        )
    if "unable to open" in message:
        return StoreError(
            f"Cannot open the cache at {where}; check that the folder exists and is yours."
        )
    return StoreError(f"The cache at {where} cannot be used: {getattr(exc, 'orig', exc)}.")


def create_store_engine(url: str) -> Engine:
    # A URI ("sqlite:///file:...?mode=ro") names a cache that exists and is opened as it is.
    if url.startswith("sqlite:///") and not url.startswith(
        ("sqlite:///:memory:", "sqlite:///file:")
    ):
        _prepare_sqlite_file(Path(url.removeprefix("sqlite:///")))
    options: dict[str, Any] = {"connect_args": _connect_args(url)}
    if url.startswith("postgresql"):
        # A team database is shared by a sync service and every rep's app: connections come
        # and go (a server restart, an idle timeout), so check one before handing it out.
        options.update(pool_pre_ping=True, pool_size=5, max_overflow=10)
    try:
        engine = create_engine(url, **options)
    except (SQLAlchemyError, ImportError, ValueError) as exc:
        raise StoreError(f"Cannot use the database URL {_redact(url)}: {exc}.") from exc
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    return engine


def _connect_args(url: str) -> dict[str, Any]:
    if url.startswith("sqlite"):
        # Workers read and write from their own threads; each uses its own connection.
        return {"check_same_thread": False, "timeout": LOCK_WAIT_SECONDS}
    if url.startswith("postgresql"):
        # libpq's connect_timeout; lock_timeout bounds how long one rep's action waits on a
        # lead another holds (SELECT ... FOR UPDATE) before it says so instead of hanging.
        return {
            "connect_timeout": 5,
            "application_name": "leadtui",
            "options": f"-c lock_timeout={LOCK_WAIT_SECONDS * 1000}",
        }
    return {}


def is_team(engine: Engine) -> bool:
    """A shared team database (PostgreSQL) rather than one rep's SQLite file."""
    return engine.dialect.name == "postgresql"


def _redact(url: str) -> str:
    """Never echo a password embedded in a database URL."""
    if url.startswith(("sqlite:///file:", "sqlite:///file%3A")):  # a read-only cache's URI
        path = unquote(url.removeprefix("sqlite:///")).removeprefix("file:").split("?")[0]
        return "sqlite:///" + unquote(path.removeprefix("//"))
    if "@" in url and "://" in url:
        scheme, rest = url.split("://", 1)
        return f"{scheme}://***@{rest.split('@', 1)[1]}"
    return url


def open_engine(
    url: str, migrations: Sequence[Migration] | None = None, *, read_only: bool = False
) -> Engine:
    """Open (creating or migrating) the cache; raise StoreError with one sentence otherwise.

    read_only: the caller only reads (queue, sla, report), so a cache the user may read but
    not write (a colleague's, a read-only mount) is opened as it is instead of refused.
    """
    steps = migrations if migrations is not None else MIGRATIONS
    path = Path(url.removeprefix("sqlite:///")) if url.startswith("sqlite:///") else None
    if path is not None and path.is_file() and not _writable(path):
        if read_only:
            return _open_read_only(path, 1 + len(steps))
        raise ReadOnlyStore(
            f"The cache at {path} (or its folder) is read-only; make both writable by you "
            "to change anything. queue, sla, report and agreement still read it."
        )
    engine = create_store_engine(url)
    where = _redact(url).removeprefix("sqlite:///")
    try:
        if engine.dialect.name == "sqlite":
            with engine.connect() as conn:
                conn.exec_driver_sql("PRAGMA journal_mode=WAL")
                conn.exec_driver_sql("PRAGMA schema_version").fetchone()  # reads the header
        ensure_schema(engine, steps)
        if is_team(engine):
            # Opening used two connections (the schema lock's and the check's); a team database
            # serves many apps, so none is kept idle: each app holds only what it uses.
            engine.dispose()
    except StoreError:
        engine.dispose()
        raise
    except (DatabaseError, OperationalError, sqlite3.DatabaseError) as exc:
        engine.dispose()
        raise explain(exc, where) from exc
    return engine


def _writable(path: Path) -> bool:
    """SQLite writes the file and, beside it, its -wal and -shm files."""
    return os.access(path, os.W_OK) and os.access(path.parent, os.W_OK | os.X_OK)


def _open_read_only(path: Path, latest: int) -> Engine:
    # https://www.sqlite.org/uri.html: mode=ro reads a WAL cache only when its -shm file exists
    # or can be made; in a folder we may not write, immutable=1 reads the file as it is (the
    # only writer would be whoever may change the folder, and this process cannot).
    where = str(path)
    problem = StoreError(f"Cannot read the cache at {where}.")
    for options in ("mode=ro", "mode=ro&immutable=1"):
        engine = create_store_engine(f"sqlite:///{path.resolve().as_uri()}?{options}&uri=true")
        try:
            found = schema_version(engine)
        except (DatabaseError, OperationalError, sqlite3.DatabaseError) as exc:
            engine.dispose()
            problem = explain(exc, where)
            continue
        if found != latest:
            engine.dispose()
            raise StoreError(
                f"The cache at {where} is read-only and was written by "
                f"{'a newer' if (found or 0) > latest else 'an older'} leadtui; make it "
                "writable by you once so it can be brought up to date, or use --data-dir."
            )
        return engine
    raise problem


def schema_version(engine: Engine) -> int | None:
    if not inspect(engine).has_table("meta"):
        return None
    with engine.connect() as conn:
        row = conn.execute(text("SELECT value FROM meta WHERE key = 'schema_version'")).first()
    if not row:
        return None
    try:
        return int(row[0])
    except (TypeError, ValueError):
        raise StoreError(
            f"The cache's schema version is not a number ({str(row[0])[:40]!r}), so it is "
            "damaged or was not written by leadtui; move it aside and run `leadtui sync` "
            "(or `leadtui demo`) to rebuild it. Nothing was changed."
        ) from None


def ensure_schema(engine: Engine, migrations: Sequence[Migration]) -> None:
    if not is_team(engine):
        _ensure_schema(engine, migrations)
        return
    # Every rep's app and the team sync open the team database at once: one of them creates or
    # migrates the schema while the others wait on this lock (held by a connection of its own;
    # PostgreSQL's DDL is transactional, so a failed migration leaves the old schema whole).
    with engine.connect() as holder:
        holder.execute(text("SELECT pg_advisory_lock(:k)"), {"k": SCHEMA_LOCK})
        try:
            _ensure_schema(engine, migrations)
            with engine.begin() as conn:
                notify.install_triggers(conn)
        finally:
            holder.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": SCHEMA_LOCK})
            holder.commit()


def _ensure_schema(engine: Engine, migrations: Sequence[Migration]) -> None:
    latest = 1 + len(migrations)
    found = schema_version(engine)
    if found is None:
        _create_schema(engine, latest)
        return
    if found > latest:
        raise StoreError(
            f"The cache was written by a newer leadtui (schema {found}, this one knows "
            f"{latest}); upgrade leadtui."
        )
    if found < latest:
        _backup(engine, found)
        with engine.begin() as conn:
            for step in migrations[found - 1 :]:
                step(conn)
            conn.execute(
                text("UPDATE meta SET value = :v WHERE key = 'schema_version'"), {"v": latest}
            )
    # New tables added in later versions without a migration of their own are created here.
    SQLModel.metadata.create_all(engine, tables=_tables())


def _create_schema(engine: Engine, latest: int) -> None:
    """Create every table and record the version, once however many openers race to do it."""
    with engine.begin() as conn:
        if engine.dialect.name == "sqlite":
            # Two processes opening a new cache at once (the app and `sync --watch`): the first
            # write statement takes SQLite's write lock, so the second waits here (busy
            # timeout) and then finds the schema made. The table is the one Meta declares.
            conn.exec_driver_sql(
                "CREATE TABLE IF NOT EXISTS meta (key VARCHAR NOT NULL PRIMARY KEY, "
                "value VARCHAR NOT NULL)"
            )
            conn.exec_driver_sql("DELETE FROM meta WHERE 0")
        names = set(inspect(conn).get_table_names())
        if "meta" in names:
            row = conn.execute(text("SELECT value FROM meta WHERE key = 'schema_version'"))
            if row.first() is not None:
                return  # another opener made it meanwhile
        if names & {"lead", "touch"}:
            raise StoreError(
                "The cache has leadtui tables but no schema version; it was not written by "
                "leadtui. Move it aside and sync again."
            )
        SQLModel.metadata.create_all(conn, tables=_tables())
        conn.execute(insert(tables.table_of(Meta)).values(key="schema_version", value=str(latest)))


def _backup(engine: Engine, version: int) -> None:
    """Keep a copy of the file as it was before a migration: a cache is never thrown away."""
    database = engine.url.database
    if engine.dialect.name != "sqlite" or not database or database == ":memory:":
        return
    source = Path(database)
    with engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    shutil.copy2(source, source.with_name(f"{source.name}.v{version}.bak"))


def _tables() -> list[Any]:
    return [tables.table_of(model) for model in tables.ALL_TABLES]


def take_write_lock(session: Session) -> None:
    """Start the transaction as a writer, before it reads what it will decide on.

    SQLite's driver begins a transaction only at the first write, so an action's reads would
    each see their own moment and two actions could both decide on the same old status. A
    no-op write takes the database's one write lock first (others wait up to the busy
    timeout). PostgreSQL needs nothing here: its actions lock the rows they change.
    """
    if session.get_bind().dialect.name == "sqlite":
        session.execute(text("DELETE FROM meta WHERE 0"))


@contextmanager
def session_scope(engine: Engine) -> Iterator[Session]:
    """One transaction: committed when the block ends, rolled back on any error."""
    where = _redact(str(engine.url)).removeprefix("sqlite:///")
    session = Session(engine, expire_on_commit=False)
    try:
        yield session
        session.commit()
    except (OperationalError, DatabaseError, sqlite3.Error) as exc:
        # sqlite3.Error too: bulk writes go through the driver directly (sync/cache.py).
        session.rollback()
        raise explain(exc, where) from exc
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()
