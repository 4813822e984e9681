"""The form-submission time travels from the CRM (HubSpot's first_conversion_date) to the report."""

from __future__ import annotations

from pathlib import Path

from sqlmodel import select

from leadtui import views
from leadtui.demo import generate
from leadtui.store.tables import LeadRow
from sync.engine import SyncEngine
from sync.sandbox import start_sandbox
from tests.conftest import NOW
from tests.sync.conftest import make_adapter, make_workspace


def test_pulled_leads_carry_their_form_time_and_the_report_its_handoff(tmp_path: Path) -> None:
    with start_sandbox(seed=5, leads=40, reps=2, now=NOW, rate_limit=None) as sandbox:
        ws = make_workspace(tmp_path / "ws", sandbox.base_url)
        adapter = make_adapter(sandbox)
        try:
            assert SyncEngine(ws, adapter).pull(NOW).completed
            with ws.session() as session:
                pulled = {r.email: r.form_submitted_at for r in session.exec(select(LeadRow))}
                metrics = views.report(ws, session, NOW, "source")
        finally:
            adapter.close()
            ws.close()
    seeded = {d.lead.email: d.lead.form_submitted_at for d in generate(5, 40, 2, NOW).leads}
    assert pulled == seeded and all(pulled.values())
    # Events come in through badge scans days later: the slowest handoff of the demo's sources.
    by_source = {m.key: m for m in metrics}
    slowest = max(by_source.values(), key=lambda m: m.median_handoff_minutes or 0)
    assert slowest.key == "events" and (slowest.median_handoff_minutes or 0) >= 20 * 60
