"""The app's default keys by binding id, and which bindings are live together, so `[keys]` can be
checked without importing Textual (commands that do not open the TUI never import it).

The screens take their BINDINGS' keys from here (`key_for`); tests/tui/test_keys.py checks that
each table lists exactly the bindings of the screens it stands for, so the scopes stay true.
"""

from __future__ import annotations

APP = {"help": "f1", "quit": "q", "conflicts": "C", "sync_now": "S"}
LEAD = {
    "log_touch": "l",
    "add_note": "a",
    "snooze": "z",
    "enrol": "e",
    "pause": "p",
    "resume": "r",
    "convert": "c",
    "disqualify": "x",
    "undo": "u",
    "copy_email": "y",
    "copy_phone": "Y",
}
QUEUE_TABLE = {
    "queue.up": "up,k",
    "queue.down": "down,j",
    "queue.first": "g,home",
    "queue.last": "G,end",
    "queue.page_up": "pageup",
    "queue.page_down": "pagedown",
    "queue.open": "enter",
}
QUEUE = {
    "filter_text": "slash",
    "filter_fields": "f",
    "clear_filters": "escape",
    "next_urgent": "n",
    "board": "b",
    "find": "s",
}
DETAIL = {"detail.back": "escape,backspace", "detail.next": "n"}
BOARD = {
    "board.today": "t",
    "board.week": "w",
    "board.month": "m",
    "board.all": "a",
    "board.open": "enter",
    "board.reload": "r",
    "board.tab_sla": "1",
    "board.tab_reps": "2",
    "board.tab_sources": "3",
    "board.tab_pictures": "4",
    "board.tab_calibration": "5",
    "board.tab_marketing": "6",
    "board.back": "escape",
}
CONFLICTS = {
    "conflicts.back": "escape",
    "conflicts.keep_mine": "m",
    "conflicts.take_theirs": "t",
    "conflicts.retry": "r",
    "conflicts.discard": "d",
}
FIND = {
    "find.back": "escape",
    "find.open": "enter",
    "find.wake": "w",
    "find.reopen": "o",
    "find.results": "down",
}
MODAL = {"modal.cancel": "escape", "touch.save": "ctrl+s", "help.close": "escape,f1,q"}

# Where a rep is, and every binding a key press there may reach (the app's reach every screen).
SCOPES: dict[str, dict[str, str]] = {
    "the queue": APP | LEAD | QUEUE_TABLE | QUEUE,
    "a lead's detail": APP | LEAD | DETAIL,
    "the SLA board": APP | BOARD,
    "the conflicts screen": APP | CONFLICTS,
    "find": APP | FIND,
}
BINDING_IDS = frozenset().union(*SCOPES.values(), MODAL)


def split(keys: str) -> list[str]:
    return [k.strip() for k in str(keys).split(",") if k.strip()]


def keymap_problem(keymap: dict[str, str]) -> str | None:
    """Why this `[keys]` table cannot work, in one sentence, or None.

    Only clashes a remap makes are refused: a default key shared on purpose (q closes the help
    and quits elsewhere) is not the user's doing.
    """
    unknown = sorted(set(keymap) - BINDING_IDS)
    if unknown:
        return (
            f"{unknown[0]!r} is not a binding id; F1 in the app lists them "
            f"(for example log_touch, snooze, next_urgent)"
        )
    for where, defaults in SCOPES.items():
        holders: dict[str, list[str]] = {}
        for binding, default in defaults.items():
            for key in split(keymap.get(binding, default)):
                holders.setdefault(key, []).append(binding)
        for key, bindings in holders.items():
            remapped = [b for b in bindings if b in keymap]
            if len(bindings) > 1 and remapped:
                others = [b for b in bindings if b != remapped[0]]
                return (
                    f"{key!r} is given to {remapped[0]} in [keys], but {others[0]} uses it too "
                    f"in {where}; give {remapped[0]} another key, or remap {others[0]} as well"
                )
    return None


_DEFAULTS = APP | LEAD | QUEUE_TABLE | QUEUE | DETAIL | BOARD | CONFLICTS | FIND | MODAL


def key_for(binding_id: str) -> str:
    """The default keys of a binding: the screens declare their BINDINGS with this."""
    return _DEFAULTS[binding_id]
