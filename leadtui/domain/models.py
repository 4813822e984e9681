"""Plain data the domain rules work on.

These are immutable records (named tuples), not database rows: the store converts its rows
into them and the rules never see a session; `record._replace(field=value)` makes a changed
copy. Every datetime here is timezone-aware. Named tuples rather than frozen dataclasses: those
cost three times as much to make and four times as much to define (and the dataclasses module,
with inspect, some 6 ms to import), and `leadtui queue --format json` defines these and makes
thousands on every run (bench/startup.py).
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import NamedTuple


class Channel(StrEnum):
    CALL = "call"
    EMAIL = "email"
    LINKEDIN = "linkedin"
    SMS = "sms"
    MEETING = "meeting"
    # A cadence step may be a plain task ("research the account"); never a logged touch channel.
    TASK = "task"


# Channels a rep can log a touch on (DESIGN.md: `leadtui log --channel`).
TOUCH_CHANNELS: tuple[Channel, ...] = (
    Channel.CALL,
    Channel.EMAIL,
    Channel.LINKEDIN,
    Channel.SMS,
    Channel.MEETING,
)


class Outcome(StrEnum):
    CONNECTED = "connected"
    NO_ANSWER = "no_answer"
    LEFT_VOICEMAIL = "left_voicemail"
    BUSY = "busy"
    WRONG_NUMBER = "wrong_number"
    BAD_NUMBER = "bad_number"
    REPLIED = "replied"
    MEETING_BOOKED = "meeting_booked"
    BOUNCED = "bounced"
    SENT = "sent"


# What each channel can end in, most likely first (the log dialog lists them in this order). A
# call cannot bounce, an email cannot be busy: `check_outcome` refuses such a touch.
OUTCOMES_BY_CHANNEL: dict[Channel, tuple[Outcome, ...]] = {
    Channel.CALL: (
        Outcome.NO_ANSWER,
        Outcome.LEFT_VOICEMAIL,
        Outcome.CONNECTED,
        Outcome.BUSY,
        Outcome.MEETING_BOOKED,
        Outcome.WRONG_NUMBER,
        Outcome.BAD_NUMBER,
    ),
    Channel.EMAIL: (Outcome.SENT, Outcome.REPLIED, Outcome.BOUNCED, Outcome.MEETING_BOOKED),
    Channel.LINKEDIN: (Outcome.SENT, Outcome.REPLIED, Outcome.CONNECTED, Outcome.MEETING_BOOKED),
    Channel.SMS: (
        Outcome.SENT,
        Outcome.REPLIED,
        Outcome.MEETING_BOOKED,
        Outcome.WRONG_NUMBER,
        Outcome.BAD_NUMBER,
    ),
    Channel.MEETING: (Outcome.CONNECTED, Outcome.MEETING_BOOKED, Outcome.NO_ANSWER),
}
_ARTICLE = {Channel.EMAIL: "An email", Channel.MEETING: "A meeting", Channel.SMS: "An SMS"}


def outcomes_for(channel: Channel | str) -> tuple[Outcome, ...]:
    return OUTCOMES_BY_CHANNEL.get(Channel(channel), ())


def check_outcome(channel: Channel | str, outcome: Outcome | str) -> None:
    """Raise ValueError, one sentence, when `outcome` cannot happen on `channel`."""
    channel, outcome = Channel(channel), Outcome(outcome)
    allowed = outcomes_for(channel)
    if outcome not in allowed:
        who = _ARTICLE.get(channel, f"A {channel.value}")
        raise ValueError(
            f"{who} cannot be {outcome.value!r}; use one of: {', '.join(o.value for o in allowed)}."
        )


# Outcomes that end a cadence: the prospect engaged.
ENGAGED_OUTCOMES = frozenset({Outcome.REPLIED, Outcome.MEETING_BOOKED})
# Outcomes that mark the contact data itself as bad.
BAD_PHONE_OUTCOMES = frozenset({Outcome.WRONG_NUMBER, Outcome.BAD_NUMBER})
BAD_EMAIL_OUTCOMES = frozenset({Outcome.BOUNCED})


class LeadStatus(StrEnum):
    NEW = "new"  # routed, not yet touched
    WORKING = "working"  # touched, in follow-up
    NURTURE = "nurture"  # handed to marketing nurture
    CONVERTED = "converted"  # became an opportunity (deal open)
    WON = "won"
    LOST = "lost"  # opportunity lost
    DISQUALIFIED = "disqualified"


OPEN_STATUSES = frozenset({LeadStatus.NEW, LeadStatus.WORKING, LeadStatus.NURTURE})
# Statuses that mean the lead reached an opportunity at some point.
OPPORTUNITY_STATUSES = frozenset({LeadStatus.CONVERTED, LeadStatus.WON, LeadStatus.LOST})


class Band(StrEnum):
    HOT = "hot"
    WARM = "warm"
    COOL = "cool"
    UNQUALIFIED = "unqualified"


class EventKind(StrEnum):
    PAGE_VIEW = "page_view"
    DOWNLOAD = "download"
    WEBINAR = "webinar"
    EMAIL_OPEN = "email_open"
    EMAIL_CLICK = "email_click"
    FORM_SUBMISSION = "form_submission"


class SpeedToLeadState(StrEnum):
    PENDING = "pending"
    AT_RISK = "at_risk"
    MET = "met"
    BREACHED = "breached"


class BreachKind(StrEnum):
    SPEED_TO_LEAD = "speed_to_lead"
    OVERDUE_TOUCH = "overdue_touch"
    GAVE_UP_EARLY = "gave_up_early"


class Event(NamedTuple):
    """Behaviour marketing captured: a page view, a download, a webinar, an email open..."""

    kind: EventKind
    occurred_at: datetime
    url: str = ""
    title: str = ""


class Touch(NamedTuple):
    """One attempt to reach the prospect, by a person or (automated=True) by a machine."""

    channel: Channel
    outcome: Outcome
    occurred_at: datetime
    note: str = ""
    by: str = ""  # owner email of whoever made it
    automated: bool = False  # marketing automation; never stops the speed-to-lead clock


class Lead(NamedTuple):
    """A prospect routed to a rep, as the CRM and the forms describe them."""

    id: int
    name: str
    email: str
    owner: str  # the owner's email
    source: str
    status: LeadStatus
    created_at: datetime
    routed_at: datetime | None = None  # None: routing was instant, the clock runs from creation
    crm_id: str = ""
    company: str = ""
    phone: str = ""
    job_title: str = ""
    industry: str = ""
    company_size: int | None = None
    country: str = ""
    timezone: str = ""  # the prospect's IANA zone where known
    form_problem: str = ""  # "what problem are you trying to solve?"
    form_timeline: str = ""  # "when do you need a solution?"
    email_bad: bool = False
    phone_bad: bool = False
    snoozed_until: datetime | None = None
    opportunity_at: datetime | None = None
    won_at: datetime | None = None
    closed_at: datetime | None = None  # won, lost, disqualified, or given up
    deal_value: float | None = None
    disqualified_reason: str = ""
    # When the prospect submitted the form that made them a lead (HubSpot: first_conversion_date):
    # marketing's handoff time runs from here to routed_at.
    form_submitted_at: datetime | None = None
    # Set when a nurtured or not-ready lead showed buying intent again (leadtui.domain.recycle):
    # it is back in its rep's queue with a fresh speed-to-lead window from this moment.
    recycled_at: datetime | None = None
    recycle_reason: str = ""  # "back: viewed pricing twice this week"

    @property
    def clock_start(self) -> datetime:
        return self.recycled_at or self.routed_at or self.created_at


class Step(NamedTuple):
    """One step of a cadence template. `day` is 1-based: day 1 is the day of enrolment."""

    channel: Channel
    day: int
    instruction: str = ""


class CadenceTemplate(NamedTuple):
    """A named sequence of steps a lead is enrolled in."""

    name: str
    steps: tuple[Step, ...]
    description: str = ""


class StepRecord(NamedTuple):
    """What happened to one step: when it was due and when it was done."""

    step: int
    due_at: datetime
    done_at: datetime


class Enrolment(NamedTuple):
    """A lead's place in a cadence.

    `step` is the 0-based index of the next step to do; `due_at` is that step's due time.
    While paused, `due_at` is kept and `paused_at` set; resume moves `due_at` forward.
    """

    cadence: str
    enrolled_at: datetime
    step: int
    due_at: datetime | None
    paused_at: datetime | None = None
    exited_at: datetime | None = None
    exit_reason: str = ""  # "replied", "meeting_booked", "converted", "disqualified", ...
    completed_at: datetime | None = None
    history: tuple[StepRecord, ...] = ()

    @property
    def active(self) -> bool:
        return self.exited_at is None and self.completed_at is None


class Owner(NamedTuple):
    """A rep or manager as the CRM knows them; leads are matched to owners by email."""

    email: str
    first_name: str = ""
    last_name: str = ""
    crm_id: str = ""

    @property
    def name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip() or self.email
