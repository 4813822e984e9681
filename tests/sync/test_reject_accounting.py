"""Retries and rejected changes keep honest books: a change the CRM answers 500 for ever becomes a
rejected change with the CRM's answer (the pull and the other changes go on); an empty owners
reply never rejects touches as "unknown owner"; a malformed record or outbox row is set aside with
a sentence and never stops the sync."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import select

from leadtui.store.tables import LeadRow, OutboxRow
from leadtui.workspace import Workspace
from sync.cli import summary
from sync.engine import SyncEngine
from sync.hubspot import HubSpotAdapter
from sync.outbox import MAX_ATTEMPTS
from sync.sandbox import RunningSandbox
from sync.service import SyncService
from tests.conftest import NOW
from tests.faultproxy import FOREVER, Fault, FaultProxy
from tests.sync.conftest import FAST_RETRY, make_workspace
from tests.sync.test_push import working_lead


@pytest.fixture
def proxy(sandbox: RunningSandbox) -> Iterator[FaultProxy]:
    with FaultProxy(sandbox.base_url) as running:
        yield running


@pytest.fixture
def ws(tmp_path: Path, proxy: FaultProxy) -> Iterator[Workspace]:
    workspace = make_workspace(tmp_path / "ws", proxy.base_url)
    yield workspace
    workspace.close()


@pytest.fixture
def service(ws: Workspace, proxy: FaultProxy, sandbox: RunningSandbox) -> Iterator[SyncService]:
    def adapter() -> HubSpotAdapter:
        return HubSpotAdapter.from_config(
            proxy.base_url, sandbox.token, timeout_seconds=5, rate_limited=False, retry=FAST_RETRY
        )

    running = SyncService(ws, adapter)
    yield running
    running.close()


def ws_lead_ids(ws: Workspace) -> list[int]:
    with ws.session() as session:
        return [r.id or 0 for r in session.exec(select(LeadRow))]


def ops(ws: Workspace) -> list[OutboxRow]:
    with ws.session() as session:
        return list(session.exec(select(OutboxRow).order_by(OutboxRow.id)))  # type: ignore[arg-type]


def test_a_change_answered_500_for_ever_becomes_a_rejected_change(
    ws: Workspace, service: SyncService, proxy: FaultProxy, sandbox: RunningSandbox
) -> None:
    assert service.run_once(NOW).error is None
    lead = working_lead(ws)
    other = next(i for i in ws_lead_ids(ws) if i != lead.id)
    ws.log_touch(lead.id or 0, "call", "connected", NOW)  # answered 500 for ever
    ws.add_note(other, "goes through", NOW)  # another lead's change: goes on
    body = json.dumps({"status": "error", "message": "internal oops", "category": "INTERNAL"})
    proxy.add(Fault("POST /crm/v3/objects/calls", status=500, body=body.encode(), times=FOREVER))
    sandbox.crm.add_inbound_leads(1)
    now = NOW
    for round_ in range(1, MAX_ATTEMPTS + 1):
        result = service.run_once(now)
        assert result.online, f"round {round_}: one refused change is not 'offline'"
        call = ops(ws)[0]
        if round_ == 1:
            assert result.pulled >= 1, "the pull went on"
            assert ops(ws)[1].state == "done", "the note went on"
        assert call.attempts == round_, "every round's failure is counted"
        now += timedelta(hours=2)  # past the op's retry time
    call = ops(ws)[0]
    assert call.state == "dead" and "HTTP 500" in call.last_error, call.last_error
    assert service.run_once(now).dead == 1


def test_an_empty_owners_reply_does_not_reject_touches(
    ws: Workspace, service: SyncService, proxy: FaultProxy
) -> None:
    assert service.run_once(NOW).error is None
    lead = working_lead(ws)
    ws.log_touch(lead.id or 0, "call", "connected", NOW)
    proxy.add(Fault("GET /crm/v3/owners", body=b'{"results": []}', times=FOREVER))
    service.close()  # a new adapter: the owners are read again
    result = service.run_once(NOW)
    touch = ops(ws)[0]
    assert touch.state == "pending" and "UNKNOWN_OWNER" not in touch.last_error, touch.last_error
    assert result.error and "no owners" in result.error
    proxy.clear()
    assert service.run_once(NOW + timedelta(hours=2)).error is None
    assert ops(ws)[0].state == "done"


def test_a_record_that_cannot_be_stored_is_skipped_and_reported(
    ws: Workspace, proxy: FaultProxy, sandbox: RunningSandbox
) -> None:
    # HubSpot keeps numemployees to its picklist; a reply that did not (a proxy, a bug) would
    # hold a size SQLite cannot store in an integer column.
    def contact(crm_id: str, size: str) -> dict[str, Any]:
        when = "2026-11-18T14:00:00.000Z"
        props = {"createdate": when, "lastmodifieddate": when, "email": f"{crm_id}@example.com"}
        return {"id": crm_id, "properties": {**props, "numemployees": size}}

    bad, good = "9001", "9002"
    reply = {"total": 2, "results": [contact(bad, "9" * 30), contact(good, "50-100")]}
    proxy.add(Fault("POST /crm/v3/objects/contacts/search", body=json.dumps(reply).encode()))
    adapter = HubSpotAdapter.from_config(
        proxy.base_url, sandbox.token, timeout_seconds=5, rate_limited=False, retry=FAST_RETRY
    )
    try:
        report = SyncEngine(ws, adapter).pull(NOW)
    finally:
        adapter.close()
    assert report.completed
    assert [s.crm_id for s in report.skipped] == [bad]
    assert "could not be stored" in report.skipped[0].reason
    with ws.session() as session:
        stored = {r.crm_id for r in session.exec(select(LeadRow))}
    assert good in stored and bad not in stored


def test_text_that_is_not_valid_unicode_is_mended_not_skipped(
    ws: Workspace, proxy: FaultProxy, sandbox: RunningSandbox
) -> None:
    bad, good = sandbox.crm.add_inbound_leads(2)
    # A lone surrogate, and a pair written as two JSON escapes (valid: it is one emoji).
    text = {"firstname": "Eve \ud800 lone", "lastname": "Smile \ud83d\ude00"}
    sandbox.crm.edit_contact(bad, text)
    adapter = HubSpotAdapter.from_config(
        proxy.base_url, sandbox.token, timeout_seconds=5, rate_limited=False, retry=FAST_RETRY
    )
    try:
        engine = SyncEngine(ws, adapter)
        report = engine.pull(NOW)
    finally:
        adapter.close()
    assert report.completed and not report.skipped
    assert engine.mended == [bad]
    with ws.session() as session:
        names = {r.crm_id: r.name for r in session.exec(select(LeadRow))}
    assert names[bad] == "Eve \ufffd lone Smile \U0001f600"
    assert good in names


def test_the_round_says_which_records_were_mended(
    ws: Workspace, service: SyncService, sandbox: RunningSandbox
) -> None:
    (bad,) = sandbox.crm.add_inbound_leads(1)
    sandbox.crm.edit_contact(bad, {"company": "Acme \udc00"})
    result = service.run_once(NOW)
    assert result.error is None, result.error
    assert any(f"not valid Unicode ({bad})" in notice for notice in result.notices)
    assert "not valid Unicode" in summary(result)


def test_an_outbox_row_with_damaged_json_is_set_aside(
    ws: Workspace, service: SyncService, sandbox: RunningSandbox
) -> None:
    assert service.run_once(NOW).error is None
    lead = working_lead(ws)
    ws.disqualify(lead.id or 0, "Duplicate", NOW)
    ws.add_note(lead.id or 0, "still goes", NOW)
    with sqlite3.connect(ws.locations.database) as db:
        db.execute(
            "UPDATE outbox SET payload = ? WHERE kind = 'update_lead'", ('{"fields": {"sta',)
        )
    result = service.run_once(NOW)
    assert result.error is None, result.error
    kinds = {op.kind: op for op in ops(ws)}
    assert kinds["create_note"].state == "done"
    damaged = kinds["update_lead"]
    assert damaged.state == "dead" and "damaged" in damaged.last_error
    assert damaged.payload == {"damaged": '{"fields": {"sta'}  # kept, for a person to look at
