"""Search: filters, sorts, `total`, paging and the 10,000-result cap."""

from __future__ import annotations

from typing import Any

import httpx

from sync.sandbox import RunningSandbox
from sync.sandbox.schema import ms_to_iso
from tests.sandbox.conftest import iso_to_ms

SEARCH = "/crm/v3/objects/contacts/search"


def search_all(client: httpx.Client, body: dict[str, Any]) -> tuple[int, list[dict[str, Any]]]:
    """Follow paging to the end; (total of the first page, every result)."""
    results, total, after = [], None, None
    while True:
        page = client.post(SEARCH, json={**body, **({"after": after} if after else {})})
        assert page.status_code == 200, page.text
        data = page.json()
        total = data["total"] if total is None else total
        results += data["results"]
        after = data.get("paging", {}).get("next", {}).get("after")
        if not after:
            return total, results


def one_filter(prop: str, op: str, **value: Any) -> dict[str, Any]:
    return {"filterGroups": [{"filters": [{"propertyName": prop, "operator": op, **value}]}]}


def test_eq_on_owner_finds_exactly_that_owners_contacts(
    reader: httpx.Client, shared: RunningSandbox
) -> None:
    owner = shared.crm.owners[1]["id"]
    total, results = search_all(
        reader, {**one_filter("hubspot_owner_id", "EQ", value=owner), "limit": 200}
    )
    expected = set(shared.crm.find("contacts", "hubspot_owner_id", owner))
    assert expected, "the seed gives every owner some contacts"
    assert total == len(expected)
    assert {r["id"] for r in results} == expected


def test_modified_date_range_sorted_ascending_with_total(
    reader: httpx.Client, shared: RunningSandbox
) -> None:
    everyone = shared.crm.tables["contacts"].by_modified
    cursor = everyone[len(everyone) // 2][0]
    body = {
        **one_filter("lastmodifieddate", "GTE", value=str(cursor)),
        "sorts": [{"propertyName": "lastmodifieddate", "direction": "ASCENDING"}],
        "properties": ["email"],
        "limit": 9,
    }
    total, results = search_all(reader, body)
    stamps = [iso_to_ms(r["properties"]["lastmodifieddate"]) for r in results]
    assert stamps == sorted(stamps)
    assert min(stamps) >= cursor
    assert total == len(results) == sum(1 for ms, _ in everyone if ms >= cursor)
    strictly = search_all(
        reader, {**body, **one_filter("lastmodifieddate", "GT", value=str(cursor))}
    )
    assert strictly[0] == total - sum(1 for ms, _ in everyone if ms == cursor)


def test_descending_sort_and_iso_filter_values(reader: httpx.Client) -> None:
    body = {
        **one_filter("createdate", "LT", value="2025-02-01T00:00:00Z"),
        "sorts": [{"propertyName": "createdate", "direction": "DESCENDING"}],
        "properties": ["createdate"],
        "limit": 50,
    }
    _, results = search_all(reader, body)
    created = [iso_to_ms(r["properties"]["createdate"]) for r in results]
    assert created and created == sorted(created, reverse=True)
    assert max(created) < iso_to_ms("2025-02-01T00:00:00Z")


def test_in_neq_has_property_and_or_of_groups(reader: httpx.Client, shared: RunningSandbox) -> None:
    everyone = [shared.crm.contact(int(i)) for i in shared.crm.tables["contacts"].live_ids]

    def ids(body: dict[str, Any]) -> set[str]:
        return {r["id"] for r in search_all(reader, {**body, "limit": 200})[1]}

    def expect(keep: Any) -> set[str]:
        return {c["hs_object_id"] for c in everyone if keep(c)}

    assert ids(one_filter("hs_lead_status", "IN", values=["NEW", "OPEN_DEAL"])) == expect(
        lambda c: c.get("hs_lead_status") in ("NEW", "OPEN_DEAL")
    )
    assert ids(one_filter("hs_lead_status", "NEQ", value="NEW")) == expect(
        lambda c: c.get("hs_lead_status") != "NEW"
    )
    assert ids(one_filter("phone", "NOT_HAS_PROPERTY")) == expect(lambda c: "phone" not in c)
    either = {
        "filterGroups": [
            {"filters": [{"propertyName": "country", "operator": "EQ", "value": "jp"}]},
            {
                "filters": [
                    {"propertyName": "lifecyclestage", "operator": "EQ", "value": "customer"}
                ]
            },
        ]
    }
    assert ids(either) == expect(
        lambda c: c.get("country") == "JP" or c.get("lifecyclestage") == "customer"
    )
    views = "hs_analytics_num_page_views"
    assert ids(one_filter(views, "GTE", value="5")) == expect(lambda c: int(c[views]) >= 5)
    assert ids(one_filter(views, "GT", value="5")) == expect(lambda c: int(c[views]) > 5)
    assert ids(one_filter(views, "LT", value="3")) == expect(lambda c: int(c[views]) < 3)
    between = one_filter(views, "BETWEEN", value="3", highValue="4")
    assert ids(between) == expect(lambda c: 3 <= int(c[views]) <= 4)


def test_search_refuses_bad_requests(reader: httpx.Client) -> None:
    for body in (
        {"limit": 201},
        one_filter("no_such_property", "EQ", value="x"),
        one_filter("email", "LIKE", value="x"),
        {"sorts": ["email", "createdate"]},
    ):
        reply = reader.post(SEARCH, json=body)
        assert reply.status_code == 400, body
        assert reply.json()["category"] == "VALIDATION_ERROR"


def test_paging_stops_at_ten_thousand_and_restarting_from_a_date_continues(
    sandbox: RunningSandbox, client: httpx.Client
) -> None:
    crm = sandbox.crm
    with crm.transaction():  # 10,050 more contacts, straight into the portal
        for i in range(10_050):
            crm.insert("contacts", crm.check_props("contacts", {"email": f"bulk{i}@example.com"}))
    body = {
        **one_filter("lastmodifieddate", "GTE", value="0"),
        "sorts": [{"propertyName": "lastmodifieddate", "direction": "ASCENDING"}],
        "limit": 200,
    }
    near_cap = client.post(SEARCH, json={**body, "after": "9800"}).json()
    assert near_cap["total"] == crm.count("contacts") > 10_000
    assert len(near_cap["results"]) == 200
    assert near_cap["paging"]["next"]["after"] == "10000"
    past = client.post(SEARCH, json={**body, "after": "10000"})
    assert past.status_code == 400
    assert past.json()["category"] == "VALIDATION_ERROR"
    assert "10000" in past.json()["message"]
    last_seen = near_cap["results"][-1]["properties"]["lastmodifieddate"]
    restart = {**body, **one_filter("lastmodifieddate", "GTE", value=str(iso_to_ms(last_seen)))}
    rest = client.post(SEARCH, json=restart).json()
    assert rest["total"] < crm.count("contacts")
    assert rest["results"][0]["properties"]["lastmodifieddate"] == ms_to_iso(iso_to_ms(last_seen))
