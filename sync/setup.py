"""`leadtui setup` and doctor's CRM check: reach the CRM with the token, say what it offers, and
(setup only) create what leadtui needs there. The token is never printed."""

from __future__ import annotations

import sys
from collections.abc import Iterator

from leadtui.config import Config
from sync import registry
from sync.http import RetryPolicy
from sync.protocol import AuthError, CrmAdapter, Feature, SyncError
from sync.token import get_token

EXIT_OK, EXIT_ERROR = 0, 1
# Without these leadtui cannot work at all; every other feature is optional and degrades.
CORE = ("contacts_read", "owners")
# Without these nothing a rep does reaches the CRM (a create carries its op id in a leadtui
# property): doctor says FIX, not ok, until `leadtui setup` has made them.
NEEDED_TO_PUSH = ("custom_properties",)
LABELS = {
    "contacts_read": "read contacts",
    "contacts_write": "update contacts",
    "owners": "owners (reps)",
    "calls": "calls",
    "emails": "emails",
    "notes": "notes",
    "meetings": "meetings",
    "deals": "deals",
    "web_activity": "web activity (events API)",
    "custom_properties": "leadtui's custom properties",
}


def _adapter(config: Config, token: str) -> CrmAdapter:
    crm = config.crm
    adapter = registry.create(crm.adapter, crm.base_url, token, timeout_seconds=crm.timeout_seconds)
    http = getattr(adapter, "http", None)
    if http is not None:
        http.retry = RetryPolicy(attempts=2, base=0.2, cap=1.0)  # a check, not a sync: fail fast
    return adapter


def feature_lines(features: list[Feature]) -> Iterator[tuple[bool, str]]:
    for feature in features:
        label = LABELS.get(feature.name, feature.name.replace("_", " "))
        yield feature.available, label if feature.available else f"{label}: {feature.why}"


def crm_checks(config: Config) -> Iterator[tuple[str, bool, str]]:
    """(name, ok, sentence) for doctor: the CRM reached with the token, then each feature. A
    core feature missing is not ok; an optional one that is off is ok, with why it is off."""
    try:
        token = get_token(config.crm.base_url)
        adapter = _adapter(config, token)
    except SyncError as exc:
        yield "crm", False, f"not checked: {exc}"
        return
    try:
        features = adapter.features()
    except SyncError as exc:  # a bad token (401), the CRM unreachable, ...
        yield "crm", False, str(exc)
        return
    finally:
        adapter.close()
    yield "crm", True, f"reached {config.crm.base_url} with the token"
    for feature in features:
        label = LABELS.get(feature.name, feature.name.replace("_", " "))
        if feature.available:
            yield f"crm {label}", True, "available"
        else:
            fine = feature.name not in CORE + NEEDED_TO_PUSH
            yield f"crm {label}", fine, f"off: {feature.why}"


def run_setup(config: Config) -> int:
    """Probe, create what is missing, probe again; exit 0 when leadtui can sync."""
    token = get_token(config.crm.base_url)
    adapter = _adapter(config, token)
    try:
        done = adapter.setup()
        features = adapter.features()
    except AuthError as exc:
        raise SyncError(
            f"{exc} Run `leadtui setup` again once it is added; what it created already stays."
        ) from None
    finally:
        adapter.close()
    for line in done:
        print(f"setup: {line}", file=sys.stderr)
    if not done:
        print("setup: nothing to do, the CRM already has what leadtui needs", file=sys.stderr)
    for ok, line in feature_lines(features):
        print(f"{'ok ' if ok else 'off'}  {line}")
    core_ok = all(f.available for f in features if f.name in CORE)
    return EXIT_OK if core_ok else EXIT_ERROR
