"""Configs and caches a user can meet get one sentence that says what is wrong and what to do."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from leadtui.cli import main
from leadtui.config import ConfigError, parse
from leadtui.store.engine import StoreError, explain


def one_sentence(text: str) -> None:
    assert text.count("\n") <= 1 and "Traceback" not in text and "unexpected" not in text, text
    assert len(text) < 600, text[:600]


def test_a_byte_order_mark_at_the_start_is_accepted(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_bytes('\ufeff[user]\nemail = "a@b.c"\n'.encode())
    from leadtui.config import load

    assert load(path).user.email == "a@b.c"


def test_an_array_nested_5000_deep_is_one_sentence(
    workspace_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (workspace_dir / "config.toml").write_text("x = " + "[" * 5000 + "]" * 5000 + "\n")
    assert main(["queue"]) == 1
    err = capsys.readouterr().err
    one_sentence(err)
    assert "nested too deeply" in err


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("[sla]\nspeed_to_lead_minutes = true\n", "speed_to_lead_minutes"),
        ("[sla]\nat_risk_minutes = false\n", "at_risk_minutes"),
        ("[crm]\nsync_interval_seconds = true\n", "sync_interval_seconds"),
        ("[crm]\ntimeout_seconds = true\n", "timeout_seconds"),
    ],
)
def test_true_is_not_a_number(text: str, key: str) -> None:
    with pytest.raises(ConfigError, match=key) as caught:
        parse(text)
    assert "number" in str(caught.value) or "integer" in str(caught.value)


def test_numbers_still_read_as_numbers() -> None:
    config = parse("[sla]\nspeed_to_lead_minutes = 30\n[crm]\ntimeout_seconds = 20\n")
    assert config.sla.speed_to_lead_minutes == 30 and config.crm.timeout_seconds == 20.0


def test_a_schema_version_that_is_not_a_number_is_one_sentence(
    workspace_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with sqlite3.connect(workspace_dir / "leadtui.db") as db:
        db.execute("UPDATE meta SET value = 'two' WHERE key = 'schema_version'")
    assert main(["queue"]) == 1
    err = capsys.readouterr().err
    one_sentence(err)
    assert "schema version" in err and "move it aside" in err


def test_a_full_disk_is_one_sentence(tmp_path: Path) -> None:
    # SQLITE_FULL, as a full disk raises it: a page limit makes SQLite hit it for real.
    db = sqlite3.connect(tmp_path / "full.db")
    db.execute("CREATE TABLE t (x TEXT)")
    db.execute("PRAGMA max_page_count = 3")
    with pytest.raises(sqlite3.OperationalError) as caught:
        for _ in range(1000):
            db.execute("INSERT INTO t VALUES (?)", ("x" * 4000,))
    db.close()
    error = explain(caught.value, str(tmp_path / "full.db"))
    assert isinstance(error, StoreError)
    one_sentence(str(error))
    assert "full" in str(error) and "free some space" in str(error)
