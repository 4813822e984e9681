"""A CRM that misbehaves: rate limits, server errors, timeouts, outages, bad data, bad tokens."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlmodel import select

from leadtui.store.tables import LeadRow, SyncCursor
from leadtui.workspace import Workspace
from sync.engine import SyncEngine
from sync.http import Budget
from sync.protocol import AuthError, CrmUnavailable
from sync.sandbox import RateLimits, RunningSandbox, start_sandbox
from tests.conftest import NOW
from tests.sync.conftest import make_adapter, make_workspace


def lead_count(ws: Workspace) -> int:
    with ws.session() as session:
        return len(session.exec(select(LeadRow)).all())


def recording(engine: SyncEngine) -> list[float]:
    waits: list[float] = []

    def sleep(seconds: float) -> None:
        waits.append(seconds)
        time.sleep(seconds)

    engine.adapter.http.sleep = sleep  # type: ignore[attr-defined]
    return waits


def test_a_429_burst_with_retry_after_is_waited_out_exactly(
    sandbox: RunningSandbox, workspace: Workspace, engine_for: Callable[..., SyncEngine]
) -> None:
    engine = engine_for()
    waits = recording(engine)
    sandbox.faults.rate_limit_next(3, retry_after=0.05)
    report = engine.pull(NOW)
    assert report.completed and lead_count(workspace) == sandbox.crm.count("contacts")
    assert waits[:3] == [0.05, 0.05, 0.05]


def test_a_429_burst_without_retry_after_backs_off_exponentially_with_jitter(
    sandbox: RunningSandbox, workspace: Workspace, engine_for: Callable[..., SyncEngine]
) -> None:
    engine = engine_for()
    waits = recording(engine)
    sandbox.faults.rate_limit_next(3)
    assert engine.pull(NOW).completed
    policy = engine.adapter.http.retry  # type: ignore[attr-defined]
    assert len(waits) == 3
    assert all(0 <= w <= min(policy.cap, policy.base * 2**i) for i, w in enumerate(waits))


def test_the_client_budget_keeps_under_the_crm_rate_limit(tmp_path: Path) -> None:
    limits = RateLimits(requests=8, window_seconds=1.0, search_requests=3)
    with start_sandbox(seed=3, leads=12, reps=2, now=NOW, rate_limit=limits) as box:
        ws = make_workspace(tmp_path / "ws", box.base_url)
        adapter = make_adapter(box)
        adapter.http.budget = Budget(7, 1.0)
        adapter.http.search_budget = Budget(2, 1.0)
        try:
            report = SyncEngine(ws, adapter).pull(NOW)
            assert report.completed and report.requests > 8
            assert adapter.http.retries == 0  # never a single 429
        finally:
            adapter.close()
            ws.close()


def test_without_a_budget_the_crm_rate_limit_is_retried_through(tmp_path: Path) -> None:
    limits = RateLimits(requests=6, window_seconds=0.5, search_requests=3)
    with start_sandbox(seed=3, leads=12, reps=2, now=NOW, rate_limit=limits) as box:
        ws = make_workspace(tmp_path / "ws", box.base_url)
        adapter = make_adapter(box, retry=None)
        adapter.http.retry = type(adapter.http.retry)(attempts=10, base=0.05, cap=0.5)
        try:
            report = SyncEngine(ws, adapter).pull(NOW)
            assert report.completed and adapter.http.retries > 0
            assert lead_count(ws) == box.crm.count("contacts")
        finally:
            adapter.close()
            ws.close()


def test_server_errors_are_retried(
    sandbox: RunningSandbox, workspace: Workspace, engine_for: Callable[..., SyncEngine]
) -> None:
    sandbox.faults.fail_next(3, status=503)
    engine = engine_for()
    assert engine.pull(NOW).completed
    assert engine.adapter.http.retries == 3  # type: ignore[attr-defined]


def test_a_crm_that_keeps_failing_stops_the_sync_and_keeps_the_cursor(
    sandbox: RunningSandbox, workspace: Workspace, engine_for: Callable[..., SyncEngine]
) -> None:
    engine_for().pull(NOW)
    with workspace.session() as session:
        before = session.get(SyncCursor, "hubspot:contacts:*")
        assert before is not None
        cursor = before.value
    sandbox.crm.edit_contact(sorted(sandbox.crm.table("contacts").live_ids)[0], {"phone": "1"})
    sandbox.faults.fail_next(100, status=500)
    with pytest.raises(CrmUnavailable, match="kept failing"):
        engine_for().pull(NOW)
    with workspace.session() as session:
        after = session.get(SyncCursor, "hubspot:contacts:*")
    assert after is not None and after.value == cursor


def test_timeouts_are_retried_then_reported(
    sandbox: RunningSandbox, workspace: Workspace, engine_for: Callable[..., SyncEngine]
) -> None:
    sandbox.faults.latency(0.6)
    with pytest.raises(CrmUnavailable, match="timed out"):
        engine_for(timeout_seconds=0.15).pull(NOW)
    sandbox.faults.reset()
    assert engine_for(timeout_seconds=2.0).pull(NOW).completed


def test_a_crm_that_is_offline_is_reported(
    sandbox: RunningSandbox, workspace: Workspace, engine_for: Callable[..., SyncEngine]
) -> None:
    sandbox.faults.offline()
    with pytest.raises(CrmUnavailable, match=r"connection failed|timed out"):
        engine_for().pull(NOW)


def test_malformed_records_are_skipped_and_reported(
    sandbox: RunningSandbox, workspace: Workspace, engine_for: Callable[..., SyncEngine]
) -> None:
    crm = sandbox.crm
    ids = sorted(crm.table("contacts").live_ids)
    with crm.lock:
        # Damage two contacts behind the API's back, as old imports leave real portals.
        crm.table("contacts").records[ids[0]].props["createdate"] = "31/12/2025"
        crm.table("contacts").records[ids[1]].props.pop("createdate", None)
        calls = crm.table("calls")
        call_id = calls.live_ids[0]
        calls.records[call_id].props["hs_timestamp"] = "soon"
    report = engine_for().pull(NOW)
    assert report.completed
    reasons = " | ".join(s.reason for s in report.skipped)
    assert {s.crm_id for s in report.skipped} >= {str(ids[0]), str(ids[1]), str(call_id)}
    assert "createdate" in reasons and "hs_timestamp" in reasons
    assert lead_count(workspace) == crm.count("contacts") - 2


def test_a_wrong_token_stops_the_sync_without_showing_the_token(
    sandbox: RunningSandbox, workspace: Workspace
) -> None:
    adapter = make_adapter(sandbox, token="pat-na1-not-the-right-one")
    try:
        with pytest.raises(AuthError) as caught:
            SyncEngine(workspace, adapter).pull(NOW)
    finally:
        adapter.close()
    assert "401" in str(caught.value) and "leadtui login" in str(caught.value)
    assert "pat-na1" not in str(caught.value)


def test_plain_http_is_refused_beyond_this_machine() -> None:
    from sync.http import check_base_url
    from sync.protocol import SyncError

    assert check_base_url("http://127.0.0.1:8080/") == "http://127.0.0.1:8080"
    assert check_base_url("http://[::1]:8080") == "http://[::1]:8080"
    assert check_base_url("https://api.hubapi.com") == "https://api.hubapi.com"
    with pytest.raises(SyncError, match="https"):
        check_base_url("http://api.hubapi.com")


def test_closing_wakes_a_call_waiting_for_the_budget() -> None:
    """Quitting the app closes the adapter: a sync waiting out a full window gives up at once."""
    import threading
    import time as clock

    from sync.protocol import SyncError

    budget = Budget(1, 30.0)
    slot = budget.acquire()
    budget.release(slot)  # the window is now full for 30 s
    outcome: list[object] = []

    def wait_for_slot() -> None:
        try:
            outcome.append(budget.acquire())
        except SyncError as exc:
            outcome.append(exc)

    waiter = threading.Thread(target=wait_for_slot)
    started = clock.monotonic()
    waiter.start()
    clock.sleep(0.1)
    budget.stop()
    waiter.join(timeout=5)
    assert not waiter.is_alive()
    assert isinstance(outcome[0], SyncError)
    assert clock.monotonic() - started < 5
