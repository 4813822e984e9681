"""Lead scoring: fit (who the lead is) plus engagement (what they did), explained rule by rule.

Fit never decays: a VP at a mid-market software firm stays one. Engagement does, because a pricing
page viewed yesterday says more than one viewed last quarter (RESEARCH.md, lead scoring). An
explicit timeline answer on the form outranks both: it is the prospect telling us, not us guessing.

Rules are plain frozen dataclasses so the `[scoring]` TOML table can replace the shipped defaults;
`ScoringRules.from_mapping` validates that table and names the bad key in its error.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Any, Literal

from leadtui.domain.models import Band, Event, EventKind, Lead

DecayMode = Literal["half_life", "window", "none"]
DECAY_MODES: tuple[DecayMode, ...] = ("half_life", "window", "none")
LineKind = Literal["fit", "engagement", "timeline"]

# Which cadence a freshly scored lead is enrolled in; unqualified leads get none (disqualify or
# long-term brand nurture, which is marketing's job, not a rep's).
DEFAULT_CADENCE_FOR_BAND: dict[Band, str | None] = {
    Band.HOT: "hot",
    Band.WARM: "standard",
    Band.COOL: "nurture",
    Band.UNQUALIFIED: None,
}


@dataclass(frozen=True, slots=True)
class FitRule:
    """Points for who the lead is. Every criterion given must match (they are ANDed).

    `title_any` matches whole words or phrases in the job title, case-insensitively, so "cto"
    does not fire on "director". Company size bounds are inclusive; a lead with no known size
    matches no size rule. Industry and country compare whole values, case-insensitively.
    """

    label: str
    points: int
    title_any: tuple[str, ...] = ()
    size_min: int | None = None
    size_max: int | None = None
    industry_in: tuple[str, ...] = ()
    country_in: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        has_size = self.size_min is not None or self.size_max is not None
        if not (self.title_any or has_size or self.industry_in or self.country_in):
            raise ValueError(
                f"fit rule {self.label!r}: needs at least one of title_any, size_min, size_max, "
                "industry_in, country_in"
            )
        if has_size and (self.size_min or 0) > (self.size_max or math.inf):
            raise ValueError(f"fit rule {self.label!r}: size_min must not exceed size_max")

    def applies(self, lead: Lead) -> bool:
        """Whether this rule matches `lead`: `why` without the words, for the figures a pull
        derives for every lead (one search of the title for all the rule's words at once)."""
        if self.title_any and not _any_word(self.title_any).search(lead.job_title.casefold()):
            return False
        if not self._size_fits(lead.company_size):
            return False
        if self.industry_in and not _in_casefolded(lead.industry, self.industry_in):
            return False
        return not self.country_in or _in_casefolded(lead.country, self.country_in)

    def _size_fits(self, size: int | None) -> bool:
        """True when the rule has no size bounds or `size` is known and within them."""
        if self.size_min is None and self.size_max is None:
            return True
        if size is None:
            return False
        return (self.size_min is None or size >= self.size_min) and (
            self.size_max is None or size <= self.size_max
        )

    def why(self, lead: Lead) -> str | None:
        """Why this rule matches `lead`, or None when it does not."""
        reasons: list[str] = []
        if self.title_any:
            word = _first_word_in(self.title_any, lead.job_title)
            if word is None:
                return None
            reasons.append(f"title {lead.job_title!r} has {word!r}")
        if self.size_min is not None or self.size_max is not None:
            if not self._size_fits(lead.company_size):
                return None
            reasons.append(f"{lead.company_size} employees")
        if self.industry_in:
            if not _in_casefolded(lead.industry, self.industry_in):
                return None
            reasons.append(f"industry {lead.industry!r}")
        if self.country_in:
            if not _in_casefolded(lead.country, self.country_in):
                return None
            reasons.append(f"country {lead.country!r}")
        return ", ".join(reasons)


@dataclass(frozen=True, slots=True)
class EngagementRule:
    """Points per event of `kind` whose url or title contains any of `match` (case-insensitive).

    An empty `match` takes every event of the kind, so order specific rules first: each event is
    counted by the first rule it matches only (a pricing view is not also "any page view").
    `cap` bounds the rule's total after decay, so forty email opens cannot make a lead hot.
    """

    label: str
    kind: EventKind
    points: float
    match: tuple[str, ...] = ()
    cap: float | None = None

    def __post_init__(self) -> None:
        if self.cap is not None and self.cap <= 0:
            raise ValueError(f"engagement rule {self.label!r}: cap must be positive")

    def matches(self, event: Event) -> bool:
        if event.kind != self.kind:
            return False
        return not self.match or self.matches_text(_haystack(event))

    def matches_text(self, haystack: str) -> bool:
        """Whether an event of this rule's kind, whose url and title are `haystack`, counts."""
        return not self.match or any(needle in haystack for needle in _folded(self.match))


DEFAULT_FIT_RULES: tuple[FitRule, ...] = (
    FitRule(
        "Executive title",
        20,
        title_any=(
            "chief",
            "ceo",
            "cto",
            "cfo",
            "coo",
            "cmo",
            "cro",
            "cio",
            "founder",
            "co-founder",
            "owner",
            "president",
            "vp",
            "svp",
            "evp",
        ),
    ),
    FitRule("Director title", 15, title_any=("director", "head of")),
    FitRule("Manager title", 8, title_any=("manager", "team lead")),
    FitRule("Small business", 5, size_min=11, size_max=49),
    FitRule("Mid-market company", 15, size_min=50, size_max=999),
    FitRule("Enterprise company", 10, size_min=1000),
    FitRule(
        "Target industry",
        10,
        industry_in=(
            "software",
            "saas",
            "information technology",
            "financial services",
            "healthcare",
            "manufacturing",
            "professional services",
        ),
    ),
    FitRule(
        "Served country",
        5,
        country_in=(
            "US",
            "USA",
            "United States",
            "CA",
            "Canada",
            "GB",
            "UK",
            "United Kingdom",
            "IE",
            "Ireland",
            "DE",
            "Germany",
            "FR",
            "France",
            "NL",
            "Netherlands",
            "AU",
            "Australia",
        ),
    ),
)

# RESEARCH.md's seed figures; specific rules before the catch-alls of the same kind.
DEFAULT_ENGAGEMENT_RULES: tuple[EngagementRule, ...] = (
    EngagementRule("Pricing page", EventKind.PAGE_VIEW, 20, match=("/pricing",), cap=40),
    EngagementRule(
        "Case study download",
        EventKind.DOWNLOAD,
        15,
        match=("case stud", "case-stud", "customer stor"),
        cap=30,
    ),
    EngagementRule("Content download", EventKind.DOWNLOAD, 5, cap=15),
    EngagementRule("Webinar attended", EventKind.WEBINAR, 30, cap=45),
    # Mail clients that prefetch images (Apple Mail Privacy Protection) fake opens: keep them cheap.
    EngagementRule("Email opens", EventKind.EMAIL_OPEN, 3, cap=10),
    EngagementRule("Email clicks", EventKind.EMAIL_CLICK, 5, cap=15),
    EngagementRule("Form submission", EventKind.FORM_SUBMISSION, 10, cap=20),
    EngagementRule("Page views", EventKind.PAGE_VIEW, 1, cap=10),
)

DEFAULT_HOT_TIMELINES: tuple[str, ...] = ("immediate", "within 30 days", "this month")
DEFAULT_NURTURE_TIMELINES: tuple[str, ...] = ("just researching", "no timeline")


@dataclass(frozen=True, slots=True)
class ScoreLine:
    """One rule's contribution: `points` after decay and cap, rounded to one decimal."""

    kind: LineKind
    label: str
    points: float
    why: str


@dataclass(frozen=True, slots=True)
class Score:
    total: int  # fit + engagement, clamped to 0..100
    fit: int
    engagement: int
    band: Band
    explanation: tuple[ScoreLine, ...]


@dataclass(frozen=True, slots=True)
class ScoringRules:
    """Everything `score_lead` needs; the defaults are RESEARCH.md's starting points.

    Decay modes: "half_life" halves an event's points every `half_life_days`; "window" counts
    events of the last `window_days` at full value and ignores older ones; "none" never decays.
    Band thresholds are inclusive lower bounds: total >= hot_at is hot, and so on.
    """

    fit: tuple[FitRule, ...] = DEFAULT_FIT_RULES
    engagement: tuple[EngagementRule, ...] = DEFAULT_ENGAGEMENT_RULES
    decay: DecayMode = "half_life"
    half_life_days: float = 30.0
    window_days: float = 90.0
    hot_at: int = 75
    warm_at: int = 45
    cool_at: int = 20
    hot_timelines: tuple[str, ...] = DEFAULT_HOT_TIMELINES
    nurture_timelines: tuple[str, ...] = DEFAULT_NURTURE_TIMELINES

    def __post_init__(self) -> None:
        if self.decay not in DECAY_MODES:
            raise ValueError(f"decay: must be one of {', '.join(DECAY_MODES)}, got {self.decay!r}")
        if not self.half_life_days > 0:
            raise ValueError("half_life_days: must be a positive number of days")
        if not self.window_days > 0:
            raise ValueError("window_days: must be a positive number of days")
        if not 0 < self.cool_at < self.warm_at < self.hot_at <= 100:
            raise ValueError(
                "hot_at, warm_at, cool_at: need 0 < cool_at < warm_at < hot_at <= 100, got "
                f"{self.hot_at}, {self.warm_at}, {self.cool_at}"
            )

    def band_for(self, total: int) -> Band:
        if total >= self.hot_at:
            return Band.HOT
        if total >= self.warm_at:
            return Band.WARM
        if total >= self.cool_at:
            return Band.COOL
        return Band.UNQUALIFIED

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any], *, prefix: str = "scoring") -> ScoringRules:
        """Build rules from a parsed `[scoring]` TOML table; missing keys keep the defaults.

        A `fit` or `engagement` array replaces the shipped list as a whole, so a team's rules
        are exactly what its file says. Raises ValueError naming the key and what is allowed.

            [scoring]
            decay = "half_life"          # or "window" (see window_days) or "none"
            half_life_days = 30
            hot_at = 75                  # warm_at, cool_at likewise
            nurture_timelines = ["just researching", "no timeline"]

            [[scoring.fit]]
            label = "Director title"
            points = 15
            title_any = ["director", "head of"]   # also size_min, size_max, industry_in, country_in

            [[scoring.engagement]]
            label = "Pricing page"
            kind = "page_view"           # an EventKind value
            match = ["/pricing"]         # url or title substrings; omit to match every event
            points = 20
            cap = 40
        """
        return _parse_rules(data, prefix)


def score_lead(
    lead: Lead,
    events: Iterable[Event],
    rules: ScoringRules,
    now: datetime,
    *,
    explain: bool = True,
) -> Score:
    """Score `lead` as of `now` (tz-aware). Events after `now` count as happening now.

    `explain=False` leaves the explanation empty (the same total and band): deriving figures
    for a 100,000-contact pull stores only those, and wording every rule's reason was a third of
    the scoring's time there."""
    _require_aware(now, "now")
    lines: list[ScoreLine] = []

    fit = 0
    for fit_rule in rules.fit:
        if not explain:
            fit += fit_rule.points if fit_rule.applies(lead) else 0
            continue
        reason = fit_rule.why(lead)
        if reason is not None:
            fit += fit_rule.points
            lines.append(ScoreLine("fit", fit_rule.label, float(fit_rule.points), reason))

    raw_engagement = 0.0
    for rule, matched in _assign_events(events, rules, now):
        points = sum(rule.points * _decay_factor(age_days, rules) for _, age_days in matched)
        capped = points if rule.cap is None else max(-rule.cap, min(rule.cap, points))
        raw_engagement += capped
        if not explain or round(capped, 1) == 0:
            continue  # decayed to nothing: a line saying "0.0" would only be noise
        why = _describe_events(rule, matched)
        if rule.cap is not None and capped != points:
            why += f" (capped at {_fmt(rule.cap)})"
        lines.append(ScoreLine("engagement", rule.label, round(capped, 1), why))

    engagement = round(raw_engagement)
    total = max(0, min(100, fit + engagement))
    band = rules.band_for(total)
    band, timeline_line = _apply_timeline(lead.form_timeline, band, rules)
    if timeline_line is not None and explain:
        lines.append(timeline_line)
    return Score(total, fit, engagement, band, tuple(lines))


def _assign_events(
    events: Iterable[Event], rules: ScoringRules, now: datetime
) -> list[tuple[EngagementRule, list[tuple[Event, float]]]]:
    """Give each counted event to the first rule it matches, with its age in days."""
    buckets: dict[int, list[tuple[Event, float]]] = {}
    for event in events:
        _require_aware(event.occurred_at, "event.occurred_at")
        # CRM clocks run a little ahead of ours at times; a "future" event is a fresh one.
        age_days = max(0.0, (now - event.occurred_at).total_seconds() / 86400)
        if rules.decay == "window" and age_days > rules.window_days:
            continue
        haystack = None  # folded once an event, not once a rule
        for index, rule in enumerate(rules.engagement):
            if rule.kind != event.kind:
                continue
            if rule.match and haystack is None:
                haystack = _haystack(event)
            if haystack is None or rule.matches_text(haystack):
                buckets.setdefault(index, []).append((event, age_days))
                break
    return [(rules.engagement[i], buckets[i]) for i in sorted(buckets)]


def _decay_factor(age_days: float, rules: ScoringRules) -> float:
    if rules.decay != "half_life":
        return 1.0
    return math.pow(0.5, age_days / rules.half_life_days)


def _apply_timeline(
    timeline: str, band: Band, rules: ScoringRules
) -> tuple[Band, ScoreLine | None]:
    answer = timeline.casefold()
    if not answer.strip():
        return band, None
    # Nurture phrases are checked first so "not immediate, just researching" is not sent to sales.
    for phrase in rules.nurture_timelines:
        if phrase.casefold() in answer:
            capped = band if band in (Band.COOL, Band.UNQUALIFIED) else Band.COOL
            why = f"said {timeline!r}: educational nurture, at most cool"
            if capped != band:
                why += f" (points alone: {band})"
            return capped, ScoreLine("timeline", "Timeline answer", 0.0, why)
    for phrase in rules.hot_timelines:
        if phrase.casefold() in answer:
            why = f"said {timeline!r}: goes straight to sales as hot"
            if band != Band.HOT:
                why += f" (points alone: {band})"
            return Band.HOT, ScoreLine("timeline", "Timeline answer", 0.0, why)
    return band, None


_VERBS: dict[EventKind, tuple[str, str]] = {
    EventKind.PAGE_VIEW: ("viewed", "a page"),
    EventKind.DOWNLOAD: ("downloaded", "a file"),
    EventKind.WEBINAR: ("attended", "a webinar"),
    EventKind.EMAIL_OPEN: ("opened", "an email"),
    EventKind.EMAIL_CLICK: ("clicked", "a link"),
    EventKind.FORM_SUBMISSION: ("submitted", "a form"),
}


def _describe_events(rule: EngagementRule, matched: Sequence[tuple[Event, float]]) -> str:
    """E.g. "viewed /pricing 3 days ago" or "4 events, latest: opened Q3 update 2 hours ago"."""
    latest, latest_age = min(matched, key=lambda pair: pair[1])
    verb, fallback = _VERBS[rule.kind]
    # A URL names a page or a link best; a title names a download, webinar, email or form best.
    if rule.kind in (EventKind.PAGE_VIEW, EventKind.EMAIL_CLICK):
        name = latest.url or latest.title
    else:
        name = latest.title or latest.url
    said = f"{verb} {name or fallback} {_ago(latest_age)}"
    return said if len(matched) == 1 else f"{len(matched)} events, latest: {said}"


def _ago(age_days: float) -> str:
    hours = age_days * 24
    if hours < 1:
        minutes = int(hours * 60)
        return "just now" if minutes < 2 else f"{minutes} minutes ago"
    if hours < 24:
        n = int(hours)
        return f"{n} hour{'s' * (n != 1)} ago"
    n = int(age_days)
    return f"{n} day{'s' * (n != 1)} ago"


def _fmt(number: float) -> str:
    return str(int(number)) if float(number).is_integer() else str(number)


def _first_word_in(words: Iterable[str], text: str) -> str | None:
    folded = text.casefold()
    for word in words:
        if _whole_word(word).search(folded):
            return word
    return None


@lru_cache(maxsize=1024)
def _whole_word(word: str) -> re.Pattern[str]:
    # Compiled once per rule word: scoring runs for every lead of a pull.
    return re.compile(rf"(?<!\w){re.escape(word.casefold())}(?!\w)")


@lru_cache(maxsize=256)
def _any_word(words: tuple[str, ...]) -> re.Pattern[str]:
    """Any of `words` as a whole word: the regex backtracks into the alternation, so "coo" in
    a title still matches when "co" is listed first."""
    either = "|".join(re.escape(word.casefold()) for word in words)
    return re.compile(rf"(?<!\w)(?:{either})(?!\w)")


@lru_cache(maxsize=256)
def _folded(needles: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(needle.casefold() for needle in needles)


def _haystack(event: Event) -> str:
    return f"{event.url}\n{event.title}".casefold()


def _in_casefolded(value: str, allowed: Iterable[str]) -> bool:
    folded = value.strip().casefold()
    return bool(folded) and any(folded == a.casefold() for a in allowed)


def _require_aware(moment: datetime, name: str) -> None:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware, got {moment!r}")


# --- validation of the [scoring] table -------------------------------------------------------

_TOP_KEYS = (
    "fit",
    "engagement",
    "decay",
    "half_life_days",
    "window_days",
    "hot_at",
    "warm_at",
    "cool_at",
    "hot_timelines",
    "nurture_timelines",
)
_FIT_KEYS = ("label", "points", "title_any", "size_min", "size_max", "industry_in", "country_in")
_ENGAGEMENT_KEYS = ("label", "kind", "points", "match", "cap")


def _parse_rules(data: Mapping[str, Any], prefix: str) -> ScoringRules:
    _no_unknown_keys(data, _TOP_KEYS, prefix)
    kwargs: dict[str, Any] = {}
    if "fit" in data:
        kwargs["fit"] = tuple(
            _parse_fit(item, f"{prefix}.fit[{i}]")
            for i, item in enumerate(_table_list(data["fit"], f"{prefix}.fit"))
        )
    if "engagement" in data:
        kwargs["engagement"] = tuple(
            _parse_engagement(item, f"{prefix}.engagement[{i}]")
            for i, item in enumerate(_table_list(data["engagement"], f"{prefix}.engagement"))
        )
    if "decay" in data:
        decay = data["decay"]
        if decay not in DECAY_MODES:
            allowed = ", ".join(repr(m) for m in DECAY_MODES)
            raise ValueError(f"{prefix}.decay: must be one of {allowed}, got {decay!r}")
        kwargs["decay"] = decay
    for key in ("half_life_days", "window_days"):
        if key in data:
            kwargs[key] = _number(data[key], f"{prefix}.{key}", positive=True)
    for key in ("hot_at", "warm_at", "cool_at"):
        if key in data:
            kwargs[key] = _integer(data[key], f"{prefix}.{key}", low=1, high=100)
    for key in ("hot_timelines", "nurture_timelines"):
        if key in data:
            kwargs[key] = _strings(data[key], f"{prefix}.{key}")
    try:
        return ScoringRules(**kwargs)
    except ValueError as exc:
        raise ValueError(f"{prefix}.{exc}") from None


def _parse_fit(item: Mapping[str, Any], where: str) -> FitRule:
    _no_unknown_keys(item, _FIT_KEYS, where)
    label = _label(item, where)
    points = _integer(_required(item, "points", where), f"{where}.points", -100, 100)
    title_any = _strings(item.get("title_any", []), f"{where}.title_any")
    size_min = _optional_int(item, "size_min", where)
    size_max = _optional_int(item, "size_max", where)
    industry_in = _strings(item.get("industry_in", []), f"{where}.industry_in")
    country_in = _strings(item.get("country_in", []), f"{where}.country_in")
    try:
        return FitRule(label, points, title_any, size_min, size_max, industry_in, country_in)
    except ValueError as exc:  # rules that need the whole table: a criterion, min <= max
        raise ValueError(f"{where}: {exc}") from None


def _parse_engagement(item: Mapping[str, Any], where: str) -> EngagementRule:
    _no_unknown_keys(item, _ENGAGEMENT_KEYS, where)
    kind = _required(item, "kind", where)
    kinds = [k.value for k in EventKind]
    if kind not in kinds:
        raise ValueError(f"{where}.kind: must be one of {', '.join(kinds)}, got {kind!r}")
    cap = item.get("cap")
    return EngagementRule(
        label=_label(item, where),
        kind=EventKind(kind),
        points=_number(_required(item, "points", where), f"{where}.points"),
        match=_strings(item.get("match", []), f"{where}.match"),
        cap=None if cap is None else _number(cap, f"{where}.cap", positive=True),
    )


def _no_unknown_keys(table: Mapping[str, Any], allowed: Sequence[str], where: str) -> None:
    for key in table:
        if key not in allowed:
            raise ValueError(f"{where}.{key}: unknown key; allowed keys are {', '.join(allowed)}")


def _table_list(value: Any, where: str) -> list[Mapping[str, Any]]:
    if not isinstance(value, list) or not all(isinstance(v, Mapping) for v in value):
        raise ValueError(f"{where}: must be an array of tables ([[{where}]])")
    return value


def _required(table: Mapping[str, Any], key: str, where: str) -> Any:
    if key not in table:
        raise ValueError(f"{where}.{key}: required")
    return table[key]


def _label(table: Mapping[str, Any], where: str) -> str:
    label = _required(table, "label", where)
    if not isinstance(label, str) or not label.strip():
        raise ValueError(f"{where}.label: must be a non-empty string")
    return label


def _number(value: Any, where: str, *, positive: bool = False) -> float:
    # bool is an int subclass; `points = true` is a typo, not 1 point.
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise ValueError(f"{where}: must be a number, got {value!r}")
    if positive and value <= 0:
        raise ValueError(f"{where}: must be greater than 0, got {value!r}")
    return float(value)


def _integer(value: Any, where: str, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"{where}: must be a whole number from {low} to {high}, got {value!r}")
    if not low <= value <= high:
        raise ValueError(f"{where}: must be from {low} to {high}, got {value}")
    return value


def _optional_int(table: Mapping[str, Any], key: str, where: str) -> int | None:
    if key not in table:
        return None
    value = table[key]
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError(f"{where}.{key}: must be a whole number >= 0, got {value!r}")
    return value


def _strings(value: Any, where: str) -> tuple[str, ...]:
    if not isinstance(value, list | tuple) or not all(
        isinstance(v, str) and v.strip() for v in value
    ):
        raise ValueError(f"{where}: must be a list of non-empty strings, got {value!r}")
    return tuple(value)
