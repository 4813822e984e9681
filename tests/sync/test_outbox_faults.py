"""The outbox under faults: refusals for good go dead without blocking other leads, and a reply
lost after the CRM committed a batch upsert never makes a second record."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlmodel import col, select

from leadtui.store.tables import LeadRow, OutboxRow
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


def two_leads(ws: Workspace) -> list[LeadRow]:
    with ws.session() as session:
        return list(session.exec(select(LeadRow).order_by(col(LeadRow.id)).limit(2)))


def own_calls(sandbox: RunningSandbox, cid: str) -> list[str]:
    crm = sandbox.crm
    calls = crm.associated("contacts", cid, "calls")
    return [c for c in calls if crm.props("calls", c).get("leadtui_op_id")]


def test_a_contact_deleted_remotely_while_a_touch_for_it_waits(
    sandbox: RunningSandbox, workspace: Workspace, service: SyncService
) -> None:
    service.run_once(NOW)
    gone, kept = two_leads(workspace)
    workspace.log_touch(gone.id or 0, "call", "no_answer", NOW)
    workspace.log_touch(kept.id or 0, "call", "no_answer", NOW)
    sandbox.crm.archive_contact(gone.crm_id or "")
    result = service.run_once(NOW)
    assert result.online and result.dead >= 1
    with workspace.session() as session:
        ops = session.exec(select(OutboxRow).order_by(col(OutboxRow.id))).all()
    states = {(op.lead_id, op.kind): op.state for op in ops}
    assert states[(gone.id, "create_touch")] == "dead"
    assert all(state == "done" for (lead, _), state in states.items() if lead == kept.id)
    dead = next(op for op in ops if op.state == "dead")
    assert "404" in dead.last_error
    assert len(own_calls(sandbox, kept.crm_id or "")) == 1
    # Dead ops stay until the rep retries or discards them; later rounds don't resend them.
    again = service.run_once(NOW)
    assert again.dead == result.dead and again.pushed == 0


@pytest.mark.parametrize("fault", ["drop_after_commit", "drop_before_commit"])
def test_a_dropped_batch_upsert_is_retried_into_exactly_one_record(
    sandbox: RunningSandbox, workspace: Workspace, service: SyncService, fault: str
) -> None:
    service.run_once(NOW)
    lead = two_leads(workspace)[0]
    workspace.log_touch(lead.id or 0, "call", "left_voicemail", NOW)
    before = sandbox.crm.count("calls")
    getattr(sandbox.faults, fault)(1)  # the first write is the call's batch/upsert
    result = service.run_once(NOW)
    assert result.online and result.pending == 0 and result.dead == 0
    assert sandbox.crm.count("calls") == before + 1
    assert len(own_calls(sandbox, lead.crm_id or "")) == 1
    assert sandbox.faults.snapshot()[fault] == 0  # the fault did fire on that request
