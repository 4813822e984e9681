"""What only the BottleCRM adapter has to get right, against the real server: change detection on
leadtui's side (a pull that finds nothing changed reads no interactions), touches logged in
BottleCRM, conversions carrying the deal value and surviving a retry, and what BottleCRM cannot
hold (a LinkedIn touch) refused in one sentence instead of faked."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlmodel import select

from leadtui.domain.models import Channel, LeadStatus, Outcome
from leadtui.store.tables import LeadRow, NoteRow, OutboxRow, TouchRow
from leadtui.workspace import Workspace
from sync.bottlecrm import BottleCrmAdapter, _decode, _encode
from sync.bottlecrm_map import split_marker, touch_of
from sync.engine import SyncEngine
from sync.outbox import push_outbox
from sync.protocol import Scope
from tests.conformance.conftest import BottleCrmDriver, BottleCrmServer
from tests.conformance.proxy import FaultProxy
from tests.conftest import NOW
from tests.sync.conftest import make_workspace


@pytest.fixture
def crm(bottlecrm_server: BottleCrmServer) -> Iterator[BottleCrmDriver]:
    driver = BottleCrmDriver(bottlecrm_server, FaultProxy(bottlecrm_server.base_url))
    yield driver
    for adapter in driver.made:
        adapter.close()
    driver.api.close()
    driver.proxy.close()


@pytest.fixture
def workspace(tmp_path: Path, crm: BottleCrmDriver) -> Iterator[Workspace]:
    ws = make_workspace(tmp_path / "ws", crm.proxy.base_url, crm.user_email, role="rep")
    yield ws
    ws.close()


def pull(ws: Workspace, crm: BottleCrmDriver) -> int:
    return SyncEngine(ws, crm.adapter(), scope=Scope(crm.user_email)).pull(NOW).leads


def local_id(ws: Workspace, crm_id: str) -> int:
    with ws.session() as session:
        found = session.exec(select(LeadRow).where(LeadRow.crm_id == crm_id)).one()
        return found.id or 0


def test_a_pull_that_finds_nothing_changed_yields_nothing_and_reads_no_interactions(
    crm: BottleCrmDriver, workspace: Workspace
) -> None:
    crm.new_lead(crm.user_email)
    assert pull(workspace, crm) >= 1
    crm.proxy.forwarded.clear()
    assert pull(workspace, crm) == 0
    paths = [path for _, path in crm.proxy.forwarded]
    assert paths and all(p.startswith("/api/leads/?") for p in paths), paths


def test_a_comment_written_in_bottlecrm_arrives_with_the_daily_reread(
    crm: BottleCrmDriver, workspace: Workspace
) -> None:
    target = crm.new_lead(crm.user_email)
    today = datetime.now(UTC)
    scope = Scope(crm.user_email)

    def pull_at(moment: datetime) -> int:
        engine = SyncEngine(workspace, crm.adapter(), scope=scope, clock=lambda: moment)
        return engine.pull(NOW).leads

    pull_at(today)
    crm.call("POST", f"/api/leads/{target}/", json={"comment": "Call me after the board meeting"})
    assert pull_at(today + timedelta(hours=1)) == 0  # nothing BottleCRM lists has changed
    assert pull_at(today + timedelta(days=1, hours=1)) >= 1
    with workspace.session() as session:
        notes = session.exec(
            select(NoteRow).where(NoteRow.lead_id == local_id(workspace, target))
        ).all()
    assert [(n.body, n.by) for n in notes] == [("Call me after the board meeting", crm.user_email)]


def test_a_call_logged_in_bottlecrm_arrives_as_a_touch(
    crm: BottleCrmDriver, workspace: Workspace
) -> None:
    target = crm.new_lead(crm.user_email)
    pull(workspace, crm)
    body = {"kind": "call", "lead": target, "outcome": "voicemail", "body": "Left a message"}
    crm.call("POST", "/api/interactions/", json=body)
    assert pull(workspace, crm) == 1
    with workspace.session() as session:
        touches = session.exec(
            select(TouchRow).where(TouchRow.lead_id == local_id(workspace, target))
        ).all()
    assert [(t.channel, t.outcome, t.note, t.by) for t in touches] == [
        (Channel.CALL.value, Outcome.LEFT_VOICEMAIL.value, "Left a message", crm.user_email)
    ]


def test_a_lead_shared_by_two_reps_is_in_each_reps_queue_as_their_own(
    crm: BottleCrmDriver, workspace: Workspace
) -> None:
    shared = crm.new_lead(crm.other_email)
    both = [crm.profile_id(crm.other_email), crm.profile_id(crm.user_email)]
    crm.call("PATCH", f"/api/leads/{shared}/", json={"assigned_to": both})
    pull(workspace, crm)
    with workspace.session() as session:
        found = session.exec(select(LeadRow).where(LeadRow.crm_id == shared)).one()
    assert found.owner == crm.user_email


def test_converting_carries_the_deal_value_and_a_repeat_is_not_an_error(
    crm: BottleCrmDriver, workspace: Workspace
) -> None:
    target = crm.new_lead(crm.user_email)
    pull(workspace, crm)
    workspace.convert(local_id(workspace, target), 12000.0, NOW)
    adapter = crm.adapter()
    assert push_outbox(workspace, adapter, NOW).done >= 1
    lead = crm.call("GET", f"/api/leads/{target}/")["lead_obj"]
    assert (lead["status"], float(lead["opportunity_amount"])) == ("converted", 12000.0)
    # A retry after a lost reply meets BottleCRM's "already converted": the change has landed.
    adapter.update_lead(target, {"status": LeadStatus.CONVERTED.value, "deal_value": 12000.0})


def test_a_conversion_bottlecrm_refuses_is_rejected_with_its_reason(
    crm: BottleCrmDriver, workspace: Workspace
) -> None:
    target = crm.new_lead(crm.user_email)
    crm.call("PATCH", f"/api/leads/{target}/", json={"email": ""})
    pull(workspace, crm)
    workspace.convert(local_id(workspace, target), 500.0, NOW)
    push_outbox(workspace, crm.adapter(), NOW)
    with workspace.session() as session:
        op = session.exec(select(OutboxRow).where(OutboxRow.kind == "update_lead")).one()
    assert op.state == "dead" and "needs an email address" in op.last_error
    assert crm.status_of(target) == LeadStatus.NEW


def test_a_linkedin_touch_is_refused_in_one_sentence_not_faked(
    crm: BottleCrmDriver, workspace: Workspace
) -> None:
    target = crm.new_lead(crm.user_email)
    pull(workspace, crm)
    workspace.log_touch(local_id(workspace, target), "linkedin", "sent", NOW)
    push_outbox(workspace, crm.adapter(), NOW)
    with workspace.session() as session:
        op = session.exec(select(OutboxRow).where(OutboxRow.kind == "create_touch")).one()
    assert op.state == "dead" and "no linkedin interaction kind" in op.last_error
    assert crm.call("GET", "/api/interactions/", params={"lead": target})["count"] == 0
    features = {f.name: f for f in crm.adapter().features()}  # type: ignore[attr-defined]
    assert not features["linkedin"].available and features["linkedin"].why


def test_the_op_marker_keeps_what_bottlecrm_choices_cannot_hold() -> None:
    record = {
        "id": "x",
        "kind": "email",
        "direction": "outbound",
        "occurred_at": "2026-11-18T15:00:00Z",
        "body": "Pricing\n\n[leadtui abc123 email replied]",
        "logged_by_details": {"email": "rep@example.com"},
        "origin": "manual",
    }
    found = touch_of(record)
    assert found is not None
    touch, op_id = found
    assert (touch.channel, touch.outcome, touch.note, op_id) == (
        Channel.EMAIL,
        Outcome.REPLIED,
        "Pricing",
        "abc123",
    )
    assert split_marker("no marker here") == ("no marker here", "", "", "")
    assert touch_of(record | {"direction": "inbound"}) is None


def test_a_cursor_round_trips_and_a_damaged_one_means_start_over() -> None:
    marks = {"a": ["f1", "c1"], "b": ["f2", ""]}
    assert _decode(_encode(marks, NOW)) == (marks, NOW)
    for damaged in ("bc2:not-base64!", "12345", None, _encode(marks, NOW)[:-8]):
        assert _decode(damaged) == ({}, None)
    assert BottleCrmAdapter.name == "bottlecrm"
