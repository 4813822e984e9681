"""Everything about one lead, in sections: contact, behaviour, score, cadence, touches, notes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, tzinfo
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Static

from leadtui.domain.calendar import BusinessCalendar
from leadtui.domain.models import CadenceTemplate, Enrolment, Event, EventKind, Lead, Touch
from leadtui.domain.scoring import ScoreLine
from leadtui.domain.speed_to_lead import SpeedToLead
from widgets.cadence_progress import CadenceProgress
from widgets.contact_links import link_target as link_target
from widgets.contact_links import linked
from widgets.queue_row import countdown, span
from widgets.safe_text import clean

if TYPE_CHECKING:  # phone-number checks load after the first frame, with the first detail
    from leadtui.domain.contact import ContactCheck

TIMELINE_LIMIT = 40

EVENT_LABELS = {
    EventKind.PAGE_VIEW: "viewed",
    EventKind.DOWNLOAD: "downloaded",
    EventKind.WEBINAR: "webinar",
    EventKind.EMAIL_OPEN: "opened",
    EventKind.EMAIL_CLICK: "clicked",
    EventKind.FORM_SUBMISSION: "form",
}


@dataclass(frozen=True)
class NoteItem:
    created_at: datetime
    body: str
    by: str


@dataclass(frozen=True)
class LeadDetail:
    """What the detail shows, assembled in a worker thread."""

    lead: Lead
    score: int
    band: str
    stl: SpeedToLead
    explanation: tuple[ScoreLine, ...]
    enrolment: Enrolment | None
    template: CadenceTemplate | None
    touches: tuple[Touch, ...]
    events: tuple[Event, ...]
    notes: tuple[NoteItem, ...]
    colleagues: tuple[Lead, ...]
    email_check: ContactCheck
    phone_check: ContactCheck
    now: datetime
    zone: tzinfo | None = None
    calendar: BusinessCalendar | None = None  # the rep's working hours, to read the prospect's
    context_source: str = ""  # where the events came from, said above the timeline
    me: str = ""  # the user: a lead someone else owns says whose it is


def _when(moment: datetime, zone: tzinfo | None) -> str:
    local = moment.astimezone(zone) if zone else moment
    return f"{local:%a %d %b %H:%M}"


def _check(label: str, value: str, check: ContactCheck) -> Text:
    text = Text(f"{label:<7}")
    if value.strip():
        text.append_text(linked(label, value))  # a click calls or writes (OSC 8)
    else:
        text.append("—")
    if check.valid:
        text.append("  ✓ valid", style="green")
    else:
        text.append(f"  ✗ {clean(check.reason)}", style="bold red")
    return text


def header_text(d: LeadDetail) -> Text:
    lead = d.lead
    text = Text(clean(lead.name) or clean(lead.email), style="bold")
    role = " at ".join(x for x in (clean(lead.job_title), clean(lead.company)) if x)
    if role:
        text.append(f"  {role}")
    text.append(f"\n{lead.status.value} · {d.band} {d.score} · {clean(lead.source)}", style="dim")
    text.append(f" · in system {span((d.now - lead.created_at).total_seconds())}", style="dim")
    if lead.owner and d.me and lead.owner.casefold() != d.me.casefold():
        # Your touches here are yours: they do not stop the owner's speed-to-lead clock.
        text.append(f"\nowned by {clean(lead.owner)}", style="bold yellow")
    if lead.closed_at is not None and lead.status.value in CLOSED_SAYS:
        said = f"\n{CLOSED_SAYS[lead.status.value]} {_when(lead.closed_at, d.zone)}"
        if lead.disqualified_reason:
            said += f": {clean(lead.disqualified_reason)}"
        text.append(said, style="bold")
    if lead.recycled_at is not None and lead.recycle_reason:
        text.append(f"\n↺ {clean(lead.recycle_reason)}", style="bold magenta")
        text.append(f" ({_when(lead.recycled_at, d.zone)})", style="dim")
    return text


# How a closed lead's page says when it closed (and, for a disqualified one, why).
CLOSED_SAYS = {"disqualified": "disqualified", "lost": "lost", "won": "won"}


def contact_text(d: LeadDetail) -> Text:
    lead = d.lead
    text = _check("email", lead.email, d.email_check)
    text.append("\n")
    text.append_text(_check("phone", lead.phone, d.phone_check))
    where = ", ".join(x for x in (clean(lead.country), clean(lead.timezone)) if x)
    if where:
        text.append(f"\n{'where':<7}{where}")
    text.append_text(prospect_clock(d))
    if lead.form_problem or lead.form_timeline:
        text.append(f"\n{'problem':<9}", style="dim")
        text.append(clean(lead.form_problem) or "—")
        text.append(f"\n{'timeline':<9}", style="dim")
        text.append(clean(lead.form_timeline) or "—")
    return text


def prospect_at_work(d: LeadDetail) -> bool | None:
    """Whether it is working time for the prospect now (None when their zone is unknown)."""
    if not d.lead.timezone or d.calendar is None:
        return None
    prospect = d.calendar.in_zone(d.lead.timezone)
    if prospect.timezone != d.lead.timezone:
        return None  # not a zone we know
    return prospect.is_working_time(d.now)


def prospect_clock(d: LeadDetail) -> Text:
    """ "  ·  03:12 Thu there  ⚠ outside their working hours": the prospect's clock now."""
    at_work = prospect_at_work(d)
    if at_work is None:
        return Text()
    local = d.now.astimezone(ZoneInfo(d.lead.timezone))
    text = Text(f"  ·  {local:%H:%M %a} there", style="bold")
    if not at_work:
        text.append("  ⚠ outside their working hours", style="bold yellow")
    return text


def sla_text(d: LeadDetail) -> Text:
    stl = d.stl
    text = Text()
    if stl.first_touch_at is not None:
        late = stl.first_touch_at > stl.deadline
        text.append("✖ first touch late" if late else "✓ met", style="red" if late else "green")
        text.append(f" ({_when(stl.first_touch_at, d.zone)})", style="dim")
    elif d.now > stl.deadline:
        text.append("✖ breached", style="bold red")
        text.append(f" {span((d.now - stl.deadline).total_seconds())} ago, never touched")
    else:
        left = (stl.deadline - d.now).total_seconds()
        style = "bold yellow" if stl.state.value == "at_risk" else ""
        mark = "▲ " if stl.state.value == "at_risk" else ""
        text.append(f"{mark}{countdown(left)} left", style=style)
    text.append(f"  deadline {_when(stl.deadline, d.zone)}", style="dim")
    return text


def score_text(d: LeadDetail) -> Text:
    text = Text(f"{d.band} {d.score}", style="bold")
    for line in d.explanation:
        sign = "+" if line.points >= 0 else ""
        text.append(f"\n{sign}{line.points:>5g}  ", style="green" if line.points >= 0 else "red")
        text.append(clean(line.label))
        if line.why:
            text.append(f"  {clean(line.why)}", style="dim")
    return text


def timeline_text(d: LeadDetail) -> Text:
    if not d.events:
        return Text("No recorded behaviour.", style="dim")
    text = Text()
    if d.context_source:
        text.append(f"From {d.context_source}.\n", style="dim italic")
    events = sorted(d.events, key=lambda e: e.occurred_at, reverse=True)
    for n, event in enumerate(events[:TIMELINE_LIMIT]):
        if n:
            text.append("\n")
        text.append(f"{_when(event.occurred_at, d.zone)}  ", style="dim")
        text.append(f"{EVENT_LABELS.get(event.kind, event.kind.value):<10} ")
        text.append(clean(event.title) or "(untitled)")
        if event.url:
            text.append(f"  {clean(event.url)}", style="dim underline")
    if len(events) > TIMELINE_LIMIT:
        text.append(f"\n… and {len(events) - TIMELINE_LIMIT} earlier", style="dim")
    return text


def touches_text(d: LeadDetail) -> Text:
    if not d.touches:
        return Text("No touches yet.", style="dim")
    text = Text()
    for n, touch in enumerate(sorted(d.touches, key=lambda t: t.occurred_at, reverse=True)):
        if n:
            text.append("\n")
        text.append(f"{_when(touch.occurred_at, d.zone)}  ", style="dim")
        text.append(f"{touch.channel.value:<8} {touch.outcome.value.replace('_', ' ')}")
        if touch.automated:
            text.append("  (automated)", style="dim")
        if touch.note:
            text.append(f"  {clean(touch.note)}", style="italic")
    return text


def notes_text(d: LeadDetail) -> Text:
    if not d.notes:
        return Text("No notes.", style="dim")
    text = Text()
    for n, note in enumerate(sorted(d.notes, key=lambda x: x.created_at, reverse=True)):
        if n:
            text.append("\n")
        text.append(f"{_when(note.created_at, d.zone)}  ", style="dim")
        # One line per line of the note: newlines are layout, other controls are not.
        text.append(" / ".join(clean(line) for line in note.body.splitlines()))
    return text


def colleagues_text(d: LeadDetail) -> Text:
    if not d.colleagues:
        return Text("No one else from this company.", style="dim")
    text = Text()
    for n, other in enumerate(d.colleagues):
        if n:
            text.append("\n")
        text.append(clean(other.name) or clean(other.email))
        title = clean(other.job_title)
        text.append(f"  {title}" if title else "", style="dim")
        text.append(f"  {other.status.value}", style="dim")
    return text


class LeadDetailView(VerticalScroll, can_focus=True):
    DEFAULT_CSS = """
    LeadDetailView {
        padding: 0 1;
        & > .section { height: auto; margin-bottom: 1; }
        & > .title { height: auto; color: $accent; text-style: bold; }
    }
    """

    SECTIONS = (
        ("", "header"),
        ("Contact", "contact"),
        ("Speed to lead", "sla"),
        ("Cadence", "cadence"),
        ("Score, rule by rule", "score"),
        ("Behaviour", "timeline"),
        ("Touches", "touches"),
        ("Notes", "notes"),
        ("Others at the company", "colleagues"),
    )

    def compose(self) -> ComposeResult:
        for title, key in self.SECTIONS:
            if title:
                yield Static(title, classes="title", markup=False)
            if key == "cadence":
                yield CadenceProgress(id="cadence", classes="section")
            else:
                yield Static(id=key, classes="section", markup=False)

    def show(self, detail: LeadDetail | None) -> None:
        if detail is None:
            self.query_one("#header", Static).update(Text("No lead selected.", style="dim"))
            return
        updates = {
            "header": header_text(detail),
            "contact": contact_text(detail),
            "sla": sla_text(detail),
            "score": score_text(detail),
            "timeline": timeline_text(detail),
            "touches": touches_text(detail),
            "notes": notes_text(detail),
            "colleagues": colleagues_text(detail),
        }
        for key, text in updates.items():
            self.query_one(f"#{key}", Static).update(text)
        self.query_one(CadenceProgress).show(
            detail.enrolment, detail.template, detail.now, detail.zone
        )
