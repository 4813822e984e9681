"""The core and sync never import Textual (DESIGN.md: imports run one way)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

HEADLESS = [
    "leadtui.domain.calendar",
    "leadtui.domain.cadence",
    "leadtui.domain.scoring",
    "leadtui.domain.queue",
    "leadtui.domain.metrics",
    "leadtui.domain.sla",
    "leadtui.store.engine",
    "leadtui.store.queries",
    "leadtui.workspace",
    "leadtui.views",
    "leadtui.cli",
    "sync.engine",
    "sync.hubspot",
    "sync.service",
    "sync.sandbox.server",
    "leadtui.board",
]


@pytest.mark.parametrize("module", HEADLESS)
def test_module_does_not_import_textual(module: str) -> None:
    # A fresh interpreter: the test process itself may have Textual loaded already.
    code = (
        f"import importlib, sys; importlib.import_module({module!r}); "
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('textual', 'widgets'));"
        "print(','.join(bad))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "", f"{module} pulls in {done.stdout.strip()}"


def test_domain_imports_no_database_or_http() -> None:
    code = (
        "import sys; import leadtui.domain.sla, leadtui.domain.queue, leadtui.domain.metrics, "
        "leadtui.domain.scoring, leadtui.domain.contact; "
        "print(','.join(sorted(m for m in sys.modules "
        "if m.split('.')[0] in ('sqlalchemy', 'sqlmodel', 'httpx', 'textual'))))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == ""


def _modules_after_cli(args: list[str], env: dict[str, str] | None = None) -> set[str]:
    """Run `leadtui ARGS` in a fresh interpreter; the top-level packages it had loaded on exit."""
    code = (
        "import atexit, sys\n"
        "atexit.register(lambda: sys.stderr.write('\\nMODULES ' + ' '.join(sorted("
        "{m.split('.')[0] for m in sys.modules})) + '\\n'))\n"
        "from leadtui.cli import main\n"
        f"sys.exit(main({args!r}))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120
    )
    assert done.returncode == 0, done.stderr
    line = [x for x in done.stderr.splitlines() if x.startswith("MODULES ")][-1]
    return set(line.split()[1:])


HEAVY = {"textual", "sqlalchemy", "sqlmodel", "httpx", "holidays", "phonenumbers", "pydantic"}


@pytest.mark.parametrize("args", [["--help"], ["queue", "--help"], ["log", "--help"]])
def test_help_imports_nothing_heavy(args: list[str]) -> None:
    # `leadtui --help` must answer as fast as a bare interpreter (bench/startup.py times it).
    loaded = _modules_after_cli(args)
    assert "argparse" in loaded  # the probe saw the command run
    assert loaded & HEAVY == set()


def test_queue_json_never_imports_textual(workspace_dir: Path) -> None:
    import os

    env = {**os.environ, "LEADTUI_DATA_DIR": str(workspace_dir)}
    loaded = _modules_after_cli(
        ["--now", "2026-11-18T15:00:00+00:00", "queue", "--format", "json"], env
    )
    assert "json" in loaded
    assert loaded & {"textual", "widgets", "httpx"} == set()


def test_light_queue_json_imports_no_orm_validator_holidays_or_csv(workspace_dir: Path) -> None:
    # bench/startup.py times this command against plain sqlite3: the light path reads the cache
    # with sqlite3 alone.
    import os

    env = {**os.environ, "LEADTUI_DATA_DIR": str(workspace_dir)}
    argv = ["--now", "2026-11-18T15:00:00+00:00", "queue", "--format", "json"]
    first = _modules_after_cli(argv, env)  # the full path validates the config and remembers it
    assert "sqlalchemy" in first
    assert (workspace_dir / "config.checked.json").exists()
    loaded = _modules_after_cli(argv, env)
    assert "sqlite3" in loaded
    assert loaded & HEAVY == set()
    assert "csv" not in loaded


def test_the_app_shell_imports_nothing_heavy_before_its_first_frame() -> None:
    # The ORM, the validator, phone numbers, holidays and HTTP load after the first frame
    # (bench/paint.py measures it): importing the app and its first screen must not pull them.
    code = (
        "import sys, leadtui.app, leadtui.screens.queue_screen; "
        "print(','.join(sorted({m.split('.')[0] for m in sys.modules})))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    loaded = set(done.stdout.strip().split(","))
    assert "textual" in loaded
    assert loaded & (HEAVY - {"textual"} | {"email_validator"}) == set()
