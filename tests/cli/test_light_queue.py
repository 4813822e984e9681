"""`leadtui queue`'s light path (plain sqlite3, the config as last validated) gives exactly what
the full path (ORM, pydantic) gives, and steps aside whenever it could not promise that."""

from __future__ import annotations

import sqlite3
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from leadtui import checked_config, light_queue, output, views
from leadtui.cli import main
from leadtui.config import load
from leadtui.locations import Locations, locate
from leadtui.store import light
from leadtui.store.engine import MIGRATIONS
from leadtui.workspace import Workspace
from tests.conftest import NOW


def _full(locations: Locations, now, rep: str | None) -> list[dict]:
    ws = Workspace.open(load(locations.config_path), locations)
    try:
        with ws.session() as session:
            items = views.queue(ws, session, now, rep or ws.me or None)
        return [output.queue_row(i, now, ws.rules.calendar.zone) for i in items]
    finally:
        ws.close()


def _light(locations: Locations, now, rep: str | None) -> list[dict] | None:
    found = light_queue.queue(locations, now, rep, explicit_config=False)
    if found is None:
        return None
    items, zone = found
    return [output.queue_row(i, now, zone) for i in items]


def _remember(locations: Locations) -> None:
    load(locations.config_path, remember_in=locations.data_dir)


@pytest.mark.parametrize("hours", [-30 * 24, -6, 0, 2, 26, 24 * 20])
def test_both_paths_give_the_same_queue(workspace_dir: Path, hours: int) -> None:
    locations = locate(None, str(workspace_dir))
    _remember(locations)
    now = NOW + timedelta(hours=hours)  # before touches happened, at seed time, days later
    reps = [None]
    with sqlite3.connect(locations.database) as conn:
        reps += [r[0] for r in conn.execute("SELECT DISTINCT owner FROM lead ORDER BY owner")]
    compared = 0
    for rep in reps:
        full, fast = _full(locations, now, rep), _light(locations, now, rep)
        assert fast == full
        compared += len(full)
    assert compared > 40  # the seeded workspace's leads were really compared


def test_the_command_prints_the_same_bytes_either_way(workspace_dir: Path, capsys) -> None:
    argv = ["--now", NOW.isoformat(), "queue", "--format", "json"]
    (workspace_dir / checked_config.FILE).unlink(missing_ok=True)
    assert main(argv) == 0  # no remembered config yet: the full path, which remembers it
    full = capsys.readouterr().out
    assert (workspace_dir / checked_config.FILE).exists()
    assert main(argv) == 0  # now the light path
    assert capsys.readouterr().out == full
    assert '"speed_to_lead"' in full


def test_a_changed_config_is_not_trusted_until_validated_again(workspace_dir: Path) -> None:
    locations = locate(None, str(workspace_dir))
    _remember(locations)
    assert checked_config.recall(locations) is not None
    text = locations.config_path.read_text(encoding="utf-8")
    locations.config_path.write_text(text + "\n[sla]\nat_risk_minutes = -4\n", encoding="utf-8")
    assert checked_config.recall(locations) is None
    assert _light(locations, NOW, None) is None  # so the full path reports the bad value


def test_a_bad_config_still_gets_its_sentence(workspace_dir: Path, capsys) -> None:
    locations = locate(None, str(workspace_dir))
    _remember(locations)
    text = locations.config_path.read_text(encoding="utf-8")
    locations.config_path.write_text(text.replace("[sla]", "[sla]\nspeed = 3"), encoding="utf-8")
    assert main(["queue", "--format", "json"]) == 1
    assert "speed" in capsys.readouterr().err


def test_working_hours_sla_takes_the_full_path(workspace_dir: Path) -> None:
    locations = locate(None, str(workspace_dir))
    text = locations.config_path.read_text(encoding="utf-8")
    locations.config_path.write_text(
        text.replace("business_hours_only = false", "business_hours_only = true"), encoding="utf-8"
    )
    _remember(locations)
    assert checked_config.recall(locations).sla.business_hours_only is True
    assert _light(locations, NOW, None) is None


def test_a_cache_at_another_schema_version_takes_the_full_path(workspace_dir: Path) -> None:
    locations = locate(None, str(workspace_dir))
    _remember(locations)
    with sqlite3.connect(locations.database) as conn:
        conn.execute("UPDATE meta SET value = '99' WHERE key = 'schema_version'")
    assert _light(locations, NOW, None) is None


def test_the_light_path_reads_the_schema_the_store_writes() -> None:
    assert 1 + len(MIGRATIONS) == light.SCHEMA_VERSION


def test_a_team_database_config_is_not_remembered(workspace_dir: Path) -> None:
    locations = locate(None, str(workspace_dir))
    text = locations.config_path.read_text(encoding="utf-8")
    url = "postgresql+psycopg://rep:secret@db.example/leadtui"
    locations.config_path.write_text(f'{text}\n[store]\nurl = "{url}"\n', encoding="utf-8")
    (workspace_dir / checked_config.FILE).unlink(missing_ok=True)
    _remember(locations)
    assert not (workspace_dir / checked_config.FILE).exists()
    assert _light(locations, NOW, None) is None


def _new_lead_of(locations: Locations, email: str) -> int:
    with sqlite3.connect(locations.database) as conn:
        found = conn.execute(
            "SELECT id FROM lead WHERE status = 'new' AND archived = 0 AND lower(owner) = ? "
            "AND first_touch_at IS NULL ORDER BY id LIMIT 1",
            [email.lower()],
        ).fetchone()
    assert found is not None
    return int(found[0])


def test_touches_logged_and_undone_move_both_paths_alike(workspace_dir: Path) -> None:
    # The light path takes a lead's first touch and touch count from the figures the cache keeps
    # beside it; every change to its touches must leave them as the touches themselves say.
    locations = locate(None, str(workspace_dir))
    _remember(locations)
    me = load(locations.config_path).user.email
    lead_id = _new_lead_of(locations, me)
    now = NOW + timedelta(minutes=5)
    steps = [
        ["log", str(lead_id), "--channel", "call", "--outcome", "no_answer"],
        ["log", str(lead_id), "--channel", "email", "--outcome", "sent"],
        ["undo", str(lead_id)],
        ["undo", str(lead_id)],
    ]
    seen = set()
    for step in steps:
        assert main(["--now", now.isoformat(), *step]) == 0
        _remember(locations)  # the action may have taken the full path: the light one answers
        later = now + timedelta(minutes=1)
        full, fast = _full(locations, later, None), _light(locations, later, None)
        assert fast == full
        mine = next(row for row in full if row["id"] == lead_id)
        seen.add((mine["touches"], mine["speed_to_lead"]["state"]))
    assert len(seen) >= 2  # the touches really changed the lead's figures


def test_a_changed_speed_to_lead_window_moves_both_paths_alike(workspace_dir: Path) -> None:
    # The stored deadline was derived with the old window; the deadline depends on the config,
    # so the light path computes it rather than reading it.
    locations = locate(None, str(workspace_dir))
    text = locations.config_path.read_text(encoding="utf-8")
    assert "speed_to_lead_minutes = 60" in text
    locations.config_path.write_text(
        text.replace("speed_to_lead_minutes = 60", "speed_to_lead_minutes = 240"), encoding="utf-8"
    )
    _remember(locations)
    full, fast = _full(locations, NOW, None), _light(locations, NOW, None)
    assert fast == full
    windows = {
        datetime.fromisoformat(row["speed_to_lead"]["deadline"])
        - datetime.fromisoformat(row["routed_at"])
        for row in full
        if row["recycle"] is None
    }
    assert windows == {timedelta(minutes=240)}  # not the 60 minutes the cache was derived with
