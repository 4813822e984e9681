"""The core and sync never import Textual (DESIGN.md: imports run one way)."""

from __future__ import annotations

import subprocess
import sys

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
