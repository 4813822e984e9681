"""The sandbox CRM: a real HTTP server on 127.0.0.1 speaking the subset of HubSpot's CRM API the
HubSpot adapter uses, seeded from `leadtui.demo`, with faults on demand.

    with start_sandbox(seed=7, leads=500, now=now) as sandbox:
        client = httpx.Client(base_url=sandbox.base_url,
                              headers={"Authorization": f"Bearer {sandbox.token}"})
        sandbox.crm.edit_contact(contact_id, {"phone": "+1 212 555-0101"})
        sandbox.faults.drop_after_commit()

Modules: schema (object types, properties, value shapes), seed (demo data as HubSpot records),
crm (the data, thread-safe), table (sorted indexes), search, webevents, persistence (SQLite),
api (the endpoints), server (HTTP), faults, limits, runner (start_sandbox, main).
"""

from sync.sandbox.crm import SandboxClock, SandboxCRM
from sync.sandbox.faults import Faults
from sync.sandbox.limits import RateLimits
from sync.sandbox.runner import RunningSandbox, main, start_sandbox

__all__ = [
    "Faults",
    "RateLimits",
    "RunningSandbox",
    "SandboxCRM",
    "SandboxClock",
    "main",
    "start_sandbox",
]
