"""`leadtui agreement`: the rules in words, and figures equal to `leadtui report`'s."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest

from leadtui.cli import main
from tests.marketing.conftest import NOW, T0

SINCE = (T0 - timedelta(days=1)).isoformat()


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> str:
    assert main(["--now", NOW.isoformat(), *argv]) == 0
    return capsys.readouterr().out


def hours_or_minutes(minutes: float) -> str:
    return f"{minutes:.1f} min" if minutes < 120 else f"{minutes / 60:.1f} h"


def table_rows(markdown: str, heading: str) -> dict[str, list[str]]:
    section = markdown.split(heading, 1)[1].split("\n## ", 1)[0]
    rows = [line.strip("|").split("|") for line in section.splitlines() if line.startswith("| ")]
    return {cells[0].strip(): [c.strip() for c in cells[1:]] for cells in rows[1:]}


def test_the_agreements_figures_are_the_reports(shop_dir: Path, capsys) -> None:
    text = run(capsys, "agreement", "--since", SINCE)
    report = {
        r["source"]: r
        for r in json.loads(run(capsys, "report", "--since", SINCE, "--format", "json"))
    }
    rows = table_rows(text, "## 6. What marketing hands over")
    assert set(rows) == set(report) == {"paid_search", "webinar"}
    for source, cells in rows.items():
        r = report[source]
        top = r["disqualify_reasons"][0]
        assert cells[:9] == [
            str(r["leads"]),
            f"{r['accepted_pct']:.1f}%",
            f"{r['rejected_pct']:.1f}%",
            f"{top['label'].split(' (')[0]} ({top['pct']:.1f}%)",
            f"{r['bad_phone_pct']:.1f}%",
            f"{r['bad_email_pct']:.1f}%",
            hours_or_minutes(r["median_handoff_minutes"]),
            hours_or_minutes(r["p90_handoff_minutes"]),
            f"{r['revenue_per_lead']:,.2f}",
        ]
        if "cost_per_opportunity" in r:
            assert cells[9] == f"{r['cost_per_opportunity']:,.2f}"
    # All six leads together, by hand: five first touches inside the hour (3 to 5 minutes),
    # lead 4 never touched; the early drops are the report's, summed.
    assert "**Measured:** 83.3% of leads whose window has closed" in text
    assert "median first response 5.0 min" in text
    dropped = sum(r["gave_up_early"] for r in report.values())
    assert f"gave up early on {dropped} of 6 leads ({100 * dropped / 6:.1f}%)" in text
    reasons = table_rows(text, "## 4. Why sales turns a lead down")
    assert reasons["Student or job seeker"] == ["no", "1", "33.3%"]
    assert reasons["No response"][:2] == ["yes, before the 5th touch", "0"]
    # Which leads the figures count is said: those that arrived in the period (a lead created
    # before it that came back today is not among them).
    recycled = sum(r["recycled"] for r in report.values())
    assert f"of the leads that arrived in the period, {recycled} came back" in text


def test_the_default_period_is_the_last_30_days(shop_dir: Path, capsys) -> None:
    text = run(capsys, "agreement")
    assert "Period: 19 Oct 2026 11:00 to 18 Nov 2026 10:00 (America/New_York)" in text
    assert "| Sales lead |" in text and "| Marketing lead |" in text
    for section in ("1. What a qualified lead is", "2. How fast", "3. How long", "5. Leads that"):
        assert f"## {section}" in text


def test_a_since_after_now_is_one_sentence(shop_dir: Path, capsys) -> None:
    assert main(["--now", NOW.isoformat(), "agreement", "--since", "2027-01-01"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("leadtui: --since 2027-01-01 is after now") and "Traceback" not in err


def test_the_demo_workspace_prints_an_agreement(tmp_path: Path, capsys) -> None:
    folder = tmp_path / "demo"
    assert main(["--now", NOW.isoformat(), "--data-dir", str(folder), "demo", "--no-open"]) == 0
    capsys.readouterr()
    assert main(["--now", NOW.isoformat(), "--data-dir", str(folder), "agreement"]) == 0
    text = capsys.readouterr().out
    sources = table_rows(text, "## 6. What marketing hands over")
    assert len(sources) >= 5 and all(cells[0].isdigit() for cells in sources.values())
    assert "| hot | 75 and over |" in text
