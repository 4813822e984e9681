"""One period, one set of figures: the board's tabs agree with each other (issue 13, defect 4)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from leadtui.board import load_board
from leadtui.config import load, locate
from leadtui.demo import DemoLead
from leadtui.domain.models import BreachKind
from leadtui.workspace import Workspace
from tests.manager.conftest import ANA, BO, NOW, _lead, call, write_team

T0 = NOW - timedelta(days=10)  # before this week, as the team's other leads


@pytest.fixture
def ws(tmp_path: Path) -> Iterator[Workspace]:
    folder = write_team(tmp_path / "team")
    locations = locate(None, str(folder))
    workspace = Workspace.open(load(locations.config_path), locations)
    workspace.seed(
        [ANA, BO],
        [
            # Created before this week, touched once in time, dropped this week: a give-up
            # of this week.
            DemoLead(_lead(6, ANA, "webinar", T0), (), (call(ANA, T0 + timedelta(minutes=5)),)),
            # Created before this week and enrolled by hand; its first step is overdue right now.
            DemoLead(_lead(7, BO, "webinar", T0), (), (call(BO, T0 + timedelta(minutes=5)),)),
        ],
        NOW,
    )
    workspace.enrol(7, "standard", T0 + timedelta(hours=1))
    workspace.disqualify(6, "no_response", NOW - timedelta(hours=1))  # counts as giving up
    yield workspace
    workspace.close()


def test_a_give_up_in_the_sla_tab_counts_in_the_reps_tab(ws: Workspace) -> None:
    with ws.session() as session:
        board = load_board(ws, session, NOW, "week")
    gave_up = [b for b in board.breaches if b.breach.kind is BreachKind.GAVE_UP_EARLY]
    assert [b.lead.id for b in gave_up] == [6]
    reps = {m.key: m for m in board.reps}
    assert reps[ANA.email].gave_up_early == 1
    assert sum(m.gave_up_early for m in board.reps) == len(gave_up)


def test_overdue_now_is_the_same_for_every_period(ws: Workspace) -> None:
    with ws.session() as session:
        boards = {p: load_board(ws, session, NOW, p) for p in ("today", "week", "month", "all")}
    overdue = {
        period: {m.key: m.overdue_now for m in board.reps if m.overdue_now}
        for period, board in boards.items()
    }
    assert overdue["all"] == {BO.email: 1}
    assert overdue["today"] == overdue["week"] == overdue["month"] == overdue["all"]


def test_calibration_reads_the_leads_of_the_period(ws: Workspace) -> None:
    with ws.session() as session:
        week = load_board(ws, session, NOW, "week").calibration
        everything = load_board(ws, session, NOW, "all").calibration
    assert everything.leads == 7
    assert week.leads == 1  # only lead 5 was routed this week
