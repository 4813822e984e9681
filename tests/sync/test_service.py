"""SyncService: push then pull in one round; offline is a result, not an exception."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlmodel import select

from leadtui.store.tables import LeadRow
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


def test_a_round_pulls_then_reports_new_leads_and_persists_its_status(
    sandbox: RunningSandbox, workspace: Workspace, service: SyncService
) -> None:
    first = service.run_once(NOW)
    assert first.online and first.error is None and first.pulled > 0
    assert len(first.new_lead_ids) == first.pulled
    with workspace.session() as session:
        lead = session.exec(select(LeadRow).order_by(LeadRow.id)).first()  # type: ignore[arg-type]
    assert lead is not None
    workspace.add_note(lead.id or 0, "Call back Friday", NOW)
    second = service.run_once(NOW)
    assert (second.pushed, second.pending, second.new_lead_ids) == (1, 0, [])
    # Another process (a fresh service on the same cache) reads the same status.
    status = SyncService(workspace, lambda: make_adapter(sandbox)).status()
    assert status.last_sync_at == NOW and status.last_error == "" and status.online


def test_offline_leaves_changes_pending_and_the_next_round_pushes_them(
    sandbox: RunningSandbox, workspace: Workspace, service: SyncService
) -> None:
    service.run_once(NOW)
    with workspace.session() as session:
        lead = session.exec(select(LeadRow).order_by(LeadRow.id)).first()  # type: ignore[arg-type]
    assert lead is not None
    workspace.log_touch(lead.id or 0, "call", "no_answer", NOW)
    sandbox.faults.offline()
    result = service.run_once(NOW)
    assert not result.online and result.error and sandbox.token not in result.error
    assert result.pending >= 1 and result.dead == 0
    status = service.status()
    assert not status.online and status.last_error == result.error
    sandbox.faults.offline(False)
    back = service.run_once(NOW)
    assert back.online and back.pending == 0 and back.pushed == result.pending


def test_a_fresh_process_offline_keeps_a_touch_pending_not_dead(
    sandbox: RunningSandbox, workspace: Workspace, service: SyncService
) -> None:
    # Found by the stateful test: a new adapter has no owners cached; reading them offline
    # failed and the touch was marked dead as "not a HubSpot owner".
    service.run_once(NOW)
    with workspace.session() as session:
        lead = session.exec(select(LeadRow).order_by(LeadRow.id)).first()  # type: ignore[arg-type]
    assert lead is not None
    workspace.log_touch(lead.id or 0, "call", "no_answer", NOW)
    fresh = SyncService(workspace, lambda: make_adapter(sandbox))
    sandbox.faults.offline()
    result = fresh.run_once(NOW)
    assert not result.online and result.dead == 0 and result.pending >= 1
    sandbox.faults.offline(False)
    assert fresh.run_once(NOW).pending == 0
    fresh.close()
