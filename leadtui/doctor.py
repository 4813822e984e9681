"""`leadtui doctor`: each check says what is wrong and how to fix it."""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass

from leadtui.config import TOKEN_ENV, Config, ConfigError, Locations, load


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str


def run_checks(locations: Locations, explicit_config: bool = False) -> Iterator[Check]:
    config: Config | None = None
    try:
        config = load(locations.config_path, required=explicit_config)
        where = locations.config_path if locations.config_path.exists() else "defaults"
        yield Check("config", True, f"{where}")
    except ConfigError as exc:
        yield Check("config", False, str(exc))
    yield _check_data_dir(locations)
    yield _check_cache(locations, config)
    yield _check_keyring(config)
    if config is not None:
        yield _check_user(config)
        yield from _check_crm(config)


def _check_crm(config: Config) -> Iterator[Check]:
    """Reach the CRM with the token (read-only) and list what it offers: a bad token or an
    unreachable CRM is FIX; an optional feature that is off is reported with how to add it."""
    from sync.setup import crm_checks

    for name, ok, detail in crm_checks(config):
        yield Check(name, ok, detail)


def _check_data_dir(locations: Locations) -> Check:
    folder = locations.data_dir
    if not folder.exists():
        return Check("data dir", True, f"{folder} (will be created on first use)")
    if not os.access(folder, os.W_OK):
        return Check(
            "data dir", False, f"{folder} is not writable; fix its permissions or use --data-dir"
        )
    return Check("data dir", True, str(folder))


def _check_cache(locations: Locations, config: Config | None) -> Check:
    from leadtui.store.engine import StoreError, open_engine, session_scope, sqlite_url
    from leadtui.store.queries import outbox_counts

    team = config is not None and config.store.is_team
    if not team and not locations.database.exists():
        return Check("cache", True, "none yet; `leadtui sync` or `leadtui demo` makes one")
    url = config.store.url if config is not None and team else sqlite_url(locations.database)
    try:
        engine = open_engine(url)
    except StoreError as exc:
        return Check("cache", False, str(exc))
    try:
        with session_scope(engine) as session:
            counts = outbox_counts(session)
    finally:
        engine.dispose()
    pending, dead = counts.get("pending", 0), counts.get("dead", 0)
    if dead:
        return Check("cache", False, f"{dead} change(s) the CRM refused; review them in the app")
    where = "the team database" if team else str(locations.database)
    return Check("cache", True, f"{where} ({pending} change(s) waiting to sync)")


def _check_keyring(config: Config | None) -> Check:
    if os.environ.get(TOKEN_ENV):
        return Check("token", True, f"from {TOKEN_ENV}")
    try:
        import keyring
        from keyring.backends import fail

        backend = keyring.get_keyring()
    except Exception as exc:  # a broken keyring install must not stop the other checks
        return Check("keyring", False, f"the keyring cannot load ({exc}); set {TOKEN_ENV}")
    if isinstance(backend, fail.Keyring) or "fail" in type(backend).__module__:
        return Check(
            "keyring",
            False,
            "no OS keyring backend here (a headless box?); install and unlock one "
            f"(e.g. gnome-keyring, or `pip install keyrings.alt` knowingly), or set {TOKEN_ENV}",
        )
    name = type(backend).__name__
    base_url = (config or Config()).crm.base_url
    try:
        # Read the token back, as `login` does: a backend can accept a secret and keep nothing.
        stored = backend.get_password("leadtui", base_url)
    except Exception as exc:  # locked, D-Bus gone...: say so, do not stop the other checks
        return Check("keyring", False, f"{name} cannot be read ({type(exc).__name__}); unlock it")
    if not stored:
        return Check(
            "keyring",
            False,
            f"{name} holds no CRM token for {base_url}; run `leadtui login` (if it says the "
            f"keyring did not keep the token, repair the keyring) or set {TOKEN_ENV}",
        )
    return Check("keyring", True, f"{name} holds the CRM token for {base_url}")


def _check_user(config: Config) -> Check:
    if not config.user.email:
        return Check("user", False, "no [user] email in the config: set whose queue this is")
    return Check("user", True, f"{config.user.email} ({config.user.role})")
