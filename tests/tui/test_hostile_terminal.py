"""No CRM text reaches the terminal raw: a walk through the app with hostile leads from a real
sandbox CRM, checking every rendered strip (what the driver would write) after each step.

The sandbox invents inbound leads whose names, companies and notes carry OSC 0 (window title),
OSC 52 (clipboard), CSI colour codes, C1 controls, bidi overrides and markup; the sync brings
them in, the new-lead toast names them, and the queue, the detail, the board, the conflicts
screen and a few notifications show them.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import select
from textual.pilot import Pilot

from leadtui.app import LeadTuiApp
from leadtui.config import Locations, load
from leadtui.demo_workspace import prepare_demo
from leadtui.screens.queue_screen import QueueScreen
from leadtui.store.tables import LeadRow
from leadtui.workspace import Workspace
from sync.http import RetryPolicy
from sync.hubspot import HubSpotAdapter
from sync.sandbox import RunningSandbox, start_sandbox
from tests.conftest import NOW
from tests.tui.conftest import FrozenClock, loaded, settle

SEED, REPS = 11, 1
OSC_TITLE = "\x1b]0;pwned\x07"
OSC_CLIPBOARD = "\x1b]52;c;cm0gLXJmIH4=\x07"
HOSTILE_NAMES = (
    f"{OSC_TITLE}Eve{OSC_CLIPBOARD} \x1b[31mRed\x1b[0m",
    "Mallory \u202eevil\u202c [b]bold[/b] \x9b2J \x07\x08",
    "Trudy " + "A" * 100_000,
)
UNSAFE = frozenset({"Cc", "Cf", "Cs", "Co", "Zl", "Zp"})


def unsafe_in(text: str) -> list[str]:
    return sorted({repr(ch) for ch in text if unicodedata.category(ch) in UNSAFE})


def screen_text(app: LeadTuiApp) -> str:
    """Every character the compositor would send for the current screen (toasts included)."""
    strips = app.screen._compositor.render_strips()
    return "\n".join("".join(segment.text for segment in strip) for strip in strips)


def assert_clean(app: LeadTuiApp, where: str) -> str:
    shown = screen_text(app)
    bad = unsafe_in(shown.replace("\n", ""))  # strips are joined with line breaks here
    assert not bad, f"{where}: control characters reached the terminal: {bad}"
    for toast in app._notifications:
        text = toast.message + toast.title
        assert not unsafe_in(text), f"{where}: a toast carries {unsafe_in(text)}: {text[:200]!r}"
        assert len(toast.message) <= 1_000, f"{where}: a toast {len(toast.message)} chars long"
    return shown


@pytest.fixture
def sandbox() -> Iterator[RunningSandbox]:
    with start_sandbox(seed=SEED, leads=10, reps=REPS, now=NOW, rate_limit=None) as running:
        yield running


@pytest.fixture
def synced_ws(sandbox: RunningSandbox, tmp_path: Path) -> Iterator[Workspace]:
    folder = prepare_demo(
        tmp_path / "ws", leads=0, reps=REPS, seed=SEED, now=NOW, base_url=sandbox.base_url
    )
    locations = Locations(folder / "config.toml", folder)
    ws = Workspace.open(load(locations.config_path, required=True), locations)
    yield ws
    ws.close()


def _app(ws: Workspace, sandbox: RunningSandbox) -> LeadTuiApp:
    def adapter() -> HubSpotAdapter:
        return HubSpotAdapter.from_config(
            sandbox.base_url,
            sandbox.token,
            timeout_seconds=5.0,
            rate_limited=False,
            retry=RetryPolicy(attempts=2, base=0.01),
        )

    return LeadTuiApp(ws, FrozenClock(), adapter_factory=adapter)


async def _synced(pilot: Pilot[None]) -> None:
    app = pilot.app
    assert isinstance(app, LeadTuiApp)
    await pilot.pause()
    if not app.sync_view.running:
        app.action_sync_now()
    for _ in range(200):
        await settle(pilot)
        if not app.sync_view.running:
            return
        await pilot.pause(0.05)
    raise AssertionError("the sync never finished")


def _hostile_inbound(sandbox: RunningSandbox) -> list[str]:
    made = sandbox.crm.add_inbound_leads(len(HOSTILE_NAMES))
    for contact_id, name in zip(made, HOSTILE_NAMES, strict=True):
        sandbox.crm.edit_contact(
            contact_id,
            {
                "firstname": name,
                "lastname": "\x1b[2J\x1b[H",
                "company": f"{OSC_CLIPBOARD}[@click=app.quit]Acme[/]",
                "jobtitle": "\x1b]8;;http://evil.example\x07link\x1b]8;;\x07",
            },
        )
    return made


async def test_hostile_crm_text_never_reaches_the_terminal(
    synced_ws: Workspace, sandbox: RunningSandbox
) -> None:
    app = _app(synced_ws, sandbox)
    async with app.run_test(size=(120, 35)) as pilot:
        await _synced(pilot)
        await loaded(pilot)
        made = _hostile_inbound(sandbox)
        await _synced(pilot)
        await loaded(pilot)
        toasts: list[Any] = list(app._notifications)
        assert any("new lead" in (t.title or "") for t in toasts), "the new-lead toast showed"
        shown = assert_clean(app, "queue with the new-lead toast")
        assert "Eve" in shown and "[b]bold[/b]" in " ".join(t.message for t in toasts)

        # Notifications that carry CRM text straight from anywhere in the app.
        app.notify(f"copied {HOSTILE_NAMES[0]}", title=OSC_TITLE + "title")
        app.screen.notify("\ud800 lone surrogate " + HOSTILE_NAMES[1])
        await pilot.pause()
        assert_clean(app, "notifications")

        # The hostile lead itself: its detail and the log-touch dialog that names it.
        with synced_ws.session() as session:
            hostile_id = session.exec(select(LeadRow.id).where(LeadRow.crm_id == made[0])).one()
        screen = app.screen
        assert isinstance(screen, QueueScreen)
        screen.table.move_to(hostile_id)
        for keys, where in (
            (("enter",), "the hostile lead's detail"),
            (("l",), "the log-touch dialog naming it"),
            (("escape", "escape"), "back in the queue"),
            (("enter",), "lead detail"),
            (("escape", "b"), "manager board"),
            (("escape", "C"), "conflicts"),
            (("escape", "f1"), "help"),
        ):
            await pilot.press(*keys)
            await settle(pilot)
            assert app.is_running, f"{where}: the app quit"
            assert_clean(app, where)
