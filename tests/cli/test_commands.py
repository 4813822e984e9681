"""The command line on a real SQLite file: output shapes, consistency, and every error path."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import tomllib
from datetime import UTC, datetime
from pathlib import Path

import pytest

from leadtui.cli import main
from leadtui.domain.metrics import REPORT_FIELDS
from leadtui.store import queries
from tests.conftest import NOW

AT = ["--now", NOW.isoformat()]

QUEUE_KEYS = {
    "id", "crm_id", "name", "company", "email", "phone", "owner", "source", "score", "band",
    "status", "created_at", "routed_at", "time_in_system_minutes", "speed_to_lead", "cadence",
    "touches", "context",
    "recycle",  # beyond DESIGN.md: why a lead came back from nurture (issue 14), or null
}  # fmt: skip
REPORT_KEYS = [
    "leads", "contacted_within_sla_pct", "median_first_response_minutes", "opportunities",
    "won", "lead_to_opportunity_pct", "opportunity_to_won_pct", "revenue", "revenue_per_lead",
    "avg_deal_value", "median_cycle_days", "gave_up_early",
]  # fmt: skip


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main([*AT, *argv])
    out, err = capsys.readouterr()
    return code, out, err


def run_json(capsys: pytest.CaptureFixture[str], *argv: str) -> list[dict]:
    code, out, err = run(capsys, *argv, "--format", "json")
    assert code == 0, err
    return json.loads(out)


def test_queue_json_has_the_design_shape_and_order(workspace_dir: Path, capsys) -> None:
    rows = run_json(capsys, "queue")
    assert rows, "the demo rep has leads"
    assert set(rows[0]) == QUEUE_KEYS
    assert set(rows[0]["speed_to_lead"]) == {"deadline", "state", "minutes_left", "first_touch_at"}
    assert set(rows[0]["context"]) == {"page_views", "downloads", "last_page", "form_answers"}
    owners = {row["owner"] for row in rows}
    assert len(owners) == 1, "a rep's queue holds only their leads"
    states = [row["speed_to_lead"]["state"] for row in rows]
    open_windows = [i for i, s in enumerate(states) if s in ("pending", "at_risk")]
    assert open_windows == list(range(len(open_windows))), "open windows come first"
    lefts = [rows[i]["speed_to_lead"]["minutes_left"] for i in open_windows]
    assert lefts == sorted(lefts), "least time left first"
    for row in rows:
        assert row["band"] in {"hot", "warm", "cool", "unqualified"}
        assert row["status"] in {"new", "working", "nurture"}


def test_other_reps_queue_and_csv(workspace_dir: Path, capsys) -> None:
    team = run_json(capsys, "sla", "--team")
    other = next(b["owner"] for b in team if b["owner"] != team[0]["owner"])
    rows = run_json(capsys, "queue", "--rep", other)
    assert {row["owner"] for row in rows} == {other}
    code, out, _ = run(capsys, "queue", "--rep", other, "--format", "csv")
    assert code == 0
    assert out.splitlines()[0].startswith("id,speed_to_lead.state,speed_to_lead.minutes_left,name")
    assert len(out.splitlines()) == len(rows) + 1


def test_late_first_touch_is_a_speed_to_lead_breach(workspace_dir: Path, capsys) -> None:
    queue = run_json(capsys, "queue")
    breaches = run_json(capsys, "sla", "--team")
    stl = {(b["lead_id"]) for b in breaches if b["kind"] == "speed_to_lead"}
    late = [r for r in queue if r["speed_to_lead"]["state"] == "breached"]
    assert late, "the demo has breached windows"
    for row in late:
        assert row["id"] in stl
    for row in queue:
        if row["speed_to_lead"]["state"] == "met":
            assert row["id"] not in stl
    kinds = {b["kind"] for b in breaches}
    assert kinds == {"speed_to_lead", "overdue_touch", "gave_up_early"}
    for b in breaches:
        assert set(b) == {
            "lead_id", "crm_id", "lead", "owner", "source", "kind", "due_at",
            "late_by_minutes", "resolved_at",
        }  # fmt: skip


def test_report_by_source_and_rep_agree(workspace_dir: Path, capsys) -> None:
    by_source = run_json(capsys, "report", "--by", "source")
    by_rep = run_json(capsys, "report", "--by", "rep")
    assert list(by_source[0])[:1] == ["source"]
    assert [k for k in by_source[0] if k in REPORT_KEYS] == REPORT_KEYS
    for field in ("leads", "opportunities", "won", "gave_up_early"):
        assert sum(r[field] for r in by_source) == sum(r[field] for r in by_rep)
    assert sum(r["leads"] for r in by_source) == 120
    breaches = run_json(capsys, "sla", "--team")
    gave_up = {b["lead_id"] for b in breaches if b["kind"] == "gave_up_early"}
    assert sum(r["gave_up_early"] for r in by_source) == len(gave_up)
    won_revenue = sum(r["revenue"] for r in by_source)
    assert won_revenue > 0


def test_log_stops_the_clock_and_queues_for_sync(workspace_dir: Path, capsys) -> None:
    reps = [r["rep"] for r in run_json(capsys, "report", "--by", "rep")]
    queues = [run_json(capsys, "queue", "--rep", rep) for rep in reps]
    fresh = [r for q in queues for r in q if r["speed_to_lead"]["state"] == "pending"]
    assert fresh, "the demo has leads whose clock is running"
    lead = fresh[0]
    # Logged by the lead's owner: a teammate's touch is theirs, and leaves the owner's clock.
    config = workspace_dir / "config.toml"
    me = tomllib.loads(config.read_text())["user"]["email"]
    config.write_text(config.read_text().replace(f'"{me}"', f'"{lead["owner"]}"', 1))
    channel = lead["cadence"]["next_channel"]  # the touch the first step asks for
    outcome = "left_voicemail" if channel == "call" else "sent"
    code, out, err = run(
        capsys, "log", lead["email"], "--channel", channel, "--outcome", outcome,
        "--note", "Asked about the pricing page",
    )  # fmt: skip
    assert code == 0, err
    assert "queued for sync" in out
    after = {r["id"]: r for r in run_json(capsys, "queue", "--rep", lead["owner"])}[lead["id"]]
    assert after["speed_to_lead"]["state"] == "met"
    first = datetime.fromisoformat(after["speed_to_lead"]["first_touch_at"])
    assert first == NOW
    assert after["touches"] == lead["touches"] + 1
    assert after["cadence"]["step"] == 2
    db = sqlite3.connect(workspace_dir / "leadtui.db")
    kinds = [k for (k,) in db.execute("SELECT kind FROM outbox WHERE lead_id = ?", (lead["id"],))]
    assert "create_touch" in kinds
    note = db.execute("SELECT note FROM touch WHERE lead_id = ?", (lead["id"],)).fetchall()
    assert ("Asked about the pricing page",) in note


def test_wrong_number_marks_the_phone_bad(workspace_dir: Path, capsys) -> None:
    lead = run_json(capsys, "queue")[0]
    assert (
        run(capsys, "log", str(lead["id"]), "--channel", "call", "--outcome", "wrong_number")[0]
        == 0
    )
    db = sqlite3.connect(workspace_dir / "leadtui.db")
    assert db.execute("SELECT phone_bad FROM lead WHERE id = ?", (lead["id"],)).fetchone() == (1,)


def test_unknown_lead_is_one_clear_sentence(workspace_dir: Path, capsys) -> None:
    code, _out, err = run(capsys, "log", "nobody@nowhere.example", "--channel", "call",
                         "--outcome", "busy")  # fmt: skip
    assert code == 1
    assert err.startswith("leadtui: No lead nobody@nowhere.example")
    assert "Traceback" not in err


def test_bad_config_names_key_line_and_allowed(workspace_dir: Path, capsys) -> None:
    config = workspace_dir / "config.toml"
    text = config.read_text().replace("speed_to_lead_minutes = 60", "speed_to_lead_minutes = -5")
    config.write_text(text)
    line = next(n for n, ln in enumerate(text.splitlines(), 1) if "speed_to_lead_minutes" in ln)
    code, _, err = run(capsys, "queue")
    assert code == 1
    assert f"(line {line}): [sla] speed_to_lead_minutes" in err
    assert "greater than or equal to 1" in err


def test_unknown_config_key_and_bad_timezone(workspace_dir: Path, capsys) -> None:
    config = workspace_dir / "config.toml"
    config.write_text('[calendar]\ntimezone = "Mars/Olympus"\n[sla]\nspeed_to_lead = 5\n')
    code, _, err = run(capsys, "queue")
    assert code == 1
    assert "[calendar] timezone must be an IANA time zone" in err
    assert "(line 4): [sla] speed_to_lead is not a known key" in err


def test_invalid_toml(workspace_dir: Path, capsys) -> None:
    (workspace_dir / "config.toml").write_text("[user\nemail=")
    code, _, err = run(capsys, "queue")
    assert code == 1 and "not valid TOML" in err


def test_corrupt_cache_is_reported_and_left_alone(workspace_dir: Path, capsys) -> None:
    db = workspace_dir / "leadtui.db"
    for extra in ("leadtui.db-wal", "leadtui.db-shm"):
        (workspace_dir / extra).unlink(missing_ok=True)
    db.write_bytes(b"this is not a database at all" * 200)
    before = db.read_bytes()
    code, _, err = run(capsys, "queue")
    assert code == 1
    assert "damaged or not a leadtui database" in err
    assert db.read_bytes() == before


def test_locked_cache_is_reported(workspace_dir: Path, capsys) -> None:
    holder = sqlite3.connect(workspace_dir / "leadtui.db", timeout=0)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        code, _, err = run(capsys, "log", "1", "--channel", "call", "--outcome", "busy")
    finally:
        holder.rollback()
        holder.close()
    assert code == 1
    assert "locked by another program" in err


def test_unusable_data_dir(tmp_path: Path, capsys, monkeypatch) -> None:
    # A path below a plain file cannot become a folder, even for root (CI runs as root).
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    monkeypatch.setenv("LEADTUI_DATA_DIR", str(blocker / "data"))
    code, _, err = run(capsys, "queue")
    assert code == 1
    assert err.startswith("leadtui: The data dir") and "is a file, not a folder" in err
    assert "Traceback" not in err


def test_bad_since_and_bad_format(workspace_dir: Path, capsys) -> None:
    code, _, err = run(capsys, "sla", "--since", "last tuesday")
    assert code == 1 and "not an ISO date" in err
    with pytest.raises(SystemExit) as exit_info:
        main(["queue", "--format", "xml"])
    assert exit_info.value.code == 2


def test_sla_since_filters(workspace_dir: Path, capsys) -> None:
    everything = run_json(capsys, "sla", "--team")
    recent = run_json(capsys, "sla", "--team", "--since", "2026-11-10")
    assert 0 < len(recent) < len(everything)
    since = datetime(2026, 11, 10, tzinfo=UTC)
    assert all(datetime.fromisoformat(b["due_at"]) >= since for b in recent)


def test_console_script_never_shows_a_traceback(tmp_path: Path) -> None:
    env = {**os.environ, "LEADTUI_DATA_DIR": str(tmp_path)}
    (tmp_path / "config.toml").write_text("[user]\nrole = 'boss'\n")
    done = subprocess.run(
        [sys.executable, "-m", "leadtui.cli", "queue"], capture_output=True, text=True, env=env
    )
    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    assert "[user] role must be 'rep' or 'manager'" in done.stderr


def test_demo_prints_its_data_dir_and_refuses_foreign_folders(tmp_path: Path, capsys) -> None:
    folder = tmp_path / "demo"
    code, out, err = run(capsys, "--data-dir", str(folder), "demo", "--no-open", "--leads", "20")
    assert code == 0, err
    assert out.strip() == str(folder.resolve())
    assert (folder / "leadtui.db").exists()
    assert oct((folder / "leadtui.db").stat().st_mode & 0o777) == "0o600"
    foreign = tmp_path / "mine"
    foreign.mkdir()
    (foreign / "precious.txt").write_text("keep me")
    code, _, err = run(capsys, "--data-dir", str(foreign), "demo", "--no-open")
    assert code == 1 and "not a leadtui demo" in err
    assert (foreign / "precious.txt").read_text() == "keep me"


def test_bad_cadence_in_config_is_reported_with_its_line(workspace_dir: Path, capsys) -> None:
    config = workspace_dir / "config.toml"
    before = config.read_text()
    header = len(before.splitlines()) + 2
    config.write_text(
        before
        + '\n[cadences.blitz]\nsteps = [{channel = "call", day = 1}, {channel = "sms", day = 2}]\n'
    )
    code, _, err = run(capsys, "queue")
    assert code == 1
    assert f"(line {header}): cadence 'blitz' has 2 steps; a cadence needs 5 to 8" in err


def test_custom_cadence_from_config_is_usable(workspace_dir: Path, capsys) -> None:
    steps = ", ".join(f'{{channel = "email", day = {d}}}' for d in (1, 2, 3, 5, 8))
    config = workspace_dir / "config.toml"
    config.write_text(config.read_text() + f"\n[cadences.blitz]\nsteps = [{steps}]\n")
    lead = run_json(capsys, "queue")[0]
    from leadtui.config import load, locate
    from leadtui.workspace import Workspace

    locations = locate(None, str(workspace_dir))
    ws = Workspace.open(load(locations.config_path), locations)
    try:
        ws.enrol(lead["id"], "blitz", NOW)
    finally:
        ws.close()
    after = {r["id"]: r for r in run_json(capsys, "queue")}[lead["id"]]
    assert after["cadence"]["name"] == "blitz" and after["cadence"]["steps"] == 5


def test_report_csv_has_every_figure_as_a_raw_number(workspace_dir: Path, capsys) -> None:
    code, out, _ = run(capsys, "report", "--by", "source", "--format", "csv")
    assert code == 0
    header, *lines = out.splitlines()
    assert header.split(",")[: len(REPORT_KEYS) + 3] == [
        "source",
        *REPORT_KEYS,
        "overdue_now",
        "avg_touches_before_drop",
    ]
    assert header.split(",")[len(REPORT_KEYS) + 3 :] == list(
        REPORT_FIELDS[14:]
    )  # lead quality (issue 14)
    revenue_at = header.split(",").index("revenue")
    for line in lines:
        value = line.split(",")[revenue_at]
        assert value == "" or float(value) >= 0, line


def test_first_step_is_due_at_the_deadline_or_the_prospects_next_working_hour(
    tmp_path: Path, capsys
) -> None:
    # Sunday 22 Nov, 15:00 UTC: no prospect is in office hours; the hour still counts for the
    # speed-to-lead clock, but the first call is due when the prospect is at work (issue 13).
    from leadtui.config import load, locate
    from leadtui.workspace import Workspace

    sunday = "2026-11-22T15:00:00+00:00"
    folder = tmp_path / "sunday"
    assert main(["--now", sunday, "--data-dir", str(folder), "demo", "--no-open"]) == 0
    capsys.readouterr()
    pending = []
    for rep in {
        r["rep"] for r in json.loads(_out(capsys, folder, sunday, "report", "--by", "rep"))
    }:
        rows = json.loads(_out(capsys, folder, sunday, "queue", "--rep", rep))
        pending += [r for r in rows if r["speed_to_lead"]["state"] in ("pending", "at_risk")]
    assert pending
    locations = locate(None, str(folder))
    ws = Workspace.open(load(locations.config_path), locations)
    try:
        with ws.session() as session:
            for row in pending:
                due = datetime.fromisoformat(row["cadence"]["next_due"])
                deadline = datetime.fromisoformat(row["speed_to_lead"]["deadline"])
                lead = queries.find_lead(session, str(row["id"]))
                assert lead is not None
                prospect = ws.rules.calendar.in_zone(lead.timezone)
                assert due >= deadline and prospect.is_working_time(due), row["name"]
                assert due == prospect.next_working_moment(deadline), row["name"]
    finally:
        ws.close()


def _out(capsys, folder: Path, now: str, *argv: str) -> str:
    assert main(["--now", now, "--data-dir", str(folder), *argv, "--format", "json"]) == 0
    return capsys.readouterr().out


def test_log_refuses_an_outcome_that_does_not_fit_the_channel(workspace_dir: Path, capsys) -> None:
    lead = run_json(capsys, "queue")[0]
    code, _out, err = run(capsys, "log", str(lead["id"]), "--channel", "email", "--outcome", "busy")
    assert code != 0
    assert err.strip().count("\n") == 0 and "cannot be 'busy'" in err and "sent" in err
    assert run_json(capsys, "queue")[0]["touches"] == lead["touches"]
