"""`leadtui doctor` names every problem with its fix, and passes a healthy workspace."""

from __future__ import annotations

from pathlib import Path

from leadtui.cli import main
from sync.sandbox import start_sandbox
from tests.conftest import set_up_portal


def test_healthy_workspace_with_env_token(workspace_dir: Path, capsys, monkeypatch) -> None:
    with start_sandbox(leads=3, reps=1, token="pat-secret-123", rate_limit=None) as crm:
        set_up_portal(crm)
        config = workspace_dir / "config.toml"
        text = config.read_text()
        assert 'base_url = "https://api.hubapi.com"' in text
        config.write_text(text.replace("https://api.hubapi.com", crm.base_url))
        monkeypatch.setenv("LEADTUI_CRM_TOKEN", "pat-secret-123")
        code = main(["doctor"])
    out = capsys.readouterr().out
    assert code == 0, out
    for name in ("config:", "data dir:", "cache:", "token:", "user:", "crm: reached"):
        assert name in out
    # Web activity is optional: off on a plain portal, and said so, yet doctor passes.
    assert "ok   crm web activity (events API): off:" in out and "Enterprise" in out
    assert "pat-secret-123" not in out


def test_problems_are_named_with_a_fix(workspace_dir: Path, capsys, monkeypatch) -> None:
    monkeypatch.setenv("LEADTUI_CRM_TOKEN", "x")
    (workspace_dir / "config.toml").write_text('[calendar]\nhours = "18:00-09:00"\n')
    code = main(["doctor"])
    out = capsys.readouterr().out
    assert code == 1
    assert "FIX  config:" in out and "(line 2): [calendar] hours" in out


def test_damaged_cache_is_reported_not_repaired(workspace_dir: Path, capsys, monkeypatch) -> None:
    monkeypatch.setenv("LEADTUI_CRM_TOKEN", "x")
    for extra in ("leadtui.db-wal", "leadtui.db-shm"):
        (workspace_dir / extra).unlink(missing_ok=True)
    (workspace_dir / "leadtui.db").write_bytes(b"garbage" * 1000)
    assert main(["doctor"]) == 1
    assert "FIX  cache:" in capsys.readouterr().out
    assert (workspace_dir / "leadtui.db").read_bytes() == b"garbage" * 1000


def test_missing_keyring_says_how_to_fix(workspace_dir: Path, capsys, monkeypatch) -> None:
    import keyring
    from keyring.backends import fail

    monkeypatch.delenv("LEADTUI_CRM_TOKEN", raising=False)
    previous = keyring.get_keyring()
    keyring.set_keyring(fail.Keyring())  # a headless box: the real "no backend" backend
    try:
        assert main(["doctor"]) == 1
    finally:
        keyring.set_keyring(previous)
    out = capsys.readouterr().out
    assert "FIX  keyring: no OS keyring backend" in out and "LEADTUI_CRM_TOKEN" in out
