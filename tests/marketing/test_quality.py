"""Lead quality and money by source, by hand on the fixed shop, through `leadtui report`."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from leadtui import board, views
from leadtui.cli import main
from leadtui.workspace import Workspace
from tests.marketing.conftest import NOW, write_shop


def report(capsys: pytest.CaptureFixture[str], fmt: str = "json", *extra: str) -> str:
    assert (
        main(["--now", NOW.isoformat(), "report", "--by", "source", *extra, "--format", fmt]) == 0
    )
    return capsys.readouterr().out


def rows_of(capsys: pytest.CaptureFixture[str], *extra: str) -> dict[str, dict]:
    return {r["source"]: r for r in json.loads(report(capsys, "json", *extra))}


def test_quality_by_hand(shop_dir: Path, capsys) -> None:
    rows = rows_of(capsys)
    paid, webinar = rows["paid_search"], rows["webinar"]
    assert paid["leads"] == 4 and paid["disqualified"] == 2
    assert [(r["reason"], r["count"], r["pct"]) for r in paid["disqualify_reasons"]] == [
        ("bad_contact_data", 1, 50.0),
        ("no_budget", 1, 50.0),
    ]
    # Lead 2's "123" (and the call that found it dead); lead 3's bounce.
    assert (paid["bad_phone_pct"], paid["bad_email_pct"]) == (25.0, 25.0)
    # Handoffs 2, 10 and 30 minutes: median 10; 90th percentile 10 + 0.8 * 20.
    assert (paid["median_handoff_minutes"], paid["p90_handoff_minutes"]) == (10.0, 26.0)
    assert (paid["accepted"], paid["accepted_pct"]) == (1, 25.0)
    assert (paid["rejected"], paid["rejected_pct"]) == (2, 50.0)
    assert webinar["disqualify_reasons"] == [
        {"reason": "student", "label": "Student or job seeker", "count": 1, "pct": 100.0}
    ]
    assert (webinar["median_handoff_minutes"], webinar["p90_handoff_minutes"]) == (300.0, 300.0)
    assert (webinar["accepted_pct"], webinar["rejected"]) == (100.0, 0)
    assert (webinar["bad_phone_pct"], webinar["bad_email_pct"]) == (0.0, 0.0)


def test_money_with_spend_by_hand(shop_dir: Path, capsys) -> None:
    rows = rows_of(capsys)
    paid = rows["paid_search"]
    # October's 3 000 is all inside "all time until 18 Nov"; December's 5 000 is not yet spent.
    assert paid["spend"] == 3000.0
    assert paid["cost_per_lead"] == 750.0
    assert paid["cost_per_opportunity"] == 3000.0 and paid["cost_per_won"] == 3000.0
    assert paid["return_on_spend"] == round(20_000 / 3000, 2)
    assert paid["revenue_per_lead"] == 5000.0
    # No spend for webinars: the money keys are absent, not zero.
    assert "spend" not in rows["webinar"] and "cost_per_lead" not in rows["webinar"]


def test_money_prorated_to_since(shop_dir: Path, capsys) -> None:
    # Since 16 Oct 00:00 New York: 16 of October's 31 days.
    paid = rows_of(capsys, "--since", "2026-10-16T00:00:00-04:00")["paid_search"]
    assert paid["spend"] == round(3000 * 16 / 31, 2)


def test_without_spend_no_money_columns(tmp_path: Path, monkeypatch, capsys) -> None:
    folder = write_shop(tmp_path / "plain", extra_config="")
    monkeypatch.setenv("LEADTUI_DATA_DIR", str(folder))
    rows = rows_of(capsys)
    assert all("spend" not in row and "return_on_spend" not in row for row in rows.values())
    header = next(csv.reader(io.StringIO(report(capsys, "csv"))))
    assert "cost_per_lead" not in header and "bad_phone_pct" in header
    assert "Money" not in report(capsys, "table")


def test_csv_and_table_carry_the_new_fields(shop_dir: Path, capsys) -> None:
    records = {r["source"]: r for r in csv.DictReader(io.StringIO(report(capsys, "csv")))}
    paid = records["paid_search"]
    assert paid["disqualify_reasons"] == "bad_contact_data 1 (50.0%); no_budget 1 (50.0%)"
    assert paid["p90_handoff_minutes"] == "26.0" and paid["cost_per_lead"] == "750.0"
    assert records["webinar"]["cost_per_lead"] == ""
    table = report(capsys, "table")
    assert "Lead quality" in table and "Money" in table
    quality = table.split("Lead quality")[1].split("Money")[0]
    assert "bad_contact_data (50%)" in quality


def test_board_agrees_with_report(shop_dir: Path, shop_ws: Workspace, capsys) -> None:
    rows = rows_of(capsys)
    with shop_ws.session() as session:
        loaded = board.load_board(shop_ws, session, NOW, "all")
        again = views.report(shop_ws, session, NOW, "source")
    assert loaded.sources == again
    for m in loaded.sources:
        row = rows[m.key]
        assert (m.bad_phone_pct, m.p90_handoff_minutes, m.rejected) == (
            row["bad_phone_pct"],
            row["p90_handoff_minutes"],
            row["rejected"],
        )
        assert (m.money.spend if m.money else None) == row.get("spend")
