"""Shared fixtures: fixed times, a seeded demo workspace on a real SQLite file."""

from __future__ import annotations

import shutil
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
