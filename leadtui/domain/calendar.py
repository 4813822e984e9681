"""Working days and working hours, in a given time zone, with public holidays.

Working hours are local wall-clock hours: 09:00-17:30 means that on every working day, even on a
daylight-saving change. Durations between instants are real elapsed time, so all arithmetic is done
in UTC; aware datetimes that share a tzinfo compare and subtract by wall clock in Python, which is
wrong across a DST change.

A working window is half-open: 17:30 itself is outside 09:00-17:30.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Iterable
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from typing import Any, NamedTuple, Self
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

_DAY = timedelta(days=1)
# A calendar has at least one workday, so a working window is never more than a week and a few
# holidays away; this bound only guards against looping forever on a pathological calendar.
_MAX_SCAN_DAYS = 3 * 366

WEEKDAY_NAMES: tuple[str, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_WEEKDAY_ALIASES: dict[str, int] = {
    **{name: i for i, name in enumerate(WEEKDAY_NAMES)},
    **{
        name: i
        for i, name in enumerate(
            ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
        )
    },
    "tues": 1,
    "wednes": 2,
    "thur": 3,
    "thurs": 3,
}
_HOURS_RE = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*$")


def as_utc(moment: datetime) -> datetime:
    """The same instant in UTC; a naive datetime is a bug upstream, so it is refused."""
    if moment.tzinfo is UTC:
        return moment  # what the cache hands back: the common case, and called in every loop
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"datetime {moment.isoformat()} has no time zone; use an aware datetime")
    return moment.astimezone(UTC)


def parse_hours(text: str) -> tuple[time, time]:
    """Parse "09:00-17:30" into (start, end); overnight or empty ranges are refused."""
    match = _HOURS_RE.match(text or "")
    if match is None:
        raise ValueError(f"working hours must look like '09:00-17:30', got {text!r}")
    h1, m1, h2, m2 = (int(g) for g in match.groups())
    try:
        start, end = time(h1, m1), time(h2, m2)
    except ValueError:
        raise ValueError(
            f"working hours {text!r} contain an impossible time; hours are 00-23, minutes 00-59"
        ) from None
    _check_hours(start, end)
    return start, end


def parse_workdays(names: Iterable[str]) -> frozenset[int]:
    """Parse ["mon", "tue", ...] (or full names, any case) into weekday numbers, Monday=0."""
    if isinstance(names, str):
        # A bare string would be iterated letter by letter; say what is expected instead.
        raise ValueError(f"workdays must be a list such as ['mon', 'tue'], got {names!r}")
    days: set[int] = set()
    for name in names:
        key = str(name).strip().lower()
        if key not in _WEEKDAY_ALIASES:
            allowed = ", ".join(WEEKDAY_NAMES)
            raise ValueError(f"unknown workday {name!r}; use {allowed}")
        days.add(_WEEKDAY_ALIASES[key])
    if not days:
        raise ValueError("workdays must name at least one day, e.g. ['mon', 'tue', 'wed']")
    return frozenset(days)


def _check_hours(start: time, end: time) -> None:
    if start.tzinfo is not None or end.tzinfo is not None:
        raise ValueError("working hours are local wall-clock times; give them without a time zone")
    if start >= end:
        raise ValueError(
            f"working hours must end after they start on the same day, got "
            f"{start:%H:%M}-{end:%H:%M}; overnight shifts are not supported"
        )


@lru_cache(maxsize=512)
def _holiday_dates(country: str, year: int) -> frozenset[date]:
    # Building a holidays object costs milliseconds per year; calendars ask for the same few
    # years over and over, so one frozen set per (country, year) is kept.
    import holidays as holidays_lib  # a tenth of a second: only calendars that use it pay

    with warnings.catch_warnings():
        # Outside the years a country's rules cover, the package warns and returns nothing;
        # no holidays is the right reading for a calendar, so the warning is noise.
        warnings.simplefilter("ignore", UserWarning)
        return frozenset(holidays_lib.country_holidays(country, years=year).keys())


@lru_cache(maxsize=64)
def _known_country(country: str) -> bool:
    # Checked on every calendar built, and `in_zone` builds one per prospect zone: building a
    # holidays object each time was a third of the time a 100,000-lead pull spent deriving.
    import holidays as holidays_lib

    try:
        holidays_lib.country_holidays(country)
    except NotImplementedError:
        return False
    return True


@lru_cache(maxsize=256)
def _in_zone(calendar: BusinessCalendar, tz: str) -> BusinessCalendar:
    # A pull derives every lead's cadence in its prospect's zone: building (and checking) a
    # calendar per lead was a tenth of a 100,000-contact pull; there are only so many zones.
    try:
        ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError):
        return calendar
    return calendar._replace(timezone=tz)


def _load_zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(
            f"unknown time zone {name!r}; use an IANA name such as 'America/New_York'"
        ) from None


class _CalendarFields(NamedTuple):
    timezone: str
    workdays: frozenset[int]
    start: time
    end: time
    holidays: str | None


class BusinessCalendar(_CalendarFields):
    """Working days and hours in one time zone; results come back in that zone.

    A named tuple checked and normalised when made, not a dataclass: nothing on `leadtui queue
    --format json`'s path then imports dataclasses (and inspect with it), a tenth of its
    start-up (bench/startup.py). The zone, loaded once, is kept beside the fields (in the
    instance's __dict__), outside the calendar's value: equality, hash and repr are the fields'.
    """

    _zone: ZoneInfo

    def __new__(
        cls,
        timezone: str = "UTC",
        workdays: Iterable[int] = frozenset(range(5)),
        start: time = time(9, 0),
        end: time = time(17, 30),
        holidays: str | None = "US",
    ) -> Self:
        zone = _load_zone(timezone)
        days = frozenset(workdays)
        if not days:
            raise ValueError("a business calendar needs at least one workday")
        if not days <= frozenset(range(7)):
            raise ValueError(f"workdays are 0 (Monday) to 6 (Sunday), got {sorted(days)}")
        _check_hours(start, end)
        country = (holidays or "").strip().upper()
        if country in ("", "NONE"):
            country = ""
        elif not _known_country(country):
            raise ValueError(
                f"no public holidays known for country {holidays!r}; "
                "use an ISO code such as 'US' or 'GB', or none"
            ) from None
        calendar = super().__new__(cls, timezone, days, start, end, country or None)
        calendar._zone = zone
        return calendar

    @classmethod
    def _make(cls, iterable: Iterable[Any]) -> Self:  # type: ignore[override]
        # What _replace (and a copy) makes goes through the checks and loads its zone too;
        # mypy types namedtuple's own _make specially, hence the ignore.
        return cls(*iterable)

    @property
    def zone(self) -> ZoneInfo:
        return self._zone

    def in_zone(self, tz: str) -> BusinessCalendar:
        """The same hours and holidays read in another zone (the prospect's); bad tz -> self."""
        if not tz or tz == self.timezone:
            return self
        return _in_zone(self, tz)

    def is_holiday(self, d: date) -> bool:
        return self.holidays is not None and d in _holiday_dates(self.holidays, d.year)

    def is_working_day(self, d: date) -> bool:
        return d.weekday() in self.workdays and not self.is_holiday(d)

    def is_working_time(self, moment: datetime) -> bool:
        u = as_utc(moment)
        window = self._window(self._local_date(u))
        return window is not None and window[0] <= u < window[1]

    def next_working_moment(self, moment: datetime) -> datetime:
        """`moment` itself when inside working hours, else the start of the next window."""
        u = as_utc(moment)
        d = self._local_date(u)
        for _ in range(_MAX_SCAN_DAYS):
            window = self._window(d)
            if window is not None and u < window[1]:
                return max(u, window[0]).astimezone(self._zone)
            d += _DAY
        raise ValueError(f"no working time within {_MAX_SCAN_DAYS} days of {moment.isoformat()}")

    def add_working_days(self, moment: datetime, n: int) -> datetime:
        """The same local time `n` working days later, clamped into working hours.

        `moment` is first moved to the next working moment, so anything after hours counts from
        the next morning: Friday 18:00 + 1 working day is Tuesday 09:00 (one whole working day,
        Monday, lies between), while Friday 17:00 + 1 is Monday 17:00. n == 0 gives the next
        working moment. Always a working moment, and monotonic in both arguments as long as
        the hours do not straddle a DST change (the repeated autumn hour cannot keep both its
        wall-clock and its real-time order).
        """
        if n < 0:
            raise ValueError(f"add_working_days needs n >= 0, got {n}")
        base = self.next_working_moment(moment)
        d, wall = base.date(), base.time()
        counted = 0
        while counted < n:
            d += _DAY
            if self._window(d) is not None:
                counted += 1
        # Re-normalising only matters when DST moves the wall time outside the window.
        return self.next_working_moment(datetime.combine(d, wall, tzinfo=self._zone))

    def add_working_minutes(self, moment: datetime, minutes: float) -> datetime:
        """The moment after `minutes` of working time have run from `moment`.

        Always a working moment: when the minutes run out exactly at the end of a window the
        result is the start of the next one, since no working time passes in between.
        """
        if minutes < 0:
            raise ValueError(f"add_working_minutes needs minutes >= 0, got {minutes}")
        remaining = timedelta(minutes=minutes)
        cur = as_utc(self.next_working_moment(moment))
        while True:
            window = self._window(self._local_date(cur))
            assert window is not None  # cur is a working moment
            available = window[1] - cur
            if remaining < available:
                return (cur + remaining).astimezone(self._zone)
            remaining -= available
            cur = as_utc(self.next_working_moment(window[1]))

    def working_minutes_between(self, a: datetime, b: datetime) -> float:
        """Working time from `a` to `b` in minutes (fractional); 0 when b <= a."""
        ua, ub = as_utc(a), as_utc(b)
        if ub <= ua:
            return 0.0
        total = timedelta()
        d, last = self._local_date(ua), self._local_date(ub)
        while d <= last:
            window = self._window(d)
            if window is not None:
                overlap = min(ub, window[1]) - max(ua, window[0])
                if overlap > timedelta():
                    total += overlap
            d += _DAY
        return total.total_seconds() / 60

    def _local_date(self, u: datetime) -> date:
        return u.astimezone(self._zone).date()

    def _window(self, d: date) -> tuple[datetime, datetime] | None:
        """Day `d`'s working window as UTC instants, or None when `d` is not worked."""
        if not self.is_working_day(d):
            return None
        # A wall time that does not exist (inside a spring-forward gap) is read with the offset
        # before the change, which lands it just after the gap: the usual zoneinfo reading.
        start = datetime.combine(d, self.start, tzinfo=self._zone).astimezone(UTC)
        end = datetime.combine(d, self.end, tzinfo=self._zone).astimezone(UTC)
        return (start, end) if start < end else None
