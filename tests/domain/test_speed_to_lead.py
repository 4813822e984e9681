from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from leadtui.domain.calendar import BusinessCalendar
from leadtui.domain.models import (
    TOUCH_CHANNELS,
    Channel,
    Lead,
    LeadStatus,
    Outcome,
    SpeedToLeadState,
    Touch,
)
from leadtui.domain.speed_to_lead import (
    SlaPolicy,
    SpeedToLead,
    deadline_for,
    evaluate,
    first_human_touch,
    is_human_touch,
)

NY = ZoneInfo("America/New_York")
CAL = BusinessCalendar("America/New_York")
OWNER = "alex@example.com"
WALL = SlaPolicy()
BUSINESS = SlaPolicy(business_hours_only=True)


def ny(
    year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0
) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=NY)


def lead(created: datetime, routed: datetime | None = None) -> Lead:
    return Lead(
        id=1,
        name="Dana Reyes",
        email="dana@acme.test",
        owner=OWNER,
        source="webinar",
        status=LeadStatus.NEW,
        created_at=created,
        routed_at=routed,
    )


def touch(
    at: datetime,
    channel: Channel = Channel.CALL,
    by: str = OWNER,
    automated: bool = False,
    outcome: Outcome = Outcome.NO_ANSWER,
) -> Touch:
    return Touch(channel, outcome, at, by=by, automated=automated)


# --- what counts as a human touch --------------------------------------------------------------


@pytest.mark.parametrize("channel", TOUCH_CHANNELS)
def test_every_touch_channel_counts(channel: Channel) -> None:
    assert is_human_touch(touch(ny(2026, 3, 2, 10), channel), OWNER)


@pytest.mark.parametrize(
    ("kwargs", "human"),
    [
        ({"by": "ALEX@Example.com "}, True),  # case and stray spaces do not matter
        ({"by": ""}, True),  # a manual log without an author is the owner's
        ({"by": "sam@example.com"}, False),  # a colleague's call does not stop the clock
        ({"automated": True}, False),
        ({"automated": True, "by": ""}, False),
        ({"channel": Channel.TASK}, False),
    ],
)
def test_human_touch_rules(kwargs: dict[str, object], human: bool) -> None:
    assert is_human_touch(touch(ny(2026, 3, 2, 10), **kwargs), OWNER) is human  # type: ignore[arg-type]


def test_first_human_touch_is_the_earliest_whatever_the_order() -> None:
    later = touch(ny(2026, 3, 2, 11))
    earlier = touch(datetime(2026, 3, 2, 15, 30, tzinfo=UTC))  # 10:30 New York
    robot = touch(ny(2026, 3, 2, 9), automated=True)
    colleague = touch(ny(2026, 3, 2, 9, 30), by="sam@example.com")
    assert first_human_touch(OWNER, [later, robot, earlier, colleague]) == earlier
    assert first_human_touch(OWNER, [robot, colleague]) is None
    assert first_human_touch(OWNER, []) is None


# --- deadlines ----------------------------------------------------------------------------------


def test_deadline_runs_from_creation_when_routing_was_instant() -> None:
    assert deadline_for(lead(ny(2026, 3, 2, 10)), WALL, CAL) == ny(2026, 3, 2, 11)


def test_deadline_runs_from_routing() -> None:
    routed = lead(ny(2026, 3, 2, 10), routed=ny(2026, 3, 2, 10, 40))
    assert deadline_for(routed, WALL, CAL) == ny(2026, 3, 2, 11, 40)


def test_wall_clock_deadline_ignores_nights_and_weekends() -> None:
    assert deadline_for(lead(ny(2026, 3, 6, 17)), WALL, CAL) == ny(2026, 3, 6, 18)


def test_wall_clock_deadline_is_real_elapsed_time_across_dst() -> None:
    # 01:30 EST + one real hour is 03:30 EDT: the 02:00-03:00 hour does not exist that night.
    deadline = deadline_for(lead(ny(2026, 3, 8, 1, 30)), WALL, CAL)
    assert deadline == ny(2026, 3, 8, 3, 30)
    # Subtracting in UTC: datetimes sharing a tzinfo subtract by wall clock in Python.
    assert deadline.astimezone(UTC) - ny(2026, 3, 8, 1, 30).astimezone(UTC) == timedelta(hours=1)


@pytest.mark.parametrize(
    ("created", "deadline"),
    [
        (ny(2026, 3, 2, 10), ny(2026, 3, 2, 11)),
        (ny(2026, 3, 6, 17), ny(2026, 3, 9, 9, 30)),  # 30 minutes Friday, 30 on Monday (EDT)
        (ny(2026, 3, 7, 12), ny(2026, 3, 9, 10)),  # Saturday: the clock starts Monday
        (ny(2026, 11, 25, 22), ny(2026, 11, 27, 10)),  # over Thanksgiving
        (ny(2026, 3, 2, 16, 30), ny(2026, 3, 3, 9)),  # ends at close: due at the next opening
    ],
)
def test_business_hours_deadline(created: datetime, deadline: datetime) -> None:
    assert deadline_for(lead(created), BUSINESS, CAL) == deadline


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [({"window_minutes": 0}, "window must be positive"), ({"at_risk_minutes": -1}, ">= 0")],
)
def test_policy_validation(kwargs: dict[str, int], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        SlaPolicy(**kwargs)  # type: ignore[arg-type]


# --- states -------------------------------------------------------------------------------------

NEW = lead(ny(2026, 3, 2, 10))  # deadline 11:00


@pytest.mark.parametrize(
    ("touches", "now", "expected"),
    [
        ([], ny(2026, 3, 2, 10, 15), (SpeedToLeadState.PENDING, 45, None)),
        ([], ny(2026, 3, 2, 10, 44, 30), (SpeedToLeadState.PENDING, 16, None)),  # 15.5 min left
        ([], ny(2026, 3, 2, 10, 45), (SpeedToLeadState.AT_RISK, 15, None)),
        ([], ny(2026, 3, 2, 10, 59, 30), (SpeedToLeadState.AT_RISK, 1, None)),
        ([], ny(2026, 3, 2, 11), (SpeedToLeadState.AT_RISK, 0, None)),  # at the deadline
        ([], ny(2026, 3, 2, 11, 0, 1), (SpeedToLeadState.BREACHED, None, None)),
        (
            [touch(ny(2026, 3, 2, 10, 20))],
            ny(2026, 3, 2, 10, 30),
            (SpeedToLeadState.MET, None, ny(2026, 3, 2, 10, 20)),
        ),
        (
            [touch(ny(2026, 3, 2, 11))],  # exactly at the deadline is in time
            ny(2026, 3, 2, 12),
            (SpeedToLeadState.MET, None, ny(2026, 3, 2, 11)),
        ),
        (
            [touch(ny(2026, 3, 2, 11, 5))],
            ny(2026, 3, 2, 12),
            (SpeedToLeadState.BREACHED, None, ny(2026, 3, 2, 11, 5)),
        ),
        (
            [touch(ny(2026, 3, 2, 10, 5), automated=True)],
            ny(2026, 3, 2, 10, 50),
            (SpeedToLeadState.AT_RISK, 10, None),
        ),
        (
            [touch(ny(2026, 3, 2, 10, 5), by="sam@example.com")],
            ny(2026, 3, 2, 12),
            (SpeedToLeadState.BREACHED, None, None),
        ),
        (
            [touch(ny(2026, 3, 2, 10, 50))],  # not yet happened as of `now`
            ny(2026, 3, 2, 10, 30),
            (SpeedToLeadState.PENDING, 30, None),
        ),
    ],
)
def test_states(
    touches: list[Touch], now: datetime, expected: tuple[SpeedToLeadState, int | None, datetime]
) -> None:
    result = evaluate(NEW, touches, WALL, CAL, now)
    assert (result.state, result.minutes_left, result.first_touch_at) == expected
    assert result.deadline == ny(2026, 3, 2, 11)


def test_late_first_touch_stays_breached_even_with_later_touches() -> None:
    touches = [touch(ny(2026, 3, 2, 12)), touch(ny(2026, 3, 2, 13))]
    result = evaluate(NEW, touches, WALL, CAL, ny(2026, 3, 3, 9))
    assert result == SpeedToLead(
        ny(2026, 3, 2, 11), SpeedToLeadState.BREACHED, None, ny(2026, 3, 2, 12)
    )


def test_business_hours_countdown_counts_working_minutes() -> None:
    # Arrived 16:40 Monday: 50 minutes today, due 09:10 Tuesday.
    late_arrival = lead(ny(2026, 3, 2, 16, 40))
    at_close = evaluate(late_arrival, [], BUSINESS, CAL, ny(2026, 3, 2, 17, 25))
    assert at_close.deadline == ny(2026, 3, 3, 9, 10)
    assert (at_close.state, at_close.minutes_left) == (SpeedToLeadState.AT_RISK, 15)
    # Overnight no working time passes, so nothing changes...
    overnight = evaluate(late_arrival, [], BUSINESS, CAL, ny(2026, 3, 3, 3))
    assert (overnight.state, overnight.minutes_left) == (SpeedToLeadState.AT_RISK, 10)
    # ...while the same lead on a wall-clock policy was breached long ago.
    wall = evaluate(late_arrival, [], WALL, CAL, ny(2026, 3, 3, 3))
    assert wall.state == SpeedToLeadState.BREACHED


def test_business_hours_touch_before_opening_meets_a_deadline_due_at_opening() -> None:
    late_arrival = lead(ny(2026, 3, 2, 16, 30))  # due 09:00 Tuesday
    early_bird = [touch(ny(2026, 3, 3, 8, 15))]
    result = evaluate(late_arrival, early_bird, BUSINESS, CAL, ny(2026, 3, 3, 12))
    assert result.state == SpeedToLeadState.MET


def test_weekend_lead_is_pending_until_monday() -> None:
    weekend = lead(ny(2026, 3, 7, 12))
    result = evaluate(weekend, [], BUSINESS, CAL, ny(2026, 3, 8, 20))
    assert (result.state, result.minutes_left) == (SpeedToLeadState.PENDING, 60)


def test_a_clock_seen_before_the_lead_arrived_has_the_whole_window_left() -> None:
    # `--now` a day before the lead was created: never 1,500 minutes left of a 60-minute window.
    created = datetime(2026, 3, 2, 15, 0, tzinfo=UTC)
    lead = Lead(1, "A", "a@x.example", OWNER, "web", LeadStatus.NEW, created)
    clock = evaluate(lead, [], WALL, CAL, created - timedelta(days=1))
    assert (clock.state, clock.minutes_left) == (SpeedToLeadState.PENDING, 60)
    business = evaluate(
        lead, [], SlaPolicy(business_hours_only=True), CAL, created - timedelta(days=3)
    )
    assert business.minutes_left == 60
