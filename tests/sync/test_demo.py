"""The demo workspace filled from a sandbox on a free port, as `leadtui demo` does it."""

from __future__ import annotations

from pathlib import Path

from sqlmodel import select

from leadtui.config import Locations, load
from leadtui.store.tables import LeadRow
from leadtui.workspace import Workspace
from sync.demo import prepare_synced_demo
from tests.conftest import NOW


def test_the_demo_is_synced_from_a_sandbox(tmp_path: Path) -> None:
    demo = prepare_synced_demo(tmp_path / "demo", leads=40, reps=2, seed=7, now=NOW)
    try:
        assert demo.report.completed and demo.report.leads == 40
        config = load(demo.folder / "config.toml", required=True)
        assert config.crm.base_url == demo.sandbox.base_url
        assert config.user.email == demo.sandbox.crm.owner_models[0].email
        ws = Workspace.open(config, Locations(demo.folder / "config.toml", demo.folder))
        try:
            with ws.session() as session:
                crm_ids = {r.crm_id for r in session.exec(select(LeadRow))}
        finally:
            ws.close()
        assert crm_ids == {str(i) for i in demo.sandbox.crm.table("contacts").live_ids}
    finally:
        demo.stop()
