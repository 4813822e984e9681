"""What every CRM adapter must do, run against each CRM leadtui speaks to (tests/conformance/
conftest.py): the HubSpot sandbox and a real BottleCRM server. Each test makes its own leads, so
the tests share one BottleCRM org without seeing each other's changes as their own."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlmodel import col, select

from leadtui.domain.models import LeadStatus
from leadtui.store.tables import ConflictRow, LeadRow, NoteRow, OutboxRow, TouchRow
from leadtui.workspace import Workspace
from sync.engine import SyncEngine
from sync.outbox import push_outbox
from sync.protocol import AuthError, CrmUnavailable, Scope
from sync.service import SyncService
from tests.conformance.conftest import Driver
from tests.conftest import NOW
from tests.sync.conftest import make_workspace

# Where each adapter creates a touch: the request whose reply the proxy loses.
# The sandbox starts as a portal without unique properties on engagements (HubSpot's default), so
# a call is created with POST /crm/v3/objects/calls and its association in one request.
TOUCH_CREATE = {"hubspot": "/crm/v3/objects/calls", "bottlecrm": "/api/interactions/"}


@pytest.fixture
def workspace(tmp_path: Path, crm: Driver) -> Iterator[Workspace]:
    ws = make_workspace(tmp_path / "ws", crm.proxy.base_url, crm.user_email, role="manager")
    yield ws
    ws.close()


def pull(ws: Workspace, crm: Driver, scope: Scope | None = None) -> int:
    return SyncEngine(ws, crm.adapter(), scope=scope or Scope(None)).pull(NOW).leads


def row(ws: Workspace, crm_id: str) -> LeadRow | None:
    with ws.session() as session:
        return session.exec(select(LeadRow).where(LeadRow.crm_id == crm_id)).first()


def lead_id(ws: Workspace, crm_id: str) -> int:
    found = row(ws, crm_id)
    assert found is not None and found.id is not None, f"lead {crm_id} is not in the cache"
    return found.id


def op_of(ws: Workspace, kind: str) -> OutboxRow:
    with ws.session() as session:
        return session.exec(select(OutboxRow).where(OutboxRow.kind == kind)).one()


def test_pull_all_brings_every_lead_with_its_owner_and_status(
    crm: Driver, workspace: Workspace
) -> None:
    mine = crm.new_lead(crm.user_email)
    theirs = crm.new_lead(crm.other_email)
    crm.set_status(theirs, LeadStatus.WORKING)
    assert pull(workspace, crm) >= 2
    first, second = row(workspace, mine), row(workspace, theirs)
    assert first is not None and second is not None
    assert (first.owner, first.status) == (crm.user_email, LeadStatus.NEW.value)
    assert (second.owner, second.status) == (crm.other_email, LeadStatus.WORKING.value)


def test_a_second_pull_brings_only_what_changed(crm: Driver, workspace: Workspace) -> None:
    edited = crm.new_lead(crm.user_email)
    crm.new_lead(crm.user_email)
    everything = pull(workspace, crm)
    crm.edit_phone(edited, "+1 212 555 0199")
    again = pull(workspace, crm)
    found = row(workspace, edited)
    assert found is not None and found.phone == "+1 212 555 0199"
    assert 1 <= again < everything


def test_a_deleted_lead_leaves_the_cache(crm: Driver, workspace: Workspace) -> None:
    gone = crm.new_lead(crm.user_email)
    kept = crm.new_lead(crm.user_email)
    pull(workspace, crm)
    crm.delete(gone)
    pull(workspace, crm)
    deleted, alive = row(workspace, gone), row(workspace, kept)
    assert deleted is not None and deleted.archived
    assert alive is not None and not alive.archived


def test_a_lead_converted_in_the_crm_is_converted_not_deleted(
    crm: Driver, workspace: Workspace
) -> None:
    converted = crm.new_lead(crm.user_email)
    pull(workspace, crm)
    crm.convert(converted)
    pull(workspace, crm)
    found = row(workspace, converted)
    assert found is not None and not found.archived
    assert found.status == LeadStatus.CONVERTED.value


def test_a_reps_pull_holds_only_their_own_leads(crm: Driver, tmp_path: Path) -> None:
    mine = crm.new_lead(crm.user_email)
    theirs = crm.new_lead(crm.other_email)
    ws = make_workspace(tmp_path / "rep", crm.proxy.base_url, crm.user_email, role="rep")
    try:
        pull(ws, crm, Scope(crm.user_email))
        assert row(ws, mine) is not None
        assert row(ws, theirs) is None
        with ws.session() as session:
            owners = {r.owner for r in session.exec(select(LeadRow))}
        assert owners == {crm.user_email}
    finally:
        ws.close()


def test_a_touch_whose_reply_was_lost_lands_exactly_once(crm: Driver, workspace: Workspace) -> None:
    target = crm.new_lead(crm.user_email)
    pull(workspace, crm)
    workspace.log_touch(lead_id(workspace, target), "call", "left_voicemail", NOW, note="Hi")
    op = op_of(workspace, "create_touch")
    crm.proxy.drop_reply_to("POST", TOUCH_CREATE[crm.name])
    service = SyncService(workspace, crm.adapter)
    try:
        first = service.run_once(NOW)
        second = service.run_once(NOW)
    finally:
        service.close()
    assert crm.proxy.dropped == 1
    assert crm.touches_with(target, op.op_id) == 1
    assert (first.pending, second.pending, second.dead) == (first.pending, 0, 0)
    with workspace.session() as session:
        touches = session.exec(
            select(TouchRow).where(TouchRow.lead_id == lead_id(workspace, target))
        ).all()
    # Pulled back, the CRM's record is the local touch, not a second one.
    assert [t.op_id for t in touches if t.op_id == op.op_id] == [op.op_id]
    assert all(t.crm_id for t in touches)


def test_a_note_is_pushed_once_and_pulled_back_as_the_same_note(
    crm: Driver, workspace: Workspace
) -> None:
    target = crm.new_lead(crm.user_email)
    pull(workspace, crm)
    workspace.add_note(lead_id(workspace, target), "Budget approved in Q1", NOW)
    op = op_of(workspace, "create_note")
    adapter = crm.adapter()
    assert push_outbox(workspace, adapter, NOW).done == 1
    crm.edit_phone(target, "+1 212 555 0142")  # BottleCRM re-reads a lead's notes when it changes
    pull(workspace, crm)
    assert crm.notes_with(target, op.op_id, "Budget approved in Q1") == 1
    with workspace.session() as session:
        notes = session.exec(
            select(NoteRow).where(NoteRow.lead_id == lead_id(workspace, target))
        ).all()
    assert [(n.body, bool(n.crm_id)) for n in notes] == [("Budget approved in Q1", True)]


def test_a_status_change_reaches_the_crm(crm: Driver, workspace: Workspace) -> None:
    target = crm.new_lead(crm.user_email)
    pull(workspace, crm)
    workspace.disqualify(lead_id(workspace, target), "No budget", NOW)
    assert push_outbox(workspace, crm.adapter(), NOW).done == 1
    assert crm.status_of(target) == LeadStatus.DISQUALIFIED


def test_a_status_both_sides_changed_is_held_as_a_conflict(
    crm: Driver, workspace: Workspace
) -> None:
    target = crm.new_lead(crm.user_email)
    pull(workspace, crm)
    workspace.disqualify(lead_id(workspace, target), "No budget", NOW)
    crm.set_status(target, LeadStatus.NURTURE)
    service = SyncService(workspace, crm.adapter)
    try:
        result = service.run_once(NOW)
    finally:
        service.close()
    assert result.conflicts == 1
    with workspace.session() as session:
        conflict = session.exec(
            select(ConflictRow).where(col(ConflictRow.resolved_at).is_(None))
        ).one()
        held = session.exec(select(OutboxRow).where(OutboxRow.kind == "update_lead")).one()
    assert conflict.field == "status" and conflict.remote_value == LeadStatus.NURTURE.value
    assert held.state == "held"
    assert crm.status_of(target) == LeadStatus.NURTURE  # the CRM's value was not overwritten


def test_a_bad_token_is_an_auth_error(crm: Driver) -> None:
    with pytest.raises(AuthError) as refused:
        crm.adapter(token="not-a-real-token").check()
    assert "not-a-real-token" not in str(refused.value)


def test_a_crm_that_is_down_is_unavailable_and_changes_wait(
    crm: Driver, workspace: Workspace
) -> None:
    target = crm.new_lead(crm.user_email)
    pull(workspace, crm)
    workspace.log_touch(lead_id(workspace, target), "email", "sent", NOW)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed = f"http://127.0.0.1:{probe.getsockname()[1]}"
    with pytest.raises(CrmUnavailable):
        crm.adapter(base_url=closed).check()
    service = SyncService(workspace, lambda: crm.adapter(base_url=closed))
    try:
        result = service.run_once(NOW)
    finally:
        service.close()
    assert not result.online and result.pending >= 1
    assert op_of(workspace, "create_touch").state == "pending"


def test_features_name_each_capability_and_why_one_is_missing(crm: Driver) -> None:
    adapter = crm.adapter()
    probe = getattr(adapter, "features", None)
    if probe is None:
        pytest.skip(f"the {crm.name} adapter does not list its features yet (issue 9)")
    features = probe()
    names = {f.name for f in features}
    assert {"contacts_read", "owners", "calls", "notes"} <= names
    assert all(f.why for f in features if not f.available)
