"""What the screens' worker threads call: read models for the queue and the detail.

Plain functions of (workspace, now): no Textual here, so they are easy to test and to time, and
a screen never writes a query of its own.
"""

from __future__ import annotations

import bisect
import re
from array import array
from collections import defaultdict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from itertools import accumulate
from typing import TYPE_CHECKING, Any

from leadtui.domain.models import CadenceTemplate, LeadStatus, SpeedToLeadState
from leadtui.domain.queue import QueueEntry, Urgency, order_queue, urgency_of
from leadtui.lead_views import LeadView
from widgets.queue_row import QueueRow

# The ORM, the views over it and the contact checks (phone numbers) are imported by the functions
# that use them, in worker threads: none of it is needed for the first frame (bench/paint.py).
if TYPE_CHECKING:
    from leadtui.light_queue import LightStart
    from leadtui.rules import Rules
    from leadtui.store import queries
    from leadtui.workspace import Workspace
    from widgets.lead_detail_view import LeadDetail

FIRST_PAGE = 60  # rows fetched with the order, so the first paint needs no second round trip
_EPOCH = datetime(1970, 1, 1).astimezone()


@dataclass
class QueueSnapshot:
    """The whole queue in compact form: ordering 100k leads never loads 100k full rows."""

    index: dict[int, queries.QueueIndexRow]
    order: list[int]
    loaded_at: datetime
    next_change: datetime | None  # when the order or an at-risk state next changes by itself
    windows: list[tuple[float, int]] = field(default_factory=list)  # open windows by deadline
    rows: dict[int, QueueRow] = field(default_factory=dict)
    sources: list[str] = field(default_factory=list)
    partial: bool = False  # only the first page, ordered by the database; the rest follows
    texts: list[tuple[int, str]] = field(default_factory=list)  # for filtering as the rep types
    # `texts` of the leads in `order`, in that order: a filter keystroke's matches come out
    # already in queue order, with nothing to sort or look up (see `queued`).
    queued_texts: list[tuple[int, str]] = field(default_factory=list)
    # `queued_texts` holding each character: a filter's first key (and any needle that does not
    # extend one typed before) searches the list of its rarest character, not the whole queue.
    by_char: dict[str, list[tuple[int, str]]] = field(default_factory=dict)
    # `queued_texts` as one string, each text ended by a NUL, and where each text starts: a
    # needle is searched in it reading memory in order, where a scan of thousands of short
    # strings jumps about the heap (5 ms for 13,000 of them, 2.6 ms for this whole string).
    joined: str = ""
    starts: array[int] = field(default_factory=lambda: array("q"))
    _position: dict[int, int] | None = field(default=None, repr=False, compare=False)

    def position(self) -> dict[int, int]:
        """Each lead's place in `order` (made once per snapshot, on first use)."""
        if self._position is None:
            self._position = {lead_id: i for i, lead_id in enumerate(self.order)}
        return self._position

    def filtered(self, keep: set[int]) -> list[int]:
        """`order` with only these leads: a few are sorted by place, many scanned in order."""
        if len(keep) * 8 < len(self.order):
            position = self.position()
            return sorted((i for i in keep if i in position), key=position.__getitem__)
        return [i for i in self.order if i in keep]

    def queued(self) -> None:
        """Fill `queued_texts` and `by_char` (in the worker that made the snapshot, not on a
        keystroke: a tenth of a second at 100,000 leads)."""
        position = self.position()
        queued = [pair for pair in self.texts if pair[0] in position]
        queued.sort(key=lambda pair: position[pair[0]])
        by_char: dict[str, list[tuple[int, str]]] = defaultdict(list)
        for pair in queued:
            for char in set(pair[1]):
                by_char[char].append(pair)
        self.queued_texts, self.by_char = queued, dict(by_char)
        texts = [text for _, text in queued]
        self.joined = "\0".join(texts)
        self.starts = array("q", accumulate((len(text) + 1 for text in texts[:-1]), initial=0))


def stl_state(row: queries.QueueIndexRow, now: datetime, at_risk: timedelta) -> SpeedToLeadState:
    deadline = row.stl_deadline
    if deadline is None:
        return SpeedToLeadState.MET
    if row.first_touch_at is not None:
        return SpeedToLeadState.MET if row.first_touch_at <= deadline else SpeedToLeadState.BREACHED
    if now > deadline:
        return SpeedToLeadState.BREACHED
    return SpeedToLeadState.AT_RISK if deadline - now <= at_risk else SpeedToLeadState.PENDING


def entry(row: queries.QueueIndexRow, now: datetime, at_risk: timedelta) -> QueueEntry:
    return QueueEntry(
        lead_id=row.lead_id,
        score=row.score,
        stl_state=stl_state(row, now, at_risk),
        stl_deadline=row.stl_deadline or _EPOCH,
        next_due=row.due_at,
        paused=row.paused,
        snoozed_until=row.snoozed_until,
        status=LeadStatus(row.status),
    )


def order(
    rules: Rules, index: dict[int, queries.QueueIndexRow], now: datetime
) -> tuple[list[int], datetime | None, list[tuple[float, int]]]:
    """The queue order at `now`, when it next changes without new data, and the open windows."""
    at_risk = timedelta(minutes=rules.policy.at_risk_minutes)
    day_end = rules.end_of_day(now)
    entries = [entry(row, now, at_risk) for row in index.values()]
    ordered = [e.lead_id for e in order_queue(entries, now, day_end)]
    # Every moment at which a lead changes group or turns at-risk with no new data: a window
    # closing or entering its at-risk minutes, a step falling due, a snooze ending, the day ending.
    # A window is open up to its deadline and a step late only after its due time: hence +1 s.
    upcoming = [day_end]
    windows = []
    tick = timedelta(seconds=1)
    for row in index.values():
        snoozed = row.snoozed_until is not None and row.snoozed_until > now
        open_window = row.first_touch_at is None and row.stl_deadline is not None
        # A snoozed lead is out of the queue: its window is not one the rep can work now.
        if open_window and not snoozed and row.stl_deadline is not None and row.stl_deadline >= now:
            windows.append((row.stl_deadline.timestamp(), row.lead_id))
            upcoming.append(row.stl_deadline + tick)
            if row.stl_deadline - at_risk > now:
                upcoming.append(row.stl_deadline - at_risk)
        if row.due_at is not None and row.due_at >= now:
            upcoming.append(row.due_at + tick)
        if row.snoozed_until is not None and row.snoozed_until > now:
            upcoming.append(row.snoozed_until)
    windows.sort()
    return ordered, min(upcoming), windows


def load_queue(ws: Workspace, now: datetime, first_page: int = FIRST_PAGE) -> QueueSnapshot:
    from leadtui.store import queries

    with ws.session() as session:
        index = {row.lead_id: row for row in queries.queue_index(session, ws.me or None)}
    ordered, next_change, windows = order(ws.rules, index, now)
    snapshot = QueueSnapshot(index, ordered, now, next_change, windows)
    snapshot.position()  # here in the worker, not on the first filter keystroke
    snapshot.rows = load_rows(ws, ordered[:first_page], now)
    with ws.session() as session:
        snapshot.sources = queries.sources(session)
        snapshot.texts = queries.search_texts(session, ws.me or None)
    snapshot.queued()
    return snapshot


def load_first_page(ws: Workspace, now: datetime, limit: int = FIRST_PAGE) -> QueueSnapshot:
    """The most urgent screenful: what the first paint needs, in milliseconds even at 100,000
    leads (candidates found through indexes, ordered by the domain). `load_queue` follows with
    the whole order."""
    from leadtui.store import queries

    owner = ws.me or None
    with ws.session() as session:
        ids = queries.queue_candidates(session, owner, now, ws.end_of_day(now), limit)
        index = {row.lead_id: row for row in queries.queue_index(session, owner, ids)}
    top = order(ws.rules, index, now)[0][:limit]
    snapshot = QueueSnapshot({}, top, now, None, partial=True)
    snapshot.rows = load_rows(ws, top, now)
    return snapshot


def load_first_page_light(
    start: LightStart, now: datetime, limit: int = FIRST_PAGE
) -> QueueSnapshot | None:
    """`load_first_page` before the workspace is open: plain sqlite3 and the remembered config
    (leadtui.light_queue), so the first frame does not wait for the ORM. None: no light path."""
    from leadtui import light_queue

    index = light_queue.first_index(start, now, limit)
    if index is None:
        return None
    top = order(start.rules, index, now)[0][:limit]
    views = light_queue.views_of(start, top, now)
    if views is None:
        return None
    snapshot = QueueSnapshot({}, top, now, None, partial=True)
    snapshot.rows = {lead_id: queue_row(view) for lead_id, view in views.items()}
    return snapshot


def reorder(ws: Workspace, snapshot: QueueSnapshot, now: datetime) -> QueueSnapshot:
    """The same leads re-ordered at a later moment (no database work)."""
    ordered, next_change, windows = order(ws.rules, snapshot.index, now)
    later = QueueSnapshot(
        snapshot.index,
        ordered,
        now,
        next_change,
        windows,
        sources=snapshot.sources,
        texts=snapshot.texts,
    )
    later.queued()  # and with it the positions
    return later


SecondsLeft = Callable[[datetime, datetime], float]


def wall_clock_left(deadline: datetime, now: datetime) -> float:
    return (deadline - now).total_seconds()


def seconds_left(ws: Workspace) -> SecondsLeft:
    """(deadline, now) -> seconds left on a speed-to-lead window, as the SLA policy counts them:
    working time only when `business_hours_only`, else wall-clock time."""
    return seconds_left_by(ws.rules)


def seconds_left_by(rules: Rules) -> SecondsLeft:
    if rules.policy.business_hours_only:
        calendar = rules.calendar

        def working(deadline: datetime, now: datetime) -> float:
            if deadline <= now:
                return 0.0
            return calendar.working_minutes_between(now, deadline) * 60

        return working
    return wall_clock_left


def _at_risk_end(
    windows: list[tuple[float, int]], at: datetime, risk: float, left: SecondsLeft
) -> int:
    """How many of the deadline-sorted windows are within `risk` seconds of closing at `at`.
    Time left grows with the deadline (wall-clock or working time), so it is a prefix."""

    def outside(window: tuple[float, int]) -> bool:
        return left(datetime.fromtimestamp(window[0], at.tzinfo), at) > risk

    return bisect.bisect_left(windows, True, key=outside)


def at_risk_ids(
    snapshot: QueueSnapshot, at_risk_minutes: int, now: datetime, left: SecondsLeft
) -> list[int]:
    end = _at_risk_end(snapshot.windows, now, at_risk_minutes * 60, left)
    now_ts = now.timestamp()
    return [lead_id for deadline, lead_id in snapshot.windows[:end] if deadline >= now_ts]


def turned_at_risk(
    snapshot: QueueSnapshot,
    at_risk_minutes: int,
    since: datetime,
    now: datetime,
    left: SecondsLeft | None = None,
) -> list[int]:
    """Leads whose window entered its at-risk minutes in (since, now]."""
    left = left or wall_clock_left
    risk = at_risk_minutes * 60
    lo = _at_risk_end(snapshot.windows, since, risk, left)
    hi = _at_risk_end(snapshot.windows, now, risk, left)
    return [
        lead_id
        for deadline, lead_id in snapshot.windows[lo:hi]
        if deadline >= now.timestamp() and snapshot.index[lead_id].first_touch_at is None
    ]


def urgency(ws: Workspace, snapshot: QueueSnapshot, lead_id: int, now: datetime) -> Urgency:
    at_risk = timedelta(minutes=ws.rules.policy.at_risk_minutes)
    return urgency_of(entry(snapshot.index[lead_id], now, at_risk), now, ws.end_of_day(now))


def queue_row(view: LeadView) -> QueueRow:
    lead = view.lead
    enrolment = view.enrolment
    step = view.next_step
    active = enrolment is not None and enrolment.active
    return QueueRow.make(
        lead_id=lead.id,
        name=lead.name,
        company=lead.company,
        email=lead.email,
        phone=lead.phone,
        band=view.band.value,
        score=view.score,
        source=lead.source,
        created_at=lead.created_at,
        stl_deadline=view.stl.deadline,
        first_touch_at=view.stl.first_touch_at,
        next_channel=step.channel.value if step else None,
        next_due=enrolment.due_at if enrolment is not None and active and step else None,
        paused=bool(enrolment is not None and active and enrolment.paused_at is not None),
        touches=view.human_touches,
        steps_done=enrolment.step if enrolment is not None else 0,
        steps_total=len(view.template.steps) if view.template is not None else None,
        timezone=lead.timezone,
        back=lead.recycle_reason if view.stl.first_touch_at is None else "",
    )


def load_rows(ws: Workspace, lead_ids: list[int], now: datetime) -> dict[int, QueueRow]:
    from leadtui import views

    with ws.session() as session:
        found = views.views_for(ws, session, lead_ids, now)
    return {lead_id: queue_row(view) for lead_id, view in found.items()}


def queued_rows(ws: Workspace, now: datetime) -> dict[int, QueueRow]:
    """Every queued lead's row at `now`, read at once from the stored figures: what `load_rows`
    makes from each lead's touches (tests compare the two), in 0.7 s of a worker for 34,000
    leads where `load_rows` takes 16 s. A filter or a page far down the queue then paints from
    memory instead of waiting for the database."""
    from leadtui.store import queries

    rows: dict[int, QueueRow] = {}
    # A band, a source or a zone repeats across thousands of leads: one copy of each is kept.
    one_copy: dict[str, str] = {}
    with ws.session() as session:
        for fields in queries.queued_row_fields(session, ws.me or None):
            row = _stored_row(fields, now, ws.rules.templates, one_copy)
            rows[row.lead_id] = row
    return rows


def _stored_row(
    fields: Any, now: datetime, templates: Mapping[str, CadenceTemplate], one_copy: dict[str, str]
) -> QueueRow:
    """A row from `queries.queued_row_fields`, as `queue_row` makes it from the lead's view."""
    lead_id, name, company, email, phone, band, score, source = fields[:8]
    created_at, deadline, first, touches, timezone, back = fields[8:14]
    cadence, step, due, paused, active = fields[14:]
    # The stored first touch is the first of all the lead's touches; the speed-to-lead clock at
    # `now` counts only those made by then (leadtui.domain.speed_to_lead.evaluate).
    if first is not None and first > now:
        first = None
    template = templates.get(cadence) if cadence is not None else None
    active = cadence is not None and bool(active)
    step_next = None
    if template is not None and active and step < len(template.steps):
        step_next = template.steps[step]
    return QueueRow.make(
        lead_id=lead_id,
        name=name,
        company=company,
        email=email,
        phone=phone,
        band=one_copy.setdefault(band, band),
        score=score,
        source=one_copy.setdefault(source, source),
        created_at=created_at,
        stl_deadline=deadline,
        first_touch_at=first,
        next_channel=step_next.channel.value if step_next else None,
        next_due=due if step_next else None,
        paused=bool(active and paused),
        touches=touches,
        steps_done=step if cadence is not None else 0,
        steps_total=len(template.steps) if template is not None else None,
        timezone=one_copy.setdefault(timezone, timezone),
        back=back if first is None else "",
    )


def load_detail(ws: Workspace, lead_id: int, now: datetime) -> LeadDetail | None:
    from leadtui import views
    from leadtui.domain import contact
    from leadtui.domain.scoring import score_lead
    from leadtui.store import queries
    from leadtui.store.convert import event_from_row, lead_from_row
    from widgets.lead_detail_view import LeadDetail, NoteItem

    region = (ws.config.calendar.holidays or "").upper()
    with ws.session() as session:
        view = views.lead_view(ws, session, lead_id, now)
        row = session.get(queries.LeadRow, lead_id)
        if view is None or row is None:
            return None
        event_rows = queries.events_by_lead(session, [lead_id])[lead_id]
        events = [event_from_row(e) for e in event_rows]
        source = context_source([e.crm_id or "" for e in event_rows])
        notes = tuple(
            NoteItem(n.created_at, n.body, n.by) for n in queries.notes_for(session, lead_id)
        )
        candidates = [lead_from_row(r) for r in queries.colleague_candidates(session, row)]
    lead = view.lead
    score = score_lead(lead, events, ws.rules.scoring, now)
    return LeadDetail(
        lead=lead,
        score=view.score,
        band=view.band.value,
        stl=view.stl,
        explanation=score.explanation,
        enrolment=view.enrolment,
        template=view.template,
        touches=view.touches,
        events=tuple(events),
        notes=notes,
        colleagues=tuple(contact.colleagues(lead, candidates)),
        email_check=contact.lead_email_check(lead),
        phone_check=contact.lead_phone_check(lead, region if region != "NONE" else None),
        now=now,
        zone=ws.rules.calendar.zone,
        calendar=ws.rules.calendar,
        context_source=source,
        me=ws.me,
    )


# Events an adapter made from the contact's analytics summary carry this crm id prefix
# (sync.hubspot_map.SUMMARY_PREFIX), the others came one by one from the CRM's events API.
SUMMARY_PREFIX = "summary:"


def context_source(crm_ids: list[str]) -> str:
    """Where the lead's behaviour came from, for the rep to weigh it: "" when all local."""
    summary = any(i.startswith(SUMMARY_PREFIX) for i in crm_ids)
    events = any(i and not i.startswith(SUMMARY_PREFIX) for i in crm_ids)
    if summary and events:
        return (
            "the CRM's web-activity events, with marketing email opens and clicks from the "
            "contact's analytics summary"
        )
    if summary:
        return "the contact's analytics summary in the CRM (no web-activity API on this account)"
    return "the CRM's web-activity events" if events else ""


def matching_text(ws: Workspace, text: str, snapshot: QueueSnapshot | None = None) -> set[int]:
    """Leads whose name, company or email contains `text`, case-insensitively; in memory once
    the full queue is loaded (milliseconds at 100k), else in the database."""
    from leadtui.store import queries

    if snapshot is not None and snapshot.texts:
        return {lead_id for lead_id, _ in narrow_text(snapshot.texts, text.lower())}
    with ws.session() as session:
        return queries.search_lead_ids(session, text, ws.me or None)


def narrow_text(texts: list[tuple[int, str]], needle: str) -> list[tuple[int, str]]:
    """The (lead id, lower-cased text) pairs whose text contains the lower-cased `needle`."""
    return [pair for pair in texts if needle in pair[1]]


def search_queued(snapshot: QueueSnapshot, needle: str) -> list[tuple[int, str]]:
    """`snapshot.queued_texts` containing the lower-cased `needle`, in queue order, found by one
    pass over `snapshot.joined` (cheaper than `narrow_text` over more than a quarter of them)."""
    texts, starts = snapshot.queued_texts, snapshot.starts
    if "\0" in needle or not texts:
        return narrow_text(texts, needle)  # the separator itself: only a scan says
    found: list[tuple[int, str]] = []
    last = -1
    # Each match runs on to its text's end, so the next one is in a later text (or, should the
    # CRM's text hold a NUL, later in the same one: counted once).
    for match in re.finditer(re.escape(needle) + "[^\0]*", snapshot.joined):
        index = bisect.bisect_right(starts, match.start()) - 1
        if index != last:
            found.append(texts[index])
            last = index
    return found


def match_queued(snapshot: QueueSnapshot, needle: str) -> list[tuple[int, str]]:
    """`snapshot.queued_texts` containing the lower-cased `needle`, in queue order: among those
    holding its rarest character (all of them, for a needle of one character)."""
    rarest = min((snapshot.by_char.get(char, []) for char in set(needle)), key=len)
    return rarest if len(needle) == 1 else narrow_text(rarest, needle)


def matching_fields(ws: Workspace, band: str | None, source: str | None) -> set[int]:
    from leadtui.store import queries

    with ws.session() as session:
        return queries.lead_ids_where(session, ws.me or None, band=band, source=source)


def sources(ws: Workspace) -> list[str]:
    from leadtui.store import queries

    with ws.session() as session:
        return queries.sources(session)


def matching_state(ws: Workspace, snapshot: QueueSnapshot, state: str, now: datetime) -> set[int]:
    """`state` is a speed-to-lead state, or "overdue" for a cadence step past due."""
    at_risk = timedelta(minutes=ws.rules.policy.at_risk_minutes)
    if state == "overdue":
        return {
            i
            for i, row in snapshot.index.items()
            if row.due_at is not None and not row.paused and row.due_at < now
        }
    return {i for i, row in snapshot.index.items() if stl_state(row, now, at_risk).value == state}
