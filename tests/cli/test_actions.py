"""convert, disqualify, reopen, note, snooze and undo from the command line, on a real SQLite
file: the same Workspace methods as the TUI, queued for sync, and the report moves with them."""

from __future__ import annotations

import json
import sqlite3
import tomllib
from pathlib import Path

import pytest

from leadtui.cli import main
from tests.conftest import NOW

AT = ["--now", NOW.isoformat()]


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main([*AT, *argv])
    out, err = capsys.readouterr()
    return code, out, err


def queue(capsys: pytest.CaptureFixture[str]) -> list[dict]:
    code, out, err = run(capsys, "queue", "--format", "json")
    assert code == 0, err
    return json.loads(out)


def lead_row(folder: Path, lead_id: int) -> dict:
    db = sqlite3.connect(folder / "leadtui.db")
    db.row_factory = sqlite3.Row
    row = db.execute("SELECT * FROM lead WHERE id = ?", (lead_id,)).fetchone()
    return dict(row)


def outbox(folder: Path, lead_id: int) -> list[tuple[str, str]]:
    db = sqlite3.connect(folder / "leadtui.db")
    query = "SELECT kind, state FROM outbox WHERE lead_id = ? ORDER BY id"
    return [tuple(r) for r in db.execute(query, (lead_id,))]


def test_convert_with_a_value_and_a_close_date_queues_the_deal(
    workspace_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    lead = queue(capsys)[0]
    code, out, err = run(
        capsys, "convert", str(lead["id"]), "--value", "24,500", "--close-date", "2027-01-31"
    )
    assert code == 0, err
    assert "converted to an opportunity of 24,500" in out
    row = lead_row(workspace_dir, lead["id"])
    assert (row["status"], row["deal_value"]) == ("converted", 24500.0)
    assert ("create_deal", "pending") in outbox(workspace_dir, lead["id"])
    assert lead["id"] not in {r["id"] for r in queue(capsys)}


def test_disqualify_then_reopen_then_undo(
    workspace_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    lead = queue(capsys)[0]
    code, _, err = run(capsys, "disqualify", lead["email"], "--reason", "Student or job seeker")
    assert code == 0, err
    row = lead_row(workspace_dir, lead["id"])
    assert (row["status"], row["disqualified_reason"]) == ("disqualified", "student")
    assert row["closed_at"] is not None
    code, _, err = run(capsys, "reopen", lead["email"])
    assert code == 0, err
    assert lead_row(workspace_dir, lead["id"])["status"] == "working"
    code, out, err = run(capsys, "undo", lead["email"])
    assert (code, out.strip()) == (0, f"Undid the reopening on lead {lead['id']}; queued for sync.")
    assert lead_row(workspace_dir, lead["id"])["status"] == "disqualified"
    code, out, _ = run(capsys, "undo", lead["email"])
    assert code == 0 and "the disqualification" in out
    assert lead_row(workspace_dir, lead["id"])["closed_at"] is None
    # Nothing was pushed yet: every op was withdrawn, none waits.
    assert {state for _, state in outbox(workspace_dir, lead["id"])} == {"withdrawn"}


def test_note_and_snooze_in_plain_words(
    workspace_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    lead = queue(capsys)[0]
    code, _, err = run(capsys, "note", str(lead["id"]), "Asked for a call back")
    assert code == 0, err
    assert outbox(workspace_dir, lead["id"]) == [("create_note", "pending")]
    code, out, err = run(capsys, "snooze", str(lead["id"]), "--until", "tomorrow 9")
    assert code == 0, err
    assert "kept on this machine only" in out
    assert lead["id"] not in {r["id"] for r in queue(capsys)}
    assert outbox(workspace_dir, lead["id"]) == [("create_note", "pending")]  # snooze is local


@pytest.mark.parametrize(
    ("argv", "words"),
    [
        (["snooze", "1", "--until", "someday"], "--until"),
        (["disqualify", "1", "--reason", "other"], "your own words"),
        (["undo", "nobody@nowhere.example"], "No lead"),
        (["convert", "1", "--value", "12", "--close-date", "soon"], "not a date"),
        # JSON has no infinity: one such deal in the outbox would stop every push.
        (["convert", "1", "--value", "inf"], "not infinity"),
        (["convert", "1", "--value", "1e309"], "not infinity"),
        (["convert", "1", "--value", "nan"], "not infinity"),
        (["convert", "1", "--value=-5"], "cannot be negative"),
        # After now: nothing to count, which would read as a quiet period.
        (["sla", "--since", "2030-01-01"], "after now"),
        (["report", "--since", "2030-01-01"], "after now"),
    ],
)
def test_bad_input_is_one_sentence(
    workspace_dir: Path, capsys: pytest.CaptureFixture[str], argv: list[str], words: str
) -> None:
    try:
        code, _, err = run(capsys, *argv)
    except SystemExit as exit_:  # argparse refuses before the command runs
        code, err = int(exit_.code or 0), capsys.readouterr().err
    assert code != 0
    assert words in err
    assert "Traceback" not in err
    assert len(err.strip().splitlines()) <= 3


def test_undo_with_nothing_to_take_back_says_so(
    workspace_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    lead = queue(capsys)[-1]
    code, _, err = run(capsys, "undo", str(lead["id"]))
    assert code == 1
    assert err.strip().startswith("leadtui: Nothing to undo on ")


def test_a_touch_on_a_teammates_lead_is_yours_and_leaves_their_clock(
    workspace_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = sqlite3.connect(workspace_dir / "leadtui.db")
    me = tomllib.loads((workspace_dir / "config.toml").read_text())["user"]["email"]
    (theirs,) = db.execute(
        "SELECT id FROM lead WHERE owner != ? AND status = 'new' AND first_touch_at IS NULL"
        " ORDER BY id LIMIT 1",
        (me,),
    ).fetchone()
    code, _, err = run(capsys, "log", str(theirs), "--channel", "call", "--outcome", "connected")
    assert code == 0, err
    (by,) = db.execute(
        "SELECT by FROM touch WHERE lead_id = ? ORDER BY id DESC LIMIT 1", (theirs,)
    ).fetchone()
    assert by == me
    # Only the owner's own touch stops the owner's speed-to-lead clock.
    assert lead_row(workspace_dir, theirs)["first_touch_at"] is None


def gave_up(capsys: pytest.CaptureFixture[str], lead_id: int) -> bool:
    code, out, err = run(capsys, "sla", "--team", "--format", "json")
    assert code == 0, err
    return any(b["lead_id"] == lead_id and b["kind"] == "gave_up_early" for b in json.loads(out))


def test_a_reopened_lead_has_a_next_step_and_was_not_given_up(
    workspace_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    lead = next(r for r in queue(capsys) if r["cadence"] and r["cadence"]["next_due"])
    step = lead["cadence"]["step"]
    code, _, err = run(capsys, "disqualify", str(lead["id"]), "--reason", "No response")
    assert code == 0, err
    assert gave_up(capsys, lead["id"])  # "no response" before 5 touches is giving up
    code, _, err = run(capsys, "reopen", str(lead["id"]))
    assert code == 0, err
    again = next(r for r in queue(capsys) if r["id"] == lead["id"])
    assert again["cadence"]["next_due"] is not None and again["cadence"]["step"] == step
    assert not gave_up(capsys, lead["id"])
    # Undone, the reopening takes its restarted cadence back with it.
    code, _, err = run(capsys, "undo", str(lead["id"]))
    assert code == 0, err
    assert gave_up(capsys, lead["id"])


def test_times_in_a_listing_are_to_the_second(
    workspace_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # A due time made from the wall clock (here --now with microseconds) used to be listed as
    # "…04:56:12.941472-05:00" in JSON, CSV and the table.
    lead = next(r for r in queue(capsys) if r["cadence"] and r["cadence"]["next_due"])
    when = "2026-11-18T15:00:00.941472+00:00"  # the touch is kept to the CRM's millisecond
    argv = ["log", str(lead["id"]), "--channel", "email", "--outcome", "sent"]
    code, _, err = run(capsys, "--now", when, *argv)
    assert code == 0, err
    listed = {r["id"]: r for r in queue(capsys)}[lead["id"]]
    shown = [listed["cadence"]["next_due"], listed["speed_to_lead"]["first_touch_at"]]
    assert any(shown) and not any("." in t for t in shown if t), shown
