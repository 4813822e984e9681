"""Calibration figures computed by hand on a small fixed set."""

from __future__ import annotations

import pytest

from leadtui.domain.calibration import Outcome, calibrate, percentile
from leadtui.domain.models import Band
from leadtui.domain.scoring import Score, ScoreLine


def _score(total: int, *labels: str) -> Score:
    lines = tuple(ScoreLine("engagement", label, 10.0, "") for label in labels)
    return Score(total, 0, total, Band.WARM, lines)


OUTCOMES = [
    Outcome(_score(90, "Pricing page", "Webinar"), True),
    Outcome(_score(80, "Pricing page"), True),
    Outcome(_score(70, "Pricing page"), True),
    Outcome(_score(60, "Webinar"), True),
    Outcome(_score(50, "Pricing page"), False),
    Outcome(_score(40, "Newsletter"), False),
    Outcome(_score(30, "Newsletter"), False),
    Outcome(_score(20), False),
]


def test_lift_per_signal() -> None:
    result = calibrate(OUTCOMES)
    assert (result.leads, result.converted, result.base_rate) == (8, 4, 0.5)
    by_label = {s.label: s for s in result.signals}
    # Pricing page: 4 leads, 3 converted -> 75% / 50% base = lift 1.5; without it 1 of 4.
    pricing = by_label["Pricing page"]
    assert (pricing.leads_with, pricing.converted_with) == (4, 3)
    assert pricing.lift == pytest.approx(1.5)
    assert pricing.rate_without == pytest.approx(0.25)
    assert by_label["Webinar"].lift == pytest.approx(2.0)
    assert by_label["Newsletter"].lift == pytest.approx(0.0)
    assert [s.label for s in result.signals] == ["Webinar", "Pricing page", "Newsletter"]


def test_suggested_threshold_is_the_75th_percentile_of_converted_scores() -> None:
    result = calibrate(OUTCOMES)
    # Converted scores 60, 70, 80, 90: position 2.25 -> 80 + 0.25 * 10 = 82.5 -> 82.
    assert result.suggested_hot_at == 82
    assert result.captured_share == pytest.approx(0.25)  # only the 90 clears it
    assert result.precision == pytest.approx(1.0)
    assert result.enough_data is False


def test_empty_and_percentile_edges() -> None:
    empty = calibrate([])
    assert empty.base_rate is None and empty.suggested_hot_at is None and not empty.signals
    assert percentile([], 75) is None
    assert percentile([5], 75) == 5
    assert percentile([0, 10], 50) == 5


def test_never_suggests_a_threshold_above_which_fewer_converted_than_the_base_rate() -> None:
    # High scores mostly did not convert: the 75th percentile of converted scores (45) has 1 in 6
    # converting above it, against a base rate of 4 in 9 (issue 13, defect 15).
    outcomes = [Outcome(_score(s), True) for s in (10, 20, 30, 90)] + [
        Outcome(_score(s), False) for s in (85, 86, 87, 88, 95)
    ]
    result = calibrate(outcomes)
    assert result.base_rate == pytest.approx(4 / 9)
    assert result.suggested_hot_at == 90
    assert result.precision is not None and result.precision > result.base_rate
    # When nothing beats the base rate, nothing is suggested.
    flat = calibrate([Outcome(_score(50), True), Outcome(_score(50), False)])
    assert flat.suggested_hot_at is None
