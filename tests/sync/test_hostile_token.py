"""A keyring that drops secrets, and tokens no HTTP header can carry."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import keyring
import pytest
from keyring.backend import KeyringBackend

from leadtui.cli import main
from sync.token import TokenError, get_token, store_token

URL = "http://127.0.0.1:5555"


class DroppingKeyring(KeyringBackend):
    """Accepts every secret and keeps none (seen with misconfigured Secret Service set-ups)."""

    priority = 1  # type: ignore[assignment]

    def get_password(self, service: str, username: str) -> str | None:
        return None

    def set_password(self, service: str, username: str, password: str) -> None:
        return None

    def delete_password(self, service: str, username: str) -> None:
        return None


@pytest.fixture
def dropping(monkeypatch: pytest.MonkeyPatch) -> Iterator[DroppingKeyring]:
    monkeypatch.delenv("LEADTUI_CRM_TOKEN", raising=False)
    before = keyring.get_keyring()
    backend = DroppingKeyring()
    keyring.set_keyring(backend)
    yield backend
    keyring.set_keyring(before)


def test_a_keyring_that_drops_the_token_is_not_called_stored(dropping: DroppingKeyring) -> None:
    with pytest.raises(TokenError, match="did not keep it") as caught:
        store_token(URL, "pat-na1-secret")
    assert "pat-na1-secret" not in str(caught.value)


def test_login_says_so_and_doctor_agrees(
    dropping: DroppingKeyring,
    workspace_dir: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("LEADTUI_CRM_TOKEN", raising=False)
    monkeypatch.setattr("getpass.getpass", lambda prompt="": "pat-na1-secret")
    assert main(["login"]) == 1
    said = capsys.readouterr()
    assert "Stored" not in said.err and "did not keep it" in said.err
    assert main(["doctor"]) == 1
    out = capsys.readouterr().out
    assert "FIX  keyring:" in out and "leadtui login" in out, out


@pytest.mark.parametrize("token", ["pat-na1\nsecret", "pat-na1-secret\r\nX-Evil: 1", "pat\x1bx"])
def test_a_token_with_a_line_break_is_named_as_such(
    token: str, monkeypatch: pytest.MonkeyPatch, dropping: DroppingKeyring
) -> None:
    monkeypatch.setenv("LEADTUI_CRM_TOKEN", token)
    with pytest.raises(TokenError, match=r"line break|control character") as caught:
        get_token(URL)
    assert "secret" not in str(caught.value)
    with pytest.raises(TokenError, match=r"line break|control character"):
        store_token(URL, token)
