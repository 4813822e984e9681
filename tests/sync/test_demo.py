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


def _figures(folder: Path) -> dict[str, object]:
    """Everything a manager reads: report by rep and by source, and every SLA breach (by the
    lead's email: local ids differ between a seeded and a synced cache)."""
    from leadtui import views

    ws = Workspace.open(load(folder / "config.toml"), Locations(folder / "config.toml", folder))
    try:
        with ws.session() as session:
            breaches = sorted(
                (
                    b.lead.email,
                    b.breach.kind.value,
                    b.breach.due_at,
                    b.breach.late_by_minutes,
                    b.breach.resolved_at,
                )
                for b in views.breaches(ws, session, NOW)
            )
            return {
                "rep": views.report(ws, session, NOW, "rep"),
                "source": views.report(ws, session, NOW, "source"),
                "sla": breaches,
            }
    finally:
        ws.close()


def test_a_synced_demo_gives_the_same_report_and_sla_as_a_seeded_one(tmp_path: Path) -> None:
    from leadtui.demo_workspace import prepare_demo

    seeded = prepare_demo(tmp_path / "seeded", leads=150, reps=3, seed=7, now=NOW)
    demo = prepare_synced_demo(tmp_path / "synced", leads=150, reps=3, seed=7, now=NOW)
    demo.stop()
    direct, synced = _figures(seeded), _figures(demo.folder)
    kinds = {b[1] for b in direct["sla"]}  # type: ignore[attr-defined]
    assert kinds == {"speed_to_lead", "overdue_touch", "gave_up_early"}  # something to compare
    assert synced == direct
