"""The demo's CRM: a sandbox on 127.0.0.1 (a free port) and a workspace synced from it.

`leadtui demo` keeps the returned sandbox running while the TUI is open (and may have it invent
new inbound leads), then stops it. The token never leaves this process: the demo passes it to the
adapter directly instead of storing it anywhere.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from leadtui.config import Locations, load
from leadtui.demo_workspace import prepare_demo
from leadtui.workspace import Workspace
from sync.engine import ProgressFn, PullReport, SyncEngine
from sync.hubspot import HubSpotAdapter
from sync.protocol import Scope
from sync.sandbox import RunningSandbox, start_sandbox
from sync.sandbox.portal import Portal


@dataclass
class SyncedDemo:
    folder: Path
    sandbox: RunningSandbox
    report: PullReport

    def adapter(self, timeout_seconds: float = 15.0) -> HubSpotAdapter:
        """An adapter for later syncs (the TUI's), holding the sandbox's token."""
        return HubSpotAdapter.from_config(
            self.sandbox.base_url, self.sandbox.token, timeout_seconds=timeout_seconds
        )

    def stop(self) -> None:
        self.sandbox.stop()


def prepare_synced_demo(
    data_dir: Path | None,
    *,
    leads: int,
    reps: int,
    seed: int,
    now: datetime,
    inbound_every: float | None = None,
    progress: ProgressFn | None = None,
) -> SyncedDemo:
    """Start the sandbox seeded like the offline demo, make an empty demo workspace pointing at
    it, and fill the cache with one pull. The sandbox's rate limit is off: a demo should open in
    seconds."""
    # An Enterprise portal, so the demo shows the full web-activity timeline; leadtui's own
    # properties are created by the same setup a user runs (`leadtui setup`).
    sandbox = start_sandbox(
        seed=seed,
        leads=leads,
        reps=reps,
        now=now,
        rate_limit=None,
        inbound_every=inbound_every,
        portal=Portal(enterprise=True),
    )
    try:
        folder = prepare_demo(
            data_dir, leads=0, reps=reps, seed=seed, now=now, base_url=sandbox.base_url
        )
        locations = Locations(folder / "config.toml", folder)
        ws = Workspace.open(load(locations.config_path, required=True), locations)
        adapter = HubSpotAdapter.from_config(
            sandbox.base_url, sandbox.token, timeout_seconds=15.0, rate_limited=False
        )
        try:
            adapter.setup()
            # The whole team, whatever the config's role: the demo lets you switch views.
            engine = SyncEngine(ws, adapter, progress=progress, scope=Scope(None))
            report = engine.pull(now)
        finally:
            adapter.close()
            ws.close()
    except BaseException:
        sandbox.stop()
        raise
    return SyncedDemo(folder, sandbox, report)
