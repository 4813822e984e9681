"""The outbox reaches the CRM: notes, touches and status changes, once each, in order."""

from __future__ import annotations

from collections.abc import Callable

from sqlmodel import select

from leadtui.domain.models import LeadStatus
from leadtui.store.tables import LeadRow, NoteRow, OutboxRow, TouchRow
from leadtui.workspace import Workspace
from sync.engine import SyncEngine
from sync.outbox import pending_count, push_outbox
from sync.sandbox import RunningSandbox
from tests.conftest import NOW


def working_lead(ws: Workspace) -> LeadRow:
    with ws.session() as session:
        return next(
            r
            for r in session.exec(select(LeadRow).order_by(LeadRow.id))  # type: ignore[arg-type]
            if r.status == LeadStatus.WORKING.value
        )


def test_notes_touches_and_status_changes_are_pushed_once_and_pulled_back_as_the_same_rows(
    sandbox: RunningSandbox, workspace: Workspace, engine_for: Callable[..., SyncEngine]
) -> None:
    engine = engine_for()
    engine.pull(NOW)
    lead = working_lead(workspace)
    cid = lead.crm_id or ""
    workspace.add_note(lead.id or 0, "Asked for a call back on Friday", NOW)
    workspace.log_touch(lead.id or 0, "email", "sent", NOW, note="Pricing follow-up")
    workspace.disqualify(lead.id or 0, "No budget this year", NOW)
    report = push_outbox(workspace, engine.adapter, NOW)
    assert (report.done, report.failed, report.dead) == (3, 0, 0)  # note, touch, status
    crm = sandbox.crm
    notes = [
        n
        for n in crm.associated("contacts", cid, "notes")
        if crm.props("notes", n).get("leadtui_op_id")
    ]
    emails = [
        e
        for e in crm.associated("contacts", cid, "emails")
        if crm.props("emails", e).get("leadtui_op_id")
    ]
    assert len(notes) == 1 and len(emails) == 1
    assert crm.props("notes", notes[0])["hs_note_body"] == "Asked for a call back on Friday"
    contact = crm.contact(cid)
    assert (contact["lifecyclestage"], contact["hs_lead_status"]) == ("other", "UNQUALIFIED")
    # Pushing again sends nothing; pulling back matches the CRM records to the local rows.
    assert push_outbox(workspace, engine.adapter, NOW).done == 0
    engine_for().pull(NOW)
    with workspace.session() as session:
        assert pending_count(session) == 0
        local_notes = session.exec(select(NoteRow).where(NoteRow.lead_id == lead.id)).all()
        local_touches = session.exec(select(TouchRow).where(TouchRow.lead_id == lead.id)).all()
        row = session.get(LeadRow, lead.id)
    assert [n.crm_id for n in local_notes if n.op_id] == notes
    assert len([t for t in local_touches if t.crm_id == emails[0]]) == 1
    assert row is not None and row.status == LeadStatus.DISQUALIFIED.value


def test_an_operation_the_crm_rejects_is_marked_dead_and_later_ones_still_go(
    sandbox: RunningSandbox, workspace: Workspace, engine_for: Callable[..., SyncEngine]
) -> None:
    engine = engine_for()
    engine.pull(NOW)
    lead = working_lead(workspace)
    workspace.disqualify(lead.id or 0, "Duplicate", NOW)
    sandbox.crm.archive_contact(lead.crm_id or "")  # deleted in HubSpot meanwhile
    report = push_outbox(workspace, engine.adapter, NOW)
    assert report.dead == 1
    with workspace.session() as session:
        dead = session.exec(select(OutboxRow).where(OutboxRow.state == "dead")).one()
    assert "404" in dead.last_error
