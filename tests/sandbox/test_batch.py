"""Batch endpoints: upsert on a unique property, partial failures, atomic validation."""

from __future__ import annotations

from typing import Any

import httpx

from sync.sandbox import RunningSandbox
from tests.sandbox.conftest import some_contact


def upsert_call(op_id: str, body: str = "Left a voicemail") -> dict[str, Any]:
    return {
        "inputs": [
            {
                "idProperty": "leadtui_op_id",
                "id": op_id,
                "properties": {
                    "hs_timestamp": "2025-03-03T14:00:00Z",
                    "hs_call_body": body,
                    "leadtui_outcome": "left_voicemail",
                },
            }
        ]
    }


def test_upsert_twice_makes_one_record(client: httpx.Client, sandbox: RunningSandbox) -> None:
    calls = sandbox.crm.count("calls")
    first = client.post("/crm/v3/objects/calls/batch/upsert", json=upsert_call("op-1"))
    again = client.post("/crm/v3/objects/calls/batch/upsert", json=upsert_call("op-1", "edited"))
    assert first.status_code == again.status_code == 200
    made, updated = first.json()["results"][0], again.json()["results"][0]
    assert made["new"] is True and updated["new"] is False
    assert made["id"] == updated["id"]
    assert updated["properties"]["hs_call_body"] == "edited"
    assert sandbox.crm.count("calls") == calls + 1
    assert sandbox.crm.find("calls", "leadtui_op_id", "op-1") == [made["id"]]


def test_upsert_needs_a_unique_id_property_and_no_extra_fields(
    client: httpx.Client, sandbox: RunningSandbox
) -> None:
    not_unique = upsert_call("x")
    not_unique["inputs"][0]["idProperty"] = "hs_call_body"
    with_links = upsert_call("y")
    with_links["inputs"][0]["associations"] = []
    calls = sandbox.crm.count("calls")
    for body in (not_unique, with_links):
        reply = client.post("/crm/v3/objects/calls/batch/upsert", json=body)
        assert reply.status_code == 400
        assert reply.json()["category"] == "VALIDATION_ERROR"
    assert sandbox.crm.count("calls") == calls


def test_upsert_contact_by_email(client: httpx.Client, sandbox: RunningSandbox) -> None:
    contact = sandbox.crm.contact(some_contact(client)["id"])
    reply = client.post(
        "/crm/v3/objects/contacts/batch/upsert",
        json={
            "inputs": [
                {
                    "idProperty": "email",
                    "id": contact["email"].upper(),
                    "properties": {"phone": "+1 212 555 0100"},
                },
                {
                    "idProperty": "email",
                    "id": "new.person@example.com",
                    "properties": {"firstname": "New"},
                },
            ]
        },
    ).json()
    existing, created = reply["results"]
    assert existing["id"] == contact["hs_object_id"] and existing["new"] is False
    assert created["new"] is True
    assert sandbox.crm.contact(created["id"])["email"] == "new.person@example.com"


def test_batch_update_partly_fails_with_207(client: httpx.Client, sandbox: RunningSandbox) -> None:
    contact, other = client.get("/crm/v3/objects/contacts", params={"limit": 2}).json()["results"]
    reply = client.post(
        "/crm/v3/objects/contacts/batch/update",
        json={
            "inputs": [
                {"id": contact["id"], "properties": {"jobtitle": "Buyer"}},
                {"id": "424242", "properties": {"jobtitle": "Ghost"}},
                {"id": other["id"], "properties": {"hs_lead_status": "nope"}},
            ]
        },
    )
    assert reply.status_code == 207
    body = reply.json()
    assert body["status"] == "COMPLETE"
    assert [r["id"] for r in body["results"]] == [contact["id"]]
    assert body["numErrors"] == 2 == len(body["errors"])
    categories = sorted(e["category"] for e in body["errors"])
    assert categories == ["OBJECT_NOT_FOUND", "VALIDATION_ERROR"]
    assert {"424242"} <= {i for e in body["errors"] for i in e["context"].get("id", [])}
    assert sandbox.crm.contact(contact["id"])["jobtitle"] == "Buyer"


def test_batch_create_conflict_is_partial_but_invalid_input_fails_all(
    client: httpx.Client, sandbox: RunningSandbox
) -> None:
    taken = sandbox.crm.contact(some_contact(client)["id"])["email"]
    before = sandbox.crm.count("contacts")
    mixed = client.post(
        "/crm/v3/objects/contacts/batch/create",
        json={
            "inputs": [
                {"properties": {"email": "fresh@example.com"}, "objectWriteTraceId": "a"},
                {"properties": {"email": taken}, "objectWriteTraceId": "b"},
            ]
        },
    )
    assert mixed.status_code == 207
    body = mixed.json()
    assert len(body["results"]) == 1 and body["results"][0]["objectWriteTraceId"] == "a"
    assert body["errors"][0]["category"] == "CONFLICT"
    assert body["errors"][0]["context"]["objectWriteTraceId"] == ["b"]
    invalid = client.post(
        "/crm/v3/objects/contacts/batch/create",
        json={
            "inputs": [{"properties": {"email": "ok@example.com"}}, {"properties": {"nope": "x"}}]
        },
    )
    assert invalid.status_code == 400
    assert sandbox.crm.count("contacts") == before + 1


def test_batch_read_reports_missing_ids(reader: httpx.Client) -> None:
    contact = some_contact(reader)
    reply = reader.post(
        "/crm/v3/objects/contacts/batch/read",
        json={"inputs": [{"id": contact["id"]}, {"id": "1"}], "properties": ["email"]},
    )
    assert reply.status_code == 207
    body = reply.json()
    assert [r["id"] for r in body["results"]] == [contact["id"]]
    assert body["errors"][0]["category"] == "OBJECT_NOT_FOUND"
    assert body["errors"][0]["context"] == {"ids": ["1"]}
    too_many = reader.post(
        "/crm/v3/objects/contacts/batch/read", json={"inputs": [{"id": str(i)} for i in range(101)]}
    )
    assert too_many.status_code == 400


def test_v4_associations_for_contacts_without_any_are_errors(
    reader: httpx.Client, shared: RunningSandbox
) -> None:
    with_deal = [
        c
        for c in shared.crm.tables["contacts"].live_ids
        if shared.crm.associated("contacts", c, "deals")
    ]
    without = [
        c
        for c in shared.crm.tables["contacts"].live_ids
        if not shared.crm.associated("contacts", c, "deals")
    ]
    reply = reader.post(
        "/crm/v4/associations/contacts/deals/batch/read",
        json={"inputs": [{"id": str(with_deal[0])}, {"id": str(without[0])}]},
    )
    assert reply.status_code == 207
    body = reply.json()
    assert body["results"][0]["from"] == {"id": str(with_deal[0])}
    deal_id = body["results"][0]["to"][0]["toObjectId"]
    assert isinstance(deal_id, int)
    assert body["results"][0]["to"][0]["associationTypes"][0]["typeId"] == 4
    assert body["errors"][0]["context"] == {"fromObjectId": [str(without[0])]}
    back = reader.post(
        "/crm/v4/associations/deals/contacts/batch/read", json={"inputs": [{"id": str(deal_id)}]}
    ).json()
    assert back["results"][0]["to"][0]["toObjectId"] == with_deal[0]
