from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from leadtui.domain.cadence import DEFAULT_TEMPLATES, complete_step, enrol, pause
from leadtui.domain.calendar import BusinessCalendar
from leadtui.domain.models import (
    BreachKind,
    Channel,
    Enrolment,
    Lead,
    LeadStatus,
    Outcome,
    StepRecord,
    Touch,
)
from leadtui.domain.sla import Breach, breaches_for
from leadtui.domain.speed_to_lead import SlaPolicy

NY = ZoneInfo("America/New_York")
CAL = BusinessCalendar("America/New_York")
STANDARD = DEFAULT_TEMPLATES["standard"]
OWNER = "alex@example.com"
WALL = SlaPolicy()
BUSINESS = SlaPolicy(business_hours_only=True)


def ny(
    year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0
) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=NY)


LEAD = Lead(
    1, "Dana Reyes", "dana@acme.test", OWNER, "webinar", LeadStatus.WORKING, ny(2026, 3, 2, 10)
)


def call(at: datetime, by: str = OWNER, automated: bool = False) -> Touch:
    return Touch(Channel.CALL, Outcome.NO_ANSWER, at, by=by, automated=automated)


def on_time_enrolment() -> Enrolment:
    enr = enrol(STANDARD, ny(2026, 3, 2, 10), CAL)
    return complete_step(enr, STANDARD, ny(2026, 3, 2, 10), CAL)  # right away; next due 3/4 10:00


def test_prompt_touch_and_on_time_cadence_have_no_breaches() -> None:
    touches = [call(ny(2026, 3, 2, 10))]
    assert breaches_for(LEAD, touches, on_time_enrolment(), WALL, CAL, ny(2026, 3, 4, 10)) == []


def test_late_first_touch_is_a_resolved_speed_to_lead_breach() -> None:
    touches = [call(ny(2026, 3, 2, 11, 45))]
    assert breaches_for(LEAD, touches, None, WALL, CAL, ny(2026, 3, 2, 12)) == [
        Breach(BreachKind.SPEED_TO_LEAD, ny(2026, 3, 2, 11), 45, ny(2026, 3, 2, 11, 45))
    ]


def test_untouched_lead_is_an_open_breach_growing_until_now() -> None:
    robot = [call(ny(2026, 3, 2, 10, 1), automated=True), call(ny(2026, 3, 2, 10, 2), by="sam@x")]
    result = breaches_for(LEAD, robot, None, WALL, CAL, ny(2026, 3, 2, 12, 30, 20))
    assert result == [Breach(BreachKind.SPEED_TO_LEAD, ny(2026, 3, 2, 11), 91, None)]


def test_business_hours_late_by_counts_working_minutes_only() -> None:
    friday = LEAD._replace(created_at=ny(2026, 3, 6, 16))  # due 17:00 Friday
    touches = [call(ny(2026, 3, 9, 9, 30))]  # Monday
    [wall] = breaches_for(friday, touches, None, WALL, CAL, ny(2026, 3, 9, 12))
    [business] = breaches_for(friday, touches, None, BUSINESS, CAL, ny(2026, 3, 9, 12))
    assert wall.late_by_minutes == 63.5 * 60  # 17:00 EST Friday -> 09:30 EDT Monday
    assert business.late_by_minutes == 30 + 30
    assert business.due_at == ny(2026, 3, 6, 17)


def test_late_cadence_steps_are_resolved_overdue_touches() -> None:
    enr = enrol(STANDARD, ny(2026, 3, 2, 10), CAL)
    enr = complete_step(enr, STANDARD, ny(2026, 3, 2, 12), CAL)  # 120 minutes late
    touches = [call(ny(2026, 3, 2, 10, 30))]
    result = breaches_for(LEAD, touches, enr, WALL, CAL, ny(2026, 3, 3, 9))
    assert result == [Breach(BreachKind.OVERDUE_TOUCH, ny(2026, 3, 2, 10), 120, ny(2026, 3, 2, 12))]


def test_current_overdue_step_is_an_open_breach() -> None:
    touches = [call(ny(2026, 3, 2, 10))]
    now = ny(2026, 3, 4, 12, 0, 30)
    result = breaches_for(LEAD, touches, on_time_enrolment(), WALL, CAL, now)
    assert result == [Breach(BreachKind.OVERDUE_TOUCH, ny(2026, 3, 4, 10), 121, None)]


def test_overdue_step_late_by_in_working_minutes() -> None:
    touches = [call(ny(2026, 3, 2, 10))]
    now = ny(2026, 3, 5, 9, 30)  # 3/4 10:00-17:30 is 450 minutes, then 30 on Thursday
    [breach] = breaches_for(LEAD, touches, on_time_enrolment(), BUSINESS, CAL, now)
    assert breach.late_by_minutes == 480


def test_paused_cadence_has_no_open_overdue_breach() -> None:
    paused = pause(on_time_enrolment(), ny(2026, 3, 3, 9))
    touches = [call(ny(2026, 3, 2, 10))]
    assert breaches_for(LEAD, touches, paused, WALL, CAL, ny(2026, 3, 10, 9)) == []


def test_gave_up_early_counts_only_the_owners_human_touches() -> None:
    dropped = LEAD._replace(status=LeadStatus.DISQUALIFIED, closed_at=ny(2026, 3, 3, 15))
    mine = [call(ny(2026, 3, 2, 10, 5 + i)) for i in range(4)]
    others = [call(ny(2026, 3, 2, 12 + i), by="sam@example.com") for i in range(3)]
    robots = [call(ny(2026, 3, 2, 13, i), automated=True) for i in range(3)]
    result = breaches_for(dropped, mine + others + robots, None, WALL, CAL, ny(2026, 3, 9))
    assert result == [Breach(BreachKind.GAVE_UP_EARLY, ny(2026, 3, 3, 15), None, None)]
    fifth = [*mine, call(ny(2026, 3, 3, 9))]
    assert breaches_for(dropped, fifth, None, WALL, CAL, ny(2026, 3, 9)) == []


def test_breaches_come_in_due_order_and_ignore_touches_after_now() -> None:
    abandoned = Enrolment(
        "standard",
        ny(2026, 3, 2, 10),
        step=1,
        due_at=ny(2026, 3, 4, 12),
        history=(StepRecord(0, ny(2026, 3, 2, 10), ny(2026, 3, 2, 12)),),
    )
    # Four more calls after `now` would make five human touches and clear the gave-up flag.
    future = [call(ny(2026, 4, 1, 10 + i)) for i in range(4)]
    now = ny(2026, 3, 20, 12)
    result = breaches_for(LEAD, [call(ny(2026, 3, 2, 12)), *future], abandoned, WALL, CAL, now)
    # The late first step is the late first touch: one breach, the speed-to-lead one.
    assert [(b.kind, b.due_at, b.resolved_at) for b in result] == [
        (BreachKind.SPEED_TO_LEAD, ny(2026, 3, 2, 11), ny(2026, 3, 2, 12)),
        (BreachKind.OVERDUE_TOUCH, ny(2026, 3, 4, 12), None),
        (BreachKind.GAVE_UP_EARLY, ny(2026, 3, 4, 12), None),  # left overdue over 14 days
    ]


def test_an_untouched_breached_lead_is_one_breach_not_two() -> None:
    # The first cadence step is the first touch and is due when the window closes: one miss.
    enr = enrol(STANDARD, LEAD.created_at, CAL)._replace(due_at=ny(2026, 3, 2, 11))
    now = ny(2026, 3, 2, 13)
    assert breaches_for(LEAD, [], enr, WALL, CAL, now) == [
        Breach(BreachKind.SPEED_TO_LEAD, ny(2026, 3, 2, 11), 120, None)
    ]
    # Touched late, it is still one breach, resolved by that touch.
    late = ny(2026, 3, 2, 12)
    done = complete_step(enr, STANDARD, late, CAL)
    assert breaches_for(LEAD, [call(late)], done, WALL, CAL, now) == [
        Breach(BreachKind.SPEED_TO_LEAD, ny(2026, 3, 2, 11), 60, late)
    ]
