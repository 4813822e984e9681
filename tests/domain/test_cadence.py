from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from leadtui.domain.cadence import (
    DEFAULT_TEMPLATES,
    CadenceError,
    apply_touch,
    calendar_for,
    complete_step,
    current_step,
    enrol,
    exit_cadence,
    gave_up_early,
    is_overdue,
    overdue_minutes,
    pause,
    projected_schedule,
    resume,
    validate_template,
)
from leadtui.domain.calendar import BusinessCalendar
from leadtui.domain.models import (
    CadenceTemplate,
    Channel,
    Enrolment,
    Lead,
    LeadStatus,
    Outcome,
    Step,
    StepRecord,
    Touch,
)
from leadtui.domain.reasons import DisqualifyReason

NY = ZoneInfo("America/New_York")
BERLIN = ZoneInfo("Europe/Berlin")
CAL = BusinessCalendar("America/New_York")
STANDARD = DEFAULT_TEMPLATES["standard"]
OWNER = "alex@example.com"


def ny(
    year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0
) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=NY)


def utc(moment: datetime) -> datetime:
    # Datetimes sharing a tzinfo compare and subtract by wall clock; UTC makes intent explicit.
    return moment.astimezone(UTC)


def template(*days: int, channel: Channel = Channel.EMAIL, name: str = "custom") -> CadenceTemplate:
    return CadenceTemplate(name, tuple(Step(channel, d, f"step on day {d}") for d in days))


def touch(at: datetime, outcome: Outcome = Outcome.NO_ANSWER, **kwargs: object) -> Touch:
    return Touch(Channel.CALL, outcome, at, by=OWNER, **kwargs)  # type: ignore[arg-type]


def started(at: datetime | None = None) -> Enrolment:
    return enrol(STANDARD, at or ny(2026, 3, 2, 10), CAL)


# --- templates ----------------------------------------------------------------------------------


def test_default_templates_are_valid() -> None:
    assert set(DEFAULT_TEMPLATES) == {"standard", "hot", "nurture"}
    for name, t in DEFAULT_TEMPLATES.items():
        assert t.name == name
        assert validate_template(t) is t
        assert all(step.instruction.strip() for step in t.steps)
        assert t.description


def test_standard_template_follows_the_research_sequence() -> None:
    assert [s.day for s in STANDARD.steps] == [1, 3, 7, 12, 18, 25]
    assert {s.channel for s in STANDARD.steps} == {Channel.CALL, Channel.EMAIL, Channel.LINKEDIN}
    themes = ["deliver", "educate", "compare", "case study", "risk", "direct ask"]
    for step, theme in zip(STANDARD.steps, themes, strict=True):
        assert theme in step.instruction.lower()


def test_hot_template_is_eight_touches_in_about_ten_days_starting_with_a_call() -> None:
    hot = DEFAULT_TEMPLATES["hot"]
    assert len(hot.steps) == 8
    assert hot.steps[-1].day <= 10
    assert (hot.steps[0].channel, hot.steps[0].day) == (Channel.CALL, 1)
    assert "hour" in hot.steps[0].instruction


def test_nurture_template_is_seven_mostly_email_touches_over_a_quarter() -> None:
    nurture = DEFAULT_TEMPLATES["nurture"]
    assert len(nurture.steps) == 7
    assert 80 <= nurture.steps[-1].day <= 100
    emails = sum(s.channel == Channel.EMAIL for s in nurture.steps)
    assert emails > len(nurture.steps) / 2


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        (template(1, 2, 3, 4, name="short"), "cadence 'short' has 4 steps; .* 5 to 8"),
        (template(*range(1, 10), name="long"), "cadence 'long' has 9 steps; .* 5 to 8"),
        (template(0, 2, 3, 4, 5), "step 1: day must be 1 or later, got 0"),
        (template(1, 3, 2, 4, 5), "step 3: day 2 comes before the previous step's day 3"),
        (template(1, 2, 3, 4, 5, channel=Channel.MEETING), "step 1: a meeting is an outcome"),
        (template(1, 2, 3, 4, 5, name=" "), "needs a name"),
    ],
)
def test_invalid_templates_say_why(bad: CadenceTemplate, message: str) -> None:
    with pytest.raises(CadenceError, match=message):
        validate_template(bad)


def test_enrol_refuses_an_invalid_template_with_a_value_error() -> None:
    # The config module reports ValueErrors with their key; a CadenceError must be one.
    assert issubclass(CadenceError, ValueError)
    with pytest.raises(CadenceError, match="has 2 steps"):
        enrol(template(1, 2), ny(2026, 3, 2, 10), CAL)


def test_same_day_steps_and_task_steps_are_allowed() -> None:
    same_day = template(1, 1, 2, 2, 3, channel=Channel.TASK)
    assert validate_template(same_day) is same_day


# --- enrolment and due times --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("at", "due"),
    [
        (ny(2026, 3, 2, 10), ny(2026, 3, 2, 10)),  # in hours: due now
        (ny(2026, 3, 2, 20), ny(2026, 3, 3, 9)),  # evening: next morning
        (ny(2026, 3, 7, 12), ny(2026, 3, 9, 9)),  # Saturday: Monday (now EDT)
        (ny(2026, 11, 25, 18), ny(2026, 11, 27, 9)),  # before Thanksgiving: Friday
    ],
)
def test_enrol(at: datetime, due: datetime) -> None:
    enr = started(at)
    assert enr == Enrolment("standard", at, 0, due)
    assert enr.active


def test_first_step_on_a_later_day() -> None:
    enr = enrol(template(3, 4, 5, 6, 7), ny(2026, 3, 2, 10), CAL)
    assert enr.due_at == ny(2026, 3, 4, 10)


def test_complete_step_records_it_and_schedules_the_next_from_the_touch() -> None:
    enr = complete_step(started(), STANDARD, ny(2026, 3, 2, 10, 20), CAL)
    assert enr.history == (StepRecord(0, ny(2026, 3, 2, 10), ny(2026, 3, 2, 10, 20)),)
    assert (enr.step, enr.due_at) == (1, ny(2026, 3, 4, 10, 20))


def test_late_touch_shifts_later_steps_instead_of_piling_up() -> None:
    # Step 1 (day 1) done three days late on Thursday: step 2 (day 3) is due two days after
    # that, Saturday, so Monday morning; not Wednesday, already past.
    enr = complete_step(started(), STANDARD, ny(2026, 3, 5, 14), CAL)
    assert enr.due_at == ny(2026, 3, 9, 9)


def test_open_step_blocks_the_next() -> None:
    enr = started()
    # Long after step 2's nominal day, step 1 is still the one due.
    assert current_step(enr, STANDARD) == STANDARD.steps[0]
    assert is_overdue(enr, ny(2026, 3, 20, 10))
    assert enr.step == 0


@pytest.mark.parametrize(
    ("done", "due"),
    [
        (ny(2026, 11, 24, 10), ny(2026, 11, 27, 9)),  # would fall on Thanksgiving
        (ny(2026, 7, 1, 10), ny(2026, 7, 6, 9)),  # would fall on July 3rd, the observed 4th
        (ny(2026, 3, 5, 10), ny(2026, 3, 9, 9)),  # would fall on Saturday
    ],
)
def test_due_times_skip_holidays_and_weekends(done: datetime, due: datetime) -> None:
    enr = complete_step(started(done - timedelta(minutes=5)), STANDARD, done, CAL)
    assert enr.due_at == due


def test_calendar_days_keep_the_local_time_across_dst() -> None:
    gaps = template(1, 4, 5, 6, 7)
    enr = complete_step(enrol(gaps, ny(2026, 3, 6, 10), CAL), gaps, ny(2026, 3, 6, 10), CAL)
    assert enr.due_at == ny(2026, 3, 9, 10)  # 10:00 EST Friday -> 10:00 EDT Monday
    assert enr.due_at is not None
    assert utc(enr.due_at) == datetime(2026, 3, 9, 14, tzinfo=UTC)


def test_due_times_follow_the_prospects_zone() -> None:
    berlin_lead = Lead(1, "Jonas", "j@firma.test", OWNER, "web", LeadStatus.NEW, ny(2026, 3, 2, 14))
    berlin_lead = berlin_lead._replace(timezone="Europe/Berlin")
    prospect = calendar_for(CAL, berlin_lead)
    # 14:00 in New York is 20:00 in Berlin: the first call waits for Berlin's morning.
    enr = enrol(STANDARD, ny(2026, 3, 2, 14), prospect)
    assert enr.due_at == datetime(2026, 3, 3, 9, tzinfo=BERLIN)
    assert enr.due_at is not None and enr.due_at.tzinfo == BERLIN
    unknown = berlin_lead._replace(timezone="")
    assert calendar_for(CAL, unknown) is CAL


def test_completing_the_last_step_completes_the_cadence() -> None:
    enr = started()
    for k in range(len(STANDARD.steps)):
        assert enr.due_at is not None
        enr = complete_step(enr, STANDARD, enr.due_at, CAL)
        assert len(enr.history) == k + 1
    assert enr.completed_at == enr.history[-1].done_at
    assert (enr.step, enr.due_at, enr.active) == (6, None, False)
    assert current_step(enr, STANDARD) is None
    with pytest.raises(CadenceError, match="already ended"):
        complete_step(enr, STANDARD, ny(2026, 5, 1, 10), CAL)


def test_template_must_match_the_enrolment() -> None:
    with pytest.raises(CadenceError, match="not 'hot'"):
        complete_step(started(), DEFAULT_TEMPLATES["hot"], ny(2026, 3, 2, 11), CAL)


def test_projected_schedule_shows_shifts_around_weekends() -> None:
    assert projected_schedule(started(), STANDARD, CAL) == [
        ny(2026, 3, 2, 10),
        ny(2026, 3, 4, 10),
        ny(2026, 3, 9, 9),  # day 7 is a Sunday
        ny(2026, 3, 16, 9),  # five days after Monday 09:00 is a Saturday
        ny(2026, 3, 23, 9),
        ny(2026, 3, 30, 9),
    ]
    later = complete_step(started(), STANDARD, ny(2026, 3, 2, 11), CAL)
    assert len(projected_schedule(later, STANDARD, CAL)) == 5
    assert projected_schedule(exit_cadence(later, "replied", ny(2026, 3, 3)), STANDARD, CAL) == []


# --- touches ------------------------------------------------------------------------------------


def test_human_touch_completes_the_current_step() -> None:
    enr = apply_touch(started(), STANDARD, touch(ny(2026, 3, 2, 10, 30)), CAL)
    assert (enr.step, enr.due_at) == (1, ny(2026, 3, 4, 10, 30))
    assert enr.history[0].done_at == ny(2026, 3, 2, 10, 30)


@pytest.mark.parametrize(
    "ignored",
    [
        touch(ny(2026, 3, 2, 10, 30), automated=True),
        Touch(Channel.TASK, Outcome.SENT, ny(2026, 3, 2, 10, 30)),
        touch(ny(2026, 3, 2, 9, 30)),  # before the enrolment: synced late, not a step
    ],
)
def test_touches_that_change_nothing(ignored: Touch) -> None:
    enr = started()
    assert apply_touch(enr, STANDARD, ignored, CAL) == enr


def test_touch_older_than_the_last_step_changes_nothing() -> None:
    enr = apply_touch(started(), STANDARD, touch(ny(2026, 3, 2, 12)), CAL)
    assert apply_touch(enr, STANDARD, touch(ny(2026, 3, 2, 11)), CAL) == enr


@pytest.mark.parametrize("outcome", [Outcome.REPLIED, Outcome.MEETING_BOOKED])
def test_engagement_exits_with_the_outcome_as_reason(outcome: Outcome) -> None:
    at = ny(2026, 3, 2, 10, 30)
    enr = apply_touch(started(), STANDARD, touch(at, outcome), CAL)
    assert (enr.exited_at, enr.exit_reason, enr.due_at, enr.completed_at) == (
        at,
        str(outcome),
        None,
        None,
    )
    assert not enr.active
    assert enr.history == (StepRecord(0, ny(2026, 3, 2, 10), at),)
    # Nothing moves an ended cadence.
    assert apply_touch(enr, STANDARD, touch(ny(2026, 3, 3, 10)), CAL) == enr


def test_reply_on_the_last_step_is_an_exit_not_a_completion() -> None:
    enr = started()
    for _ in range(len(STANDARD.steps) - 1):
        assert enr.due_at is not None
        enr = complete_step(enr, STANDARD, enr.due_at, CAL)
    assert enr.due_at is not None
    enr = apply_touch(enr, STANDARD, touch(enr.due_at, Outcome.REPLIED), CAL)
    assert (enr.exit_reason, enr.completed_at, len(enr.history)) == ("replied", None, 6)


# --- pause, resume, exit ------------------------------------------------------------------------

DONE_FIRST = complete_step(started(), STANDARD, ny(2026, 3, 2, 10, 20), CAL)  # next due 3/4 10:20


def test_pause_stops_the_clock_and_resume_keeps_the_time_left() -> None:
    paused = pause(DONE_FIRST, ny(2026, 3, 3, 10, 20))  # 24 hours before the step was due
    assert paused.paused_at == ny(2026, 3, 3, 10, 20)
    assert not is_overdue(paused, ny(2026, 3, 13, 10))
    assert overdue_minutes(paused, ny(2026, 3, 13, 10)) == 0
    resumed = resume(paused, ny(2026, 3, 16, 10), CAL)
    assert (resumed.paused_at, resumed.due_at) == (None, ny(2026, 3, 17, 10))


def test_resume_after_an_overdue_pause_brings_no_backlog() -> None:
    paused = pause(DONE_FIRST, ny(2026, 3, 6, 10))  # already two days overdue
    resumed = resume(paused, ny(2026, 3, 16, 11), CAL)
    assert resumed.due_at == ny(2026, 3, 16, 11)
    assert not is_overdue(resumed, ny(2026, 3, 16, 11))


def test_resume_lands_in_working_hours() -> None:
    paused = pause(DONE_FIRST, ny(2026, 3, 3, 16, 20))  # 18 hours left
    resumed = resume(paused, ny(2026, 3, 13, 12), CAL)  # Friday noon + 18h = Saturday 06:00
    assert resumed.due_at == ny(2026, 3, 16, 9)


def test_pause_and_resume_are_idempotent() -> None:
    paused = pause(DONE_FIRST, ny(2026, 3, 3, 10))
    assert pause(paused, ny(2026, 3, 3, 12)) == paused
    assert resume(DONE_FIRST, ny(2026, 3, 3, 12), CAL) == DONE_FIRST
    ended = exit_cadence(DONE_FIRST, "disqualified", ny(2026, 3, 3))
    assert pause(ended, ny(2026, 3, 4)) == ended


def test_step_done_while_paused_stays_paused_and_keeps_its_full_gap() -> None:
    paused = pause(DONE_FIRST, ny(2026, 3, 3, 10, 20))
    done = complete_step(paused, STANDARD, ny(2026, 3, 5, 11), CAL)
    assert (done.step, done.due_at, done.paused_at) == (
        2,
        ny(2026, 3, 9, 11),
        ny(2026, 3, 5, 11),
    )
    resumed = resume(done, ny(2026, 3, 20, 10), CAL)
    # The gap between steps, counted from the return. It is real time, and the paused gap
    # spanned the spring DST change, so it was 95 hours: 09:00, not 10:00.
    assert resumed.due_at == ny(2026, 3, 24, 9)


def test_exit_cadence() -> None:
    ended = exit_cadence(DONE_FIRST, " disqualified ", ny(2026, 3, 3, 9))
    assert (ended.exited_at, ended.exit_reason, ended.due_at) == (
        ny(2026, 3, 3, 9),
        "disqualified",
        None,
    )
    assert not is_overdue(ended, ny(2026, 4, 1))
    assert exit_cadence(ended, "other", ny(2026, 3, 4)) == ended
    with pytest.raises(CadenceError, match="say why"):
        exit_cadence(DONE_FIRST, "  ", ny(2026, 3, 3))


@pytest.mark.parametrize(
    ("now", "overdue", "minutes"),
    [
        (ny(2026, 3, 4, 10), False, 0),
        (ny(2026, 3, 4, 10, 20), False, 0),  # due now is not yet late
        (ny(2026, 3, 4, 10, 21, 30), True, 2),  # rounded up
        (ny(2026, 3, 5, 10, 20), True, 1440),
    ],
)
def test_overdue(now: datetime, overdue: bool, minutes: int) -> None:
    assert is_overdue(DONE_FIRST, now) is overdue
    assert overdue_minutes(DONE_FIRST, now) == minutes


# --- gave up early ------------------------------------------------------------------------------

BASE_LEAD = Lead(
    7, "Kim Lee", "kim@acme.test", OWNER, "ads", LeadStatus.WORKING, ny(2026, 3, 2, 9, 50)
)
NOW = ny(2026, 4, 30, 12)


@pytest.mark.parametrize(
    ("lead", "touches", "enrolment", "expected"),
    [
        # Closed as disqualified after two touches.
        (
            BASE_LEAD._replace(status=LeadStatus.DISQUALIFIED, closed_at=ny(2026, 3, 5, 12)),
            2,
            None,
            ny(2026, 3, 5, 12),
        ),
        # The same after five touches is persistence, not giving up.
        (
            BASE_LEAD._replace(status=LeadStatus.DISQUALIFIED, closed_at=ny(2026, 3, 5, 12)),
            5,
            None,
            None,
        ),
        # Lost without ever reaching an opportunity.
        (
            BASE_LEAD._replace(status=LeadStatus.LOST, closed_at=ny(2026, 3, 6, 12)),
            1,
            None,
            ny(2026, 3, 6, 12),
        ),
        # Lost after an opportunity: a real sales loss.
        (
            BASE_LEAD._replace(
                status=LeadStatus.LOST,
                closed_at=ny(2026, 3, 6, 12),
                opportunity_at=ny(2026, 3, 4),
            ),
            1,
            None,
            None,
        ),
        # Converted without a recorded date still reached an opportunity.
        (BASE_LEAD._replace(status=LeadStatus.CONVERTED), 1, DONE_FIRST, None),
        # Cadence stopped by hand.
        (
            BASE_LEAD,
            1,
            exit_cadence(DONE_FIRST, "not a fit", ny(2026, 3, 3, 9)),
            ny(2026, 3, 3, 9),
        ),
        # Cadence ended by a reply or a conversion: not a drop.
        (BASE_LEAD, 1, exit_cadence(DONE_FIRST, "replied", ny(2026, 3, 3, 9)), None),
        (BASE_LEAD, 1, exit_cadence(DONE_FIRST, "Converted", ny(2026, 3, 3, 9)), None),
        # Abandoned: the step due 3/4 left untouched for over 14 days.
        (BASE_LEAD, 1, DONE_FIRST, ny(2026, 3, 4, 10, 20)),
        # On hold is not abandoned.
        (BASE_LEAD, 1, pause(DONE_FIRST, ny(2026, 3, 3)), None),
        # Several drops: the earliest counts.
        (
            BASE_LEAD._replace(status=LeadStatus.DISQUALIFIED, closed_at=ny(2026, 3, 20)),
            1,
            DONE_FIRST,
            ny(2026, 3, 4, 10, 20),
        ),
        # A close after `now` has not happened yet.
        (
            BASE_LEAD._replace(status=LeadStatus.DISQUALIFIED, closed_at=ny(2026, 5, 2)),
            1,
            None,
            None,
        ),
    ],
)
def test_gave_up_early(
    lead: Lead, touches: int, enrolment: Enrolment | None, expected: datetime | None
) -> None:
    assert gave_up_early(lead, touches, enrolment, NOW) == expected


def test_abandonment_threshold() -> None:
    due = utc(ny(2026, 3, 4, 10, 20))
    assert gave_up_early(BASE_LEAD, 0, DONE_FIRST, due + timedelta(days=14)) is None
    assert gave_up_early(BASE_LEAD, 0, DONE_FIRST, due + timedelta(days=14, minutes=1)) == due
    assert gave_up_early(BASE_LEAD, 0, DONE_FIRST, due + timedelta(days=3), 2) == due


# --- properties ---------------------------------------------------------------------------------

CALENDARS = [
    CAL,
    CAL.in_zone("Asia/Tokyo"),
    BusinessCalendar("Europe/Berlin", holidays="DE"),
    BusinessCalendar("Australia/Sydney", start=time(8), end=time(16), holidays="AU"),
    BusinessCalendar("UTC", workdays=frozenset({1, 3}), holidays=None),
]
calendars = st.sampled_from(CALENDARS)
templates = st.sampled_from(list(DEFAULT_TEMPLATES.values()))
moments = st.datetimes(
    min_value=datetime(2025, 1, 1), max_value=datetime(2027, 12, 31), timezones=st.just(UTC)
)
FAST = settings(max_examples=40, deadline=None)


def _in_working_hours(cal: BusinessCalendar, moment: datetime) -> bool:
    local = moment.astimezone(cal.zone)
    return cal.is_working_day(local.date()) and cal.start <= local.time() < cal.end


@FAST
@given(
    cal=calendars,
    t=templates,
    start=moments,
    offsets=st.lists(st.integers(-3 * 1440, 20 * 1440), min_size=8, max_size=8),
)
def test_due_times_always_fall_in_working_hours(
    cal: BusinessCalendar, t: CadenceTemplate, start: datetime, offsets: list[int]
) -> None:
    enr = enrol(t, start, cal)
    last_done = start
    for offset in offsets[: len(t.steps)]:
        assert enr.due_at is not None
        assert _in_working_hours(cal, enr.due_at)
        # Early, on time or late, but never before the previous touch.
        done = max(utc(enr.due_at) + timedelta(minutes=offset), utc(last_done))
        enr = complete_step(enr, t, done, cal)
        last_done = done
    assert enr.completed_at == last_done


@FAST
@given(
    cal=calendars,
    t=templates,
    start=moments,
    lateness=st.lists(st.integers(0, 30 * 1440), min_size=8, max_size=8),
)
def test_late_touches_keep_due_times_in_order(
    cal: BusinessCalendar, t: CadenceTemplate, start: datetime, lateness: list[int]
) -> None:
    enr = enrol(t, start, cal)
    dues: list[datetime] = []
    for late in lateness[: len(t.steps)]:
        assert enr.due_at is not None
        if enr.history:
            assert utc(enr.due_at) >= utc(enr.history[-1].done_at)
        dues.append(utc(enr.due_at))
        enr = complete_step(enr, t, utc(enr.due_at) + timedelta(minutes=late), cal)
    assert dues == sorted(dues)


@FAST
@given(cal=calendars, t=templates, start=moments)
def test_projected_schedule_matches_on_time_completion(
    cal: BusinessCalendar, t: CadenceTemplate, start: datetime
) -> None:
    enr = enrol(t, start, cal)
    projected = projected_schedule(enr, t, cal)
    actual = []
    while enr.due_at is not None:
        actual.append(enr.due_at)
        enr = complete_step(enr, t, enr.due_at, cal)
    assert [utc(d) for d in projected] == [utc(d) for d in actual]


@FAST
@given(
    cal=calendars,
    start=moments,
    done_after=st.integers(0, 5 * 1440),
    pause_after=st.integers(0, 10 * 1440),
    away=st.integers(0, 60 * 1440),
)
def test_paused_cadence_accrues_nothing_and_resumes_without_backlog(
    cal: BusinessCalendar, start: datetime, done_after: int, pause_after: int, away: int
) -> None:
    enr = enrol(STANDARD, start, cal)
    assert enr.due_at is not None
    enr = complete_step(enr, STANDARD, utc(enr.due_at) + timedelta(minutes=done_after), cal)
    assert enr.due_at is not None
    paused_at = utc(enr.history[-1].done_at) + timedelta(minutes=pause_after)
    back = paused_at + timedelta(minutes=away)
    paused = pause(enr, paused_at)
    for t in (paused_at, paused_at + (back - paused_at) / 2, back):
        assert not is_overdue(paused, t)
        assert overdue_minutes(paused, t) == 0
    resumed = resume(paused, back, cal)
    assert resumed.due_at is not None
    assert not is_overdue(resumed, back)
    if not is_overdue(enr, paused_at):
        left = utc(enr.due_at) - paused_at
        assert utc(resumed.due_at) - back >= left


def test_templates_from_config_are_validated() -> None:
    from leadtui.domain.cadence import templates_from_mapping

    steps = [{"channel": "call", "day": d, "instruction": f"step {d}"} for d in (1, 2, 4, 6, 9)]
    made = templates_from_mapping({"quick": {"description": "Fast", "steps": steps}})
    assert [s.day for s in made["quick"].steps] == [1, 2, 4, 6, 9]
    assert made["quick"].steps[0].channel is Channel.CALL
    with pytest.raises(CadenceError, match="'short' has 2 steps; a cadence needs 5 to 8"):
        templates_from_mapping({"short": {"steps": steps[:2]}})
    with pytest.raises(CadenceError, match="step 1: channel must be one of"):
        templates_from_mapping({"x": {"steps": [{"channel": "fax", "day": 1}]}})
    with pytest.raises(CadenceError, match="unknown key 'stepz'"):
        templates_from_mapping({"x": {"stepz": []}})


def test_a_touch_on_another_channel_does_not_tick_off_the_step() -> None:
    # Step 1 of the standard cadence is a call: an email is a touch, not that call.
    enr = started()
    email = Touch(Channel.EMAIL, Outcome.SENT, ny(2026, 3, 2, 10, 30))
    assert apply_touch(enr, STANDARD, email, CAL) == enr
    # A reply ends the cadence whatever the channel: the prospect engaged.
    reply = Touch(Channel.EMAIL, Outcome.REPLIED, ny(2026, 3, 2, 10, 40))
    assert apply_touch(enr, STANDARD, reply, CAL).exit_reason == "replied"


@pytest.mark.parametrize(
    ("reason", "counts"),
    [
        ("no_budget", False),
        ("student", False),
        ("competitor", False),
        ("bad_contact_data", False),
        ("Student or job seeker", False),  # the label reads as its key
        ("no_response", True),
        ("Not interested, never called back", True),  # free text is "other"
        ("", True),
    ],
)
def test_a_disqualify_reason_decides_whether_closing_early_counts_as_giving_up(
    reason: str, counts: bool
) -> None:
    closed = NOW - timedelta(days=1)
    lead = BASE_LEAD._replace(
        status=LeadStatus.DISQUALIFIED, closed_at=closed, disqualified_reason=reason
    )
    assert gave_up_early(lead, 2, None, NOW) == (closed if counts else None)
    stingy = (DisqualifyReason("no_budget", "No budget", gave_up=True),)
    if reason == "no_budget":  # configured to count: it does
        assert gave_up_early(lead, 2, None, NOW, reasons=stingy) == closed
