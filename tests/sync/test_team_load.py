"""The team load test, kept short: many reps acting at once on a team database while the team's
sync runs, then every action counted in the database, its outbox and the CRM (bench.team has the
full-size run: 50 reps, 100,000 leads)."""

from __future__ import annotations

from pathlib import Path

from bench.team import pull_all, run_load
from sync.sandbox import start_sandbox
from tests.conftest import NOW
from tests.postgres import fresh_database, require_server


def test_many_reps_at_once_with_the_sync_running_lose_and_duplicate_nothing(
    tmp_path: Path,
) -> None:
    with (
        start_sandbox(seed=9, leads=400, reps=4, now=NOW, rate_limit=None) as box,
        fresh_database(require_server()) as url,
    ):
        pull_all(url, box.base_url, box.token, tmp_path)
        figures = run_load(url, box.base_url, box.token, reps=8, seconds=2.0, folder=tmp_path)
    assert figures["errors"] == []
    assert figures["touches"] > 0 and figures["notes"] > 0
    assert figures["lost"] == 0 and figures["duplicated"] == 0, figures
    assert figures["crm_calls_made"] == figures["touches"]
    assert figures["outbox_note_rows"] == figures["notes"]
