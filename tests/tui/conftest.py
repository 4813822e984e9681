"""The TUI on a real seeded SQLite workspace, with a clock that only moves when a test says so."""

from __future__ import annotations

import contextlib
import shutil
from collections.abc import Iterator
from dataclasses import fields
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from textual.pilot import Pilot
from textual.worker import WorkerCancelled

from leadtui.app import LeadTuiApp
from leadtui.config import load, locate
from leadtui.workspace import Workspace
from tests.conftest import NOW
from widgets.queue_row import QueueRow


class FrozenClock:
    def __init__(self, now: datetime = NOW) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock()


@pytest.fixture(scope="session")
def tui_seeded_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Like the shared seeded workspace, with enough leads that the rep has open windows."""
    from leadtui.demo_workspace import prepare_demo

    folder = tmp_path_factory.mktemp("tui-seeded") / "ws"
    prepare_demo(folder, leads=200, reps=2, seed=7, now=NOW)
    return folder


@pytest.fixture
def tui_dir(tui_seeded_dir: Path, tmp_path: Path) -> Path:
    folder = tmp_path / "ws"
    shutil.copytree(tui_seeded_dir, folder)
    return folder


@pytest.fixture
def workspace(tui_dir: Path) -> Iterator[Workspace]:
    locations = locate(None, str(tui_dir))
    ws = Workspace.open(load(locations.config_path), locations)
    yield ws
    ws.close()


@pytest.fixture
def app(workspace: Workspace, clock: FrozenClock) -> LeadTuiApp:
    return LeadTuiApp(workspace, clock)


async def settle(pilot: Pilot[None]) -> None:
    """Let workers finish and their messages land (a worker's result may start another)."""
    for _ in range(4):
        # An exclusive worker replaced by a newer one is cancelled: wait for that one next round.
        with contextlib.suppress(WorkerCancelled):
            await pilot.app.workers.wait_for_complete()
        await pilot.pause()


async def loaded(pilot: Pilot[None]) -> None:
    from leadtui.screens.queue_screen import QueueScreen

    for _ in range(50):
        await settle(pilot)
        screen = pilot.app.screen
        if not isinstance(screen, QueueScreen) or (
            screen.snapshot is not None and not screen.snapshot.partial
        ):
            return
    raise AssertionError("the queue never loaded")


@contextlib.contextmanager
def workspace_with_ui(folder: Path, **ui: bool) -> Iterator[Workspace]:
    """The workspace in `folder` with `[ui]` settings changed, e.g. power_hour=False."""
    config = folder / "config.toml"
    text = config.read_text()
    for key, value in ui.items():
        changed = text.replace(f"{key} = true", f"{key} = {str(value).lower()}", 1)
        assert changed != text, f"[ui] {key} is in the demo's config"
        text = changed
    config.write_text(text)
    locations = locate(None, str(folder))
    ws = Workspace.open(load(locations.config_path), locations)
    try:
        yield ws
    finally:
        ws.close()


def top_lead_without_a_step(ws: Workspace, now: datetime, **fields: object) -> int:
    """The rep's most urgent lead, with `fields` set and no cadence (so no next step's channel
    decides what the log dialog offers)."""
    from leadtui import views
    from leadtui.store.tables import EnrolmentRow, LeadRow

    with ws.session() as session:
        top = views.queue(ws, session, now, ws.me)[0].lead.id
        row = session.get(LeadRow, top)
        assert row is not None
        for name, value in fields.items():
            setattr(row, name, value)
        session.add(row)
        enrolment = session.get(EnrolmentRow, top)
        if enrolment is not None:
            session.delete(enrolment)
    return top


def as_read(row: QueueRow | None) -> tuple[object, ...]:
    """A row's fields with each time as its instant: the stored deadline is in UTC, the one the
    speed-to-lead rule computes in the calendar's zone (equal instants, unequal in a DST fold)."""
    assert row is not None
    values = (getattr(row, f.name) for f in fields(row))
    return tuple(v.astimezone(UTC) if isinstance(v, datetime) else v for v in values)
