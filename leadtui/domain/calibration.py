"""Score calibration: which signals actually predicted an opportunity, and where to draw the line.

It advises; it never changes the rules. A manager reads the lift of each signal beside the
current rules and decides.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from leadtui.domain.scoring import Score


@dataclass(frozen=True, slots=True)
class Outcome:
    """One lead as calibration sees it: its score (with the rules that fired) and whether it
    reached an opportunity."""

    score: Score
    converted: bool


@dataclass(frozen=True, slots=True)
class SignalLift:
    label: str
    kind: str  # "fit", "engagement" or "timeline"
    leads_with: int
    converted_with: int
    rate_with: float | None  # conversion rate among leads showing the signal
    rate_without: float | None
    lift: float | None  # rate_with / overall rate; > 1 predicts conversion, < 1 the opposite


@dataclass(frozen=True, slots=True)
class Calibration:
    leads: int
    converted: int
    base_rate: float | None
    signals: tuple[SignalLift, ...]  # strongest lift first
    suggested_hot_at: int | None  # see _suggest: beats the base rate, or None
    # What drawing the line there would have done on this data:
    captured_share: float | None  # of converted leads scoring at or above it
    precision: float | None  # of leads at or above it that converted
    enough_data: bool  # fewer than 20 converted leads make every figure here shaky


MIN_CONVERTED = 20


def percentile(values: Sequence[float], q: float) -> float | None:
    """Linear-interpolated percentile (q in 0..100), as numpy's default does."""
    if not values:
        return None
    ordered = sorted(values)
    position = (len(ordered) - 1) * q / 100
    low, high = math.floor(position), math.ceil(position)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def calibrate(outcomes: Sequence[Outcome]) -> Calibration:
    total = len(outcomes)
    converted = sum(1 for o in outcomes if o.converted)
    base = converted / total if total else None
    seen: dict[tuple[str, str], list[Outcome]] = {}
    for outcome in outcomes:
        for line in outcome.score.explanation:
            if line.points or line.kind == "timeline":
                seen.setdefault((line.kind, line.label), []).append(outcome)
    signals = []
    for (kind, label), having in seen.items():
        hits = sum(1 for o in having if o.converted)
        without_n = total - len(having)
        without_hits = converted - hits
        rate_with = hits / len(having) if having else None
        rate_without = without_hits / without_n if without_n else None
        lift = rate_with / base if base and rate_with is not None else None
        signals.append(SignalLift(label, kind, len(having), hits, rate_with, rate_without, lift))
    signals.sort(key=lambda s: (s.lift is None, -(s.lift or 0), -s.leads_with, s.label))

    converted_scores = [o.score.total for o in outcomes if o.converted]
    hot_at = _suggest(outcomes, converted_scores, base)
    captured = precision = None
    if hot_at is not None:
        captured, precision = _effect(outcomes, converted_scores, hot_at)
    return Calibration(
        leads=total,
        converted=converted,
        base_rate=base,
        signals=tuple(signals),
        suggested_hot_at=hot_at,
        captured_share=captured,
        precision=precision,
        enough_data=converted >= MIN_CONVERTED,
    )


def _effect(
    outcomes: Sequence[Outcome], converted_scores: Sequence[int], hot_at: int
) -> tuple[float, float | None]:
    """(share of converted leads at or above `hot_at`, share of those above it that converted)."""
    above = [o for o in outcomes if o.score.total >= hot_at]
    captured = sum(1 for s in converted_scores if s >= hot_at) / len(converted_scores)
    precision = sum(1 for o in above if o.converted) / len(above) if above else None
    return captured, precision


def _suggest(
    outcomes: Sequence[Outcome], converted_scores: Sequence[int], base: float | None
) -> int | None:
    """The 75th percentile of converted leads' scores, if more leads converted above it than
    the base rate; else the nearest converted score that does, stricter ones first; else None:
    a "hot" line above which fewer leads convert than overall would be worse than none.
    """
    threshold = percentile(converted_scores, 75)
    if threshold is None or base is None:
        return None
    # Too many non-converters above the percentile: a stricter line first, then a looser one.
    start = round(threshold)
    scores = sorted(set(converted_scores))
    candidates = [
        start,
        *(x for x in scores if x > start),
        *(x for x in reversed(scores) if x < start),
    ]
    for hot_at in candidates:
        _captured, precision = _effect(outcomes, converted_scores, hot_at)
        if precision is not None and precision > base:
            return hot_at
    return None
