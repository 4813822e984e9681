"""Deterministic demo data: realistic leads, behaviour, touches and deals from a seed.

The demo workspace, the sandbox CRM and the tests all draw from here, so the same seed and `now`
always give the same data. Nothing here reads a clock.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from leadtui.domain.models import (
    Channel,
    Event,
    EventKind,
    Lead,
    LeadStatus,
    Outcome,
    Owner,
    Touch,
)


@dataclass(frozen=True, slots=True)
class DemoLead:
    lead: Lead
    events: tuple[Event, ...]
    touches: tuple[Touch, ...]


@dataclass(frozen=True, slots=True)
class DemoData:
    owners: tuple[Owner, ...]
    leads: tuple[DemoLead, ...]


FIRST_NAMES = [
    "Ava",
    "Ben",
    "Chloe",
    "Dmitri",
    "Elena",
    "Farah",
    "Gabriel",
    "Hana",
    "Ivan",
    "Jade",
    "Kofi",
    "Lena",
    "Marco",
    "Nia",
    "Omar",
    "Priya",
    "Quinn",
    "Rosa",
    "Sven",
    "Tara",
    "Umar",
    "Vera",
    "Wei",
    "Ximena",
    "Yusuf",
    "Zoe",
    "Aaron",
    "Bianca",
    "Carlos",
    "Daria",
    "Emeka",
    "Freya",
    "Goran",
    "Ines",
    "Jonas",
    "Keiko",
    "Luis",
    "Maya",
    "Nils",
    "Olga",
    "Pavel",
    "Rhea",
    "Sami",
    "Tomas",
    "Uma",
    "Viktor",
    "Willa",
    "Yara",
]
LAST_NAMES = [
    "Adams",
    "Becker",
    "Costa",
    "Dubois",
    "Eriksen",
    "Fischer",
    "Garcia",
    "Haddad",
    "Ito",
    "Jensen",
    "Kowalski",
    "Lopez",
    "Murphy",
    "Nakamura",
    "Okafor",
    "Patel",
    "Quintero",
    "Rossi",
    "Schmidt",
    "Tanaka",
    "Urban",
    "Varga",
    "Wong",
    "Xu",
    "Yilmaz",
    "Zimmermann",
    "Novak",
    "Silva",
    "Moreau",
    "Keller",
    "Brennan",
    "Lindqvist",
    "Horvat",
    "Achebe",
    "Castillo",
]
COMPANY_STEMS = [
    "Acme",
    "Northwind",
    "Globex",
    "Initech",
    "Umbrella",
    "Stark",
    "Wayne",
    "Hooli",
    "Vandelay",
    "Soylent",
    "Cyberdyne",
    "Tyrell",
    "Wonka",
    "Gringotts",
    "Oscorp",
    "Aperture",
    "Black",
    "Mesa",
    "Massive",
    "Dynamic",
    "Prestige",
    "Monarch",
    "Blue",
    "Sun",
    "Kaiju",
    "Pied",
    "Piper",
    "Dunder",
    "Mifflin",
    "Bluth",
    "Sterling",
    "Cooper",
    "Virtucon",
    "Nakatomi",
    "Zorg",
]
COMPANY_SUFFIXES = ("Inc", "LLC", "Ltd", "GmbH", "Group", "Labs", "Systems", "Logistics", "Health")
INDUSTRIES = (
    "Software",
    "Logistics",
    "Healthcare",
    "Financial Services",
    "Manufacturing",
    "Retail",
    "Education",
)
TITLES = (
    ("VP of Sales", 0.15),
    ("Head of Operations", 0.12),
    ("Director of Marketing", 0.12),
    ("CTO", 0.06),
    ("Operations Manager", 0.2),
    ("Marketing Coordinator", 0.15),
    ("Analyst", 0.12),
    ("Student", 0.08),
)
# (source, weight, typical win rate multiplier, deal value multiplier)
SOURCES = (
    ("organic_search", 0.24, 1.0, 1.0),
    ("paid_search", 0.2, 0.7, 0.8),
    ("linkedin_ads", 0.14, 0.8, 1.2),
    ("webinar", 0.12, 1.3, 1.0),
    ("referral", 0.1, 2.2, 1.4),
    ("partner", 0.1, 1.6, 1.6),
    ("events", 0.1, 1.1, 1.1),
)
# (IANA zone, country, phone prefix, weight)
REGIONS = (
    ("America/New_York", "US", "+1 212", 0.3),
    ("America/Chicago", "US", "+1 312", 0.15),
    ("America/Los_Angeles", "US", "+1 415", 0.2),
    ("Europe/London", "GB", "+44 20", 0.15),
    ("Europe/Berlin", "DE", "+49 30", 0.12),
    ("Asia/Tokyo", "JP", "+81 3", 0.08),
)
PROBLEMS = (
    "Our reps lose track of follow-ups after the first call.",
    "We need one view of inbound leads across three regions.",
    "Marketing hands over leads but nobody calls them for days.",
    "Our current tool is too slow for a team of 40 reps.",
    "We are replacing spreadsheets for lead routing.",
    "Managers can't see which sources actually produce revenue.",
    "",
)
TIMELINES = (
    ("Immediate need (within 30 days)", 0.18),
    ("This quarter", 0.3),
    ("Next 6 months", 0.22),
    ("Just researching", 0.2),
    ("", 0.1),
)
PAGES = (
    ("/pricing", "Pricing"),
    ("/product", "Product overview"),
    ("/product/integrations", "Integrations"),
    ("/customers", "Customer stories"),
    ("/blog/speed-to-lead", "Why the first hour matters"),
    ("/compare/spreadsheets", "leadtui vs spreadsheets"),
    ("/security", "Security and compliance"),
    ("/docs/getting-started", "Getting started"),
)
DOWNLOADS = (
    ("/assets/case-study-logistics.pdf", "Case study: how a logistics firm doubled meetings"),
    ("/assets/whitepaper-lead-response.pdf", "White paper: the lead response gap"),
    ("/assets/roi-calculator.xlsx", "ROI calculator"),
)
WEBINARS = (("/webinars/first-hour", "Webinar: winning the first hour"),)


def _weighted(rng: random.Random, items: Sequence[tuple], weight_at: int) -> tuple:
    return rng.choices(items, weights=[item[weight_at] for item in items], k=1)[0]


def make_owners(reps: int) -> tuple[Owner, ...]:
    owners = []
    for i in range(reps):
        first = FIRST_NAMES[(i * 7) % len(FIRST_NAMES)]
        last = LAST_NAMES[(i * 5) % len(LAST_NAMES)]
        email = f"{first.lower()}.{last.lower()}@leadtui.example"
        owners.append(Owner(email=email, first_name=first, last_name=last, crm_id=str(1001 + i)))
    return tuple(owners)


def _company(rng: random.Random) -> str:
    return f"{rng.choice(COMPANY_STEMS)} {rng.choice(COMPANY_SUFFIXES)}"


def _phone(rng: random.Random, prefix: str) -> tuple[str, bool]:
    """A phone number; some are junk, as so many form fills are."""
    roll = rng.random()
    if roll < 0.08:
        return rng.choice(("123", "000000", "555-CALL-NOW", "n/a")), True
    if roll < 0.14:
        return "", False
    digits = "".join(str(rng.randint(0, 9)) for _ in range(8))
    if prefix.startswith("+1"):
        # US numbers need a valid exchange (2-9 first digit) to pass validation.
        digits = str(rng.randint(2, 9)) + digits[1:7]
        return f"{prefix} {digits[:3]}-{digits[3:]}", False
    digits = rng.choice("378") + digits[1:]  # London needs 3, 7 or 8 first; fine elsewhere
    return f"{prefix} {digits[:4]} {digits[4:]}", False


def _handoff_lag(source: str, email: str) -> timedelta:
    """How long marketing took from the form to the CRM: minutes for web forms, hours for a
    webinar's attendee list, days for an event's badge scans. Its own random stream (seeded by
    the email), so adding it left every other demo figure as it was."""
    rng = random.Random(f"handoff:{email}")
    if source == "events":
        return timedelta(hours=rng.randint(20, 96))
    if source == "webinar":
        return timedelta(minutes=rng.randint(60, 600))
    return timedelta(minutes=rng.choice((0, 1, 2, 3, 5, 8, 15, 40)))


def _events(
    rng: random.Random, created: datetime, intent: float, form_at: datetime | None = None
) -> list[Event]:
    """Behaviour before and just after the form fill; more intent, more (and pricier) views."""
    events: list[Event] = []
    visits = rng.randint(1, 3 + int(intent * 10))
    for _ in range(visits):
        url, title = rng.choice(PAGES)
        if rng.random() < intent * 0.5:
            url, title = PAGES[0]
        when = created - timedelta(minutes=rng.randint(1, 60 * 24 * 20))
        events.append(Event(EventKind.PAGE_VIEW, when, f"https://leadtui.example{url}", title))
    if rng.random() < 0.35 + intent * 0.3:
        url, title = rng.choice(DOWNLOADS)
        when = created - timedelta(minutes=rng.randint(0, 60 * 24 * 5))
        events.append(Event(EventKind.DOWNLOAD, when, f"https://leadtui.example{url}", title))
    if rng.random() < 0.15:
        url, title = WEBINARS[0]
        when = created - timedelta(days=rng.randint(1, 30))
        events.append(Event(EventKind.WEBINAR, when, f"https://leadtui.example{url}", title))
    for _ in range(rng.randint(0, 4)):
        when = created - timedelta(days=rng.randint(0, 30))
        events.append(Event(EventKind.EMAIL_OPEN, when, "", "Newsletter: the first hour"))
    events.append(
        Event(
            EventKind.FORM_SUBMISSION,
            form_at or created,
            "https://leadtui.example/demo",
            "Request a demo",
        )
    )
    events.sort(key=lambda e: e.occurred_at)
    return events


CALL_OUTCOMES = (
    (Outcome.NO_ANSWER, 0.45),
    (Outcome.LEFT_VOICEMAIL, 0.25),
    (Outcome.CONNECTED, 0.2),
    (Outcome.BUSY, 0.05),
    (Outcome.WRONG_NUMBER, 0.05),
)
# Days after the first touch, as a standard cadence would space them.
TOUCH_DAYS = (0, 2, 6, 11, 17, 24, 30, 37)


def _touches(
    rng: random.Random, lead: Lead, now: datetime, phone_bad: bool, intent: float
) -> tuple[list[Touch], Lead]:
    """Touches already made, and the lead as they left it (status, deals, bad data).

    Intent and a fast first touch both raise the odds of a reply, as the research says they
    should, so the demo's calibration and source figures have a signal to find.
    """
    start = lead.clock_start
    age = now - start
    touches: list[Touch] = []
    # How fast the first touch came: most within the hour, a long tail of late ones.
    roll = rng.random()
    if age < timedelta(minutes=70) and roll < 0.7:
        return touches, lead  # fresh: its clock is still running
    if roll < 0.55:
        first_after = timedelta(minutes=rng.randint(2, 58))
    elif roll < 0.85:
        first_after = timedelta(minutes=rng.randint(61, 60 * 30))
    elif roll < 0.93:
        first_after = timedelta(days=rng.randint(2, 6))
    else:
        return touches, lead  # never touched
    reply_odds = 0.03 + 0.12 * intent + (0.06 if first_after < timedelta(hours=1) else 0.0)
    dropped_after_one = rng.random() < 0.18
    planned = 1 if dropped_after_one else rng.randint(1, 8)
    status = LeadStatus.WORKING
    for i in range(planned):
        jitter = timedelta(minutes=rng.randint(0, 240)) if i else timedelta(0)
        when = start + first_after + timedelta(days=TOUCH_DAYS[i]) + jitter
        if when >= now:
            break
        channel = Channel.CALL if i % 2 == 0 else rng.choice((Channel.EMAIL, Channel.LINKEDIN))
        if channel is Channel.CALL:
            outcome = _weighted(rng, CALL_OUTCOMES, 1)[0]
            if phone_bad:
                outcome = Outcome.BAD_NUMBER
        else:
            outcome = Outcome.SENT
        if i >= 1 and rng.random() < reply_odds:
            outcome = Outcome.REPLIED if channel is not Channel.CALL else Outcome.MEETING_BOOKED
        note = (
            "Left a voicemail about the demo request." if outcome is Outcome.LEFT_VOICEMAIL else ""
        )
        touches.append(Touch(channel, outcome, when, note=note, by=lead.owner))
        if outcome in (Outcome.REPLIED, Outcome.MEETING_BOOKED):
            break
    if not touches:
        return touches, lead
    last = touches[-1].occurred_at
    engaged = touches[-1].outcome in (Outcome.REPLIED, Outcome.MEETING_BOOKED)
    if dropped_after_one and now - last > timedelta(days=3):
        return touches, lead._replace(
            status=LeadStatus.DISQUALIFIED,
            closed_at=last + timedelta(days=1),
            disqualified_reason="no_response",
        )
    if engaged:
        return touches, _deal(rng, lead, last, now)
    if now - last > timedelta(days=21) and rng.random() < 0.85:
        # Most stale leads get closed out; the rest linger open as real queues do.
        return touches, lead._replace(
            status=LeadStatus.DISQUALIFIED,
            closed_at=last + timedelta(days=rng.randint(3, 10)),
            disqualified_reason=_close_reason(lead, phone_bad),
        )
    if len(touches) >= 3 and random.Random(f"nurture:{lead.email}").random() < 0.3:
        status = LeadStatus.NURTURE  # talked, not ready: marketing keeps them warm
    return touches, lead._replace(status=status)


# Why reps close stale leads, from the pick-list (leadtui.domain.reasons); weights.
CLOSE_REASONS = (
    ("no_response", 0.45),
    ("not_ready", 0.17),
    ("no_budget", 0.12),
    ("not_a_fit", 0.12),
    ("student", 0.05),
    ("duplicate", 0.05),
    ("competitor", 0.04),
)


def _close_reason(lead: Lead, phone_bad: bool) -> str:
    """Its own random stream (seeded by the email), so the rest of the demo stays as it was."""
    if phone_bad:
        return "bad_contact_data"
    return _weighted(random.Random(f"reason:{lead.email}"), CLOSE_REASONS, 1)[0]


def _deal(rng: random.Random, lead: Lead, engaged_at: datetime, now: datetime) -> Lead:
    source = next(s for s in SOURCES if s[0] == lead.source)
    opportunity_at = engaged_at + timedelta(days=rng.randint(0, 3))
    if opportunity_at >= now:
        return lead._replace(status=LeadStatus.WORKING)
    won_roll = rng.random() * source[2]
    cycle = timedelta(days=rng.randint(12, 75))
    closes_at = opportunity_at + cycle
    value = round(rng.uniform(8_000, 60_000) * source[3], -2)
    if closes_at < now and won_roll > 0.55:
        return lead._replace(
            status=LeadStatus.WON,
            opportunity_at=opportunity_at,
            won_at=closes_at,
            closed_at=closes_at,
            deal_value=value,
        )
    if closes_at < now and won_roll < 0.25:
        return lead._replace(
            status=LeadStatus.LOST, opportunity_at=opportunity_at, closed_at=closes_at
        )
    return lead._replace(status=LeadStatus.CONVERTED, opportunity_at=opportunity_at)


def _lead(
    rng: random.Random,
    lead_id: int,
    owners: Sequence[Owner],
    now: datetime,
    created: datetime,
    colleagues_of: Lead | None = None,
) -> DemoLead:
    first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
    zone, country, prefix, _ = _weighted(rng, REGIONS, 3)
    company = colleagues_of.company if colleagues_of else _company(rng)
    domain = "".join(ch for ch in company.split()[0].lower() if ch.isalnum()) + ".example"
    if rng.random() < 0.1:
        domain = "gmail.com"
    email = f"{first.lower()}.{last.lower()}{lead_id}@{domain}"
    phone, phone_bad = _phone(rng, prefix)
    source = _weighted(rng, SOURCES, 1)[0]
    title = _weighted(rng, TITLES, 1)[0]
    timeline = _weighted(rng, TIMELINES, 1)[0]
    intent = rng.random() * (1.4 if timeline.startswith("Immediate") else 1.0)
    owner = (colleagues_of.owner if colleagues_of else rng.choice(owners).email) if owners else ""
    routed = min(created + timedelta(minutes=rng.choice((0, 0, 0, 1, 2, 5))), now)
    lead = Lead(
        id=lead_id,
        name=f"{first} {last}",
        email=email,
        owner=owner,
        source=source,
        status=LeadStatus.NEW,
        created_at=created,
        routed_at=routed,
        company=company,
        phone=phone,
        job_title=title,
        industry=colleagues_of.industry if colleagues_of else rng.choice(INDUSTRIES),
        company_size=colleagues_of.company_size
        if colleagues_of
        else rng.choice((8, 25, 60, 150, 400, 1200, 5000)),
        country=country,
        timezone=zone,
        form_problem=rng.choice(PROBLEMS),
        form_timeline=timeline,
    )
    form_at = created - _handoff_lag(source, email)
    lead = lead._replace(form_submitted_at=form_at)
    events = _events(rng, created, intent, form_at)
    touches, lead = _touches(rng, lead, now, phone_bad, intent)
    return DemoLead(lead=lead, events=tuple(events), touches=tuple(touches))


def generate(seed: int, leads: int, reps: int, now: datetime) -> DemoData:
    """`leads` leads spread over the last 120 days (a few in the last hour), `reps` owners."""
    if leads < 0 or reps < 1:
        raise ValueError("a demo needs at least one rep and a non-negative number of leads")
    rng = random.Random(seed)
    owners = make_owners(reps)
    made: list[DemoLead] = []
    for lead_id in range(1, leads + 1):
        if lead_id % 25 == 0 or lead_id > leads - max(2, leads // 40):
            created = now - timedelta(minutes=rng.randint(1, 75))  # fresh: clocks running
        else:
            created = now - timedelta(minutes=rng.randint(90, 60 * 24 * 120))
        colleague = made[-1].lead if made and rng.random() < 0.12 else None
        made.append(_lead(rng, lead_id, owners, now, created, colleague))
    return DemoData(owners=owners, leads=tuple(made))


def new_inbound(
    rng: random.Random, lead_id: int, owners: Sequence[Owner], now: datetime
) -> DemoLead:
    """A lead that has just filled in a form: untouched, its one-hour clock starting now."""
    made = _lead(rng, lead_id, owners, now, now)
    return DemoLead(lead=made.lead, events=made.events, touches=())
