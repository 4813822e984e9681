"""A sandbox restarted on the same SQLite file keeps everything that was written to it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest

from sync.sandbox import start_sandbox
from tests.conftest import set_up_portal
from tests.sandbox.conftest import NOW, READY, TOKEN, client_for, iso_to_ms
from tests.sandbox.test_batch import upsert_call


def test_restart_from_the_file_keeps_writes_archives_and_ids(tmp_path: Path) -> None:
    db = tmp_path / "sandbox.db"
    with start_sandbox(
        seed=5, leads=20, reps=2, token=TOKEN, now=NOW, db=db, rate_limit=None, portal=READY
    ) as sb:
        set_up_portal(sb)
        with client_for(sb) as client:
            made = client.post(
                "/crm/v3/objects/contacts",
                json={
                    "properties": {"email": "kept@example.com", "leadtui_timeline": "This quarter"}
                },
            ).json()
            first = client.get("/crm/v3/objects/contacts", params={"limit": 1}).json()["results"][0]
            assert client.delete(f"/crm/v3/objects/contacts/{first['id']}").status_code == 204
            sb.faults.drop_after_commit()
            with pytest.raises(httpx.TransportError):
                client.post("/crm/v3/objects/calls/batch/upsert", json=upsert_call("op-7"))
        inbound = sb.crm.add_inbound_leads(2)
        before: dict[str, Any] = {
            "contacts": sb.crm.count("contacts"),
            "calls": sb.crm.count("calls"),
            "events": dict(sb.crm.events),
            "kept": sb.crm.contact(made["id"]),
            "newest": max(ms for ms, _ in sb.crm.tables["contacts"].by_modified),
        }
    # Another seed and size: the file wins, nothing is re-seeded.
    with start_sandbox(seed=99, leads=3, reps=1, token=TOKEN, db=db, rate_limit=None) as again:
        crm = again.crm
        assert crm.count("contacts") == before["contacts"]
        assert crm.count("calls") == before["calls"]
        assert crm.contact(made["id"]) == before["kept"]
        assert crm.count("contacts", archived=True) == 1
        assert crm.events == before["events"]
        with client_for(again) as client:
            retry = client.post("/crm/v3/objects/calls/batch/upsert", json=upsert_call("op-7"))
            assert retry.json()["results"][0]["new"] is False, "the dropped write was on disk"
            archived = client.get("/crm/v3/objects/contacts", params={"archived": "true"}).json()
            assert [r["id"] for r in archived["results"]] == [first["id"]]
            newer = client.patch(
                f"/crm/v3/objects/contacts/{made['id']}", json={"properties": {"jobtitle": "CEO"}}
            ).json()
        assert iso_to_ms(newer["updatedAt"]) >= before["newest"], "time never goes back"
        later = crm.add_inbound_leads(1)
        assert int(later[0]) > max(int(i) for i in inbound)
