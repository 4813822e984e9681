"""A rep's decisions survive the CRM: what one workspace decided, a brand-new workspace pulling
from the same CRM reads back (issue 10)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlmodel import select

from leadtui.domain.models import LeadStatus
from leadtui.store.tables import LeadRow
from leadtui.workspace import Workspace
from sync.sandbox import RunningSandbox
from sync.service import SyncService
from tests.conftest import NOW
from tests.sync.conftest import make_adapter, make_workspace

DECIDED = ("status", "opportunity_at", "deal_value", "disqualified_reason", "closed_at")


def synced(folder: Path, sandbox: RunningSandbox) -> tuple[Workspace, SyncService]:
    ws = make_workspace(folder, sandbox.base_url)
    service = SyncService(ws, lambda: make_adapter(sandbox))
    result = service.run_once(NOW)
    assert result.online and result.error is None, result.error
    return ws, service


def open_leads(ws: Workspace, count: int) -> list[LeadRow]:
    with ws.session() as session:
        rows = session.exec(select(LeadRow).order_by(LeadRow.id)).all()  # type: ignore[arg-type]
    return [r for r in rows if r.status in ("new", "working")][:count]


def decided(ws: Workspace, crm_id: str) -> dict[str, Any]:
    with ws.session() as session:
        row = session.exec(select(LeadRow).where(LeadRow.crm_id == crm_id)).one()
        return {name: getattr(row, name) for name in DECIDED}


def test_convert_and_disqualify_read_back_the_same_in_a_fresh_workspace(
    sandbox: RunningSandbox, tmp_path: Path
) -> None:
    ws, service = synced(tmp_path / "mine", sandbox)
    converted, dropped = open_leads(ws, 2)
    decided_at = NOW + timedelta(minutes=5)
    ws.convert(converted.id or 0, 24_500, decided_at)
    ws.disqualify(dropped.id or 0, "no_budget", decided_at + timedelta(minutes=1))
    result = service.run_once(decided_at + timedelta(minutes=2))
    assert (result.pending, result.dead, result.conflicts) == (0, 0, 0)
    fresh, _ = synced(tmp_path / "fresh", sandbox)
    for row in (converted, dropped):
        crm_id = row.crm_id or ""
        assert decided(fresh, crm_id) == decided(ws, crm_id)
    assert decided(fresh, converted.crm_id or "")["deal_value"] == 24_500
    assert decided(fresh, converted.crm_id or "")["status"] == LeadStatus.CONVERTED.value
    assert decided(fresh, dropped.crm_id or "") == {
        "status": LeadStatus.DISQUALIFIED.value,
        "opportunity_at": None,
        "deal_value": None,
        "disqualified_reason": "no_budget",
        "closed_at": decided_at + timedelta(minutes=1),
    }
