"""README documents the command line that exists, in its words (issue 13, defect 13)."""

from __future__ import annotations

import re
from pathlib import Path

from leadtui.cli import build_parser

README = Path(__file__).resolve().parents[1] / "README.md"


def _subparsers() -> dict[str, set[str]]:
    parser = build_parser()
    commands = next(a for a in parser._actions if a.dest == "command")
    return {
        name: {opt for action in sub._actions for opt in action.option_strings}
        for name, sub in commands.choices.items()  # type: ignore[union-attr]
    }


def test_every_flag_in_the_command_table_exists() -> None:
    flags = _subparsers()
    rows = re.findall(r"^\| `([a-z]+)( [^`]*)?` \|", README.read_text(), flags=re.M)
    documented = [(c, u) for c, u in rows if c in flags]  # the key table has rows too
    assert {"sandbox", "sync", "queue", "log"} <= {c for c, _ in documented}
    for command, usage in documented:
        for flag in re.findall(r"--[a-z][a-z-]*", usage or ""):
            assert flag in flags[command], f"README: `{command} {flag}` does not exist"


def test_the_cli_calls_refused_changes_rejected() -> None:
    parser = build_parser()
    commands = next(a for a in parser._actions if a.dest == "command")
    sync_help = commands.choices["sync"].format_help()  # type: ignore[index]
    assert "dead" not in sync_help and "rejected" in sync_help
