"""HTTP requests a pull costs, per 1,000 contacts with their touches, deals and web activity.

    python -m bench.requests [--contacts 1000 2000]

For a plain portal and an Enterprise one (web activity through the events API), a first pull of
every contact into an empty cache, then an incremental pull with nothing changed. Requests are
counted at the client by an httpx event hook (owners and archived contacts included). Issue 9's
goal: at most 30 per 1,000 contacts for a first pull; a handful for an unchanged incremental one.
The figures merge into bench/results.json under "requests".
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

from leadtui.config import Locations, parse
from leadtui.workspace import Workspace
from sync.engine import SyncEngine
from sync.hubspot import HubSpotAdapter
from sync.protocol import Scope
from sync.sandbox import start_sandbox
from sync.sandbox.portal import Portal

NOW = datetime(2026, 11, 18, 15, 0, tzinfo=UTC)
RESULTS = Path(__file__).with_name("results.json")


def _pull(adapter: HubSpotAdapter, ws: Workspace, at: datetime) -> Counter[str]:
    seen: Counter[str] = Counter()

    def hook(request: httpx.Request) -> None:
        path = request.url.path
        for kind in ("calls", "emails", "meetings", "notes", "communications", "deals"):
            path = path.replace(f"/{kind}/", "/{type}/")
        seen[f"{request.method} {path}"] += 1

    hooks = adapter.http._client.event_hooks["request"]
    hooks.append(hook)
    try:
        SyncEngine(ws, adapter, scope=Scope(None), clock=lambda: at).pull(at)
    finally:
        hooks.remove(hook)
    return seen


def measure(contacts: int, enterprise: bool, seed: int = 3) -> dict[str, Any]:
    portal = Portal(enterprise=enterprise)
    with (
        start_sandbox(
            seed=seed, leads=contacts, reps=8, now=NOW, rate_limit=None, portal=portal
        ) as box,
        tempfile.TemporaryDirectory() as tmp,
    ):
        adapter = HubSpotAdapter.from_config(
            box.base_url, box.token, timeout_seconds=30.0, rate_limited=False
        )
        adapter.setup()
        text = f'[user]\nrole = "manager"\n[crm]\nbase_url = "{box.base_url}"\n'
        folder = Path(tmp)
        (folder / "config.toml").write_text(text)
        ws = Workspace.open(parse(text), Locations(folder / "config.toml", folder))
        try:
            first = _pull(adapter, ws, NOW)
            # An hour later, nothing changed in the CRM.
            again = _pull(adapter, ws, NOW + timedelta(hours=1))
        finally:
            ws.close()
            adapter.close()
        engagements = sum(box.crm.count(t) for t in ("calls", "emails", "meetings", "notes"))
        events = sum(len(e) for e in box.crm.events.values())
    first_total, again_total = sum(first.values()), sum(again.values())
    return {
        "contacts": contacts,
        "engagements": engagements,
        "deals": box.crm.count("deals"),
        "web_events": events if enterprise else 0,
        "first_pull_requests": first_total,
        "first_pull_per_1000_contacts": round(first_total * 1000 / contacts, 1),
        "incremental_pull_requests": again_total,
        "first_pull_by_endpoint": dict(first.most_common()),
        "incremental_by_endpoint": dict(again.most_common()),
    }


def run(sizes: tuple[int, ...] = (1000, 2000)) -> dict[str, Any]:
    figures: dict[str, Any] = {}
    for enterprise in (False, True):
        name = "enterprise" if enterprise else "plain"
        figures[name] = [measure(size, enterprise) for size in sizes]
    try:
        data = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    except ValueError:
        data = {}
    data["requests"] = figures
    RESULTS.write_text(json.dumps(data, indent=2, sort_keys=True) + "\n")
    return figures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="HTTP requests per pull against the sandbox.")
    parser.add_argument("--contacts", type=int, nargs="+", default=[1000, 2000])
    args = parser.parse_args(argv)
    figures = run(tuple(args.contacts))
    for name, rows in figures.items():
        for row in rows:
            print(
                f"{name:>10} {row['contacts']:>6} contacts: first pull {row['first_pull_requests']}"
                f" requests ({row['first_pull_per_1000_contacts']} per 1,000), incremental "
                f"{row['incremental_pull_requests']}"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
