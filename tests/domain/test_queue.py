from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from hypothesis import given, settings
from hypothesis import strategies as st

from leadtui.domain.models import OPEN_STATUSES, LeadStatus, SpeedToLeadState
from leadtui.domain.queue import (
    QueueEntry,
    Urgency,
    is_visible,
    order_queue,
    urgency_key,
    urgency_of,
)

NOW = datetime(2025, 3, 4, 15, 0, tzinfo=UTC)
DAY_END = datetime(2025, 3, 4, 17, 30, tzinfo=UTC)
PENDING, AT_RISK, MET, BREACHED = (
    SpeedToLeadState.PENDING,
    SpeedToLeadState.AT_RISK,
    SpeedToLeadState.MET,
    SpeedToLeadState.BREACHED,
)


def entry(
    lead_id: int,
    *,
    score: int = 50,
    stl: SpeedToLeadState = MET,
    deadline: timedelta = timedelta(hours=-20),
    due: timedelta | None = None,
    paused: bool = False,
    snoozed: timedelta | None = None,
    status: LeadStatus = LeadStatus.WORKING,
) -> QueueEntry:
    """Times are offsets from NOW, so each case reads as "due in 2 h" or "5 min late"."""
    return QueueEntry(
        lead_id=lead_id,
        score=score,
        stl_state=stl,
        stl_deadline=NOW + deadline,
        next_due=None if due is None else NOW + due,
        paused=paused,
        snoozed_until=None if snoozed is None else NOW + snoozed,
        status=status,
    )


def ids(entries: list[QueueEntry]) -> list[int]:
    return [e.lead_id for e in entries]


def test_all_five_groups_in_order() -> None:
    entries = [
        entry(1, score=90),  # no step: later
        entry(2, score=10, due=timedelta(hours=1)),  # due today, low score
        entry(3, stl=PENDING, deadline=timedelta(minutes=40), status=LeadStatus.NEW),
        entry(4, due=timedelta(hours=-3)),  # step 3 h late
        entry(5, stl=BREACHED, deadline=timedelta(hours=-5), status=LeadStatus.NEW),
        entry(6, stl=AT_RISK, deadline=timedelta(minutes=8), status=LeadStatus.NEW),
        entry(7, score=80, due=timedelta(hours=2)),  # due today, high score
        entry(8, score=20, due=timedelta(days=2)),  # due after today: later
    ]
    ordered = order_queue(entries, NOW, DAY_END)
    assert ids(ordered) == [6, 3, 5, 4, 7, 2, 1, 8]
    assert [urgency_of(e, NOW, DAY_END) for e in ordered] == [
        Urgency.OPEN_WINDOW,
        Urgency.OPEN_WINDOW,
        Urgency.FIRST_TOUCH_LATE,
        Urgency.OVERDUE,
        Urgency.DUE_TODAY,
        Urgency.DUE_TODAY,
        Urgency.LATER,
        Urgency.LATER,
    ]


def test_open_windows_least_time_left_first_whatever_the_score() -> None:
    entries = [
        entry(1, score=99, stl=PENDING, deadline=timedelta(minutes=50)),
        entry(2, score=1, stl=PENDING, deadline=timedelta(minutes=5)),
        entry(3, score=50, stl=AT_RISK, deadline=timedelta(minutes=12)),
    ]
    assert ids(order_queue(entries, NOW, DAY_END)) == [2, 3, 1]


def test_breached_lead_touched_since_is_no_longer_overdue() -> None:
    untouched = entry(1, stl=BREACHED, deadline=timedelta(hours=-1), status=LeadStatus.NEW)
    touched = entry(2, stl=BREACHED, deadline=timedelta(hours=-1), status=LeadStatus.WORKING)
    assert urgency_of(untouched, NOW, DAY_END) is Urgency.FIRST_TOUCH_LATE
    assert urgency_of(touched, NOW, DAY_END) is Urgency.LATER


def test_untouched_breaches_come_newest_first_before_old_overdue_steps() -> None:
    """A lead that missed its hour minutes ago is a better call than a step a month late."""
    entries = [
        entry(1, due=timedelta(days=-30)),
        entry(2, stl=BREACHED, deadline=timedelta(hours=-20), status=LeadStatus.NEW),
        # breached 1 h ago; its step, 10 h overdue, does not make it any less fresh
        entry(
            3,
            stl=BREACHED,
            deadline=timedelta(hours=-1),
            due=timedelta(hours=-10),
            status=LeadStatus.NEW,
        ),
        entry(4, due=timedelta(minutes=-1), score=100),
        entry(5, due=timedelta(hours=-2)),
    ]
    assert ids(order_queue(entries, NOW, DAY_END)) == [3, 2, 1, 5, 4]


def test_due_today_includes_a_step_due_now_and_one_due_at_day_end() -> None:
    at_now = entry(1, due=timedelta(0))
    at_day_end = entry(2, due=DAY_END - NOW)
    just_after = entry(3, due=DAY_END - NOW + timedelta(seconds=1))
    assert urgency_of(at_now, NOW, DAY_END) is Urgency.DUE_TODAY
    assert urgency_of(at_day_end, NOW, DAY_END) is Urgency.DUE_TODAY
    assert urgency_of(just_after, NOW, DAY_END) is Urgency.LATER


def test_paused_cadence_is_neither_overdue_nor_due_today() -> None:
    entries = [
        entry(1, score=10, due=timedelta(days=-9), paused=True),
        entry(2, score=20, due=timedelta(hours=1), paused=True),
        entry(3, score=30),
    ]
    assert [urgency_of(e, NOW, DAY_END) for e in entries] == [Urgency.LATER] * 3
    assert ids(order_queue(entries, NOW, DAY_END)) == [3, 2, 1]


def test_ties_are_broken_by_lead_id() -> None:
    entries = [entry(i, score=40, due=timedelta(hours=1)) for i in (9, 3, 7)] + [
        entry(i, score=40) for i in (8, 2)
    ]
    assert ids(order_queue(entries, NOW, DAY_END)) == [3, 7, 9, 2, 8]


def test_snoozed_and_closed_leads_are_left_out() -> None:
    entries = [
        entry(1, snoozed=timedelta(hours=1)),
        entry(2, snoozed=timedelta(0)),  # the snooze ends now: back in the queue
        entry(3, snoozed=timedelta(hours=-1)),
        entry(4, status=LeadStatus.NURTURE),
        entry(5, status=LeadStatus.WON),
        entry(6, status=LeadStatus.DISQUALIFIED, stl=PENDING, deadline=timedelta(minutes=1)),
        entry(7, status=LeadStatus.CONVERTED, due=timedelta(hours=-1)),
    ]
    assert ids(order_queue(entries, NOW, DAY_END)) == [2, 3, 4]
    assert not is_visible(entries[0], NOW)
    assert is_visible(entries[0], NOW + timedelta(hours=1))


def test_times_in_different_zones_compare_as_instants() -> None:
    new_york = timezone(timedelta(hours=-5))
    later_in_utc = entry(1, stl=PENDING, deadline=timedelta(minutes=30))
    sooner = entry(2, stl=PENDING, deadline=timedelta(minutes=10))
    sooner_in_new_york = sooner._replace(stl_deadline=sooner.stl_deadline.astimezone(new_york))
    assert sooner_in_new_york.stl_deadline.hour < later_in_utc.stl_deadline.hour
    assert ids(order_queue([later_in_utc, sooner_in_new_york], NOW, DAY_END)) == [2, 1]


def test_urgency_key_sorts_like_order_queue() -> None:
    entries = [
        entry(1, stl=AT_RISK, deadline=timedelta(minutes=3)),
        entry(2, due=timedelta(hours=-1)),
        entry(3, due=timedelta(hours=1), score=70),
        entry(4, score=60),
    ]
    keys = [urgency_key(e, NOW, DAY_END) for e in entries]
    assert [k[0] for k in keys] == [0, 2, 3, 4]
    assert [k[2] for k in keys] == [1, 2, 3, 4]
    assert sorted(entries, key=lambda e: urgency_key(e, NOW, DAY_END)) == order_queue(
        reversed(entries), NOW, DAY_END
    )


# --- property ----------------------------------------------------------------------------------

offsets = st.integers(min_value=-3 * 24 * 60, max_value=3 * 24 * 60).map(
    lambda m: timedelta(minutes=m)
)
entries_strategy = st.lists(
    st.builds(
        entry,
        st.integers(min_value=1, max_value=10_000),
        score=st.integers(min_value=0, max_value=100),
        stl=st.sampled_from(SpeedToLeadState),
        deadline=offsets,
        due=st.none() | offsets,
        paused=st.booleans(),
        snoozed=st.none() | offsets,
        status=st.sampled_from(LeadStatus),
    ),
    max_size=40,
    unique_by=lambda e: e.lead_id,
)
RANK = {urgency: rank for rank, urgency in enumerate(Urgency)}


def spec(e: QueueEntry) -> tuple[Urgency, float]:
    """The ordering rules restated from the brief, independently of the implementation."""
    if e.stl_state in (PENDING, AT_RISK):
        return Urgency.OPEN_WINDOW, (e.stl_deadline - NOW).total_seconds()
    if e.stl_state is BREACHED and e.status is LeadStatus.NEW:
        return Urgency.FIRST_TOUCH_LATE, (NOW - e.stl_deadline).total_seconds()
    active_due = None if e.paused else e.next_due
    if active_due is not None and active_due < NOW:
        return Urgency.OVERDUE, -(NOW - active_due).total_seconds()
    if active_due is not None and active_due <= DAY_END:
        return Urgency.DUE_TODAY, -e.score
    return Urgency.LATER, -e.score


@settings(max_examples=200, deadline=None)
@given(entries_strategy)
def test_order_is_a_sorted_permutation_of_the_visible_entries(entries: list[QueueEntry]) -> None:
    ordered = order_queue(entries, NOW, DAY_END)

    visible = [
        e
        for e in entries
        if e.status in OPEN_STATUSES and (e.snoozed_until is None or e.snoozed_until <= NOW)
    ]
    assert sorted(ids(ordered)) == sorted(ids(visible))

    specs = [spec(e) for e in ordered]
    assert [urgency_of(e, NOW, DAY_END) for e in ordered] == [u for u, _ in specs]
    sort_keys = [
        (RANK[u], within, e.lead_id) for (u, within), e in zip(specs, ordered, strict=True)
    ]
    assert sort_keys == sorted(sort_keys)

    # Spelled out: a window still open always outranks anything late.
    urgencies = [u for u, _ in specs]
    last_open = max((i for i, u in enumerate(urgencies) if u is Urgency.OPEN_WINDOW), default=-1)
    late = (Urgency.FIRST_TOUCH_LATE, Urgency.OVERDUE)
    first_late = min((i for i, u in enumerate(urgencies) if u in late), default=99)
    assert last_open < first_late

    # Input order never matters, and the public key agrees.
    assert order_queue(list(reversed(entries)), NOW, DAY_END) == ordered
    assert sorted(visible, key=lambda e: urgency_key(e, NOW, DAY_END)) == ordered
