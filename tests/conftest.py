"""Shared fixtures: fixed times, a seeded demo workspace on a real SQLite file."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

NOW = datetime(2026, 11, 18, 15, 0, tzinfo=UTC)  # a Wednesday, 10:00 in New York


@pytest.fixture(scope="session")
def seeded_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One demo workspace, made once; tests copy it before changing anything."""
    from leadtui.demo_workspace import prepare_demo

    folder = tmp_path_factory.mktemp("seeded") / "ws"
    prepare_demo(folder, leads=120, reps=3, seed=11, now=NOW)
    return folder


@pytest.fixture
def workspace_dir(seeded_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "ws"
    shutil.copytree(seeded_dir, folder)
    monkeypatch.setenv("LEADTUI_DATA_DIR", str(folder))
    monkeypatch.delenv("LEADTUI_CONFIG", raising=False)
    monkeypatch.delenv("LEADTUI_CRM_TOKEN", raising=False)
    return folder


# -- the store under test: SQLite and PostgreSQL ---------------------------------------------

STORES = ("sqlite", "postgresql")


@pytest.fixture(params=STORES)
def store_url(request: pytest.FixtureRequest) -> Iterator[str | None]:
    """An empty store: None (the SQLite file in the data dir) or a fresh PostgreSQL database."""
    if request.param == "sqlite":
        yield None
        return
    from tests.postgres import fresh_database, require_server

    with fresh_database(require_server()) as url:
        yield url


@pytest.fixture(scope="session")
def seeded_pg_template() -> Iterator[str]:
    """The same demo data as `seeded_dir`, in a PostgreSQL database that tests copy."""
    from leadtui.config import TEMPLATE as CONFIG
    from leadtui.config import parse
    from leadtui.demo import generate
    from leadtui.store.engine import open_engine
    from leadtui.workspace import Workspace
    from tests.postgres import create_database, drop_database, require_server, sqlalchemy_url

    server = require_server()
    name = create_database(server)
    data = generate(seed=11, leads=120, reps=3, now=NOW)
    config = parse(
        CONFIG.format(
            email=data.owners[0].email,
            base_url="https://api.hubapi.com",
            timezone="America/New_York",
        )
    )
    ws = Workspace(config, open_engine(sqlalchemy_url(server, name)))
    try:
        ws.seed(data.owners, data.leads, NOW)
    finally:
        ws.close()  # a template must have no connections while it is copied
    yield name
    drop_database(server, name)


@pytest.fixture(params=STORES)
def seeded_store(request: pytest.FixtureRequest) -> Iterator[str | None]:
    """The seeded demo's store: None (workspace_dir's SQLite file) or a PostgreSQL copy of it."""
    if request.param == "sqlite":
        yield None
        return
    from tests.postgres import fresh_database, require_server

    template = request.getfixturevalue("seeded_pg_template")
    with fresh_database(require_server(), template=template) as url:
        yield url


def set_up_portal(sandbox: object) -> list[str]:
    """Run leadtui's own setup against a sandbox (creates leadtui's properties), as a user would
    with `leadtui setup`; returns what it did."""
    from sync.hubspot import HubSpotAdapter
    from sync.sandbox import RunningSandbox

    assert isinstance(sandbox, RunningSandbox)
    adapter = HubSpotAdapter.from_config(
        sandbox.base_url, sandbox.token, timeout_seconds=10.0, rate_limited=False
    )
    try:
        return adapter.setup()
    finally:
        adapter.close()
