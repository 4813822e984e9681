"""Seeded workspaces of a given size, made once and kept in the user cache dir (setup, not timed).

Seeding 100,000 leads derives every lead's figures and takes minutes; the benchmarks that use
them measure reading, not writing.
"""

from __future__ import annotations

import shutil
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import platformdirs

from leadtui.config import TEMPLATE, Locations, parse
from leadtui.workspace import Workspace

NOW = datetime(2026, 11, 18, 15, 0, tzinfo=UTC)  # fixed: every run sees the same queue
SEED = 7


def cache_dir() -> Path:
    return Path(platformdirs.user_cache_dir("leadtui")) / "bench"


def workspace_dir(leads: int) -> Path:
    """A folder holding config.toml and leadtui.db with `leads` leads, all owned by one rep."""
    from leadtui.demo import generate

    folder = cache_dir() / f"queue-{leads}-{SEED}"
    if (folder / "ready").exists():
        return folder
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    started = time.perf_counter()
    print(f"  seeding {leads:,} leads into {folder} (once)...", file=sys.stderr, flush=True)
    data = generate(seed=SEED, leads=leads, reps=1, now=NOW)
    text = TEMPLATE.format(
        email=data.owners[0].email, base_url="https://api.hubapi.com", timezone="America/New_York"
    )
    (folder / "config.toml").write_text(text, encoding="utf-8")
    ws = open_workspace(folder)
    try:
        ws.seed(data.owners, data.leads, NOW)
    finally:
        ws.close()
    (folder / "ready").write_text("")
    took = time.perf_counter() - started
    print(f"  seeded in {took:.0f} s", file=sys.stderr, flush=True)
    return folder


def open_workspace(folder: Path) -> Workspace:
    config = parse((folder / "config.toml").read_text(encoding="utf-8"))
    return Workspace.open(config, Locations(folder / "config.toml", folder))
