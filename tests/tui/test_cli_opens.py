"""`leadtui` with no command and `leadtui demo` open the TUI (run is stubbed: no terminal here)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from leadtui import app as app_module
from leadtui.cli import main
from tests.conftest import NOW


@pytest.fixture
def opened(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    calls: list[dict[str, Any]] = []

    def run(
        workspace: Any,
        clock: Any,
        where: str = "",
        adapter_factory: Any = None,
        *,
        light: Any = None,
        opener: Any = None,
        board: bool = False,
    ) -> int:
        if opener is not None:  # the light path: the app opens the workspace after first paint
            workspace, adapter_factory = opener()
        calls.append(
            {
                "workspace": workspace,
                "now": clock(),
                "where": where,
                "adapter": adapter_factory,
                "light": light,
                "board": board,
            }
        )
        if workspace is not None:
            workspace.close()
        return 0

    monkeypatch.setattr(app_module, "run", run)
    monkeypatch.setattr("leadtui.cli._require_terminal", lambda: None)  # as if on a terminal
    monkeypatch.delenv("LEADTUI_CONFIG", raising=False)
    monkeypatch.delenv("LEADTUI_CRM_TOKEN", raising=False)
    return calls


def test_no_command_without_a_cache_opens_the_empty_state(
    opened: list[dict[str, Any]], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LEADTUI_DATA_DIR", str(tmp_path / "nothing"))
    assert main([]) == 0
    assert opened[0]["workspace"] is None
    assert not (tmp_path / "nothing" / "leadtui.db").exists()  # looking creates nothing


def test_no_command_opens_the_workspace(
    opened: list[dict[str, Any]], tui_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LEADTUI_DATA_DIR", str(tui_dir))
    assert main(["--now", NOW.isoformat()]) == 0
    assert opened[0]["workspace"] is not None and opened[0]["now"] == NOW


def test_a_token_in_the_environment_turns_sync_on(
    opened: list[dict[str, Any]], tui_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LEADTUI_DATA_DIR", str(tui_dir))
    monkeypatch.setenv("LEADTUI_CRM_TOKEN", "pat-test")
    assert main(["--now", NOW.isoformat()]) == 0
    assert opened[0]["adapter"] is not None


def test_demo_prepares_then_opens(opened: list[dict[str, Any]], tmp_path: Path) -> None:
    folder = tmp_path / "demo"
    code = main(["--now", NOW.isoformat(), "--data-dir", str(folder), "demo", "--leads", "30"])
    assert code == 0
    ws = opened[0]["workspace"]
    assert ws is not None and ws.locations.data_dir == folder.resolve()
    # Synced from the sandbox CRM, whose token reaches the app in memory only.
    assert opened[0]["adapter"] is not None
    config = (folder / "config.toml").read_text()
    assert "127.0.0.1" in config and "pat-" not in config


def test_configured_and_logged_in_but_never_synced_opens_and_syncs(
    opened: list[dict[str, Any]], tui_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "fresh"
    folder.mkdir()
    (folder / "config.toml").write_text((tui_dir / "config.toml").read_text())
    monkeypatch.setenv("LEADTUI_DATA_DIR", str(folder))
    monkeypatch.setenv("LEADTUI_CRM_TOKEN", "pat-test")
    assert main([]) == 0
    assert opened[0]["workspace"] is not None and opened[0]["adapter"] is not None


def test_configured_without_a_token_shows_how_to_start(
    opened: list[dict[str, Any]], tui_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "fresh"
    folder.mkdir()
    (folder / "config.toml").write_text((tui_dir / "config.toml").read_text())
    monkeypatch.setenv("LEADTUI_DATA_DIR", str(folder))
    monkeypatch.setattr("sync.token.get_token", _no_token)
    assert main([]) == 0
    assert opened[0]["workspace"] is None
    assert not (folder / "leadtui.db").exists()


def _no_token(base_url: str) -> str:
    from sync.token import TokenError

    raise TokenError("no token")


def test_a_second_opening_paints_from_the_light_path(
    opened: list[dict[str, Any]], tui_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LEADTUI_DATA_DIR", str(tui_dir))
    monkeypatch.setenv("LEADTUI_CRM_TOKEN", "pat-test")
    assert main(["--now", NOW.isoformat()]) == 0  # validates the config and remembers it
    assert main(["--now", NOW.isoformat()]) == 0
    first, second = opened
    assert first["light"] is None
    assert second["light"] is not None and second["light"].me == second["workspace"].me
    assert second["workspace"] is not None and second["adapter"] is not None


def test_without_a_terminal_the_screens_say_so_in_one_sentence(
    tui_dir: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # pytest's stdin and stdout are no terminal, as with `leadtui < /dev/null > file`.
    monkeypatch.setenv("LEADTUI_DATA_DIR", str(tui_dir))
    for argv in ([], ["--board"], ["demo"]):
        assert main(argv) != 0
        err = capsys.readouterr().err
        assert "need a terminal" in err and "leadtui queue" in err, err
        assert len(err.strip().splitlines()) == 1


def test_a_second_demo_leaves_a_running_ones_folder_alone(tmp_path: Path) -> None:
    from leadtui.demo_workspace import prepare_demo

    folder = tmp_path / "demo"
    prepare_demo(folder, leads=5, reps=1, seed=1, now=NOW)  # this process holds it now
    before = (folder / "leadtui.db").stat().st_ino
    other = subprocess.run(
        [sys.executable, "-c", _SECOND_DEMO, str(folder)], capture_output=True, text=True
    )
    assert other.returncode == 3, other.stderr
    assert "already running" in other.stdout
    assert (folder / "leadtui.db").stat().st_ino == before  # not wiped


_SECOND_DEMO = """
import sys
from datetime import UTC, datetime
from pathlib import Path
from leadtui.demo_workspace import prepare_demo
from leadtui.store.engine import StoreError
try:
    prepare_demo(Path(sys.argv[1]), leads=5, reps=1, seed=1, now=datetime(2026, 1, 1, tzinfo=UTC))
except StoreError as exc:
    print(exc)
    sys.exit(3)
"""


def test_under_leadtui_serve_no_terminal_is_needed(monkeypatch: pytest.MonkeyPatch) -> None:
    from leadtui.cli import _require_terminal

    # textual-serve runs the app over pipes with its web driver, and says so in this variable.
    monkeypatch.setenv("TEXTUAL_DRIVER", "textual.drivers.web_driver:WebDriver")
    _require_terminal()  # no CliError
    monkeypatch.delenv("TEXTUAL_DRIVER")
    with pytest.raises(Exception, match="need a terminal"):
        _require_terminal()
