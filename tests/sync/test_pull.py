"""Pulling the sandbox CRM into the cache over real sockets: full, incremental, capped, tied."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import pytest
from sqlmodel import col, select

from leadtui.domain.models import LeadStatus
from leadtui.store.tables import EventRow, LeadRow, NoteRow, OwnerRow, SyncCursor, TouchRow
from leadtui.workspace import Workspace
from sync.engine import SyncEngine
from sync.sandbox import RunningSandbox, SandboxCRM, start_sandbox
from tests.conftest import NOW
from tests.sync.conftest import make_adapter, make_workspace


def cached(ws: Workspace) -> dict[str, LeadRow]:
    with ws.session() as session:
        return {r.crm_id: r for r in session.exec(select(LeadRow)) if r.crm_id}


def live_ids(crm: SandboxCRM) -> set[str]:
    return {str(i) for i in crm.table("contacts").live_ids}


def test_a_full_pull_fills_the_cache_with_every_contact_and_its_activity(
    sandbox: RunningSandbox, workspace: Workspace, engine_for: Callable[..., SyncEngine]
) -> None:
    report = engine_for().pull(NOW)
    assert report.completed and not report.skipped
    leads = cached(workspace)
    assert set(leads) == live_ids(sandbox.crm)
    with workspace.session() as session:
        owners = {o.email for o in session.exec(select(OwnerRow))}
        touches = session.exec(select(TouchRow)).all()
        events = session.exec(select(EventRow)).all()
        notes = session.exec(select(NoteRow)).all()
        cursor = session.get(SyncCursor, "hubspot:contacts:*")
    assert owners == {o.email for o in sandbox.crm.owner_models}
    assert touches and events and notes and cursor is not None
    # Each cached touch is one of the contact's engagements in the CRM.
    some = next(lead for lead in leads.values() if lead.human_touches)
    linked = {
        i
        for kind in ("calls", "emails", "meetings", "communications")
        for i in sandbox.crm.associated("contacts", some.crm_id or "", kind)
    }
    mine = {t.crm_id for t in touches if t.lead_id == some.id}
    assert mine and mine <= linked
    # Derived figures were refreshed: hot leads scored, deadlines set.
    assert any(lead.score > 0 for lead in leads.values())
    assert all(lead.stl_deadline is not None for lead in leads.values())
    won = [lead for lead in leads.values() if lead.status == LeadStatus.WON.value]
    assert won and all(lead.deal_value and lead.won_at for lead in won)


def test_a_rep_pulls_only_their_own_contacts(
    sandbox: RunningSandbox, tmp_path, engine_for: Callable[..., SyncEngine]
) -> None:
    owner = sandbox.crm.owner_models[1]
    ws = make_workspace(tmp_path / "rep", sandbox.base_url, email=owner.email, role="rep")
    try:
        engine_for(ws).pull(NOW)
        oid = sandbox.crm.owner_ids()[owner.email]
        assert set(cached(ws)) == set(sandbox.crm.find("contacts", "hubspot_owner_id", oid))
    finally:
        ws.close()


def test_an_incremental_pull_brings_only_what_changed(
    sandbox: RunningSandbox, workspace: Workspace, engine_for: Callable[..., SyncEngine]
) -> None:
    first = engine_for().pull(NOW)
    contact = sorted(live_ids(sandbox.crm))[3]
    sandbox.crm.edit_contact(contact, {"phone": "+1 212 555 0199", "jobtitle": "CTO"})
    new = sandbox.crm.add_inbound_leads(2)
    second = engine_for().pull(NOW)
    assert second.completed
    assert second.leads < first.leads / 4  # the overlap re-reads a few, never everything
    leads = cached(workspace)
    assert leads[contact].phone == "+1 212 555 0199" and leads[contact].job_title == "CTO"
    assert set(new) <= set(leads)
    assert set(leads) == live_ids(sandbox.crm)


def test_touches_logged_in_the_crm_arrive_and_advance_the_lead(
    sandbox: RunningSandbox, workspace: Workspace, engine_for: Callable[..., SyncEngine]
) -> None:
    engine_for().pull(NOW)
    leads = cached(workspace)
    fresh = next(lead for lead in leads.values() if lead.status == LeadStatus.NEW.value)
    owner_id = sandbox.crm.owner_ids()[fresh.owner]
    stamp = datetime.now(UTC).isoformat()
    call = sandbox.crm.log_engagement(
        "calls",
        fresh.crm_id or "",
        {
            "hs_timestamp": stamp,
            "hubspot_owner_id": owner_id,
            "hs_call_disposition": "f240bbac-87c9-4f6e-bf70-924b57d47db7",
        },
    )
    engine_for().pull(NOW)
    with workspace.session() as session:
        touch = session.exec(select(TouchRow).where(TouchRow.crm_id == call)).one()
        lead = session.get(LeadRow, fresh.id)
    assert touch.outcome == "connected" and touch.by == fresh.owner
    assert lead is not None and lead.status == LeadStatus.WORKING.value
    assert lead.first_touch_at is not None


def test_archived_contacts_leave_the_queue(
    sandbox: RunningSandbox, workspace: Workspace, engine_for: Callable[..., SyncEngine]
) -> None:
    engine_for().pull(NOW)
    gone = sorted(live_ids(sandbox.crm))[:2]
    for contact in gone:
        sandbox.crm.archive_contact(contact)
    report = engine_for().pull(NOW)
    assert report.archived == 2
    leads = cached(workspace)
    assert all(leads[c].archived for c in gone)
    from leadtui.store import queries

    with workspace.session() as session:
        queued = {r.crm_id for r in queries.leads(session)}
    assert not queued & set(gone)


def test_the_search_cap_restarts_from_the_last_date_seen(
    sandbox: RunningSandbox,
    workspace: Workspace,
    engine_for: Callable[..., SyncEngine],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The sandbox's cap, lowered to 25 results, stands in for HubSpot's 10,000."""
    import sync.sandbox.search as sandbox_search

    monkeypatch.setattr(sandbox_search, "RESULT_CAP", 25)
    engine = engine_for(activity=False)
    engine.adapter.page_size = 10  # type: ignore[attr-defined]
    report = engine.pull(NOW)
    assert report.completed
    assert set(cached(workspace)) == live_ids(sandbox.crm)
    assert engine.adapter.search_cap == 25  # type: ignore[attr-defined]  # learnt from the 400


def test_records_sharing_one_timestamp_across_pages_and_past_the_cap_all_arrive(
    tmp_path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import sync.sandbox.search as sandbox_search

    frozen = datetime(2026, 11, 18, 15, 0, tzinfo=UTC)
    crm = SandboxCRM.open(seed=9, leads=70, reps=2, now=NOW, clock=lambda: frozen)
    with start_sandbox(crm=crm, rate_limit=None) as box:
        ws = make_workspace(tmp_path / "tie", box.base_url)
        adapter = make_adapter(box, activity=False)
        try:
            engine = SyncEngine(ws, adapter)
            engine.pull(NOW)
            # Every contact edited in the same millisecond: 70 records, one timestamp.
            for contact in live_ids(crm):
                crm.edit_contact(contact, {"jobtitle": "Head of Sales"})
            monkeypatch.setattr(sandbox_search, "RESULT_CAP", 30)
            adapter.page_size = 10
            adapter.search_cap = 30
            report = engine.pull(NOW)
            assert report.completed
            leads = cached(ws)
            assert set(leads) == live_ids(crm)
            assert all(lead.job_title == "Head of Sales" for lead in leads.values())
        finally:
            adapter.close()
            ws.close()


def test_the_cursor_never_passes_the_sync_start(
    sandbox: RunningSandbox, workspace: Workspace, engine_for: Callable[..., SyncEngine]
) -> None:
    engine = engine_for()
    early = datetime(2020, 1, 1, tzinfo=UTC)
    engine.clock = lambda: early
    report = engine.pull(NOW)
    assert int(report.cursor) == int(early.timestamp() * 1000)


def test_unpushed_local_changes_survive_a_pull(
    sandbox: RunningSandbox, workspace: Workspace, engine_for: Callable[..., SyncEngine]
) -> None:
    engine_for().pull(NOW)
    lead = next(r for r in cached(workspace).values() if r.status == LeadStatus.WORKING.value)
    workspace.disqualify(lead.id or 0, "No budget", NOW)
    sandbox.crm.edit_contact(lead.crm_id or "", {"jobtitle": "VP Ops"})
    engine_for().pull(NOW)
    with workspace.session() as session:
        row = session.exec(select(LeadRow).where(col(LeadRow.id) == lead.id)).one()
    assert row.status == LeadStatus.DISQUALIFIED.value and row.job_title == "VP Ops"
