"""leadtui.keys (read by the config check, without Textual) against the screens' BINDINGS, and
what a `[keys]` remap may and may not do."""

from __future__ import annotations

import pytest
from textual.binding import Binding

from leadtui import keys
from leadtui.app import LeadTuiApp
from leadtui.screens.conflicts import ConflictsScreen
from leadtui.screens.find import FindScreen
from leadtui.screens.help import HelpScreen
from leadtui.screens.lead_actions import LeadScreen
from leadtui.screens.lead_detail import LeadDetailScreen
from leadtui.screens.log_touch import LogTouchModal
from leadtui.screens.manager import ManagerScreen
from leadtui.screens.modals import ChoiceModal
from leadtui.screens.queue_filters import QueueFilters
from leadtui.screens.queue_screen import QueueScreen
from widgets.queue_table import QueueTable


def declared(*owners: type) -> dict[str, str]:
    """The keys each class itself declares, by binding id."""
    found: dict[str, str] = {}
    for owner in owners:
        for binding in owner.__dict__.get("BINDINGS", []):
            assert isinstance(binding, Binding) and binding.id, (owner, binding)
            found[binding.id] = binding.key
    return found


@pytest.mark.parametrize(
    ("table", "owners"),
    [
        (keys.APP, (LeadTuiApp,)),
        (keys.LEAD, (LeadScreen,)),
        (keys.QUEUE_TABLE, (QueueTable,)),
        (keys.QUEUE, (QueueFilters, QueueScreen)),
        (keys.DETAIL, (LeadDetailScreen,)),
        (keys.BOARD, (ManagerScreen,)),
        (keys.CONFLICTS, (ConflictsScreen,)),
        (keys.FIND, (FindScreen,)),
        (keys.MODAL, (ChoiceModal, LogTouchModal, HelpScreen)),
    ],
)
def test_the_key_table_is_what_the_screens_bind(table: dict[str, str], owners: tuple) -> None:
    assert declared(*owners) == table


def test_the_queue_scope_holds_every_binding_of_the_queue_screen() -> None:
    live = {b.id for owner in QueueScreen.__mro__ for b in owner.__dict__.get("BINDINGS", [])}
    assert live - {None} <= set(keys.SCOPES["the queue"])


@pytest.mark.parametrize(
    ("keymap", "named"),
    [
        ({"snooze": "l"}, ("'l'", "snooze", "log_touch", "the queue")),  # onto a default key
        ({"log_touch": "z", "snooze": "z"}, ("'z'", "log_touch", "snooze")),  # two remaps
        ({"add_note": "j"}, ("'j'", "add_note", "queue.down")),  # the table's own keys count
        ({"board.reload": "w"}, ("'w'", "board.reload", "board.week", "the SLA board")),
        ({"snoze": "h"}, ("'snoze'", "F1")),  # a mistyped id would silently do nothing
    ],
)
def test_a_remap_that_cannot_work_is_refused(keymap: dict[str, str], named: tuple) -> None:
    problem = keys.keymap_problem(keymap)
    assert problem is not None
    for word in named:
        assert word in problem, problem


@pytest.mark.parametrize(
    "keymap",
    [
        {},
        {"snooze": "h"},
        {"log_touch": "z", "snooze": "l"},  # a swap
        {"board.reload": "R", "resume": "t"},  # t is the board's, r the queue's: other screens
        {"log_touch": "L,l"},
    ],
)
def test_a_remap_that_works_is_accepted(keymap: dict[str, str]) -> None:
    assert keys.keymap_problem(keymap) is None
