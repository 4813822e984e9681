"""Adapters found by name through the entry-point group `leadtui.adapters`.

Discovery reads only the installed distributions' metadata: an adapter's module is imported when
it is chosen, never just because it is installed, so a broken third-party adapter cannot break
`leadtui` for someone who does not use it.
"""

from __future__ import annotations

from importlib.metadata import EntryPoint, entry_points
from typing import Any

from sync.protocol import CrmAdapter, SyncError

GROUP = "leadtui.adapters"
# leadtui's own adapters, as pyproject.toml registers them: used when running from a checkout
# that was never pip-installed (no metadata, so no entry points). An installed entry point of
# the same name wins.
BUILTIN = {
    "hubspot": "sync.hubspot:HubSpotAdapter",
    "bottlecrm": "sync.bottlecrm:BottleCrmAdapter",
}


class UnknownAdapter(SyncError):
    """No adapter is registered under the configured name."""


def available() -> dict[str, EntryPoint]:
    """Registered adapters by name. The first registration of a name wins, as in pip's order."""
    found: dict[str, EntryPoint] = {}
    for entry in entry_points(group=GROUP):
        found.setdefault(entry.name, entry)
    for name, value in BUILTIN.items():
        found.setdefault(name, EntryPoint(name=name, value=value, group=GROUP))
    return found


def load(name: str) -> Any:
    """The adapter factory registered as `name`, or UnknownAdapter naming the known ones."""
    known = available()
    entry = known.get(name)
    if entry is None:
        names = ", ".join(sorted(known)) or "none"
        raise UnknownAdapter(
            f"No CRM adapter named {name!r} is installed (known: {names}); "
            "fix [crm] adapter in the config or install the adapter's package."
        )
    try:
        return entry.load()
    except Exception as exc:  # a third-party package may fail in any way while importing
        raise SyncError(
            f"The CRM adapter {name!r} ({entry.value}) failed to load: {type(exc).__name__}: {exc}."
        ) from exc


def create(name: str, base_url: str, token: str, *, timeout_seconds: float) -> CrmAdapter:
    factory = load(name)
    build = getattr(factory, "from_config", None)
    if build is None:
        raise SyncError(f"The CRM adapter {name!r} has no from_config(); it cannot be used.")
    adapter = build(base_url, token, timeout_seconds=timeout_seconds)
    if not isinstance(adapter, CrmAdapter):
        raise SyncError(f"The CRM adapter {name!r} does not implement leadtui's adapter protocol.")
    return adapter
