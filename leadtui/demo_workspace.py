"""The demo workspace: its own data dir, a config pointing at it, and a seeded cache."""

from __future__ import annotations

import shutil
from datetime import datetime
from pathlib import Path
from typing import Any

import platformdirs

from leadtui.config import APP_NAME, TEMPLATE, Locations, parse
from leadtui.demo import generate
from leadtui.store.engine import StoreError

MARKER = ".leadtui-demo"


def default_demo_dir() -> Path:
    return Path(platformdirs.user_data_dir(APP_NAME)) / "demo"


_HELD: dict[Path, Any] = {}  # the lock files of the demo folders this process uses


def _hold(data_dir: Path) -> None:
    """Claim the folder for this process's lifetime: a second `leadtui demo` on it would wipe
    the files a running one is working in (it kept going on deleted files, and lost it all)."""
    if data_dir in _HELD:
        return
    try:
        import fcntl
    except ImportError:  # not on a POSIX system: no lock, as before
        return
    data_dir.parent.mkdir(parents=True, exist_ok=True)
    lock = (data_dir.parent / f".{data_dir.name}.lock").open("a+")
    try:
        fcntl.flock(lock.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        lock.close()
        raise StoreError(
            f"A leadtui demo is already running in {data_dir}; close it first, or give this"
            " one another folder with --data-dir."
        ) from None
    _HELD[data_dir] = lock


def _claim(data_dir: Path) -> None:
    """Only ever wipe a folder that is empty or that an earlier demo made, and that no running
    demo holds."""
    _hold(data_dir)
    if data_dir.exists() and any(data_dir.iterdir()) and not (data_dir / MARKER).exists():
        raise StoreError(
            f"{data_dir} holds files that are not a leadtui demo; "
            "give the demo an empty or new folder with --data-dir."
        )
    if data_dir.exists():
        shutil.rmtree(data_dir)
    data_dir.mkdir(parents=True, mode=0o700)
    (data_dir / MARKER).write_text("made by `leadtui demo`; safe to delete\n")


def prepare_demo(
    data_dir: Path | None,
    *,
    leads: int,
    reps: int,
    seed: int,
    now: datetime,
    base_url: str = "https://api.hubapi.com",
) -> Path:
    """A fresh demo workspace in `data_dir` (or the default demo dir); returns the folder."""
    from leadtui.workspace import Workspace

    folder = (data_dir or default_demo_dir()).resolve()
    try:
        _claim(folder)
    except OSError as exc:
        raise StoreError(f"Cannot prepare the demo folder {folder}: {exc.strerror}.") from exc
    data = generate(seed=seed, leads=leads, reps=reps, now=now)
    text = TEMPLATE.format(
        email=data.owners[0].email, base_url=base_url, timezone="America/New_York"
    )
    (folder / "config.toml").write_text(text, encoding="utf-8")
    config = parse(text, str(folder / "config.toml"))
    ws = Workspace.open(config, Locations(folder / "config.toml", folder))
    try:
        ws.seed(data.owners, data.leads, now)
    finally:
        ws.close()
    return folder
