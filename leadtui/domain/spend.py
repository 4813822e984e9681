"""Money by source: what marketing spent on each source, against what the source brought in.

RESEARCH.md: judge a source by revenue per lead and cost per opportunity, not by cost per lead.
Spend is optional configuration (`[[spend]]`: source, month, amount); without it the report
has no money columns at all, because a cost of 0 would be a claim, not a blank.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, time, tzinfo
from typing import Any

from leadtui.domain.metrics import GroupMetrics, Money

_MONTH = re.compile(r"(\d{4})-(\d{2})")


@dataclass(frozen=True, slots=True)
class Spend:
    source: str  # as the report names it ("paid_search"), matched loosely: "Paid search" too
    month: date  # the first day of the month
    amount: float


class SpendError(ValueError):
    """A bad [[spend]] entry: `number` (1-based) and `key` say where, the message what."""

    def __init__(self, number: int, key: str, message: str) -> None:
        super().__init__(f"[[spend]] number {number}: {key} {message}")
        self.number = number
        self.key = key


def spend_from_config(items: Iterable[Mapping[str, Any]] | None) -> tuple[Spend, ...]:
    """`[[spend]]` tables, checked; raises SpendError naming the entry and key."""
    out: list[Spend] = []
    seen: set[tuple[str, date]] = set()
    for number, item in enumerate(items or (), start=1):
        unknown = sorted(set(item) - {"source", "month", "amount"})
        if unknown:
            raise SpendError(number, unknown[0], "is not a known key; use source, month, amount")
        source = item.get("source")
        if not isinstance(source, str) or not source.strip():
            raise SpendError(number, "source", 'must name a lead source, like "paid_search"')
        month = _month(item.get("month"))
        if month is None:
            raise SpendError(number, "month", 'must be a month written "2026-11"')
        amount = item.get("amount")
        if isinstance(amount, bool) or not isinstance(amount, int | float) or amount < 0:
            raise SpendError(number, "amount", "must be a number of 0 or more, like 4200")
        key = (source_key(source), month)
        if key in seen:
            raise SpendError(number, "month", f"{month:%Y-%m} of {source!r} is given twice")
        seen.add(key)
        out.append(Spend(source.strip(), month, float(amount)))
    return tuple(out)


def source_key(name: str) -> str:
    """ "Paid search", "paid-search" and "paid_search" are one source."""
    return re.sub(r"[\s\-]+", "_", name.strip().casefold())


def _month(value: Any) -> date | None:
    if isinstance(value, date) and not isinstance(value, datetime):
        return value.replace(day=1)  # TOML's local date: 2026-11-01
    match = _MONTH.fullmatch(str(value).strip()) if isinstance(value, str) else None
    if match is None or not 1 <= int(match.group(2)) <= 12:
        return None
    return date(int(match.group(1)), int(match.group(2)), 1)


def spend_in_period(
    entries: Sequence[Spend], source: str, since: datetime | None, until: datetime, zone: tzinfo
) -> float | None:
    """The source's spend over [since, until], each month prorated by the share of it inside
    the period (months run midnight to midnight in `zone`); None when the source has no entry."""
    mine = [e for e in entries if source_key(e.source) == source_key(source)]
    if not mine:
        return None
    total = 0.0
    for entry in mine:
        start = datetime.combine(entry.month, time(0), tzinfo=zone)
        following = date(entry.month.year + entry.month.month // 12, entry.month.month % 12 + 1, 1)
        end = datetime.combine(following, time(0), tzinfo=zone)
        inside = min(end, until) - max(start, since or start)
        if inside.total_seconds() > 0:
            total += entry.amount * inside / (end - start)
    return round(total, 2)


def with_spend(
    metrics: Sequence[GroupMetrics],
    entries: Sequence[Spend],
    since: datetime | None,
    until: datetime,
    zone: tzinfo,
) -> list[GroupMetrics]:
    """Source metrics with their Money filled in where the source has spend configured."""
    out = []
    for m in metrics:
        spent = spend_in_period(entries, m.key, since, until, zone)
        out.append(m if spent is None else replace(m, money=money_of(m, spent)))
    return out


def money_of(m: GroupMetrics, spent: float) -> Money:
    def per(count: int) -> float | None:
        return round(spent / count, 2) if count else None

    return Money(
        spend=spent,
        cost_per_lead=per(m.leads),
        cost_per_opportunity=per(m.opportunities),
        cost_per_won=per(m.won),
        return_on_spend=round(m.revenue / spent, 2) if spent else None,
    )
