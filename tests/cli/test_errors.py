"""Errors a user can meet are one sentence, never 'unexpected error' (issue 13, defect 9)."""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import keyring
import pytest
from keyring.backends import fail

from leadtui.cli import main
from tests.conftest import NOW
from tests.sync.test_token import MemoryKeyring

AT = ["--now", NOW.isoformat()]


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str]:
    code = main([*AT, *argv])
    return code, capsys.readouterr().err


def one_sentence(err: str) -> bool:
    return (
        err.startswith("leadtui: ")
        and err.strip().count("\n") == 0
        and "unexpected error" not in err
        and "Traceback" not in err
    )


def test_a_config_that_is_not_utf8(tmp_path: Path, capsys) -> None:
    config = tmp_path / "config.toml"
    config.write_bytes(b'[user]\nemail = "caf\xe9@example.com"\n')
    code, err = run(capsys, "--config", str(config), "--data-dir", str(tmp_path), "queue")
    assert code == 1 and one_sentence(err), err
    assert "UTF-8" in err and str(config) in err


def test_data_dir_that_is_a_file(tmp_path: Path, capsys) -> None:
    afile = tmp_path / "notes.txt"
    afile.write_text("hello")
    code, err = run(capsys, "--data-dir", str(afile), "queue")
    assert code == 1 and one_sentence(err), err
    assert "is a file, not a folder" in err


def test_mistyped_data_dir_is_not_a_silent_empty_workspace(
    workspace_dir: Path, capsys, tmp_path: Path
) -> None:
    typo = tmp_path / "wrokspace"
    code, err = run(capsys, "--data-dir", str(typo), "queue")
    assert code == 1 and one_sentence(err), err
    assert "No leadtui workspace" in err and str(typo) in err
    assert not typo.exists()  # nothing created on the way


def test_an_unreadable_config(tmp_path: Path, capsys, monkeypatch: pytest.MonkeyPatch) -> None:
    # The tests run as root, whom no file mode stops: the OS's refusal is stood in for here,
    # exactly as `open` raises it for a file of mode 000.
    config = tmp_path / "config.toml"
    config.write_text('[user]\nemail = "a@b.example"\n')

    def refuse(self: Path, *args: object, **kwargs: object) -> str:
        raise PermissionError(13, "Permission denied", str(self))

    monkeypatch.setattr(Path, "read_text", refuse)
    code, err = run(capsys, "--config", str(config), "--data-dir", str(tmp_path), "queue")
    assert code == 1 and one_sentence(err), err
    assert "Permission denied" in err and str(config) in err


def test_an_unreadable_data_dir(tmp_path: Path, capsys, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = tmp_path / "ws"
    folder.mkdir()
    real_exists = Path.exists

    def refuse(self: Path, *args: object, **kwargs: object) -> bool:
        if self.parent == folder:
            raise PermissionError(13, "Permission denied", str(self))
        return real_exists(self)

    monkeypatch.setattr(Path, "exists", refuse)
    code, err = run(capsys, "--data-dir", str(folder), "queue")
    assert code == 1 and one_sentence(err), err
    assert "Permission denied" in err


def test_login_without_a_keyring_says_so_before_asking(
    tmp_path: Path, capsys, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = keyring.get_keyring()
    keyring.set_keyring(fail.Keyring())
    monkeypatch.setattr(sys, "stdin", io.StringIO("secret-token\n"))
    try:
        code, err = run(capsys, "--data-dir", str(tmp_path), "login")
    finally:
        keyring.set_keyring(before)
    assert code == 1 and one_sentence(err), err
    assert "keyring" in err and "CRM token for" not in err
    assert sys.stdin.read() == "secret-token\n"  # never asked for


def test_login_with_no_terminal(tmp_path: Path, capsys, monkeypatch: pytest.MonkeyPatch) -> None:
    before = keyring.get_keyring()
    keyring.set_keyring(MemoryKeyring())
    monkeypatch.setattr(sys, "stdin", io.StringIO(""))  # closed input: EOF at once
    try:
        code, err = run(capsys, "--data-dir", str(tmp_path), "login")
    finally:
        keyring.set_keyring(before)
    assert code == 1
    last = err.strip().splitlines()[-1]
    assert one_sentence(last + "\n"), err
    assert "LEADTUI_CRM_TOKEN" in last


def test_now_without_an_offset_is_read_in_the_configured_zone(workspace_dir: Path, capsys) -> None:
    import json

    # NOW is 15:00 UTC, 10:00 in New York (the demo's zone): both must give the same queue.
    naive_local = NOW.astimezone(ZoneInfo("America/New_York")).replace(tzinfo=None).isoformat()
    assert main(["--now", naive_local, "queue", "--format", "json"]) == 0
    local = json.loads(capsys.readouterr().out)
    assert main(["--now", NOW.isoformat(), "queue", "--format", "json"]) == 0
    utc = json.loads(capsys.readouterr().out)
    assert [r["time_in_system_minutes"] for r in local] == [
        r["time_in_system_minutes"] for r in utc
    ]


def test_queue_without_a_user_email_asks_whose(workspace_dir: Path, capsys) -> None:
    config = workspace_dir / "config.toml"
    config.write_text(config.read_text().replace('email = "', 'email = "" # "', 1))
    code, err = run(capsys, "queue")
    assert code == 1 and one_sentence(err), err
    assert "--rep" in err and "[user] email" in err


def test_queue_of_an_unknown_rep_names_the_known_ones(workspace_dir: Path, capsys) -> None:
    code, err = run(capsys, "queue", "--rep", "nobody@nowhere.example")
    assert code == 1 and one_sentence(err), err
    assert "nobody@nowhere.example" in err and "@" in err.split("known reps:")[1]


def test_a_key_given_to_two_actions_is_refused(workspace_dir: Path, capsys) -> None:
    config = workspace_dir / "config.toml"
    config.write_text(config.read_text() + '\n[keys]\nlog_touch = "z"\nsnooze = "z"\n')
    code, err = run(capsys, "queue")
    assert code == 1, err
    assert "'z'" in err and "log_touch" in err and "snooze" in err


def test_log_at_an_earlier_time_in_plain_words(workspace_dir: Path, capsys) -> None:
    import json

    assert main([*AT, "queue", "--format", "json"]) == 0
    lead = next(
        r
        for r in json.loads(capsys.readouterr().out)
        if r["speed_to_lead"]["first_touch_at"] is None
    )
    code = main([*AT, "log", str(lead["id"]), "--channel", "call", "--outcome", "connected",
                 "--at", "20 min ago"])  # fmt: skip
    out = capsys.readouterr().out
    assert code == 0
    # Read back in the rep's zone: NOW is 10:00 in New York, 20 minutes earlier is 09:40.
    assert "09:40" in out and "20 min ago" in out
    assert main([*AT, "queue", "--format", "json"]) == 0
    after = {r["id"]: r for r in json.loads(capsys.readouterr().out)}[lead["id"]]
    first = datetime.fromisoformat(after["speed_to_lead"]["first_touch_at"])
    assert first == NOW - timedelta(minutes=20)


def test_log_at_refuses_the_future_and_gibberish(workspace_dir: Path, capsys) -> None:
    for when, said in (("in 2h", "future"), ("yesterdayish", "yesterday 17:00")):
        code, err = run(capsys, "log", "1", "--channel", "call", "--outcome", "busy", "--at", when)
        assert code != 0 and one_sentence(err) and said in err, err
    # The examples it offers are times a touch can have been made at: none in the future.
    assert "'in 2h'" not in err and "'tomorrow 9'" not in err, err


@pytest.fixture
def read_only_workspace(workspace_dir: Path) -> Iterator[Path]:
    """The workspace's folder and files made read-only for real: by file modes for a normal
    user; as root, whom modes do not stop, by the immutable attribute (chattr +i)."""
    paths = [workspace_dir, *workspace_dir.iterdir()]
    if os.geteuid() != 0:
        for path in paths:
            path.chmod(0o500 if path.is_dir() else 0o400)
        try:
            yield workspace_dir
        finally:
            for path in paths:
                path.chmod(0o700 if path.is_dir() else 0o600)
        return
    if (
        not shutil.which("chattr")
        or subprocess.run(
            ["chattr", "+i", *map(str, reversed(paths))], capture_output=True, check=False
        ).returncode
    ):
        pytest.skip("chattr +i does not work on this file system (needed as root)")
    try:
        yield workspace_dir
    finally:
        subprocess.run(["chattr", "-i", *map(str, paths)], check=True)


def test_a_read_only_cache_still_serves_read_only_commands(
    read_only_workspace: Path, capsys
) -> None:
    for command in (["queue", "--format", "json"], ["sla", "--team"], ["report"], ["agreement"]):
        code, err = run(capsys, *command)
        assert code == 0, (command, err)
    assert main([*AT, "queue", "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out), "the rep's leads, read from the read-only cache"


def test_a_read_only_cache_refuses_a_change_in_one_sentence(
    read_only_workspace: Path, capsys
) -> None:
    before = (read_only_workspace / "leadtui.db").read_bytes()
    code, err = run(capsys, "note", "1", "called, no answer")
    assert code == 1 and one_sentence(err), err
    assert "read-only" in err and "queue" in err
    assert (read_only_workspace / "leadtui.db").read_bytes() == before
