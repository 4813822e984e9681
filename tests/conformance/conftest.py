"""Each CRM the conformance suite runs against, behind one small driver.

A driver builds the adapter (always through a fault proxy, so a test can lose a reply) and changes
the CRM from the outside, as someone working in the CRM would: `hubspot` is the sandbox, changed
in-process; `bottlecrm` is the real BottleCRM server that scripts/bottlecrm-server runs (once per
session: it clones a migrated template database), changed through its own REST API with the org
admin's token. Under CI (`CI=true`) a BottleCRM that cannot start fails the run; elsewhere its
tests are skipped with the launcher's reason.
"""

from __future__ import annotations

import itertools
import json
import os
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import httpx
import pytest

from leadtui.domain.models import LeadStatus
from sync import hubspot_map as hm
from sync.bottlecrm import BottleCrmAdapter
from sync.bottlecrm_map import BOTTLE_STATUS_OF, split_marker
from sync.http import RetryPolicy
from sync.hubspot import HubSpotAdapter
from sync.protocol import CrmAdapter
from sync.sandbox import RunningSandbox, start_sandbox
from tests.conformance.proxy import FaultProxy
from tests.conftest import NOW

ROOT = Path(__file__).resolve().parents[2]
FAST_RETRY = RetryPolicy(attempts=3, base=0.01, cap=0.1)
START_SECONDS = 900  # the first use installs BottleCRM and migrates its template
_names = itertools.count(1)


def unique(prefix: str) -> str:
    return f"{prefix}{os.getpid()}x{next(_names)}"


class Driver(Protocol):
    name: str
    proxy: FaultProxy
    token: str
    user_email: str  # a rep with leads
    other_email: str  # another rep

    def adapter(self, token: str | None = None, base_url: str | None = None) -> CrmAdapter: ...
    def new_lead(self, owner_email: str) -> str: ...
    def edit_phone(self, crm_id: str, phone: str) -> None: ...
    def set_status(self, crm_id: str, status: LeadStatus) -> None: ...
    def status_of(self, crm_id: str) -> LeadStatus: ...
    def delete(self, crm_id: str) -> None: ...
    def convert(self, crm_id: str) -> None: ...
    def touches_with(self, crm_id: str, op_id: str) -> int: ...
    def notes_with(self, crm_id: str, op_id: str, text: str) -> int: ...


@dataclass
class HubSpotDriver:
    sandbox: RunningSandbox
    proxy: FaultProxy
    name: str = "hubspot"
    made: list[CrmAdapter] = field(default_factory=list)

    @property
    def token(self) -> str:
        return self.sandbox.token

    @property
    def user_email(self) -> str:
        return sorted(self.sandbox.crm.owner_ids())[0]

    @property
    def other_email(self) -> str:
        return sorted(self.sandbox.crm.owner_ids())[1]

    def adapter(self, token: str | None = None, base_url: str | None = None) -> CrmAdapter:
        made = HubSpotAdapter.from_config(
            base_url or self.proxy.base_url,
            token or self.token,
            timeout_seconds=5.0,
            rate_limited=False,
            retry=FAST_RETRY,
        )
        self.made.append(made)
        return made

    def new_lead(self, owner_email: str) -> str:
        (crm_id,) = self.sandbox.crm.add_inbound_leads(1)
        owner = self.sandbox.crm.owner_ids()[owner_email]
        self.sandbox.crm.edit_contact(crm_id, {"hubspot_owner_id": owner})
        self.set_status(crm_id, LeadStatus.NEW)
        return crm_id

    def edit_phone(self, crm_id: str, phone: str) -> None:
        self.sandbox.crm.edit_contact(crm_id, {"phone": phone})

    def set_status(self, crm_id: str, status: LeadStatus) -> None:
        lifecycle, lead_status = hm.HUBSPOT_STATUS_OF[status]
        props = {"lifecyclestage": lifecycle, "hs_lead_status": lead_status}
        self.sandbox.crm.edit_contact(crm_id, props)

    def status_of(self, crm_id: str) -> LeadStatus:
        props = self.sandbox.crm.contact(crm_id)
        return hm.lead_status(props.get("lifecyclestage") or "", props.get("hs_lead_status") or "")

    def delete(self, crm_id: str) -> None:
        self.sandbox.crm.archive_contact(crm_id)

    def convert(self, crm_id: str) -> None:
        self.set_status(crm_id, LeadStatus.CONVERTED)

    def _engagements(self, crm_id: str, kind: str, op_id: str) -> list[str]:
        crm = self.sandbox.crm
        return [
            e
            for e in crm.associated("contacts", crm_id, kind)
            if crm.props(kind, e).get("leadtui_op_id") == op_id
        ]

    def touches_with(self, crm_id: str, op_id: str) -> int:
        kinds = ("calls", "emails", "meetings", "communications")
        return sum(len(self._engagements(crm_id, kind, op_id)) for kind in kinds)

    def notes_with(self, crm_id: str, op_id: str, text: str) -> int:
        crm = self.sandbox.crm
        notes = self._engagements(crm_id, "notes", op_id)
        return len([n for n in notes if crm.props("notes", n).get("hs_note_body") == text])


@dataclass
class BottleCrmServer:
    base_url: str
    token: str
    user_email: str
    reps: list[str]
    process: subprocess.Popen[str]


@dataclass
class BottleCrmDriver:
    server: BottleCrmServer
    proxy: FaultProxy
    name: str = "bottlecrm"
    made: list[CrmAdapter] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.api = httpx.Client(
            base_url=self.server.base_url,
            headers={"Authorization": f"Bearer {self.server.token}"},
            timeout=60,
        )

    @property
    def token(self) -> str:
        return self.server.token

    @property
    def user_email(self) -> str:
        return self.server.user_email

    @property
    def other_email(self) -> str:
        return self.server.reps[1]

    def adapter(self, token: str | None = None, base_url: str | None = None) -> CrmAdapter:
        made = BottleCrmAdapter.from_config(
            base_url or self.proxy.base_url,
            token or self.token,
            timeout_seconds=20.0,
            retry=FAST_RETRY,
        )
        self.made.append(made)
        return made

    def call(self, method: str, path: str, **kwargs: Any) -> Any:
        reply = self.api.request(method, path, **kwargs)
        assert reply.status_code < 300, f"{method} {path}: {reply.status_code} {reply.text}"
        return reply.json() if reply.content else None

    def profile_id(self, email: str) -> str:
        users = self.call("GET", "/api/leads/", params={"limit": 1})["users"]
        return next(u["id"] for u in users if u["user__email"] == email)

    def new_lead(self, owner_email: str) -> str:
        name = unique("lead")
        body = {
            "title": f"{name} inbound",
            "first_name": "Test",
            "last_name": name,
            "email": f"{name}@conformance.example",
            "company_name": "Conformance Inc",
            "source": "web form",
            "status": "assigned",
            "assigned_to": [self.profile_id(owner_email)],
            "teams": [],
            "contacts": [],
        }
        return str(self.call("POST", "/api/leads/", json=body)["id"])

    def edit_phone(self, crm_id: str, phone: str) -> None:
        self.call("PATCH", f"/api/leads/{crm_id}/", json={"phone": phone})

    def set_status(self, crm_id: str, status: LeadStatus) -> None:
        self.call("PATCH", f"/api/leads/{crm_id}/", json={"status": BOTTLE_STATUS_OF[status]})

    def status_of(self, crm_id: str) -> LeadStatus:
        from sync.bottlecrm_map import STATUS_OF

        lead = self.call("GET", f"/api/leads/{crm_id}/")["lead_obj"]
        return STATUS_OF[lead["status"]]

    def delete(self, crm_id: str) -> None:
        self.call("DELETE", f"/api/leads/{crm_id}/")

    def convert(self, crm_id: str) -> None:
        self.set_status(crm_id, LeadStatus.CONVERTED)

    def touches_with(self, crm_id: str, op_id: str) -> int:
        rows = self.call("GET", "/api/interactions/", params={"lead": crm_id, "limit": 200})
        return len([r for r in rows["interactions"] if split_marker(r["body"])[1] == op_id])

    def notes_with(self, crm_id: str, op_id: str, text: str) -> int:
        comments = self.call("GET", f"/api/leads/{crm_id}/")["comments"]
        found = [split_marker(c["comment"]) for c in comments]
        return len([f for f in found if f[1] == op_id and f[0].strip() == text])


def _start_bottlecrm() -> BottleCrmServer:
    """scripts/bottlecrm-server, reading its one JSON line (or its reason for failing)."""
    process = subprocess.Popen(
        [sys.executable, str(ROOT / "scripts" / "bottlecrm-server"), "--reps", "2"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    line: list[str] = []
    reader = threading.Thread(target=lambda: line.append(process.stdout.readline()))  # type: ignore[union-attr]
    reader.start()
    reader.join(START_SECONDS)
    if not line or not line[0].strip():
        process.kill()
        _, err = process.communicate(timeout=30)
        raise RuntimeError(err.strip() or "scripts/bottlecrm-server printed nothing")
    found = json.loads(line[0])
    return BottleCrmServer(
        found["base_url"], found["token"], found["user_email"], found["reps"], process
    )


@pytest.fixture(scope="session")
def bottlecrm_server() -> Iterator[BottleCrmServer]:
    try:
        server = _start_bottlecrm()
    except (RuntimeError, OSError, ValueError, KeyError) as exc:
        if os.environ.get("CI") == "true":
            pytest.fail(f"BottleCRM could not start under CI: {exc}")
        pytest.skip(f"BottleCRM could not start here: {exc}")
    yield server
    server.process.send_signal(signal.SIGTERM)
    try:
        server.process.wait(30)
    except subprocess.TimeoutExpired:
        server.process.kill()


@pytest.fixture(params=["hubspot", "bottlecrm"])
def crm(request: pytest.FixtureRequest) -> Iterator[Driver]:
    driver: HubSpotDriver | BottleCrmDriver
    if request.param == "hubspot":
        with start_sandbox(seed=5, leads=30, reps=3, now=NOW, rate_limit=None) as sandbox:
            driver = HubSpotDriver(sandbox, FaultProxy(sandbox.base_url))
            # A portal starts with HubSpot's default properties only: as a user would, run
            # `leadtui setup` once so leadtui's op id and other properties exist.
            driver.adapter().setup()
            yield driver
            _close(driver)
        return
    server = request.getfixturevalue("bottlecrm_server")
    driver = BottleCrmDriver(server, FaultProxy(server.base_url))
    yield driver
    driver.api.close()
    _close(driver)


def _close(driver: HubSpotDriver | BottleCrmDriver) -> None:
    for adapter in driver.made:
        adapter.close()
    driver.proxy.close()
