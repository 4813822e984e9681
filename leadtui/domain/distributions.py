"""The figures behind the manager's pictures: response times, daily SLA compliance, funnels.

Plain counts over `LeadFacts`; the screens draw them and `leadtui report` can print them.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, tzinfo

from leadtui.domain.metrics import LeadFacts
from leadtui.domain.models import SpeedToLeadState

# Upper bounds in minutes; the speed-to-lead research cares about 5, 30 and 60 minutes.
RESPONSE_BUCKETS: tuple[tuple[str, float], ...] = (
    ("<5m", 5),
    ("5-15m", 15),
    ("15-30m", 30),
    ("30-60m", 60),
    ("1-4h", 240),
    ("4-24h", 1440),
    (">24h", float("inf")),
)
NEVER = "not yet"  # never touched, or a window still open


def response_histogram(facts: Iterable[LeadFacts]) -> list[tuple[str, int]]:
    """How many leads got their first human touch within each bucket, plus those never touched."""
    counts: Counter[str] = Counter()
    for fact in facts:
        minutes = fact.first_response_minutes
        if minutes is None:
            counts[NEVER] += 1
            continue
        label = next(label for label, bound in RESPONSE_BUCKETS if minutes < bound)
        counts[label] += 1
    return [(label, counts[label]) for label, _ in RESPONSE_BUCKETS] + [(NEVER, counts[NEVER])]


@dataclass(frozen=True, slots=True)
class DayCompliance:
    day: date
    met: int
    breached: int

    @property
    def pct(self) -> float | None:
        closed = self.met + self.breached
        return round(100 * self.met / closed, 1) if closed else None


def compliance_by_day(facts: Iterable[LeadFacts], zone: tzinfo) -> list[DayCompliance]:
    """Met versus breached windows per day the lead arrived (in the manager's zone), oldest first.

    Windows still open are left out: they can go either way.
    """
    met: dict[date, int] = defaultdict(int)
    breached: dict[date, int] = defaultdict(int)
    for fact in facts:
        day = fact.created_at.astimezone(zone).date()
        if fact.stl_state is SpeedToLeadState.MET:
            met[day] += 1
        elif fact.stl_state is SpeedToLeadState.BREACHED:
            breached[day] += 1
    days = sorted(set(met) | set(breached))
    return [DayCompliance(day, met[day], breached[day]) for day in days]


@dataclass(frozen=True, slots=True)
class Funnel:
    source: str
    leads: int
    contacted: int
    opportunities: int
    won: int


def funnels(facts: Sequence[LeadFacts]) -> list[Funnel]:
    """Leads -> contacted -> opportunity -> won per source, most leads first."""
    groups: dict[str, list[LeadFacts]] = defaultdict(list)
    for fact in facts:
        groups[fact.source].append(fact)
    out = [
        Funnel(
            source=source,
            leads=len(items),
            contacted=sum(1 for f in items if f.first_response_minutes is not None),
            opportunities=sum(1 for f in items if f.opportunity_at or f.won_at),
            won=sum(1 for f in items if f.won_at),
        )
        for source, items in groups.items()
    ]
    return sorted(out, key=lambda f: (-f.leads, f.source))
