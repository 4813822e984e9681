"""The rep's actions on the command line: convert, disqualify, reopen, note, snooze, undo.

Each does exactly what the TUI does, through the same Workspace method, and is queued for sync
like any other change (DESIGN.md). Like cli.py, nothing heavy is imported at module level.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from leadtui.workspace import Workspace

# (args, now, workspace) -> the sentence printed on success.
Action = Callable[[argparse.Namespace, datetime, "Workspace"], str]
LEAD_HELP = "the lead's id, CRM id or email"


def _add_convert(commands: Any) -> None:
    convert = commands.add_parser("convert", help="make the lead an opportunity (opens a deal)")
    convert.add_argument("lead", metavar="LEAD", help=LEAD_HELP)
    convert.add_argument("--value", required=True, type=_amount, help="the deal value")
    convert.add_argument(
        "--close-date", type=_date, metavar="DATE", help="expected close date, e.g. 2027-01-31"
    )


def _add_disqualify(commands: Any) -> None:
    disqualify = commands.add_parser("disqualify", help="close the lead, saying why")
    disqualify.add_argument("lead", metavar="LEAD", help=LEAD_HELP)
    disqualify.add_argument(
        "--reason", required=True, help="a pick-list key (no_budget, student...) or your words"
    )


def _add_reopen(commands: Any) -> None:
    reopen = commands.add_parser("reopen", help="put a disqualified lead back to work")
    reopen.add_argument("lead", metavar="LEAD", help=LEAD_HELP)


def _add_note(commands: Any) -> None:
    note = commands.add_parser("note", help="add a note to the lead")
    note.add_argument("lead", metavar="LEAD", help=LEAD_HELP)
    note.add_argument("text", metavar="TEXT", help="the note")


def _add_snooze(commands: Any) -> None:
    snooze = commands.add_parser("snooze", help="hide the lead until a time (local only)")
    snooze.add_argument("lead", metavar="LEAD", help=LEAD_HELP)
    snooze.add_argument(
        "--until", required=True, metavar="WHEN", help='"tomorrow 9", "in 2h", "Tue 15:00", ISO'
    )


def _add_undo(commands: Any) -> None:
    undo = commands.add_parser("undo", help="take back the last touch, note or decision")
    undo.add_argument("lead", metavar="LEAD", help=LEAD_HELP)


# Each action's subparser, in the order `leadtui --help` lists them (leadtui.cli builds one
# alone when the command line names it).
PARSERS: dict[str, Callable[[Any], None]] = {
    "convert": _add_convert,
    "disqualify": _add_disqualify,
    "reopen": _add_reopen,
    "note": _add_note,
    "snooze": _add_snooze,
    "undo": _add_undo,
}


def _amount(text: str) -> float:
    from leadtui.domain.deal_value import parse_deal_value

    try:
        value = parse_deal_value(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
    if value is None:
        raise argparse.ArgumentTypeError("give an amount such as 12500, or leave --value out")
    return value


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date like 2027-01-31") from None


def convert(args: argparse.Namespace, now: datetime, ws: Workspace) -> str:
    lead_id = ws.convert(args.lead, args.value, now, close_date=args.close_date)
    return f"Lead {lead_id} converted to an opportunity of {args.value:,.0f}; queued for sync."


def disqualify(args: argparse.Namespace, now: datetime, ws: Workspace) -> str:
    lead_id = ws.disqualify(args.lead, args.reason, now)
    return f"Lead {lead_id} disqualified; queued for sync."


def reopen(args: argparse.Namespace, now: datetime, ws: Workspace) -> str:
    return f"Lead {ws.reopen(args.lead, now)} reopened; queued for sync."


def note(args: argparse.Namespace, now: datetime, ws: Workspace) -> str:
    return f"Note added to lead {ws.add_note(args.lead, args.text, now)}; queued for sync."


def snooze(args: argparse.Namespace, now: datetime, ws: Workspace) -> str:
    from leadtui.domain.when import parse_when
    from leadtui.workspace import ActionError

    try:
        until = parse_when(args.until, now, ws.rules.calendar.zone)
    except ValueError as exc:
        raise ActionError(f"--until: {exc}") from None
    lead_id = ws.snooze(args.lead, until, now)
    local = until.astimezone(ws.rules.calendar.zone)
    return f"Lead {lead_id} snoozed until {local:%a %d %b %H:%M} (kept on this machine only)."


def undo(args: argparse.Namespace, now: datetime, ws: Workspace) -> str:
    lead_id, what = ws.undo(args.lead, now)
    return f"Undid {what} on lead {lead_id}; queued for sync."


ACTIONS: dict[str, Action] = {
    "convert": convert,
    "disqualify": disqualify,
    "reopen": reopen,
    "note": note,
    "snooze": snooze,
    "undo": undo,
}
