"""Pull-time three-way merge against the sandbox: one-sided changes merge, two-sided ones wait
for the rep as conflicts, and neither choice lets the other side be overwritten silently."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlmodel import col, select

from leadtui.domain.models import LeadStatus
from leadtui.store.tables import ConflictRow, LeadRow, OutboxRow
from leadtui.workspace import Workspace
from sync.sandbox import RunningSandbox
from sync.service import SyncService
from tests.conftest import NOW
from tests.sync.conftest import make_adapter


@pytest.fixture
def service(sandbox: RunningSandbox, workspace: Workspace) -> Iterator[SyncService]:
    svc = SyncService(workspace, lambda: make_adapter(sandbox))
    yield svc
    svc.close()


def both_sides_edit(sandbox: RunningSandbox, ws: Workspace, svc: SyncService) -> LeadRow:
    """A new lead: the rep's bounced email makes it working + email_bad; meanwhile the CRM's
    owner nurtures it (status) and fixes its phone (a field the rep never touched)."""
    assert svc.run_once(NOW).online
    with ws.session() as session:
        lead = session.exec(
            select(LeadRow).where(LeadRow.status == LeadStatus.NEW.value).order_by(col(LeadRow.id))
        ).first()
    assert lead is not None
    ws.log_touch(lead.id or 0, "email", "bounced", NOW)
    sandbox.crm.edit_contact(
        lead.crm_id or "",
        {
            "lifecyclestage": "marketingqualifiedlead",
            "hs_lead_status": "BAD_TIMING",
            "phone": "+1 212 555 0199",
        },
    )
    return lead


def test_a_two_sided_field_is_held_as_a_conflict_and_one_sided_ones_merge(
    sandbox: RunningSandbox, workspace: Workspace, service: SyncService
) -> None:
    lead = both_sides_edit(sandbox, workspace, service)
    result = service.run_once(NOW)
    assert result.online and result.conflicts == 1 and result.pushed == 1  # the touch
    with workspace.session() as session:
        row = session.get(LeadRow, lead.id)
        conflicts = session.exec(select(ConflictRow)).all()
        op = session.exec(select(OutboxRow).where(OutboxRow.kind == "update_lead")).one()
    assert row is not None
    assert (row.status, row.email_bad, row.phone) == ("working", True, "+1 212 555 0199")
    assert [(c.field, c.local_value, c.remote_value, c.base_value) for c in conflicts] == [
        ("status", "working", "nurture", "new")
    ]
    assert op.state == "held"
    assert sandbox.crm.contact(lead.crm_id or "")["hs_lead_status"] == "BAD_TIMING"
    # Another round neither duplicates the conflict nor pushes the held change.
    again = service.run_once(NOW)
    assert again.conflicts == 1 and again.pushed == 0
    assert sandbox.crm.contact(lead.crm_id or "")["hs_lead_status"] == "BAD_TIMING"
    assert service.status().held == 1


def test_keep_mine_then_sync_pushes_the_reps_value(
    sandbox: RunningSandbox, workspace: Workspace, service: SyncService
) -> None:
    lead = both_sides_edit(sandbox, workspace, service)
    service.run_once(NOW)
    with workspace.session() as session:
        conflict = session.exec(select(ConflictRow)).one()
    workspace.resolve_conflict(conflict.id or 0, "local", NOW)
    result = service.run_once(NOW)
    assert (result.conflicts, result.pending, result.pushed) == (0, 0, 1)
    contact = sandbox.crm.contact(lead.crm_id or "")
    assert (contact["lifecyclestage"], contact["hs_lead_status"]) == (
        "salesqualifiedlead",
        "IN_PROGRESS",
    )
    with workspace.session() as session:
        row = session.get(LeadRow, lead.id)
    assert row is not None and (row.status, row.email_bad) == ("working", True)


def test_take_theirs_then_nothing_overwrites_the_crm(
    sandbox: RunningSandbox, workspace: Workspace, service: SyncService
) -> None:
    lead = both_sides_edit(sandbox, workspace, service)
    service.run_once(NOW)
    with workspace.session() as session:
        conflict = session.exec(select(ConflictRow)).one()
    workspace.resolve_conflict(conflict.id or 0, "remote", NOW)
    result = service.run_once(NOW)
    assert (result.conflicts, result.pending) == (0, 0)
    contact = sandbox.crm.contact(lead.crm_id or "")
    assert (contact["lifecyclestage"], contact["hs_lead_status"]) == (
        "marketingqualifiedlead",
        "BAD_TIMING",
    )
    with workspace.session() as session:
        row = session.get(LeadRow, lead.id)
    assert row is not None and (row.status, row.email_bad) == ("nurture", True)


def test_a_crm_that_already_agrees_settles_the_field(
    sandbox: RunningSandbox, workspace: Workspace, service: SyncService
) -> None:
    lead = both_sides_edit(sandbox, workspace, service)
    sandbox.crm.edit_contact(
        lead.crm_id or "", {"lifecyclestage": "salesqualifiedlead", "hs_lead_status": "IN_PROGRESS"}
    )
    result = service.run_once(NOW)
    assert (result.conflicts, result.pending) == (0, 0)
    with workspace.session() as session:
        op = session.exec(select(OutboxRow).where(OutboxRow.kind == "update_lead")).one()
    # The pushed bounce already tells the CRM the email is bad: both fields settle, nothing is
    # left to send.
    assert op.state == "done" and op.payload["fields"] == {}
