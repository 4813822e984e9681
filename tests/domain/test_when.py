from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from leadtui.domain.when import describe_when, parse_when, relative

NY = ZoneInfo("America/New_York")
BERLIN = ZoneInfo("Europe/Berlin")
# Thursday 26 Nov 2026, 10:20 in New York.
NOW = datetime(2026, 11, 26, 10, 20, tzinfo=NY)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("tomorrow 9", datetime(2026, 11, 27, 9, 0, tzinfo=NY)),
        ("Tomorrow at 9am", datetime(2026, 11, 27, 9, 0, tzinfo=NY)),
        ("tomorrow", datetime(2026, 11, 27, 9, 0, tzinfo=NY)),
        ("in 2h", NOW + timedelta(hours=2)),
        ("in 30m", NOW + timedelta(minutes=30)),
        ("in 1h 30m", NOW + timedelta(minutes=90)),
        ("in an hour", NOW + timedelta(hours=1)),
        ("in 2 days", NOW + timedelta(days=2)),
        ("Tue 15:00", datetime(2026, 12, 1, 15, 0, tzinfo=NY)),
        ("next tuesday 3pm", datetime(2026, 12, 1, 15, 0, tzinfo=NY)),
        ("thu 11:00", datetime(2026, 11, 26, 11, 0, tzinfo=NY)),  # later today
        ("thu 10:00", datetime(2026, 12, 3, 10, 0, tzinfo=NY)),  # already past: next week
        ("today 16:30", datetime(2026, 11, 26, 16, 30, tzinfo=NY)),
        ("15:00", datetime(2026, 11, 26, 15, 0, tzinfo=NY)),
        ("9:00", datetime(2026, 11, 27, 9, 0, tzinfo=NY)),  # past today: tomorrow's
        ("noon", datetime(2026, 11, 26, 12, 0, tzinfo=NY)),
        ("an hour ago", NOW - timedelta(hours=1)),
        ("45 min ago", NOW - timedelta(minutes=45)),
        ("yesterday 17:00", datetime(2026, 11, 25, 17, 0, tzinfo=NY)),
        ("now", NOW),
        ("2026-12-01T15:00", datetime(2026, 12, 1, 15, 0, tzinfo=NY)),
        ("2026-12-01 15:00", datetime(2026, 12, 1, 15, 0, tzinfo=NY)),
        ("2026-12-01T15:00+00:00", datetime(2026, 12, 1, 15, 0, tzinfo=UTC)),
    ],
)
def test_plain_words_and_iso(text: str, expected: datetime) -> None:
    assert parse_when(text, NOW, NY) == expected


def test_result_is_in_the_given_zone_and_a_naive_iso_time_is_read_there() -> None:
    moment = parse_when("2026-12-01T15:00", NOW, "Europe/Berlin")
    assert moment.tzinfo == BERLIN
    assert moment.astimezone(UTC) == datetime(2026, 12, 1, 14, 0, tzinfo=UTC)


def test_past_reads_a_bare_time_or_weekday_as_the_latest_one() -> None:
    assert parse_when("9:00", NOW, NY, past=True) == datetime(2026, 11, 26, 9, 0, tzinfo=NY)
    assert parse_when("11:00", NOW, NY, past=True) == datetime(2026, 11, 25, 11, 0, tzinfo=NY)
    assert parse_when("mon 14:00", NOW, NY, past=True) == datetime(2026, 11, 23, 14, tzinfo=NY)


@pytest.mark.parametrize("text", ["", "  ", "soon", "tue 25:00", "in 3 parsecs", "13pm", "in am"])
def test_unreadable_text_says_which_forms_are_accepted(text: str) -> None:
    with pytest.raises(ValueError) as caught:
        parse_when(text, NOW, NY)
    message = str(caught.value)
    assert "tomorrow 9" in message and "ISO" in message
    assert message.count(". ") == 0 and message.endswith(".")


def test_unknown_zone_is_one_sentence() -> None:
    with pytest.raises(ValueError, match="unknown time zone 'Mars/Olympus'"):
        parse_when("in 2h", NOW, "Mars/Olympus")


def test_spring_forward_gap_moves_forward() -> None:
    # 2027-03-14 02:30 does not exist in New York; the moment is 03:30 EDT.
    now = datetime(2027, 3, 13, 12, 0, tzinfo=NY)
    moment = parse_when("tomorrow 2:30", now, NY)
    assert moment.astimezone(UTC) == datetime(2027, 3, 14, 7, 30, tzinfo=UTC)
    assert (moment.hour, moment.minute) == (3, 30)


def test_in_hours_is_elapsed_time_across_dst() -> None:
    now = datetime(2026, 11, 1, 0, 30, tzinfo=NY)  # fall back at 02:00 that night
    moment = parse_when("in 3h", now, NY)
    assert moment.astimezone(UTC) - now.astimezone(UTC) == timedelta(hours=3)
    assert (moment.hour, moment.minute) == (2, 30)


ZONES = st.sampled_from(["America/New_York", "Europe/Berlin", "Australia/Lord_Howe", "UTC"])
MOMENTS = st.datetimes(
    min_value=datetime(2024, 1, 1), max_value=datetime(2030, 12, 31), timezones=st.just(UTC)
)
FORWARD = st.one_of(
    st.builds(lambda n, u: f"in {n}{u}", st.integers(0, 500), st.sampled_from(["m", "h", "d"])),
    st.builds(
        lambda d, h, m: f"{d} {h}:{m:02d}",
        st.sampled_from(["mon", "tue", "wed", "thu", "fri", "sat", "sun", "tomorrow"]),
        st.integers(0, 23),
        st.integers(0, 59),
    ),
    st.builds(lambda h, m: f"{h}:{m:02d}", st.integers(0, 23), st.integers(0, 59)),
)


@settings(max_examples=300, deadline=None)
@given(text=FORWARD, now=MOMENTS, zone=ZONES)
def test_forward_forms_are_aware_and_never_before_now(text: str, now: datetime, zone: str) -> None:
    moment = parse_when(text, now, zone)
    assert moment.tzinfo is not None and moment.utcoffset() is not None
    assert moment >= now
    # A wall time is never more than a week and a DST hour (plus "tomorrow") away.
    if not text.startswith("in "):
        assert moment - now <= timedelta(days=8, hours=1)


@settings(max_examples=300, deadline=None)
@given(
    hour=st.integers(0, 23), minute=st.integers(0, 59), now=MOMENTS, zone=ZONES, past=st.booleans()
)
def test_wall_times_read_that_wall_time_unless_it_falls_in_a_dst_gap(
    hour: int, minute: int, now: datetime, zone: str, past: bool
) -> None:
    moment = parse_when(f"{hour}:{minute:02d}", now, zone, past=past)
    assert (moment <= now) if past else (moment >= now)
    assert abs(moment - now) <= timedelta(days=1, hours=1)
    asked = datetime.combine(moment.date(), datetime.min.time()).replace(hour=hour, minute=minute)
    exists = asked.replace(tzinfo=ZoneInfo(zone)).astimezone(UTC).astimezone(ZoneInfo(zone))
    if exists.replace(tzinfo=None) == asked:
        assert (moment.hour, moment.minute) == (hour, minute)
    else:  # inside a spring-forward gap: pushed forward past it, never back
        assert moment.replace(tzinfo=None) > asked


def test_describe_when_shows_the_local_time_and_the_distance() -> None:
    moment = datetime(2026, 12, 1, 15, 0, tzinfo=NY)
    assert describe_when(moment, datetime(2026, 11, 29, 15, 0, tzinfo=NY), NY) == (
        "Tue 1 Dec 15:00 (in 2 d)"
    )
    assert describe_when(moment, moment, "Europe/Berlin") == "Tue 1 Dec 21:00 (now)"


@pytest.mark.parametrize(
    ("delta", "text"),
    [
        (timedelta(minutes=5), "in 5 min"),
        (timedelta(hours=2, minutes=10), "in 2 h 10 min"),
        (-timedelta(hours=1), "1 h ago"),
        (timedelta(days=1, hours=23, minutes=59), "in 1 d 23 h"),
        (timedelta(days=9, hours=5), "in 9 d"),
        (timedelta(seconds=20), "now"),
    ],
)
def test_relative(delta: timedelta, text: str) -> None:
    assert relative(NOW + delta, NOW) == text
