from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from leadtui.domain.models import Band, Event, EventKind, Lead, LeadStatus
from leadtui.domain.scoring import (
    DEFAULT_CADENCE_FOR_BAND,
    DEFAULT_ENGAGEMENT_RULES,
    DEFAULT_FIT_RULES,
    EngagementRule,
    FitRule,
    Score,
    ScoreLine,
    ScoringRules,
    score_lead,
)

NOW = datetime(2025, 3, 4, 15, 0, tzinfo=UTC)
DEFAULTS = ScoringRules()


def make_lead(**fields: Any) -> Lead:
    base = Lead(
        id=1,
        name="Dana Reyes",
        email="dana@acme.io",
        owner="alex@example.com",
        source="webinar",
        status=LeadStatus.NEW,
        created_at=NOW - timedelta(days=1),
    )
    return base._replace(**fields)


def view(
    url: str, days_ago: float, kind: EventKind = EventKind.PAGE_VIEW, title: str = ""
) -> Event:
    return Event(kind, NOW - timedelta(days=days_ago), url=url, title=title)


def lines_of(score: Score, kind: str) -> list[ScoreLine]:
    return [line for line in score.explanation if line.kind == kind]


# --- fit ---------------------------------------------------------------------------------------


def test_perfect_fit_adds_every_matching_rule_and_explains_each() -> None:
    lead = make_lead(job_title="VP of Sales", company_size=250, industry="Software", country="us")
    score = score_lead(lead, [], DEFAULTS, NOW)
    assert score.fit == 20 + 15 + 10 + 5
    assert score.engagement == 0
    assert score.total == 50
    assert score.band is Band.WARM
    assert [(line.label, line.points) for line in lines_of(score, "fit")] == [
        ("Executive title", 20.0),
        ("Mid-market company", 15.0),
        ("Target industry", 10.0),
        ("Served country", 5.0),
    ]
    assert "'vp'" in lines_of(score, "fit")[0].why
    assert "250 employees" in lines_of(score, "fit")[1].why


def test_title_words_match_whole_words_only() -> None:
    # "director" contains "cto"; it must score as a director, not as an executive.
    score = score_lead(make_lead(job_title="Director of Operations"), [], DEFAULTS, NOW)
    assert [line.label for line in score.explanation] == ["Director title"]
    assert score.fit == 15


@pytest.mark.parametrize(
    ("size", "label"),
    [
        (10, None),
        (11, "Small business"),
        (49, "Small business"),
        (50, "Mid-market company"),
        (999, "Mid-market company"),
        (1000, "Enterprise company"),
        (None, None),
    ],
)
def test_company_size_ranges_are_inclusive(size: int | None, label: str | None) -> None:
    score = score_lead(make_lead(company_size=size), [], DEFAULTS, NOW)
    assert [line.label for line in score.explanation] == ([label] if label else [])


def test_fit_rule_criteria_are_anded() -> None:
    rule = FitRule("Senior in software", 30, title_any=("director",), industry_in=("software",))
    rules = ScoringRules(fit=(rule,), engagement=())
    director_elsewhere = make_lead(job_title="Director", industry="Retail")
    director_in_software = make_lead(job_title="Director", industry="SOFTWARE")
    assert score_lead(director_elsewhere, [], rules, NOW).fit == 0
    assert score_lead(director_in_software, [], rules, NOW).fit == 30


def test_fit_does_not_decay() -> None:
    lead = make_lead(job_title="CEO", created_at=NOW - timedelta(days=400))
    assert score_lead(lead, [], DEFAULTS, NOW).fit == 20


# --- engagement and decay ----------------------------------------------------------------------


@pytest.mark.parametrize(("days_ago", "points"), [(0, 20), (30, 10), (60, 5), (90, 2.5)])
def test_engagement_halves_every_half_life(days_ago: int, points: float) -> None:
    score = score_lead(make_lead(), [view("/pricing", days_ago)], DEFAULTS, NOW)
    assert lines_of(score, "engagement")[0].points == points
    assert score.engagement == round(points)


def test_half_life_is_configurable() -> None:
    rules = ScoringRules(half_life_days=10)
    score = score_lead(make_lead(), [view("/pricing", 10)], rules, NOW)
    assert score.engagement == 10


def test_window_mode_counts_recent_events_in_full_and_drops_old_ones() -> None:
    rules = ScoringRules(decay="window", window_days=30)
    events = [view("/pricing", 29), view("/pricing/enterprise", 31)]
    score = score_lead(make_lead(), events, rules, NOW)
    assert score.engagement == 20
    assert "29 days ago" in lines_of(score, "engagement")[0].why


def test_an_event_decayed_to_nothing_gets_no_explanation_line() -> None:
    score = score_lead(make_lead(), [view("/pricing", 400), view("/about", 1)], DEFAULTS, NOW)
    assert [line.label for line in score.explanation] == ["Page views"]


def test_no_decay_mode_keeps_old_events_whole() -> None:
    rules = ScoringRules(decay="none")
    assert score_lead(make_lead(), [view("/pricing", 365)], rules, NOW).engagement == 20


def test_event_from_the_future_counts_as_fresh() -> None:
    event = Event(EventKind.WEBINAR, NOW + timedelta(minutes=5), title="Pipeline hygiene")
    score = score_lead(make_lead(), [event], DEFAULTS, NOW)
    assert score.engagement == 30
    assert lines_of(score, "engagement")[0].why == "attended Pipeline hygiene just now"


def test_an_event_within_the_hour_says_how_many_minutes_ago() -> None:
    event = Event(EventKind.WEBINAR, NOW - timedelta(minutes=47), title="Pipeline hygiene")
    line = lines_of(score_lead(make_lead(), [event], DEFAULTS, NOW), "engagement")[0]
    assert line.why == "attended Pipeline hygiene 47 minutes ago"


def test_explanation_says_what_was_done_and_when() -> None:
    events = [
        view("/pricing", 3),
        view("", 0.25, EventKind.DOWNLOAD, title="Case study: Globex"),
        view("/blog/post", 1, EventKind.PAGE_VIEW),
    ]
    score = score_lead(make_lead(), events, DEFAULTS, NOW)
    whys = {line.label: line.why for line in lines_of(score, "engagement")}
    assert whys == {
        "Pricing page": "viewed /pricing 3 days ago",
        "Case study download": "downloaded Case study: Globex 6 hours ago",
        "Page views": "viewed /blog/post 1 day ago",
    }


def test_each_event_counts_once_for_the_first_rule_it_matches() -> None:
    # A pricing view is not also "any page view"; an unmatched kind-wide rule picks up the rest.
    events = [view("/pricing", 0), view("/about", 0)]
    score = score_lead(make_lead(), events, DEFAULTS, NOW)
    assert {line.label: line.points for line in score.explanation} == {
        "Pricing page": 20.0,
        "Page views": 1.0,
    }
    assert score.engagement == 21


def test_cap_bounds_a_rule_and_is_explained() -> None:
    events = [view("/pricing", 0), view("/pricing", 0), view("/pricing#faq", 1 / 24)]
    (line,) = score_lead(make_lead(), events, DEFAULTS, NOW).explanation
    assert line.points == 40.0
    assert line.why == "3 events, latest: viewed /pricing just now (capped at 40)"


def test_three_email_opens_are_worth_about_ten_and_more_do_not_add_up() -> None:
    def opens(n: int) -> int:
        events = [view("", 0, EventKind.EMAIL_OPEN, title=f"Mail {i}") for i in range(n)]
        return score_lead(make_lead(), events, DEFAULTS, NOW).engagement

    assert opens(3) == 9
    assert opens(4) == 10
    assert opens(40) == 10


def test_negative_points_subtract_and_total_is_clamped_at_zero() -> None:
    careers = EngagementRule("Job seeker", EventKind.PAGE_VIEW, -25, match=("/careers",))
    rules = ScoringRules(engagement=(careers,))
    score = score_lead(make_lead(job_title="Sales Manager"), [view("/careers", 0)], rules, NOW)
    assert score.fit == 8
    assert score.engagement == -25
    assert score.total == 0
    assert score.band is Band.UNQUALIFIED


def test_total_is_clamped_at_one_hundred() -> None:
    lead = make_lead(job_title="CEO", company_size=200, industry="SaaS", country="Canada")
    events = [
        view("/pricing", 0),
        view("/pricing", 0),
        view("", 0, EventKind.WEBINAR, title="Demo day"),
        view("", 0, EventKind.WEBINAR, title="Roadmap"),
    ]
    score = score_lead(lead, events, DEFAULTS, NOW)
    assert (score.fit, score.engagement) == (50, 40 + 45)
    assert score.total == 100
    assert score.band is Band.HOT


# --- bands and timeline ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("points", "band"),
    [
        (100, Band.HOT),
        (75, Band.HOT),
        (74, Band.WARM),
        (45, Band.WARM),
        (44, Band.COOL),
        (20, Band.COOL),
        (19, Band.UNQUALIFIED),
        (0, Band.UNQUALIFIED),
    ],
)
def test_band_thresholds(points: int, band: Band) -> None:
    rules = ScoringRules(fit=(FitRule("Everyone", points, size_min=0),), engagement=())
    score = score_lead(make_lead(company_size=5), [], rules, NOW)
    assert score.total == points
    assert score.band is band


def test_band_thresholds_are_configurable() -> None:
    rules = ScoringRules(hot_at=90, warm_at=60, cool_at=30)
    assert [rules.band_for(n) for n in (90, 89, 60, 59, 30, 29)] == [
        Band.HOT,
        Band.WARM,
        Band.WARM,
        Band.COOL,
        Band.COOL,
        Band.UNQUALIFIED,
    ]


@pytest.mark.parametrize(
    "answer", ["Immediate need (within 30 days)", "within 30 days", "This month", "IMMEDIATE"]
)
def test_urgent_timeline_makes_any_lead_hot(answer: str) -> None:
    score = score_lead(make_lead(form_timeline=answer), [], DEFAULTS, NOW)
    assert score.total == 0
    assert score.band is Band.HOT
    (line,) = lines_of(score, "timeline")
    assert line.points == 0.0
    assert answer in line.why
    assert "hot" in line.why
    assert "points alone: unqualified" in line.why


@pytest.mark.parametrize("answer", ["Just researching", "No timeline yet"])
def test_researching_timeline_caps_a_hot_lead_at_cool(answer: str) -> None:
    lead = make_lead(
        job_title="CEO", company_size=200, industry="SaaS", country="US", form_timeline=answer
    )
    events = [view("/pricing", 0), view("", 0, EventKind.WEBINAR, title="Demo")]
    score = score_lead(lead, events, DEFAULTS, NOW)
    assert score.total == 100  # the points stay visible; only the band is overruled
    assert score.band is Band.COOL
    (line,) = lines_of(score, "timeline")
    assert "at most cool" in line.why
    assert "points alone: hot" in line.why


def test_researching_timeline_never_raises_an_unqualified_lead() -> None:
    score = score_lead(make_lead(form_timeline="just researching"), [], DEFAULTS, NOW)
    assert score.band is Band.UNQUALIFIED
    assert lines_of(score, "timeline")


def test_researching_wins_over_an_urgent_word_in_the_same_answer() -> None:
    lead = make_lead(form_timeline="Not immediate, just researching")
    assert score_lead(lead, [], DEFAULTS, NOW).band is Band.UNQUALIFIED


def test_unrecognised_timeline_leaves_the_band_to_the_points() -> None:
    score = score_lead(make_lead(form_timeline="Next year"), [], DEFAULTS, NOW)
    assert score.band is Band.UNQUALIFIED
    assert not lines_of(score, "timeline")


def test_cadence_for_each_band() -> None:
    assert DEFAULT_CADENCE_FOR_BAND == {
        Band.HOT: "hot",
        Band.WARM: "standard",
        Band.COOL: "nurture",
        Band.UNQUALIFIED: None,
    }


def test_naive_now_is_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        score_lead(make_lead(), [], DEFAULTS, datetime(2025, 3, 4, 15))


# --- configuration -----------------------------------------------------------------------------


def test_empty_table_gives_the_shipped_defaults() -> None:
    rules = ScoringRules.from_mapping({})
    assert rules == ScoringRules()
    assert rules.fit == DEFAULT_FIT_RULES
    assert rules.engagement == DEFAULT_ENGAGEMENT_RULES
    assert (rules.decay, rules.half_life_days) == ("half_life", 30.0)


def test_full_table_replaces_defaults() -> None:
    table = {
        "decay": "window",
        "window_days": 45,
        "hot_at": 80,
        "warm_at": 50,
        "cool_at": 25,
        "hot_timelines": ["asap"],
        "nurture_timelines": ["next year"],
        "fit": [{"label": "Big", "points": 25, "size_min": 500}],
        "engagement": [
            {"label": "Demo page", "kind": "page_view", "match": ["/demo"], "points": 25, "cap": 50}
        ],
    }
    rules = ScoringRules.from_mapping(table)
    assert rules.fit == (FitRule("Big", 25, size_min=500),)
    assert rules.engagement == (
        EngagementRule("Demo page", EventKind.PAGE_VIEW, 25.0, match=("/demo",), cap=50.0),
    )
    assert (rules.decay, rules.window_days) == ("window", 45.0)
    assert (rules.hot_at, rules.warm_at, rules.cool_at) == (80, 50, 25)
    lead = make_lead(company_size=600, form_timeline="ASAP please")
    score = score_lead(lead, [view("/demo", 40), view("/demo", 50)], rules, NOW)
    assert (score.fit, score.engagement, score.band) == (25, 25, Band.HOT)


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ({"halflife_days": 10}, "scoring.halflife_days: unknown key; allowed keys are fit, "),
        ({"decay": "linear"}, "scoring.decay: must be one of 'half_life', 'window', 'none'"),
        ({"half_life_days": 0}, "scoring.half_life_days: must be greater than 0"),
        ({"window_days": "90"}, "scoring.window_days: must be a number"),
        ({"hot_at": 101}, "scoring.hot_at: must be from 1 to 100"),
        ({"warm_at": 80}, "need 0 < cool_at < warm_at < hot_at <= 100"),
        ({"hot_timelines": "asap"}, "scoring.hot_timelines: must be a list of non-empty strings"),
        ({"fit": {"label": "x"}}, "scoring.fit: must be an array of tables"),
        ({"fit": [{"points": 5, "size_min": 1}]}, r"scoring.fit\[0\].label: required"),
        ({"fit": [{"label": "x", "points": 5}]}, r"scoring.fit\[0\]: .*needs at least one of"),
        (
            {"fit": [{"label": "x", "points": 5, "size_min": 10, "size_max": 5}]},
            r"scoring.fit\[0\]: .*size_min must not exceed size_max",
        ),
        (
            {"fit": [{"label": "x", "points": True, "size_min": 1}]},
            r"scoring.fit\[0\].points: must be a whole number",
        ),
        (
            {"fit": [{"label": "x", "points": 5, "size_min": -1}]},
            r"scoring.fit\[0\].size_min: must be a whole number >= 0",
        ),
        (
            {"engagement": [{"label": "x", "kind": "tweet", "points": 5}]},
            r"scoring.engagement\[0\].kind: must be one of page_view, download, ",
        ),
        (
            {"engagement": [{"label": "x", "kind": "webinar", "points": 5, "cap": -1}]},
            r"scoring.engagement\[0\].cap: must be greater than 0",
        ),
        (
            {"engagement": [{"label": "x", "kind": "webinar", "points": 5, "url": "/x"}]},
            r"scoring.engagement\[0\].url: unknown key; allowed keys are label, kind, points",
        ),
    ],
)
def test_invalid_tables_name_the_key_and_what_is_allowed(
    table: dict[str, Any], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        ScoringRules.from_mapping(table)


def test_error_prefix_follows_the_callers_table_name() -> None:
    with pytest.raises(ValueError, match=r"^team\.scoring\.decay: "):
        ScoringRules.from_mapping({"decay": "x"}, prefix="team.scoring")


# --- the figures alone (explain=False), as a pull derives them ------------------------------

TITLES = ("VP Sales", "cto", "Director", "co-founder & coo", "Head of Growth", "", "Directorate")
WORDS = st.sampled_from(["/pricing", "/blog", "Case Study", "customer stories", "Q3", "", "é"])


@settings(max_examples=200, deadline=None)
@given(
    title=st.one_of(st.sampled_from(TITLES), st.text(max_size=20)),
    size=st.one_of(st.none(), st.integers(0, 5000)),
    industry=st.sampled_from(["Software", "software ", "Retail", ""]),
    country=st.sampled_from(["US", "de", "Brazil", ""]),
    timeline=st.sampled_from(["", "Immediate", "just researching", "next year"]),
    events=st.lists(
        st.tuples(st.sampled_from(list(EventKind)), WORDS, WORDS, st.floats(0, 400)), max_size=12
    ),
    decay=st.sampled_from(["half_life", "window", "none"]),
)
def test_the_figures_alone_equal_the_explained_score(
    title: str,
    size: int | None,
    industry: str,
    country: str,
    timeline: str,
    events: list[tuple[EventKind, str, str, float]],
    decay: str,
) -> None:
    rules = replace(DEFAULTS, decay=decay)  # type: ignore[arg-type]
    lead = make_lead(
        job_title=title,
        company_size=size,
        industry=industry,
        country=country,
        form_timeline=timeline,
    )
    happened = [view(url, days, kind, title=name) for kind, url, name, days in events]
    explained = score_lead(lead, happened, rules, NOW)
    alone = score_lead(lead, happened, rules, NOW, explain=False)
    assert (alone.total, alone.fit, alone.engagement, alone.band) == (
        explained.total,
        explained.fit,
        explained.engagement,
        explained.band,
    )
    assert alone.explanation == ()
