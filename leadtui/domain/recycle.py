"""Leads that come back: a lead in nurture, or closed as not ready, shows buying intent again.

Most leads are not ready to buy when they first arrive (RESEARCH.md, the handoff): nurture keeps
them warm and hands them back to sales when they show intent again (a pricing visit, a demo
request, late-stage content). These rules decide, from the lead's web activity and `now`, whether
it is back and why, in words the rep reads in the queue ("back: viewed pricing twice this week").
The workspace then returns it to its rep's queue with a fresh speed-to-lead window.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from leadtui.domain.calendar import as_utc
from leadtui.domain.models import OPEN_STATUSES, Event, EventKind, Lead, LeadStatus
from leadtui.domain.reasons import DEFAULT_REASONS, DisqualifyReason, classify


@dataclass(frozen=True, slots=True)
class RecycleRule:
    """Intent shown by `times` events of `kind` whose URL or title contains one of `match`
    (case-insensitive; empty matches every event of the kind) within the window."""

    kind: EventKind
    says: str  # what the lead did, for the reason: "viewed pricing"
    match: tuple[str, ...] = ()
    times: int = 1

    def matches(self, event: Event) -> bool:
        if event.kind is not self.kind:
            return False
        text = f"{event.url} {event.title}".casefold()
        return not self.match or any(m.casefold() in text for m in self.match)


DEFAULT_RULES: tuple[RecycleRule, ...] = (
    RecycleRule(EventKind.FORM_SUBMISSION, "asked for a demo", ("demo",)),
    RecycleRule(
        EventKind.FORM_SUBMISSION, "asked for a quote or a call", ("quote", "contact sales", "call")
    ),
    RecycleRule(EventKind.PAGE_VIEW, "viewed pricing", ("/pricing",)),
    RecycleRule(EventKind.DOWNLOAD, "downloaded the ROI calculator", ("roi",)),
    RecycleRule(EventKind.DOWNLOAD, "downloaded a case study", ("case-study", "case study")),
)


@dataclass(frozen=True, slots=True)
class RecyclePolicy:
    window_days: int = 7
    # Open leads in these statuses can come back (nurture: marketing is keeping them warm).
    statuses: frozenset[LeadStatus] = frozenset({LeadStatus.NURTURE})
    # Disqualified leads whose reason is one of these pick-list keys can come back too.
    reasons: frozenset[str] = frozenset({"not_ready"})
    rules: tuple[RecycleRule, ...] = DEFAULT_RULES


@dataclass(frozen=True, slots=True)
class Comeback:
    at: datetime  # when the intent showed: the event that completed the rule; the new window
    reason: str  # "back: viewed pricing twice this week"


def can_come_back(
    lead: Lead, policy: RecyclePolicy, reasons: Sequence[DisqualifyReason] = DEFAULT_REASONS
) -> bool:
    if lead.status in policy.statuses:
        return True
    return (
        lead.status is LeadStatus.DISQUALIFIED
        and classify(lead.disqualified_reason, reasons).key in policy.reasons
    )


def comeback(
    lead: Lead,
    events: Iterable[Event],
    policy: RecyclePolicy,
    now: datetime,
    reasons: Sequence[DisqualifyReason] = DEFAULT_REASONS,
) -> Comeback | None:
    """Whether `lead` is back at `now`, and why; None when it is not (or cannot be).

    Only events inside the window (the last `window_days` up to `now`) count, and only those
    after the lead was last handed over: after it was closed, or after its clock last started
    (it arrived, or came back before), so one visit never brings a lead back twice.
    """
    if not can_come_back(lead, policy, reasons):
        return None
    now_u = as_utc(now)
    after = as_utc(lead.clock_start)
    if lead.status not in OPEN_STATUSES and lead.closed_at is not None:
        after = max(after, as_utc(lead.closed_at))
    opens = now_u - timedelta(days=policy.window_days)
    recent = sorted(
        (
            e
            for e in events
            if opens <= as_utc(e.occurred_at) <= now_u and as_utc(e.occurred_at) > after
        ),
        key=lambda e: as_utc(e.occurred_at),
    )
    for rule in policy.rules:
        hits = [e for e in recent if rule.matches(e)]
        if len(hits) >= rule.times:
            return Comeback(hits[rule.times - 1].occurred_at, _reason(rule, len(hits), policy))
    return None


def _reason(rule: RecycleRule, count: int, policy: RecyclePolicy) -> str:
    if count == 1:
        return f"back: {rule.says}"
    often = "twice" if count == 2 else f"{count} times"
    days = policy.window_days
    span = "today" if days == 1 else "this week" if days == 7 else f"in {days} days"
    return f"back: {rule.says} {often} {span}"


def policy_from_config(data: Mapping[str, Any] | None) -> RecyclePolicy:
    """`[recycle]` (window_days, statuses, reasons, [[recycle.rules]]) or the defaults; raises
    ValueError naming the key."""
    data = dict(data or {})
    unknown = sorted(set(data) - {"window_days", "statuses", "reasons", "rules"})
    if unknown:
        raise ValueError(
            f"[recycle] {unknown[0]} is not a known key; use window_days, statuses, reasons, rules"
        )
    window = data.get("window_days", 7)
    if isinstance(window, bool) or not isinstance(window, int) or not 1 <= window <= 365:
        raise ValueError("[recycle] window_days must be a whole number of days from 1 to 365")
    statuses = _strings(data.get("statuses", ["nurture"]), "statuses")
    allowed = {LeadStatus.NURTURE.value, LeadStatus.LOST.value}
    bad = [s for s in statuses if s not in allowed]
    if bad:
        raise ValueError(
            f"[recycle] statuses: {bad[0]!r} must be one of {', '.join(sorted(allowed))}"
        )
    reasons = _strings(data.get("reasons", ["not_ready"]), "reasons")
    rules = tuple(_rule(n, r) for n, r in enumerate(data.get("rules") or [], start=1))
    return RecyclePolicy(
        window_days=window,
        statuses=frozenset(LeadStatus(s) for s in statuses),
        reasons=frozenset(reasons),
        rules=rules or DEFAULT_RULES,
    )


def _strings(value: Any, key: str) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ValueError(f'[recycle] {key} must be a list of names, like ["nurture"]')
    return [v.strip() for v in value]


def _rule(number: int, item: Any) -> RecycleRule:
    where = f"[[recycle.rules]] number {number}"
    if not isinstance(item, Mapping):
        raise ValueError(f"{where} must be a table")
    unknown = sorted(set(item) - {"kind", "match", "times", "says"})
    if unknown:
        raise ValueError(f"{where}: {unknown[0]} is not a known key; use kind, match, times, says")
    kinds = {k.value for k in EventKind}
    kind = item.get("kind")
    if kind not in kinds:
        raise ValueError(f"{where}: kind must be one of {', '.join(sorted(kinds))}")
    match = item.get("match", [])
    match = [match] if isinstance(match, str) else match
    if not isinstance(match, list) or not all(isinstance(m, str) for m in match):
        raise ValueError(f'{where}: match must be text or a list of texts, like ["/pricing"]')
    times = item.get("times", 1)
    if isinstance(times, bool) or not isinstance(times, int) or not 1 <= times <= 100:
        raise ValueError(f"{where}: times must be a whole number from 1 to 100")
    says = item.get("says")
    if not isinstance(says, str) or not says.strip():
        raise ValueError(f'{where}: says must tell what the lead did, like "viewed pricing"')
    return RecycleRule(EventKind(kind), says.strip(), tuple(match), times)


def describe(rule: RecycleRule) -> str:
    """A rule in words, for the written agreement."""
    what = {
        EventKind.PAGE_VIEW: "page view",
        EventKind.FORM_SUBMISSION: "form submission",
        EventKind.DOWNLOAD: "download",
        EventKind.WEBINAR: "webinar",
        EventKind.EMAIL_OPEN: "email open",
        EventKind.EMAIL_CLICK: "email click",
    }[rule.kind]
    count = "a" if rule.times == 1 else f"{rule.times}"
    plural = "" if rule.times == 1 else "s"
    matching = f" matching {' or '.join(repr(m) for m in rule.match)}" if rule.match else ""
    return f"{count} {what}{plural}{matching} ({rule.says})"
