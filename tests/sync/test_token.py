"""Where the token comes from: the environment, else the OS keyring, never a plain file."""

from __future__ import annotations

from collections.abc import Iterator

import keyring
import pytest
from keyring.backend import KeyringBackend
from keyring.backends import fail

from sync.token import NO_BACKEND, TokenError, get_token, store_token

URL = "http://127.0.0.1:5555"


class MemoryKeyring(KeyringBackend):
    priority = 1  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self.secrets: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.secrets.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.secrets[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        self.secrets.pop((service, username), None)


@pytest.fixture
def memory(monkeypatch: pytest.MonkeyPatch) -> Iterator[MemoryKeyring]:
    monkeypatch.delenv("LEADTUI_CRM_TOKEN", raising=False)
    before = keyring.get_keyring()
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    yield backend
    keyring.set_keyring(before)


def test_the_environment_wins(memory: MemoryKeyring, monkeypatch: pytest.MonkeyPatch) -> None:
    store_token(URL, "from-keyring")
    monkeypatch.setenv("LEADTUI_CRM_TOKEN", "from-env")
    assert get_token(URL) == "from-env"


def test_login_stores_under_service_leadtui_and_the_base_url(memory: MemoryKeyring) -> None:
    store_token(URL, " pat-na1-secret ")
    assert memory.secrets == {("leadtui", URL): "pat-na1-secret"}
    assert get_token(URL) == "pat-na1-secret"


def test_no_token_says_how_to_provide_one(memory: MemoryKeyring) -> None:
    with pytest.raises(TokenError, match="leadtui login"):
        get_token(URL)


def test_no_keyring_backend_says_how_to_fix_and_writes_no_file(
    monkeypatch: pytest.MonkeyPatch, tmp_path: object
) -> None:
    monkeypatch.delenv("LEADTUI_CRM_TOKEN", raising=False)
    before = keyring.get_keyring()
    keyring.set_keyring(fail.Keyring())
    try:
        with pytest.raises(TokenError) as caught:
            store_token(URL, "pat-na1-secret")
        assert str(caught.value) == NO_BACKEND
        assert "pat-na1-secret" not in str(caught.value)
        with pytest.raises(TokenError, match="LEADTUI_CRM_TOKEN"):
            get_token(URL)
    finally:
        keyring.set_keyring(before)
