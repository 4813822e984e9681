"""A PostgreSQL server for the tests, and a fresh database on it for each test.

The server's URL comes from LEADTUI_TEST_PG_URL (CI's .ci/run exports what scripts/postgres-up
prints) or from running scripts/postgres-up. Each test gets its own database with a unique name
(other engineers' tests share the server), dropped afterwards even if connections linger.
Without a server the PostgreSQL variants skip on a developer's machine and fail under CI=true.
"""

from __future__ import annotations

import os
import subprocess
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
_server: list[str | None] = []  # found once per test session


def server_url() -> str | None:
    """A libpq URL of a role that may create databases, or None (with the reason printed)."""
    if _server:
        return _server[0]
    url = os.environ.get("LEADTUI_TEST_PG_URL", "").strip()
    problem = ""
    if not url:
        try:
            done = subprocess.run(
                [str(ROOT / "scripts" / "postgres-up")],
                capture_output=True,
                text=True,
                timeout=600,
                check=False,
            )
        except (OSError, subprocess.TimeoutExpired) as exc:
            problem = f"scripts/postgres-up did not run: {exc}"
        else:
            url = done.stdout.strip().splitlines()[-1] if done.returncode == 0 else ""
            problem = "" if url else f"scripts/postgres-up failed: {done.stderr.strip()}"
    if url and not problem:
        import psycopg

        try:
            psycopg.connect(url, connect_timeout=5).close()
        except psycopg.Error as exc:
            problem = f"PostgreSQL at {url.split('@')[-1]} does not answer: {exc}"
    _server.append(url if not problem else None)
    if problem:
        _server.append(problem)
    return _server[0]


def require_server() -> str:
    url = server_url()
    if url is None:
        reason = str(_server[1]) if len(_server) > 1 else "no PostgreSQL server"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"CI needs PostgreSQL for the team-database tests: {reason}")
        pytest.skip(reason)
    return url


def _admin(server: str):  # type: ignore[no-untyped-def]
    import psycopg

    return psycopg.connect(server, autocommit=True, connect_timeout=5)


def create_database(server: str, template: str | None = None) -> str:
    """A new empty database (or a copy of `template`); returns its name."""
    name = f"leadtui_t_{os.getpid()}_{uuid.uuid4().hex[:10]}"
    with _admin(server) as conn:
        source = f' TEMPLATE "{template}"' if template else ""
        conn.execute(f'CREATE DATABASE "{name}"{source}')
    return name


def drop_database(server: str, name: str) -> None:
    """FORCE ends our own sessions on it; a server process of another role (autovacuum visiting
    the new database) cannot be ended by our non-superuser role, so wait for it to leave."""
    import psycopg

    for attempt in range(20):
        try:
            with _admin(server) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            return
        except psycopg.errors.InsufficientPrivilege:
            if attempt == 19:
                raise
            time.sleep(0.25)


def sqlalchemy_url(server: str, name: str) -> str:
    """The store URL (as `[store] url` takes it) of database `name` on the test server."""
    base = server.split("://", 1)[1].rsplit("/", 1)[0]
    return f"postgresql+psycopg://{base}/{name}"


@contextmanager
def fresh_database(server: str, template: str | None = None) -> Iterator[str]:
    name = create_database(server, template)
    try:
        yield sqlalchemy_url(server, name)
    finally:
        drop_database(server, name)
