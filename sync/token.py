"""Where the CRM token comes from: LEADTUI_CRM_TOKEN, else the OS keyring. Nowhere else.

There is deliberately no plain-text fallback: a machine without a keyring backend gets a message
saying how to get one (or to use the environment variable), never a token file in $HOME.
"""

from __future__ import annotations

import os

from leadtui.config import TOKEN_ENV
from sync.protocol import SyncError

SERVICE = "leadtui"


class TokenError(SyncError):
    """No usable token, or no safe place to keep one."""


NO_BACKEND = (
    "No OS keyring is available to hold the CRM token; install and unlock one (GNOME Keyring or "
    "KWallet on Linux; macOS and Windows have one built in), or `pip install keyrings.alt` only "
    f"if you accept an unencrypted store, or set {TOKEN_ENV} for this shell instead."
)


def _keyring() -> object:
    """The keyring module if a real (secure) backend is active, else TokenError."""
    try:
        import keyring
        from keyring.backends import fail
    except ImportError as exc:
        raise TokenError(NO_BACKEND) from exc
    backend = keyring.get_keyring()
    # The "fail" backend and anything with priority <= 0 is keyring's way of saying "none here";
    # chainer/null backends would drop or refuse the secret silently.
    name = type(backend).__module__ + "." + type(backend).__name__
    if isinstance(backend, fail.Keyring) or "null" in name.lower():
        raise TokenError(NO_BACKEND)
    return keyring


def check_token(token: str, where: str) -> str:
    """The token as an HTTP header can carry it, or TokenError naming what is wrong with it
    (a token pasted with a line break would otherwise fail as if the CRM were offline)."""
    if "\n" in token or "\r" in token:
        raise TokenError(
            f"The CRM token {where} contains a line break; set it again on one line "
            f"(`leadtui login`, or {TOKEN_ENV})."
        )
    if any(not ch.isprintable() or ch.isspace() for ch in token):
        raise TokenError(
            f"The CRM token {where} contains a space or a control character; set it again "
            f"exactly as the CRM shows it (`leadtui login`, or {TOKEN_ENV})."
        )
    return token


def get_token(base_url: str) -> str:
    """The token for this CRM, or TokenError saying how to provide one."""
    env = os.environ.get(TOKEN_ENV, "").strip()
    if env:
        return check_token(env, f"in {TOKEN_ENV}")
    keyring = _keyring()
    try:
        value = keyring.get_password(SERVICE, base_url)  # type: ignore[attr-defined]
    except Exception as exc:  # backends raise their own types (locked, dbus gone, ...)
        raise TokenError(
            f"The OS keyring could not be read ({type(exc).__name__}); unlock it, "
            f"or set {TOKEN_ENV}."
        ) from exc
    if not value:
        raise TokenError(f"No CRM token for {base_url}; run `leadtui login` or set {TOKEN_ENV}.")
    return check_token(str(value).strip(), "in the OS keyring")


def require_keyring() -> None:
    """Raise TokenError (how to get one) unless a secure keyring backend is active."""
    _keyring()


def store_token(base_url: str, token: str) -> None:
    """Keep the token in the OS keyring under service "leadtui", username = base_url."""
    if not token.strip():
        raise TokenError("An empty token was given; nothing was stored.")
    token = check_token(token.strip(), "given")
    keyring = _keyring()
    try:
        keyring.set_password(SERVICE, base_url, token)  # type: ignore[attr-defined]
        kept = keyring.get_password(SERVICE, base_url)  # type: ignore[attr-defined]
    except Exception as exc:
        raise TokenError(
            f"The OS keyring refused the token ({type(exc).__name__}); unlock it and try again, "
            f"or set {TOKEN_ENV}."
        ) from exc
    if kept != token:
        # Some backends (a Secret Service without a default collection, a null backend under
        # another name) accept a secret and keep nothing: only reading it back tells.
        raise TokenError(
            f"The OS keyring ({type(keyring.get_keyring()).__name__}) accepted the token but did "  # type: ignore[attr-defined]
            f"not keep it; unlock or repair the keyring and run `leadtui login` again, or set "
            f"{TOKEN_ENV}."
        )
