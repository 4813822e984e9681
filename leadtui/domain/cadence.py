"""Cadence templates and the arithmetic of a lead's enrolment in one.

Due times follow the conventions of the leading tools (RESEARCH.md, "Cadence conventions"):
- step 0 is due on its day counted from enrolment; step k is due (day_k - day_{k-1}) calendar days
  after step k-1 was actually done, so a late touch shifts the later steps instead of piling them
  up, and an open step blocks the next one;
- every due time is moved to the next working moment of the calendar, which callers should set to
  the prospect's zone when it is known (`calendar_for`).
Pause/resume keeps the time that was left, so a rep returning from leave finds no backlog.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from leadtui.domain.calendar import BusinessCalendar, as_utc
from leadtui.domain.models import (
    ENGAGED_OUTCOMES,
    CadenceTemplate,
    Channel,
    Enrolment,
    Lead,
    LeadStatus,
    Step,
    StepRecord,
    Touch,
)
from leadtui.domain.reasons import DEFAULT_REASONS, DisqualifyReason, counts_as_gave_up
from leadtui.domain.speed_to_lead import HUMAN_TOUCH_CHANNELS

MIN_STEPS, MAX_STEPS = 5, 8
# The cadence ended because the prospect engaged or the lead moved on, not because a rep stopped.
ENGAGED_EXIT_REASONS = frozenset({*(str(o) for o in ENGAGED_OUTCOMES), "converted"})
# A lead dropped with fewer human touches than this "gave up early" (RESEARCH.md, "Persistence").
PERSISTENCE_TOUCHES = 5


class CadenceError(ValueError):
    pass


def validate_template(template: CadenceTemplate) -> CadenceTemplate:
    """Return `template` unchanged if it is usable, else raise CadenceError saying why."""
    name, count = template.name, len(template.steps)
    if not name.strip():
        raise CadenceError("a cadence needs a name")
    if not MIN_STEPS <= count <= MAX_STEPS:
        raise CadenceError(
            f"cadence {name!r} has {count} steps; a cadence needs {MIN_STEPS} to {MAX_STEPS}"
        )
    previous_day = 1
    for i, step in enumerate(template.steps, start=1):
        if step.day < 1:
            raise CadenceError(f"cadence {name!r} step {i}: day must be 1 or later, got {step.day}")
        if step.day < previous_day:
            raise CadenceError(
                f"cadence {name!r} step {i}: day {step.day} comes before the previous step's "
                f"day {previous_day}; days must not decrease"
            )
        if step.channel == Channel.MEETING:
            raise CadenceError(
                f"cadence {name!r} step {i}: a meeting is an outcome, not a step; "
                "use call, email, linkedin, sms or task"
            )
        previous_day = step.day
    return template


def _template(name: str, description: str, *steps: tuple[Channel, int, str]) -> CadenceTemplate:
    built = CadenceTemplate(name, tuple(Step(c, d, text) for c, d, text in steps), description)
    return validate_template(built)


DEFAULT_TEMPLATES: dict[str, CadenceTemplate] = {
    t.name: t
    for t in (
        _template(
            "standard",
            "Six touches over 25 days for a qualified inbound lead.",
            (Channel.CALL, 1, "Deliver: call, confirm what they asked for, send it right away."),
            (Channel.EMAIL, 3, "Educate: share one insight on the problem they described."),
            (Channel.LINKEDIN, 7, "Compare: connect; show how teams like theirs chose a tool."),
            (Channel.CALL, 12, "Case study: call about a customer with the same problem."),
            (Channel.EMAIL, 18, "Reduce risk: offer a pilot, references or a guarantee."),
            (Channel.CALL, 25, "Direct ask: propose a 20-minute meeting at a set time."),
        ),
        _template(
            "hot",
            "Eight touches in ten days for a lead with an immediate need.",
            (Channel.CALL, 1, "Call within the hour: the odds of qualifying fall fast after it."),
            (Channel.EMAIL, 1, "Recap the call (or the missed call) and offer two meeting slots."),
            (Channel.CALL, 2, "Call again at a different time of day; leave a short voicemail."),
            (Channel.LINKEDIN, 3, "Connect with a note that names their stated problem."),
            (Channel.CALL, 4, "Call; mention a customer in their industry."),
            (Channel.EMAIL, 6, "Send a short case study matching their timeline."),
            (Channel.CALL, 8, "Call; offer a pilot or a trial to lower the risk."),
            (Channel.EMAIL, 10, "Direct ask: a meeting this week, or who else should we talk to?"),
        ),
        _template(
            "nurture",
            "Seven educational touches over three months for a lead that is just researching.",
            (Channel.EMAIL, 1, "Thank them; send the guide that matches their problem."),
            (Channel.EMAIL, 10, "Share a short how-to on the problem they described."),
            (Channel.LINKEDIN, 25, "Connect; share an article useful to their role."),
            (Channel.EMAIL, 40, "Invite them to the next webinar or send its recording."),
            (Channel.EMAIL, 55, "Send a customer story from their industry."),
            (Channel.EMAIL, 72, "Share a comparison or buying checklist."),
            (Channel.CALL, 90, "Check in: has their timeline changed? Offer a short call."),
        ),
    )
}


def templates_from_mapping(data: Mapping[str, Any]) -> dict[str, CadenceTemplate]:
    """Cadences from a parsed `[cadences.NAME]` TOML table; each is validated.

    `[cadences.quick]` with `steps = [{channel = "call", day = 1, instruction = "..."}, ...]`
    adds a cadence, or replaces a shipped one of the same name. Raises CadenceError naming the
    cadence, the step and what is allowed.
    """
    channels = ", ".join(c.value for c in Channel if c is not Channel.MEETING)
    templates = {}
    for name, table in data.items():
        if not isinstance(table, Mapping):
            raise CadenceError(f"cadences.{name}: must be a table with a steps list")
        unknown = set(table) - {"steps", "description"}
        if unknown:
            raise CadenceError(
                f"cadences.{name}: unknown key {sorted(unknown)[0]!r}; use steps, description"
            )
        raw_steps = table.get("steps")
        if not isinstance(raw_steps, list):
            raise CadenceError(f"cadences.{name}.steps: must be a list of steps")
        steps = []
        for i, raw in enumerate(raw_steps, start=1):
            where = f"cadences.{name} step {i}"
            if not isinstance(raw, Mapping):
                raise CadenceError(f'{where}: must be a table like {{channel = "call", day = 1}}')
            try:
                channel = Channel(str(raw.get("channel", "")).lower())
            except ValueError:
                raise CadenceError(f"{where}: channel must be one of {channels}") from None
            day = raw.get("day")
            if not isinstance(day, int) or isinstance(day, bool):
                raise CadenceError(f"{where}: day must be a whole number, 1 or later")
            steps.append(Step(channel, day, str(raw.get("instruction", ""))))
        description = str(table.get("description", ""))
        templates[name] = validate_template(CadenceTemplate(name, tuple(steps), description))
    return templates


def calendar_for(calendar: BusinessCalendar, lead: Lead) -> BusinessCalendar:
    """The calendar to schedule a lead's steps with: the prospect's zone where known."""
    return calendar.in_zone(lead.timezone)


def _due_after(calendar: BusinessCalendar, anchor: datetime, days: int) -> datetime:
    # Calendar days on the local wall clock: a touch done at 10:00 is next due at 10:00, even
    # across a DST change.
    local = anchor.astimezone(calendar.zone)
    return calendar.next_working_moment(local + timedelta(days=days))


def _check_template(enr: Enrolment, template: CadenceTemplate) -> None:
    if enr.cadence != template.name:
        raise CadenceError(
            f"enrolment is in cadence {enr.cadence!r}, not {template.name!r}; pass its template"
        )


def enrol(template: CadenceTemplate, now: datetime, calendar: BusinessCalendar) -> Enrolment:
    validate_template(template)
    first_day = template.steps[0].day
    due = _due_after(calendar, now, first_day - 1)
    return Enrolment(cadence=template.name, enrolled_at=now, step=0, due_at=due)


def current_step(enr: Enrolment, template: CadenceTemplate) -> Step | None:
    _check_template(enr, template)
    if not enr.active or enr.step >= len(template.steps):
        return None
    return template.steps[enr.step]


def complete_step(
    enr: Enrolment, template: CadenceTemplate, done_at: datetime, calendar: BusinessCalendar
) -> Enrolment:
    """Record the current step as done at `done_at` and schedule the next one from then.

    Done while paused, the enrolment stays paused; the pause is then counted from `done_at`, so
    resuming leaves the full gap to the next step.
    """
    _check_template(enr, template)
    if not enr.active or enr.due_at is None:
        raise CadenceError(f"cadence {enr.cadence!r} has already ended; nothing to complete")
    if not 0 <= enr.step < len(template.steps):
        raise CadenceError(f"cadence {enr.cadence!r} has no step {enr.step + 1}")
    as_utc(done_at)  # refuse a naive datetime before it lands in the history
    history = (*enr.history, StepRecord(enr.step, enr.due_at, done_at))
    nxt = enr.step + 1
    paused_at = enr.paused_at
    if paused_at is not None and as_utc(done_at) > as_utc(paused_at):
        paused_at = done_at
    if nxt >= len(template.steps):
        return enr._replace(
            step=nxt, due_at=None, paused_at=None, completed_at=done_at, history=history
        )
    gap = template.steps[nxt].day - template.steps[enr.step].day
    due = _due_after(calendar, done_at, gap)
    return enr._replace(step=nxt, due_at=due, paused_at=paused_at, history=history)


def apply_touch(
    enr: Enrolment, template: CadenceTemplate, touch: Touch, calendar: BusinessCalendar
) -> Enrolment:
    """Fold a logged touch into the enrolment.

    A human touch on the step's channel completes the current step (`completes`); a reply or a
    booked meeting, on any channel, completes it and ends the cadence with that outcome as the
    reason. Automated touches, touches on an ended cadence and touches
    older than the enrolment or its last recorded step (late-synced history) change nothing.
    """
    _check_template(enr, template)
    if touch.automated or touch.channel not in HUMAN_TOUCH_CHANNELS or not enr.active:
        return enr
    at = as_utc(touch.occurred_at)
    last_done = enr.history[-1].done_at if enr.history else enr.enrolled_at
    if at < as_utc(last_done):
        return enr
    step = current_step(enr, template)
    engaged = touch.outcome in ENGAGED_OUTCOMES
    if step is not None and not engaged and not completes(step.channel, touch.channel):
        return enr  # an email is a touch, but not the call the step asks for
    done = complete_step(enr, template, touch.occurred_at, calendar)
    if touch.outcome in ENGAGED_OUTCOMES:
        # Ended by the prospect engaging, even on the last step: exited, not completed.
        return done._replace(
            exited_at=touch.occurred_at,
            exit_reason=str(touch.outcome),
            completed_at=None,
            due_at=None,
            paused_at=None,
        )
    return done


def switch(old: Enrolment, new: Enrolment, now: datetime) -> Enrolment:
    """`new` as it must start when it replaces `old` at `now`: switching hides no miss.

    The old cadence's late steps stay in the history, and a step overdue at the switch keeps
    its due time: the new cadence's first step is due then, so it is still overdue (and still an
    open breach) until the next touch.
    """
    due = new.due_at
    if is_overdue(old, now) and old.due_at is not None:
        due = old.due_at if due is None else min(old.due_at, due, key=as_utc)
    return new._replace(due_at=due, history=old.history)


def completes(step_channel: Channel, touch_channel: Channel) -> bool:
    """Whether a touch on `touch_channel` does a step on `step_channel`.

    A step is done on its own channel; a task step ("research the account") by any touch, and a
    meeting does whatever step was due: they spoke.
    """
    return step_channel in (touch_channel, Channel.TASK) or touch_channel is Channel.MEETING


def pause(enr: Enrolment, now: datetime) -> Enrolment:
    """Hold the cadence (time off, an out-of-office reply); pausing twice keeps the first."""
    as_utc(now)  # refuse a naive datetime
    if not enr.active or enr.paused_at is not None:
        return enr
    return enr._replace(paused_at=now)


def resume(enr: Enrolment, now: datetime, calendar: BusinessCalendar) -> Enrolment:
    """Restart the clock with the time that was left at the pause (none if already overdue)."""
    if enr.paused_at is None or not enr.active or enr.due_at is None:
        return enr
    left = max(as_utc(enr.due_at) - as_utc(enr.paused_at), timedelta())
    due = calendar.next_working_moment(as_utc(now) + left)
    return enr._replace(paused_at=None, due_at=due)


def carry_on(enr: Enrolment, now: datetime, calendar: BusinessCalendar) -> Enrolment:
    """A cadence that ended early (the lead was disqualified, then reopened) goes on at the
    step it stopped at, due at the next working moment: the steps done stay done."""
    if enr.exited_at is None:
        return enr
    due = calendar.next_working_moment(as_utc(now))
    return enr._replace(exited_at=None, exit_reason="", paused_at=None, due_at=due)


def exit_cadence(enr: Enrolment, reason: str, now: datetime) -> Enrolment:
    """End the cadence early; `reason` is e.g. "replied", "converted", "disqualified"."""
    if not reason.strip():
        raise CadenceError("say why the cadence ends, e.g. 'replied' or 'disqualified'")
    as_utc(now)  # refuse a naive datetime
    if not enr.active:
        return enr
    return enr._replace(exited_at=now, exit_reason=reason.strip(), due_at=None, paused_at=None)


def is_overdue(enr: Enrolment, now: datetime) -> bool:
    if not enr.active or enr.paused_at is not None or enr.due_at is None:
        return False
    return as_utc(now) > as_utc(enr.due_at)


def overdue_minutes(enr: Enrolment, now: datetime) -> int:
    """Wall-clock minutes the current step is late, rounded up (0 unless overdue)."""
    if not is_overdue(enr, now):
        return 0
    assert enr.due_at is not None
    return math.ceil((as_utc(now) - as_utc(enr.due_at)).total_seconds() / 60)


def projected_schedule(
    enr: Enrolment, template: CadenceTemplate, calendar: BusinessCalendar
) -> list[datetime]:
    """Due times of the remaining steps, current one first, if each is done when due.

    A paused enrolment is projected from the due time it kept; resuming will move it.
    """
    _check_template(enr, template)
    if not enr.active or enr.due_at is None:
        return []
    schedule = [calendar.next_working_moment(enr.due_at)]
    for k in range(enr.step + 1, len(template.steps)):
        gap = template.steps[k].day - template.steps[k - 1].day
        schedule.append(_due_after(calendar, schedule[-1], gap))
    return schedule


def gave_up_early(
    lead: Lead,
    human_touch_count: int,
    enrolment: Enrolment | None,
    now: datetime,
    abandon_after_days: int = 14,
    reasons: Sequence[DisqualifyReason] = DEFAULT_REASONS,
) -> datetime | None:
    """When the lead was dropped before it had a fair chance, or None.

    A lead disqualified for a reason the prospect gave ("no budget", "student", ...: the
    pick-list's `gave_up = false` reasons, leadtui.domain.reasons) was not dropped at all.

    A lead "gave up early" when it never reached an opportunity (`opportunity_at` is None and
    the status is not converted or won), had fewer than 5 human touches, and one of these
    happened to it:
    - it was closed as disqualified, or as lost without an opportunity: dropped at `closed_at`;
    - its cadence was stopped by hand (any exit reason but replied, meeting_booked or
      converted): dropped at the enrolment's `exited_at`;
    - its current step has been left overdue for more than `abandon_after_days` (a paused
      cadence is on hold, not abandoned): dropped at that step's `due_at`.
    When several apply, the earliest drop time is returned; drops after `now` have not
    happened yet.
    """
    if human_touch_count >= PERSISTENCE_TOUCHES or lead.opportunity_at is not None:
        return None
    if lead.status in (LeadStatus.CONVERTED, LeadStatus.WON):
        return None  # an opportunity even if its date was never recorded
    if lead.status is LeadStatus.DISQUALIFIED and not counts_as_gave_up(
        lead.disqualified_reason, reasons
    ):
        return None
    drops: list[datetime] = []
    closed = lead.status in (LeadStatus.DISQUALIFIED, LeadStatus.LOST)
    if closed and lead.closed_at is not None:
        drops.append(lead.closed_at)
    if enrolment is not None:
        stopped = enrolment.exit_reason.strip().lower() not in ENGAGED_EXIT_REASONS
        if enrolment.exited_at is not None and stopped:
            drops.append(enrolment.exited_at)
        if enrolment.due_at is not None and is_overdue(enrolment, now):
            late = as_utc(now) - as_utc(enrolment.due_at)
            if late > timedelta(days=abandon_after_days):
                drops.append(enrolment.due_at)
    past = [d for d in drops if as_utc(d) <= as_utc(now)]
    return min(past, key=as_utc) if past else None
