"""A CRM edit that lands between the pull and the push is not overwritten: just before writing a
field the rep changed, the push reads the record's current value and raises a conflict when it
moved since the rep's base (issue 12, item 11)."""

from __future__ import annotations

from collections.abc import Callable

from sqlmodel import select

from leadtui.domain.models import LeadStatus
from leadtui.store.tables import ConflictRow, OutboxRow
from leadtui.workspace import Workspace
from sync import hubspot_map as hm
from sync.engine import SyncEngine
from sync.outbox import push_outbox
from sync.sandbox import RunningSandbox
from tests.conftest import NOW
from tests.sync.test_push import working_lead


def test_a_crm_edit_after_the_pull_becomes_a_conflict_not_an_overwrite(
    sandbox: RunningSandbox, workspace: Workspace, engine_for: Callable[..., SyncEngine]
) -> None:
    engine = engine_for()
    engine.pull(NOW)
    lead = working_lead(workspace)
    cid = lead.crm_id or ""
    workspace.disqualify(lead.id or 0, "Duplicate", NOW)
    # Someone in HubSpot nurtures the contact after the pull read it, before the push.
    lifecycle, lead_status = hm.HUBSPOT_STATUS_OF[LeadStatus.NURTURE]
    sandbox.crm.edit_contact(cid, {"lifecyclestage": lifecycle, "hs_lead_status": lead_status})

    report = push_outbox(workspace, engine.adapter, NOW)

    contact = sandbox.crm.contact(cid)
    assert (contact["lifecyclestage"], contact["hs_lead_status"]) == (lifecycle, lead_status), (
        "the CRM's edit was overwritten"
    )
    assert report.done == 0
    with workspace.session() as session:
        op = session.exec(select(OutboxRow).where(OutboxRow.kind == "update_lead")).one()
        conflict = session.exec(select(ConflictRow)).one()
    assert op.state == "held"
    assert (conflict.field, conflict.local_value, conflict.remote_value) == (
        "status",
        LeadStatus.DISQUALIFIED.value,
        LeadStatus.NURTURE.value,
    )


def test_an_unmoved_field_is_pushed(
    sandbox: RunningSandbox, workspace: Workspace, engine_for: Callable[..., SyncEngine]
) -> None:
    engine = engine_for()
    engine.pull(NOW)
    lead = working_lead(workspace)
    workspace.disqualify(lead.id or 0, "Duplicate", NOW)
    assert push_outbox(workspace, engine.adapter, NOW).done == 1
    contact = sandbox.crm.contact(lead.crm_id or "")
    assert contact["hs_lead_status"] == "UNQUALIFIED"
