"""A rep's decisions survive the CRM: what one workspace decided, a brand-new workspace pulling
from the same CRM reads back (issue 10)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlmodel import select

from leadtui.config import Locations, parse
from leadtui.domain.models import LeadStatus
from leadtui.store.tables import LeadRow, OutboxRow, TouchRow
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


def test_the_deal_opens_in_the_default_pipelines_first_open_stage_and_moves_the_lifecycle(
    sandbox: RunningSandbox, tmp_path: Path
) -> None:
    ws, service = synced(tmp_path / "mine", sandbox)
    (lead,) = open_leads(ws, 1)
    ws.convert(lead.id or 0, 9_000, NOW)
    service.run_once(NOW)
    crm = sandbox.crm
    (deal_id,) = crm.associated("contacts", lead.crm_id or "", "deals")
    deal = crm.props("deals", deal_id)
    assert (deal["pipeline"], deal["dealstage"], deal["amount"]) == (
        "default",
        "appointmentscheduled",
        "9000",
    )
    assert deal["hs_is_closed"] == "false"
    assert crm.contact(lead.crm_id or "")["lifecyclestage"] == "opportunity"
    # Won later in HubSpot: the next pull closes the lead.
    crm.edit("deals", deal_id, {"dealstage": "closedwon", "closedate": "2026-12-01"})
    service.run_once(NOW)
    with ws.session() as session:
        row = session.get(LeadRow, lead.id)
    assert row is not None and row.status == LeadStatus.WON.value
    assert row.closed_at is not None and row.closed_at.date().isoformat() == "2026-12-01"


def test_reopening_clears_the_lifecycle_first_and_a_fresh_workspace_sees_it_open(
    sandbox: RunningSandbox, tmp_path: Path
) -> None:
    ws, service = synced(tmp_path / "mine", sandbox)
    (lead,) = open_leads(ws, 1)
    ws.disqualify(lead.id or 0, "Went with a spreadsheet", NOW)
    service.run_once(NOW)
    contact = sandbox.crm.contact(lead.crm_id or "")
    assert (contact["lifecyclestage"], contact["hs_lead_status"]) == ("other", "UNQUALIFIED")
    assert contact["leadtui_disqualify_reason"] == "Went with a spreadsheet"
    ws.reopen(lead.id or 0, NOW + timedelta(minutes=1))
    result = service.run_once(NOW + timedelta(minutes=1))
    assert (result.pending, result.dead, result.conflicts) == (0, 0, 0)
    contact = sandbox.crm.contact(lead.crm_id or "")
    assert (contact.get("lifecyclestage"), contact.get("hs_lead_status")) == (
        "salesqualifiedlead",
        "IN_PROGRESS",
    )
    fresh, _ = synced(tmp_path / "fresh", sandbox)
    assert decided(fresh, lead.crm_id or "") == decided(ws, lead.crm_id or "")
    assert decided(fresh, lead.crm_id or "")["status"] == LeadStatus.WORKING.value


def test_undo_after_the_push_archives_the_touch_and_the_deal_and_restores_the_status(
    sandbox: RunningSandbox, tmp_path: Path
) -> None:
    ws, service = synced(tmp_path / "mine", sandbox)
    (lead,) = [r for r in open_leads(ws, 40) if r.status == "new"][:1]
    ws.log_touch(lead.id or 0, "call", "wrong_number", NOW)
    ws.convert(lead.id or 0, 5_000, NOW + timedelta(minutes=1))
    service.run_once(NOW + timedelta(minutes=1))
    crm, cid = sandbox.crm, lead.crm_id or ""
    assert len(crm.associated("contacts", cid, "deals")) == 1
    assert ws.undo(lead.id or 0, NOW + timedelta(minutes=2))[1] == "the conversion"
    assert ws.undo(lead.id or 0, NOW + timedelta(minutes=2))[1] == "the call (wrong number)"
    result = service.run_once(NOW + timedelta(minutes=2))
    assert (result.pending, result.dead, result.conflicts) == (0, 0, 0)
    assert crm.associated("contacts", cid, "deals") == []
    assert [
        c
        for c in crm.associated("contacts", cid, "calls")
        if crm.props("calls", c).get("leadtui_op_id")
    ] == []
    contact = crm.contact(cid)
    assert contact.get("lifecyclestage") == "lead"
    assert contact.get("leadtui_bad_phone") != "true"  # unset or "false": a good number again
    fresh, _ = synced(tmp_path / "fresh", sandbox)
    for workspace in (ws, fresh):
        with workspace.session() as session:
            row = session.exec(select(LeadRow).where(LeadRow.crm_id == cid)).one()
            assert (row.status, row.phone_bad, row.first_touch_at, row.opportunity_at) == (
                "new",
                False,
                None,
                None,
            )


def test_undo_before_the_push_withdraws_it_and_nothing_reaches_the_crm(
    sandbox: RunningSandbox, tmp_path: Path
) -> None:
    ws, service = synced(tmp_path / "mine", sandbox)
    (lead,) = open_leads(ws, 1)
    calls_before = sandbox.crm.count("calls")
    ws.log_touch(lead.id or 0, "call", "connected", NOW)
    ws.add_note(lead.id or 0, "Wrong lead", NOW)
    assert ws.undo(lead.id or 0, NOW)[1] == "the note"
    assert ws.undo(lead.id or 0, NOW)[1] == "the call (connected)"
    result = service.run_once(NOW)
    assert (result.pushed, result.pending) == (0, 0)
    assert sandbox.crm.count("calls") == calls_before


def test_a_rejected_touch_the_rep_discards_leaves_the_touch_history(
    sandbox: RunningSandbox, tmp_path: Path
) -> None:
    ws, service = synced(tmp_path / "mine", sandbox)
    (lead,) = [r for r in open_leads(ws, 40) if r.status == "new"][:1]
    ws.log_touch(lead.id or 0, "call", "connected", NOW)
    sandbox.crm.archive_contact(lead.crm_id or "")  # deleted in HubSpot meanwhile
    result = service.run_once(NOW)
    assert result.dead >= 1
    with ws.session() as session:
        dead = session.exec(select(OutboxRow).where(OutboxRow.state == "dead")).all()
        before = session.get(LeadRow, lead.id)
        assert before is not None and before.first_touch_at is not None
    for op in dead:
        ws.discard_dead(op.op_id, NOW)
    with ws.session() as session:
        touches = session.exec(select(TouchRow).where(TouchRow.lead_id == lead.id)).all()
        row = session.get(LeadRow, lead.id)
    assert touches == []
    assert row is not None and (row.first_touch_at, row.human_touches, row.status) == (
        None,
        0,
        "new",
    )


def test_a_configured_pipeline_takes_the_deal_and_its_won_stage_closes_the_lead(
    sandbox: RunningSandbox, tmp_path: Path
) -> None:
    ws, service = synced(tmp_path / "mine", sandbox)
    (lead,) = open_leads(ws, 1)
    ws.close()
    # The same folder, now configured for the portal's custom "Enterprise sales" pipeline.
    folder = tmp_path / "mine"
    text = (folder / "config.toml").read_text() + '[deals]\npipeline = "31415926"\n'
    (folder / "config.toml").write_text(text)
    ws = Workspace.open(parse(text), Locations(folder / "config.toml", folder))
    service = SyncService(ws, lambda: make_adapter(sandbox))
    ws.convert(lead.id or 0, 70_000, NOW)
    service.run_once(NOW)
    crm = sandbox.crm
    (deal_id,) = crm.associated("contacts", lead.crm_id or "", "deals")
    deal = crm.props("deals", deal_id)
    assert (deal["pipeline"], deal["dealstage"]) == ("31415926", "31415927")  # first open stage
    crm.edit("deals", deal_id, {"dealstage": "31415929"})  # "Signed": closed and won
    service.run_once(NOW)
    fresh, _ = synced(tmp_path / "fresh", sandbox)
    for workspace in (ws, fresh):
        assert decided(workspace, lead.crm_id or "")["status"] == LeadStatus.WON.value
        assert decided(workspace, lead.crm_id or "")["deal_value"] == 70_000
