"""Auth, listing, reading, creating, updating and archiving records over HTTP."""

from __future__ import annotations

import re
from datetime import timedelta
from urllib.parse import quote

import httpx

from sync.sandbox import RunningSandbox
from tests.sandbox.conftest import client_for, iso_to_ms, some_contact

ISO = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")


def test_missing_or_wrong_token_gets_hubspots_401(shared: RunningSandbox) -> None:
    with httpx.Client(base_url=shared.base_url) as anonymous:
        missing = anonymous.get("/crm/v3/objects/contacts")
    with client_for(shared, token="pat-na1-wrong") as wrong:
        bad = wrong.get("/crm/v3/owners")
    with client_for(shared) as right:
        good = right.get("/crm/v3/owners")
    for reply in (missing, bad):
        assert reply.status_code == 401
        body = reply.json()
        assert body["status"] == "error"
        assert body["category"] == "INVALID_AUTHENTICATION"
        assert body["correlationId"]
    assert good.status_code == 200


def test_owners_are_listed_with_hubspot_fields(
    reader: httpx.Client, shared: RunningSandbox
) -> None:
    owners = reader.get("/crm/v3/owners", params={"limit": 2}).json()
    assert len(owners["results"]) == 2
    assert owners["paging"]["next"]["after"]
    first = owners["results"][0]
    assert set(first) >= {"id", "email", "firstName", "lastName", "userId", "archived"}
    assert isinstance(first["userId"], int)
    by_email = reader.get("/crm/v3/owners", params={"email": first["email"]}).json()
    assert [o["id"] for o in by_email["results"]] == [first["id"]]
    assert len(shared.crm.owners) == 4


def test_list_pages_by_id_through_every_contact_once(
    reader: httpx.Client, shared: RunningSandbox
) -> None:
    seen: list[int] = []
    after = None
    while True:
        params = {"limit": 7, **({"after": after} if after else {})}
        page = reader.get("/crm/v3/objects/contacts", params=params).json()
        seen += [int(r["id"]) for r in page["results"]]
        after = page.get("paging", {}).get("next", {}).get("after")
        if not after:
            break
    assert seen == sorted(seen)
    assert len(seen) == len(set(seen)) == shared.crm.count("contacts") == 120


def test_list_limit_above_100_is_refused(reader: httpx.Client) -> None:
    reply = reader.get("/crm/v3/objects/contacts", params={"limit": 101})
    assert reply.status_code == 400
    assert reply.json()["category"] == "VALIDATION_ERROR"


def test_values_are_strings_or_null_and_dates_iso(reader: httpx.Client) -> None:
    props = "email,phone,numemployees,hs_analytics_num_page_views,hubspot_owner_assigneddate"
    page = reader.get("/crm/v3/objects/contacts", params={"limit": 50, "properties": props}).json()
    for record in page["results"]:
        assert set(record) >= {"id", "properties", "createdAt", "updatedAt", "archived"}
        assert record["id"].isdigit()
        assert all(v is None or isinstance(v, str) for v in record["properties"].values())
        assert ISO.match(record["properties"]["lastmodifieddate"])
        assert record["properties"]["lastmodifieddate"] == record["updatedAt"]
        assert record["properties"]["hs_analytics_num_page_views"].isdigit()
    assert any(r["properties"]["phone"] is None for r in page["results"]), "unset is null"


def test_get_returns_requested_properties_and_404_for_unknown(reader: httpx.Client) -> None:
    contact = some_contact(reader)
    one = reader.get(
        f"/crm/v3/objects/contacts/{contact['id']}", params={"properties": "jobtitle,nosuch"}
    ).json()
    assert set(one["properties"]) == {"jobtitle", "createdate", "lastmodifieddate", "hs_object_id"}
    missing = reader.get("/crm/v3/objects/contacts/999999")
    assert missing.status_code == 404
    assert missing.json()["category"] == "OBJECT_NOT_FOUND"
    by_email = reader.get(
        f"/crm/v3/objects/contacts/{one['id']}", params={"properties": "email"}
    ).json()
    email = by_email["properties"]["email"]
    same = reader.get(f"/crm/v3/objects/contacts/{quote(email)}", params={"idProperty": "email"})
    assert "%40" in quote(email) and same.json()["id"] == one["id"]


def test_create_call_with_association_logs_activity_on_contact(
    client: httpx.Client, sandbox: RunningSandbox
) -> None:
    contact = some_contact(client)
    before = sandbox.crm.contact(contact["id"])
    sandbox.crm.advance_clock(timedelta(days=30))
    reply = client.post(
        "/crm/v3/objects/calls",
        json={
            "properties": {
                "hs_timestamp": "2025-04-02T10:00:00Z",
                "hs_call_disposition": "f240bbac-87c9-4f6e-bf70-924b57d47db7",
                "hs_call_direction": "OUTBOUND",
                "hs_call_body": "Talked about pricing",
            },
            "associations": [
                {
                    "to": {"id": contact["id"]},
                    "types": [{"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": 194}],
                }
            ],
        },
    )
    assert reply.status_code == 201, reply.text
    call = reply.json()
    assert call["properties"]["hs_timestamp"] == "2025-04-02T10:00:00.000Z"
    links = client.post(
        "/crm/v4/associations/contacts/calls/batch/read", json={"inputs": [{"id": contact["id"]}]}
    ).json()
    targets = [t["toObjectId"] for t in links["results"][0]["to"]]
    assert int(call["id"]) in targets
    assert links["results"][0]["to"][0]["associationTypes"][0]["typeId"] == 193
    after = sandbox.crm.contact(contact["id"])
    assert after["notes_last_updated"] == "2025-04-02T10:00:00.000Z"
    assert iso_to_ms(after["lastmodifieddate"]) > iso_to_ms(before["lastmodifieddate"])


def test_create_refuses_bad_association_and_missing_timestamp(
    client: httpx.Client, sandbox: RunningSandbox
) -> None:
    notes = sandbox.crm.count("notes")
    no_time = client.post("/crm/v3/objects/notes", json={"properties": {"hs_note_body": "x"}})
    assert no_time.status_code == 400
    assert "REQUIRED_PROPERTY" in no_time.json()["message"]
    bad_link = client.post(
        "/crm/v3/objects/notes",
        json={
            "properties": {"hs_timestamp": "1741000000000", "hs_note_body": "x"},
            "associations": [
                {
                    "to": {"id": "999999"},
                    "types": [{"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": 202}],
                }
            ],
        },
    )
    assert bad_link.status_code == 400
    assert bad_link.json()["context"] == {"ids": ["999999"]}
    assert sandbox.crm.count("notes") == notes


def test_patch_changes_value_and_moves_modified_date(
    client: httpx.Client, sandbox: RunningSandbox
) -> None:
    contact = some_contact(client)
    reply = client.patch(
        f"/crm/v3/objects/contacts/{contact['id']}",
        json={"properties": {"jobtitle": "Chief Revenue Officer", "hs_lead_status": "CONNECTED"}},
    )
    assert reply.status_code == 200, reply.text
    body = reply.json()
    assert body["properties"]["jobtitle"] == "Chief Revenue Officer"
    assert iso_to_ms(body["updatedAt"]) > iso_to_ms(contact["updatedAt"])
    assert sandbox.crm.contact(contact["id"])["hs_lead_status"] == "CONNECTED"


def test_patch_refuses_unknown_read_only_and_invalid_values(client: httpx.Client) -> None:
    contact = some_contact(client)
    url = f"/crm/v3/objects/contacts/{contact['id']}"
    cases = {
        "PROPERTY_DOESNT_EXIST": {"favourite_colour": "blue"},
        "READ_ONLY_VALUE": {"lastmodifieddate": "0"},
        "INVALID_OPTION": {"hs_lead_status": "HOT"},
    }
    for code, props in cases.items():
        reply = client.patch(url, json={"properties": props})
        assert reply.status_code == 400
        body = reply.json()
        assert body["category"] == "VALIDATION_ERROR"
        assert body["message"].startswith("Property values were not valid")
        assert code in body["message"]


def test_archive_hides_keeps_modified_date_and_lists_with_archived_true(
    client: httpx.Client, sandbox: RunningSandbox
) -> None:
    contact = some_contact(client)
    assert client.delete(f"/crm/v3/objects/contacts/{contact['id']}").status_code == 204
    assert client.get(f"/crm/v3/objects/contacts/{contact['id']}").status_code == 404
    live = client.get("/crm/v3/objects/contacts", params={"limit": 100}).json()["results"]
    assert contact["id"] not in {r["id"] for r in live}
    archived = client.get(
        "/crm/v3/objects/contacts", params={"archived": "true", "limit": 100}
    ).json()["results"]
    assert [r["id"] for r in archived] == [contact["id"]]
    assert archived[0]["archived"] is True and archived[0]["archivedAt"]
    assert archived[0]["updatedAt"] == contact["updatedAt"], "archiving keeps the modified date"
    found = client.post(
        "/crm/v3/objects/contacts/search",
        json={
            "filterGroups": [
                {
                    "filters": [
                        {"propertyName": "hs_object_id", "operator": "EQ", "value": contact["id"]}
                    ]
                }
            ]
        },
    ).json()
    assert found["total"] == 0
    assert sandbox.crm.count("contacts", archived=True) == 1


def test_unknown_object_type_and_route(reader: httpx.Client) -> None:
    assert reader.get("/crm/v3/objects/widgets").status_code == 400
    assert reader.get("/crm/v3/nothing/here").status_code == 404
    assert reader.put("/crm/v3/objects/contacts/1").status_code == 405
