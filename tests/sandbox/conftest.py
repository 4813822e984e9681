"""Fixtures: sandboxes serving on a free port and httpx clients that reach them over sockets."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import httpx
import pytest

from sync.sandbox import RunningSandbox, start_sandbox
from sync.sandbox.portal import Portal
from tests.conftest import set_up_portal

NOW = datetime(2025, 3, 3, 15, 0, tzinfo=UTC)
TOKEN = "pat-na1-test-token"


def client_for(sandbox: RunningSandbox, token: str = TOKEN) -> httpx.Client:
    return httpx.Client(
        base_url=sandbox.base_url,
        headers={"Authorization": f"Bearer {token}"},
        timeout=10,
    )


# An Enterprise portal that allows unique values everywhere, already set up by leadtui: what the
# tests written before issue 9 assume. Tests of a plain portal start their own.
READY = Portal(enterprise=True, unique_on_engagements=True)


@pytest.fixture(scope="module")
def shared() -> Iterator[RunningSandbox]:
    """One sandbox for tests that only read."""
    with start_sandbox(
        seed=11, leads=120, reps=4, token=TOKEN, now=NOW, rate_limit=None, portal=READY
    ) as sb:
        set_up_portal(sb)
        yield sb


@pytest.fixture
def sandbox() -> Iterator[RunningSandbox]:
    """A fresh sandbox for a test that changes data or breaks things."""
    with start_sandbox(
        seed=5, leads=25, reps=3, token=TOKEN, now=NOW, rate_limit=None, portal=READY
    ) as sb:
        set_up_portal(sb)
        yield sb


@pytest.fixture
def client(sandbox: RunningSandbox) -> Iterator[httpx.Client]:
    with client_for(sandbox) as c:
        yield c


@pytest.fixture(scope="module")
def reader(shared: RunningSandbox) -> Iterator[httpx.Client]:
    with client_for(shared) as c:
        yield c


def some_contact(client: httpx.Client) -> dict:
    page = client.get("/crm/v3/objects/contacts", params={"limit": 1}).json()
    return page["results"][0]


def iso_to_ms(stamp: str) -> int:
    return int(datetime.fromisoformat(stamp.replace("Z", "+00:00")).timestamp() * 1000)
