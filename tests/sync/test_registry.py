"""The adapter registry, through real entry points: a distribution on sys.path declares one."""

from __future__ import annotations

import importlib
from pathlib import Path

import pytest

from sync import registry
from sync.hubspot import HubSpotAdapter
from sync.protocol import CrmAdapter, SyncError

FAKE_ADAPTER = """
from sync.protocol import Account, Capabilities, PushResult


class FakeAdapter:
    name = "fakecrm"
    capabilities = Capabilities(pushes=frozenset(), page_size=10, requests_per_10s=1,
                                searches_per_second=1)

    def __init__(self, base_url, token):
        self.base_url, self.token = base_url, token

    @classmethod
    def from_config(cls, base_url, token, *, timeout_seconds):
        return cls(base_url, token)

    def check(self): return Account("p", self.base_url)
    def owners(self): return []
    def pull(self, cursor, scope, started_at): return iter(())
    def archived(self, scope): return iter(())
    def create_touch(self, lead_crm_id, touch, op_id): return PushResult("1")
    def create_note(self, lead_crm_id, body, at, op_id): return PushResult("1")
    def update_lead(self, lead_crm_id, fields): return PushResult(lead_crm_id)
    def features(self): return []
    def setup(self): return []
    def close(self): pass
"""


@pytest.fixture
def fake_dist(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "fake_crm_adapter.py").write_text(FAKE_ADAPTER)
    info = tmp_path / "fake_crm_adapter-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: fake-crm-adapter\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text(
        "[leadtui.adapters]\nfakecrm = fake_crm_adapter:FakeAdapter\n"
        "broken = fake_crm_adapter_missing:Nope\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    importlib.invalidate_caches()
    return tmp_path


def test_the_installed_hubspot_adapter_is_found() -> None:
    assert "hubspot" in registry.available()
    assert registry.load("hubspot") is HubSpotAdapter


def test_an_adapter_declared_by_another_distribution_is_found_and_built(fake_dist: Path) -> None:
    assert {"hubspot", "fakecrm"} <= set(registry.available())
    adapter = registry.create("fakecrm", "https://crm.example", "t0ken", timeout_seconds=5)
    assert isinstance(adapter, CrmAdapter)
    assert adapter.name == "fakecrm"


def test_an_unknown_name_lists_the_known_ones(fake_dist: Path) -> None:
    with pytest.raises(registry.UnknownAdapter) as caught:
        registry.load("salesforce")
    message = str(caught.value)
    assert "'salesforce'" in message and "fakecrm" in message and "hubspot" in message


def test_an_adapter_that_fails_to_import_gives_a_clear_error(fake_dist: Path) -> None:
    with pytest.raises(SyncError, match="failed to load"):
        registry.load("broken")
