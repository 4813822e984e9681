from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from leadtui.domain import calendar as calendar_module
from leadtui.domain.calendar import BusinessCalendar, as_utc, parse_hours, parse_workdays

NY = ZoneInfo("America/New_York")
BERLIN = ZoneInfo("Europe/Berlin")
TOKYO = ZoneInfo("Asia/Tokyo")
US = BusinessCalendar("America/New_York")


def ny(
    year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0
) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=NY)


# --- validation and parsing -------------------------------------------------------------------


def test_defaults() -> None:
    cal = BusinessCalendar()
    assert (cal.timezone, cal.start, cal.end, cal.holidays) == ("UTC", time(9), time(17, 30), "US")
    assert cal.workdays == frozenset({0, 1, 2, 3, 4})


@pytest.mark.parametrize(
    ("start", "end"),
    [(time(22), time(6)), (time(9), time(9)), (time(17, 30), time(9))],
)
def test_overnight_or_empty_hours_are_refused(start: time, end: time) -> None:
    with pytest.raises(ValueError, match="overnight"):
        BusinessCalendar(start=start, end=end)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"timezone": "Mars/Olympus"}, "unknown time zone 'Mars/Olympus'"),
        ({"timezone": ""}, "unknown time zone"),
        ({"workdays": frozenset()}, "at least one workday"),
        ({"workdays": frozenset({0, 7})}, "0 \\(Monday\\) to 6"),
        ({"holidays": "XX"}, "no public holidays known for country 'XX'"),
        ({"start": time(9, tzinfo=UTC)}, "without a time zone"),
    ],
)
def test_invalid_calendar_says_why(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        BusinessCalendar(**kwargs)  # type: ignore[arg-type]


def test_holiday_country_is_normalised() -> None:
    assert BusinessCalendar(holidays="gb").holidays == "GB"
    assert BusinessCalendar(holidays="none").holidays is None
    assert BusinessCalendar(holidays="").holidays is None


def test_workdays_given_as_a_set_become_a_frozenset() -> None:
    cal = BusinessCalendar(workdays={0, 1})  # type: ignore[arg-type]
    assert cal.workdays == frozenset({0, 1})
    assert hash(cal) == hash(BusinessCalendar(workdays=frozenset({0, 1})))


def test_parse_hours() -> None:
    assert parse_hours("09:00-17:30") == (time(9), time(17, 30))
    assert parse_hours(" 8:15 - 16:45 ") == (time(8, 15), time(16, 45))


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("9-5", "must look like '09:00-17:30'"),
        ("", "must look like"),
        ("22:00-06:00", "overnight"),
        ("09:00-09:00", "overnight"),
        ("25:00-26:00", "impossible time"),
        ("09:75-17:00", "impossible time"),
    ],
)
def test_parse_hours_refuses_bad_ranges(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_hours(text)


def test_parse_workdays() -> None:
    assert parse_workdays(["mon", "tue", "wed", "thu", "fri"]) == frozenset(range(5))
    assert parse_workdays(["Sunday", "THU", " sat "]) == frozenset({6, 3, 5})


@pytest.mark.parametrize(
    ("names", "message"),
    [
        (["mon", "funday"], "unknown workday 'funday'; use mon, tue"),
        ([], "at least one day"),
        ("mon", "must be a list"),
    ],
)
def test_parse_workdays_refuses_bad_names(names: list[str], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_workdays(names)


def test_naive_datetimes_are_refused() -> None:
    with pytest.raises(ValueError, match="no time zone"):
        US.is_working_time(datetime(2026, 3, 2, 10))
    with pytest.raises(ValueError, match="no time zone"):
        as_utc(datetime(2026, 3, 2, 10))


# --- working days and times ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "working"),
    [
        (date(2026, 3, 2), True),  # Monday
        (date(2026, 3, 7), False),  # Saturday
        (date(2026, 3, 8), False),  # Sunday
        (date(2026, 11, 26), False),  # Thanksgiving
        (date(2026, 11, 27), True),  # the Friday after is not a federal holiday
        (date(2026, 7, 3), False),  # July 4th falls on a Saturday: observed Friday
        (date(2026, 12, 25), False),
        (date(2026, 1, 19), False),  # Martin Luther King Jr. Day
    ],
)
def test_us_working_days(day: date, working: bool) -> None:
    assert US.is_working_day(day) is working


def test_holidays_follow_the_configured_country() -> None:
    uk = BusinessCalendar("Europe/London", holidays="GB")
    assert uk.is_working_day(date(2026, 11, 26))  # no Thanksgiving in the UK
    assert not uk.is_working_day(date(2026, 12, 28))  # Boxing Day (Sat 26th) observed on Monday
    none = BusinessCalendar(holidays=None)
    assert none.is_working_day(date(2026, 11, 26))


def test_custom_workweek() -> None:
    sun_thu = BusinessCalendar("Asia/Dubai", workdays=frozenset({6, 0, 1, 2, 3}), holidays=None)
    assert sun_thu.is_working_day(date(2026, 3, 8))  # Sunday
    assert not sun_thu.is_working_day(date(2026, 3, 6))  # Friday


def test_holiday_lookups_are_cached() -> None:
    US.is_working_day(date(2031, 5, 5))
    hits = calendar_module._holiday_dates.cache_info().hits
    for _ in range(3):
        US.is_working_day(date(2031, 5, 6))
    assert calendar_module._holiday_dates.cache_info().hits == hits + 3


@pytest.mark.parametrize(
    ("moment", "working"),
    [
        (ny(2026, 3, 2, 9, 0), True),  # the window includes its start
        (ny(2026, 3, 2, 8, 59, 59), False),
        (ny(2026, 3, 2, 17, 29, 59), True),
        (ny(2026, 3, 2, 17, 30), False),  # and excludes its end
        (ny(2026, 3, 7, 12, 0), False),  # Saturday
        (ny(2026, 11, 26, 12, 0), False),  # Thanksgiving
        (datetime(2026, 3, 2, 14, 30, tzinfo=UTC), True),  # 09:30 in New York
        (datetime(2026, 3, 2, 13, 30, tzinfo=UTC), False),  # 08:30 in New York
    ],
)
def test_is_working_time(moment: datetime, working: bool) -> None:
    assert US.is_working_time(moment) is working


# --- next working moment ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        (ny(2026, 3, 2, 10, 15), ny(2026, 3, 2, 10, 15)),
        (ny(2026, 3, 2, 7, 0), ny(2026, 3, 2, 9, 0)),
        (ny(2026, 3, 2, 17, 30), ny(2026, 3, 3, 9, 0)),
        (ny(2026, 2, 27, 18, 0), ny(2026, 3, 2, 9, 0)),  # Friday evening -> Monday
        (ny(2026, 11, 25, 18, 0), ny(2026, 11, 27, 9, 0)),  # skips Thanksgiving
        (ny(2026, 7, 2, 18, 0), ny(2026, 7, 6, 9, 0)),  # skips the observed July 4th
        (ny(2026, 12, 24, 17, 45), ny(2026, 12, 28, 9, 0)),
    ],
)
def test_next_working_moment(moment: datetime, expected: datetime) -> None:
    result = US.next_working_moment(moment)
    assert result == expected
    assert result.tzinfo == NY


def test_next_working_moment_is_in_the_calendars_zone() -> None:
    result = US.next_working_moment(datetime(2026, 3, 2, 15, 0, tzinfo=UTC))
    assert result.tzinfo == NY
    assert (result.hour, result.minute) == (10, 0)


def test_next_working_moment_across_spring_forward() -> None:
    # Friday 6 March 2026 is EST (UTC-5); Monday 9 March is EDT (UTC-4): 09:00 local either way.
    result = US.next_working_moment(ny(2026, 3, 6, 18, 0))
    assert result == ny(2026, 3, 9, 9, 0)
    assert result.astimezone(UTC) == datetime(2026, 3, 9, 13, 0, tzinfo=UTC)


# --- working minutes ----------------------------------------------------------------------------


def test_working_minutes_between_basic() -> None:
    assert US.working_minutes_between(ny(2026, 3, 2, 10), ny(2026, 3, 2, 11, 30)) == 90
    assert US.working_minutes_between(ny(2026, 3, 2, 11), ny(2026, 3, 2, 10)) == 0
    assert US.working_minutes_between(ny(2026, 3, 2, 18), ny(2026, 3, 3, 8)) == 0
    # A whole week is five 8.5-hour days.
    assert US.working_minutes_between(ny(2026, 3, 2, 0), ny(2026, 3, 9, 0)) == 5 * 510


def test_working_minutes_skip_thanksgiving() -> None:
    assert US.working_minutes_between(ny(2026, 11, 23), ny(2026, 11, 30)) == 4 * 510


def test_working_minutes_accept_mixed_zones() -> None:
    a = datetime(2026, 3, 2, 15, 0, tzinfo=UTC)  # 10:00 in New York
    b = datetime(2026, 3, 3, 0, 0, tzinfo=TOKYO)  # 10:00 in New York
    assert US.working_minutes_between(a, b) == 0
    assert US.working_minutes_between(a, ny(2026, 3, 2, 12)) == 120


def test_dst_weekend_keeps_wall_clock_hours() -> None:
    # Friday before and Monday after the spring change are both full 510-minute days.
    assert US.working_minutes_between(ny(2026, 3, 6, 9), ny(2026, 3, 10, 9)) == 2 * 510
    # ...and the autumn change too.
    assert US.working_minutes_between(ny(2026, 10, 30, 9), ny(2026, 11, 3, 9)) == 2 * 510


def test_window_spanning_a_dst_change_counts_real_time() -> None:
    night = BusinessCalendar(
        "America/New_York", workdays=frozenset(range(7)), start=time(1), end=time(4), holidays=None
    )
    # 01:00-04:00 local lasts two real hours when clocks spring forward, four when they fall back.
    spring = night.working_minutes_between(ny(2026, 3, 8, 0), ny(2026, 3, 8, 12))
    autumn = night.working_minutes_between(ny(2026, 11, 1, 0), ny(2026, 11, 1, 12))
    ordinary = night.working_minutes_between(ny(2026, 3, 9, 0), ny(2026, 3, 9, 12))
    assert (spring, autumn, ordinary) == (120, 240, 180)


@pytest.mark.parametrize(
    ("moment", "minutes", "expected"),
    [
        (ny(2026, 3, 2, 10), 30, ny(2026, 3, 2, 10, 30)),
        (ny(2026, 3, 2, 17), 60, ny(2026, 3, 3, 9, 30)),
        (ny(2026, 2, 27, 17), 60, ny(2026, 3, 2, 9, 30)),  # over the weekend
        (ny(2026, 2, 28, 12), 60, ny(2026, 3, 2, 10, 0)),  # starting on Saturday
        (ny(2026, 2, 28, 12), 0, ny(2026, 3, 2, 9, 0)),
        (ny(2026, 11, 25, 17), 45, ny(2026, 11, 27, 9, 15)),  # over Thanksgiving
        (ny(2026, 3, 6, 17), 60, ny(2026, 3, 9, 9, 30)),  # into EDT
        (ny(2026, 3, 2, 10), 1.5, ny(2026, 3, 2, 10, 1, 30)),
        (ny(2026, 3, 2, 9), 510 * 3, ny(2026, 3, 5, 9)),
    ],
)
def test_add_working_minutes(moment: datetime, minutes: float, expected: datetime) -> None:
    assert US.add_working_minutes(moment, minutes) == expected


def test_add_working_minutes_ending_at_close_rolls_to_next_window() -> None:
    # No working time passes between 17:30 and the next 09:00, so the result is a working moment.
    assert US.add_working_minutes(ny(2026, 3, 2, 17), 30) == ny(2026, 3, 3, 9)


def test_add_working_minutes_refuses_negative() -> None:
    with pytest.raises(ValueError, match="minutes >= 0"):
        US.add_working_minutes(ny(2026, 3, 2, 10), -1)


# --- working days -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("moment", "n", "expected"),
    [
        (ny(2026, 3, 2, 10), 1, ny(2026, 3, 3, 10)),
        (ny(2026, 2, 27, 10), 1, ny(2026, 3, 2, 10)),  # Friday -> Monday
        (ny(2026, 3, 2, 10), 5, ny(2026, 3, 9, 10)),
        (ny(2026, 3, 2, 7), 0, ny(2026, 3, 2, 9)),  # clamped to opening time
        (ny(2026, 2, 27, 18), 1, ny(2026, 3, 3, 9)),  # after hours counts from Monday morning
        (ny(2026, 11, 25, 10), 1, ny(2026, 11, 27, 10)),  # over Thanksgiving
        (ny(2026, 3, 6, 10), 1, ny(2026, 3, 9, 10)),  # 10:00 EST -> 10:00 EDT
    ],
)
def test_add_working_days(moment: datetime, n: int, expected: datetime) -> None:
    assert US.add_working_days(moment, n) == expected


def test_add_working_days_refuses_negative() -> None:
    with pytest.raises(ValueError, match="n >= 0"):
        US.add_working_days(ny(2026, 3, 2, 10), -1)


# --- prospect time zone -------------------------------------------------------------------------


def test_in_zone_keeps_rules_in_another_zone() -> None:
    tokyo = US.in_zone("Asia/Tokyo")
    assert tokyo.timezone == "Asia/Tokyo"
    assert (tokyo.start, tokyo.end, tokyo.workdays, tokyo.holidays) == (
        US.start,
        US.end,
        US.workdays,
        US.holidays,
    )
    # 20:00 Monday in New York is 10:00 Tuesday in Tokyo: working time for the prospect.
    evening = ny(2026, 3, 2, 20)
    assert not US.is_working_time(evening)
    assert tokyo.is_working_time(evening)
    assert tokyo.next_working_moment(evening) == evening
    assert tokyo.next_working_moment(evening).tzinfo == TOKYO


@pytest.mark.parametrize("tz", ["", "Not/AZone", "../etc/passwd", "America/New_York"])
def test_in_zone_falls_back_to_self(tz: str) -> None:
    assert US.in_zone(tz) is US


# --- properties ---------------------------------------------------------------------------------

CALENDARS = [
    US,
    BusinessCalendar("Europe/Berlin", holidays="DE"),
    BusinessCalendar("Asia/Kolkata", start=time(10), end=time(19), holidays="IN"),
    BusinessCalendar("Australia/Sydney", start=time(8, 30), end=time(17), holidays="AU"),
    BusinessCalendar("Pacific/Chatham", workdays=frozenset({6, 0, 1, 2, 3}), holidays=None),
    BusinessCalendar("UTC", workdays=frozenset({2}), start=time(0), end=time(23, 59)),
]

# Instants when clocks change in the zones above; uniform moments would rarely land near one.
DST_CHANGES = [
    datetime(2026, 3, 8, 7, tzinfo=UTC),  # New York, spring
    datetime(2026, 11, 1, 6, tzinfo=UTC),  # New York, autumn
    datetime(2026, 3, 29, 1, tzinfo=UTC),  # Berlin, spring
    datetime(2026, 10, 25, 1, tzinfo=UTC),  # Berlin, autumn
    datetime(2026, 4, 4, 16, tzinfo=UTC),  # Sydney, autumn
    datetime(2026, 10, 3, 16, tzinfo=UTC),  # Sydney, spring
]

calendars = st.sampled_from(CALENDARS)
moments = st.one_of(
    st.datetimes(
        min_value=datetime(2024, 1, 1), max_value=datetime(2028, 12, 31), timezones=st.just(UTC)
    ),
    st.builds(
        lambda change, minutes: change + timedelta(minutes=minutes),
        st.sampled_from(DST_CHANGES),
        st.integers(-4 * 1440, 4 * 1440),
    ),
)
minutes = st.floats(min_value=0, max_value=20_000, allow_nan=False)
FAST = settings(max_examples=60, deadline=None)


def _in_working_hours(cal: BusinessCalendar, moment: datetime) -> bool:
    local = moment.astimezone(cal.zone)
    return (
        cal.is_working_day(local.date())
        and cal.is_working_time(moment)
        and cal.start <= local.time() < cal.end
    )


@FAST
@given(cal=calendars, moment=moments)
def test_next_working_moment_is_the_first_working_instant(
    cal: BusinessCalendar, moment: datetime
) -> None:
    result = cal.next_working_moment(moment)
    assert _in_working_hours(cal, result)
    assert result >= moment
    assert cal.working_minutes_between(moment, result) == 0
    if cal.is_working_time(moment):
        assert result == moment


@FAST
@given(cal=calendars, a=moments, b=moments, n=st.integers(0, 30), k=st.integers(0, 10))
def test_add_working_days_is_monotonic(
    cal: BusinessCalendar, a: datetime, b: datetime, n: int, k: int
) -> None:
    early, late = sorted((a, b))
    assert cal.add_working_days(early, n) <= cal.add_working_days(late, n)
    assert cal.add_working_days(early, n) <= cal.add_working_days(early, n + k)
    if k:
        assert cal.add_working_days(early, n) < cal.add_working_days(early, n + k)
    assert _in_working_hours(cal, cal.add_working_days(early, n))


@FAST
@given(cal=calendars, a=moments, m=minutes)
def test_working_minutes_undo_add_working_minutes(
    cal: BusinessCalendar, a: datetime, m: float
) -> None:
    result = cal.add_working_minutes(a, m)
    assert cal.working_minutes_between(a, result) == pytest.approx(m, abs=1e-4)
    assert _in_working_hours(cal, result)


@FAST
@given(cal=calendars, a=moments, gap=st.integers(0, 60 * 24 * 40))
def test_working_minutes_are_additive(cal: BusinessCalendar, a: datetime, gap: int) -> None:
    b = a + timedelta(minutes=gap)
    c = b + timedelta(minutes=gap // 2 + 1)
    whole = cal.working_minutes_between(a, c)
    parts = cal.working_minutes_between(a, b) + cal.working_minutes_between(b, c)
    assert whole == pytest.approx(parts, abs=1e-6)
    assert 0 <= cal.working_minutes_between(a, b) <= gap
