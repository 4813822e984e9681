"""Moments in plain words ("tomorrow 9", "in 2h", "Tue 15:00") or ISO, read in the rep's zone.

Hand-written rather than a library on purpose: `dateparser` reads these forms but brings a
regex engine, locale data for 200 languages and a slow import for a grammar of a dozen words, and
it resolves wall times without regard to DST gaps; `parsedatetime` works on naive struct_time and
has had no release since 2020. The grammar below is small enough to read and test whole.

Wall-clock forms ("Tue 15:00") are built in the zone and then normalised through UTC, so a time
inside a spring-forward gap moves forward past the gap and an ambiguous time in the autumn
overlap reads as its first occurrence. Durations ("in 2h", "30m ago") are real elapsed time.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from leadtui.domain.calendar import _load_zone as load_zone

ACCEPTED = (
    "say when as 'in 2h', 'in 30m', '2h ago', 'tomorrow 9', 'Tue 15:00', 'today 16:30', "
    "'15:00' or an ISO time such as 2026-12-01T15:00"
)
# For a time already passed (a touch logged after the fact): examples that are in the past.
ACCEPTED_PAST = (
    "say when as '20m ago', '2h ago', 'today 9:30', 'yesterday 17:00', 'Mon 15:00', '9:30' "
    "or an ISO time such as 2026-11-30T09:30"
)
# Plain "tomorrow" or "Tue" without a time means the start of a usual working day.
DEFAULT_TIME = time(9, 0)

_WEEKDAYS = {
    name: i
    for i, names in enumerate(
        (
            ("mon", "monday"),
            ("tue", "tues", "tuesday"),
            ("wed", "weds", "wednesday"),
            ("thu", "thur", "thurs", "thursday"),
            ("fri", "friday"),
            ("sat", "saturday"),
            ("sun", "sunday"),
        )
    )
    for name in names
}
_UNITS = {
    "m": 1,
    "min": 1,
    "mins": 1,
    "minute": 1,
    "minutes": 1,
    "h": 60,
    "hr": 60,
    "hrs": 60,
    "hour": 60,
    "hours": 60,
    "d": 24 * 60,
    "day": 24 * 60,
    "days": 24 * 60,
    "w": 7 * 24 * 60,
    "week": 7 * 24 * 60,
    "weeks": 7 * 24 * 60,
}
_AMOUNT = r"(\d+(?:\.\d+)?\s*|an?\s+)([a-z]+)"
_DURATION_RE = re.compile(rf"^(?:{_AMOUNT}\s*)+$")
_PART_RE = re.compile(_AMOUNT)
_TIME_RE = re.compile(r"^(\d{1,2})(?:[:.h](\d{2}))?\s*(am|pm)?$")


def zone_of(tz: ZoneInfo | str) -> ZoneInfo:
    return tz if isinstance(tz, ZoneInfo) else load_zone(tz)


def parse_when(text: str, now: datetime, tz: ZoneInfo | str, *, past: bool = False) -> datetime:
    """The moment `text` names, aware, in `tz`.

    Forward forms ("in 2h", "tomorrow 9", "Tue 15:00", "15:00") are never before `now`; with
    `past=True` (logging a touch made earlier) a weekday or a bare time means the latest one
    not after `now` instead. "today 16:30", "yesterday 17:00", "2h ago" and ISO times mean
    exactly what they say. Raises ValueError with one sentence naming the accepted forms.
    """
    zone = zone_of(tz)
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("now must be an aware datetime")
    words = " ".join((text or "").strip().lower().replace(",", " ").split())
    forms = ACCEPTED_PAST if past else ACCEPTED
    if not words:
        raise ValueError(f"No time given: {forms}.")
    moment = _parse(words, now.astimezone(zone), zone, past)
    if moment is None:
        moment = _parse_iso(text.strip(), zone)
    if moment is None:
        raise ValueError(f"{text.strip()!r} is not a time leadtui can read: {forms}.")
    return moment


def _parse(words: str, now: datetime, zone: ZoneInfo, past: bool) -> datetime | None:
    if words == "now":
        return now
    if words.startswith("in "):
        minutes = _duration_minutes(words[3:])
        return None if minutes is None else _shift(now, minutes)
    if words.endswith(" ago"):
        minutes = _duration_minutes(words[:-4])
        return None if minutes is None else _shift(now, -minutes)
    head, _, rest = words.partition(" ")
    if head == "next" and rest:
        head, _, rest = rest.partition(" ")
    clock = _clock(rest) if rest else DEFAULT_TIME
    if clock is None:
        return None
    today = now.date()
    if head == "today":
        return _wall(today, clock, zone)
    if head == "tomorrow":
        return _wall(today + timedelta(days=1), clock, zone)
    if head == "yesterday":
        return _wall(today - timedelta(days=1), clock, zone)
    if head in _WEEKDAYS:
        return _nearest(now, zone, clock, past, weekday=_WEEKDAYS[head])
    if rest:
        return None
    bare = _clock(words)
    if bare is None:
        return None
    return _nearest(now, zone, bare, past, weekday=None)


def _nearest(
    now: datetime, zone: ZoneInfo, clock: time, past: bool, weekday: int | None
) -> datetime:
    """The first matching wall time not before `now` (or the last not after it when `past`)."""
    step = -1 if past else 1
    for offset in range(15):
        day = now.date() + timedelta(days=step * offset)
        if weekday is not None and day.weekday() != weekday:
            continue
        moment = _wall(day, clock, zone)
        if (moment <= now) if past else (moment >= now):
            return moment
    raise AssertionError("a weekday recurs within two weeks")  # pragma: no cover


def _duration_minutes(text: str) -> float | None:
    text = text.strip()
    if not _DURATION_RE.match(text):
        return None
    total = 0.0
    for amount, unit in _PART_RE.findall(text):
        if unit not in _UNITS:
            return None
        amount = amount.strip()
        total += (1.0 if amount in ("a", "an") else float(amount)) * _UNITS[unit]
    return total


def _clock(text: str) -> time | None:
    text = text.strip().removeprefix("at ").strip()
    if text == "noon":
        return time(12, 0)
    match = _TIME_RE.match(text)
    if match is None:
        return None
    hour, minute = int(match.group(1)), int(match.group(2) or 0)
    meridiem = match.group(3)
    if meridiem:
        if not 1 <= hour <= 12:
            return None
        hour = hour % 12 + (12 if meridiem == "pm" else 0)
    if hour > 23 or minute > 59:
        return None
    return time(hour, minute)


def _shift(now: datetime, minutes: float) -> datetime:
    zone = now.tzinfo
    return (now.astimezone(UTC) + timedelta(minutes=minutes)).astimezone(zone)


def _wall(day: date, clock: time, zone: ZoneInfo) -> datetime:
    # Round-tripping through UTC turns a wall time inside a DST gap into a real instant.
    return datetime.combine(day, clock, tzinfo=zone).astimezone(UTC).astimezone(zone)


def _parse_iso(text: str, zone: ZoneInfo) -> datetime | None:
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    if moment.tzinfo is None:
        return _wall(moment.date(), moment.time(), zone)
    return moment.astimezone(zone)


def describe_when(moment: datetime, now: datetime, tz: ZoneInfo | str) -> str:
    """'Tue 1 Dec 15:00 (in 2 d)': the moment in `tz`, and how far it is from `now`."""
    local = moment.astimezone(zone_of(tz))
    stamp = f"{local:%a} {local.day} {local:%b %H:%M}"
    return f"{stamp} ({relative(moment, now)})"


def relative(moment: datetime, now: datetime) -> str:
    """'in 5 min', '2 h 10 min ago', 'in 3 d', or 'now' within half a minute."""
    seconds = (moment.astimezone(UTC) - now.astimezone(UTC)).total_seconds()
    minutes = round(abs(seconds) / 60)
    if minutes == 0:
        return "now"
    if minutes < 60:
        span = f"{minutes} min"
    elif minutes < 24 * 60:
        hours, rest = divmod(minutes, 60)
        span = f"{hours} h" + (f" {rest} min" if rest else "")
    else:
        days, rest = divmod(minutes, 24 * 60)
        hours = rest // 60
        span = f"{days} d" + (f" {hours} h" if hours and days < 7 else "")
    return f"in {span}" if seconds > 0 else f"{span} ago"


def when_preview(now: datetime, zone: ZoneInfo, *, past: bool = False) -> Callable[[str], str]:
    """Reads a plain-words time back as it is typed, or says what forms it takes."""

    def preview(text: str) -> str:
        if not text.strip():
            return ""
        try:
            return "→ " + describe_when(parse_when(text, now, zone, past=past), now, zone)
        except ValueError as exc:
            return str(exc)

    return preview


def when_check(now: datetime, zone: ZoneInfo, *, past: bool = False) -> Callable[[str], str | None]:
    def check(text: str) -> str | None:
        try:
            moment = parse_when(text, now, zone, past=past)
        except ValueError as exc:
            return str(exc)
        if past and moment > now:
            return "That is in the future; say when it happened, e.g. '1h ago' or '9:30'."
        if not past and moment <= now:
            return "That time has passed; say a time to come, e.g. 'in 2h' or 'tomorrow 9'."
        return None

    return check
