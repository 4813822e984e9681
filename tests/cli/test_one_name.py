"""The CLI and the TUI say the same thing the same way (issue 13, defect 12)."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

from leadtui.cli import main
from tests.conftest import NOW
from widgets.queue_row import QueueRow, cells

AT = ["--now", NOW.isoformat()]


def test_a_lead_touched_late_is_breached_in_the_tui_as_in_the_cli() -> None:
    row = QueueRow.make(
        lead_id=1, name="A", company="", email="", phone="", band="hot", score=80, source="web",
        created_at=NOW, stl_deadline=NOW + timedelta(hours=1),
        first_touch_at=NOW + timedelta(hours=2), next_channel=None, next_due=None,
        paused=False, touches=1, steps_done=1, steps_total=6,
    )  # fmt: skip
    assert "breached" in cells(row, NOW + timedelta(hours=3), 900).sla
    untouched = QueueRow.make(
        **{**{f: getattr(row, f) for f in row.__slots__}, "first_touch_at": None}
    )
    assert "breached" in cells(untouched, NOW + timedelta(hours=3), 900).sla


def test_report_table_has_every_column_of_its_csv(workspace_dir: Path, capsys) -> None:
    assert main([*AT, "report", "--format", "csv"]) == 0
    csv_header = capsys.readouterr().out.splitlines()[0].split(",")
    assert main([*AT, "report"]) == 0
    # The table is one titled table per theme (funnel, quality, recycling): each header line
    # follows a title line; the reasons show as the top reason.
    lines = capsys.readouterr().out.splitlines()
    titles = [0] + [i + 1 for i, line in enumerate(lines) if not line]
    headers = [lines[t + 1].split() for t in titles]
    shown = {column for header in headers for column in header}
    expected = {"top_reason" if c == "disqualify_reasons" else c for c in csv_header}
    assert expected - shown == set()


def test_money_reads_the_same_in_the_report_table_and_on_the_board(
    workspace_dir: Path, capsys
) -> None:
    from leadtui.output import money

    assert main([*AT, "report", "--format", "json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    top = max(rows, key=lambda r: r["revenue"])
    assert top["revenue"] > 1000
    assert main([*AT, "report"]) == 0
    table = capsys.readouterr().out
    assert money(top["revenue"]) in table and money(top["revenue"]) == f"{top['revenue']:,.0f}"
