"""A sandbox CRM on 127.0.0.1 and an empty cache on a real SQLite file, joined by the adapter."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from leadtui.config import Locations, parse
from leadtui.workspace import Workspace
from sync.engine import SyncEngine
from sync.http import RetryPolicy
from sync.hubspot import HubSpotAdapter
from sync.sandbox import RunningSandbox, start_sandbox
from sync.sandbox.portal import Portal
from tests.conftest import NOW, set_up_portal

FAST_RETRY = RetryPolicy(attempts=4, base=0.01, cap=0.2)

# An Enterprise portal that allows unique values everywhere, already set up by leadtui: what the
# tests written before issue 9 assume. Tests of a plain portal start their own.
READY = Portal(enterprise=True, unique_on_engagements=True)


@pytest.fixture
def sandbox() -> Iterator[RunningSandbox]:
    """A small portal, rate limits off (the tests that want them turn them on)."""
    with start_sandbox(seed=5, leads=60, reps=3, now=NOW, rate_limit=None, portal=READY) as running:
        set_up_portal(running)
        yield running


def make_workspace(
    folder: Path, base_url: str, email: str = "", role: str = "manager", url: str | None = None
) -> Workspace:
    """A workspace on `url` (a team database) or, by default, a SQLite file in `folder`."""
    folder.mkdir(parents=True, exist_ok=True)
    text = f'[user]\nemail = "{email}"\nrole = "{role}"\n[crm]\nbase_url = "{base_url}"\n'
    if url:
        text += f'[store]\nurl = "{url}"\n'
    (folder / "config.toml").write_text(text)
    return Workspace.open(parse(text), Locations(folder / "config.toml", folder))


def make_adapter(
    sandbox: RunningSandbox, token: str | None = None, **kwargs: object
) -> HubSpotAdapter:
    options: dict[str, object] = {"rate_limited": False, "retry": FAST_RETRY}
    options.update(kwargs)
    return HubSpotAdapter.from_config(
        sandbox.base_url,
        token or sandbox.token,
        timeout_seconds=float(options.pop("timeout_seconds", 5.0)),  # type: ignore[arg-type]
        **options,  # type: ignore[arg-type]
    )


@pytest.fixture
def workspace(
    tmp_path: Path, sandbox: RunningSandbox, store_url: str | None
) -> Iterator[Workspace]:
    ws = make_workspace(tmp_path / "ws", sandbox.base_url, url=store_url)
    yield ws
    ws.close()


@pytest.fixture
def engine_for(
    workspace: Workspace, sandbox: RunningSandbox
) -> Iterator[Callable[..., SyncEngine]]:
    made: list[HubSpotAdapter] = []

    def build(ws: Workspace | None = None, **kwargs: Any) -> SyncEngine:
        adapter = make_adapter(sandbox, **kwargs)
        made.append(adapter)
        return SyncEngine(ws or workspace, adapter)

    yield build
    for adapter in made:
        adapter.close()
