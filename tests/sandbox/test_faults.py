"""Rate limits and injected faults, seen by a real client over real sockets."""

from __future__ import annotations

import time
from datetime import timedelta
from typing import Any

import httpx
import pytest

from sync.sandbox import RateLimits, RunningSandbox, start_sandbox
from tests.sandbox.conftest import NOW, TOKEN, client_for, some_contact
from tests.sandbox.test_batch import upsert_call

TEN_SECONDLY = {
    "status": "error",
    "message": "You have reached your ten_secondly_rolling limit.",
    "errorType": "RATE_LIMIT",
    "policyName": "TEN_SECONDLY_ROLLING",
}


def test_rolling_limit_answers_hubspots_429_without_retry_after() -> None:
    limits = RateLimits(requests=5, window_seconds=10)
    with (
        start_sandbox(leads=3, reps=1, token=TOKEN, now=NOW, rate_limit=limits) as sb,
        client_for(sb) as client,
    ):
        replies = [client.get("/crm/v3/owners") for _ in range(6)]
    assert [r.status_code for r in replies] == [200] * 5 + [429]
    assert replies[0].headers["X-HubSpot-RateLimit-Max"] == "5"
    assert replies[4].headers["X-HubSpot-RateLimit-Remaining"] == "0"
    body = replies[5].json()
    assert body.pop("correlationId")
    assert body == TEN_SECONDLY
    assert "Retry-After" not in replies[5].headers


def test_search_has_its_own_lower_limit() -> None:
    limits = RateLimits(requests=100, search_requests=2, search_window_seconds=10)
    with (
        start_sandbox(leads=3, reps=1, token=TOKEN, now=NOW, rate_limit=limits) as sb,
        client_for(sb) as client,
    ):
        searches = [client.post("/crm/v3/objects/contacts/search", json={}) for _ in range(3)]
        listing = client.get("/crm/v3/objects/contacts")
    assert [r.status_code for r in searches] == [200, 200, 429]
    assert searches[2].json()["policyName"] == "SECONDLY"
    assert listing.status_code == 200


def test_injected_429s_with_retry_after_are_used_up(
    sandbox: RunningSandbox, client: httpx.Client
) -> None:
    sandbox.faults.rate_limit_next(2, retry_after=1.5)
    replies = [client.get("/crm/v3/owners") for _ in range(3)]
    assert [r.status_code for r in replies] == [429, 429, 200]
    assert replies[0].headers["Retry-After"] == "1.5"
    assert replies[0].json()["errorType"] == "RATE_LIMIT"


def test_server_errors_set_over_the_control_endpoint(client: httpx.Client) -> None:
    state = client.post("/_sandbox/faults", json={"fail_next": 2, "fail_status": 502})
    assert state.status_code == 200 and state.json()["fail_next"] == 2
    replies = [client.get("/crm/v3/owners") for _ in range(3)]
    assert [r.status_code for r in replies] == [502, 502, 200]
    assert replies[0].json()["status"] == "error"
    assert client.post("/_sandbox/faults", json={"fail_status": 404}).status_code == 400
    assert client.post("/_sandbox/faults", json={"explode": True}).status_code == 400
    assert client.post("/_sandbox/faults", json={"latency": "slow"}).status_code == 400
    assert client.get("/_sandbox/faults").json()["latency"] == 0


def test_drop_after_commit_commits_and_a_retried_upsert_stays_single(
    sandbox: RunningSandbox, client: httpx.Client
) -> None:
    calls = sandbox.crm.count("calls")
    sandbox.faults.drop_after_commit()
    with pytest.raises(httpx.TransportError):
        client.post("/crm/v3/objects/calls/batch/upsert", json=upsert_call("op-dropped"))
    assert sandbox.crm.find("calls", "leadtui_op_id", "op-dropped"), "the write was committed"
    retry = client.post("/crm/v3/objects/calls/batch/upsert", json=upsert_call("op-dropped"))
    assert retry.status_code == 200
    assert retry.json()["results"][0]["new"] is False
    assert sandbox.crm.count("calls") == calls + 1


def test_drop_before_commit_writes_nothing(sandbox: RunningSandbox, client: httpx.Client) -> None:
    contact = some_contact(client)
    sandbox.faults.drop_before_commit()
    with pytest.raises(httpx.TransportError):
        client.patch(
            f"/crm/v3/objects/contacts/{contact['id']}", json={"properties": {"jobtitle": "X"}}
        )
    assert sandbox.crm.contact(contact["id"]).get("jobtitle") != "X"
    reads = client.get(f"/crm/v3/objects/contacts/{contact['id']}")
    assert reads.status_code == 200, "reads are not dropped"


def test_offline_closes_every_connection_but_control_still_works(
    sandbox: RunningSandbox, client: httpx.Client
) -> None:
    sandbox.faults.offline()
    with pytest.raises(httpx.TransportError):
        client.get("/crm/v3/owners")
    with client_for(sandbox) as fresh:
        with pytest.raises(httpx.TransportError):
            fresh.get("/crm/v3/objects/contacts")
        assert fresh.post("/_sandbox/faults", json={"offline": False}).status_code == 200
        assert fresh.get("/crm/v3/owners").status_code == 200


def test_latency_delays_replies(sandbox: RunningSandbox, client: httpx.Client) -> None:
    sandbox.faults.latency(0.25)
    started = time.monotonic()
    assert client.get("/crm/v3/owners").status_code == 200
    assert time.monotonic() - started >= 0.25
    sandbox.faults.reset()
    assert sandbox.faults.snapshot()["latency"] == 0


def test_keep_alive_serves_many_requests_on_one_connection(
    sandbox: RunningSandbox, client: httpx.Client
) -> None:
    for _ in range(5):
        assert client.get("/crm/v3/owners").status_code == 200
    assert sandbox.server.open_connections() == 1


def test_search_lag_hides_fresh_writes_until_the_index_catches_up(
    sandbox: RunningSandbox, client: httpx.Client
) -> None:
    contact = some_contact(client)
    sandbox.faults.search_lag(5)
    client.patch(
        f"/crm/v3/objects/contacts/{contact['id']}", json={"properties": {"jobtitle": "Fresh"}}
    )
    since = {
        "filterGroups": [
            {
                "filters": [
                    {"propertyName": "lastmodifieddate", "operator": "GT", "value": "0"},
                    {"propertyName": "jobtitle", "operator": "EQ", "value": "Fresh"},
                ]
            }
        ],
        "sorts": [{"propertyName": "lastmodifieddate", "direction": "ASCENDING"}],
    }
    by_id = {"sorts": ["hs_object_id"], **one_group("jobtitle", "Fresh")}
    assert client.post("/crm/v3/objects/contacts/search", json=since).json()["total"] == 0
    assert client.post("/crm/v3/objects/contacts/search", json=by_id).json()["total"] == 0
    assert client.get(f"/crm/v3/objects/contacts/{contact['id']}").status_code == 200
    sandbox.crm.advance_clock(timedelta(seconds=6))
    assert client.post("/crm/v3/objects/contacts/search", json=since).json()["total"] == 1
    assert client.post("/crm/v3/objects/contacts/search", json=by_id).json()["total"] == 1


def one_group(prop: str, value: str) -> dict[str, Any]:
    return {
        "filterGroups": [{"filters": [{"propertyName": prop, "operator": "EQ", "value": value}]}]
    }
