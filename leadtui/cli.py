"""The `leadtui` command. Errors are one sentence on stderr and a non-zero exit, no traceback."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from leadtui import __version__, cli_actions
from leadtui.safe_text import clean  # light: re and unicodedata only

if TYPE_CHECKING:
    from leadtui.config import Config
    from leadtui.locations import Locations

# Nothing heavy is imported at module level: `leadtui --help` and commands that never open the
# TUI must not pay for Textual, the ORM or the domain (bench/startup.py measures it, and
# tests/test_import_hygiene.py keeps it so). Each command imports what it needs.

EXIT_OK, EXIT_ERROR, EXIT_USAGE = 0, 1, 2
FORMATS = ("table", "json", "csv")


class CliError(Exception):
    """A user-facing failure: printed as one sentence."""


def _parse_when(text: str, what: str, args: argparse.Namespace | None = None) -> datetime:
    """An ISO date or time; without an offset it is read in the configured zone (the rep's)."""
    try:
        moment = datetime.fromisoformat(text)
    except ValueError as exc:
        raise CliError(f"{what} {text!r} is not an ISO date or time, e.g. 2026-11-02.") from exc
    if moment.tzinfo is not None:
        return moment
    from leadtui.domain.when import parse_when

    return parse_when(text, datetime.now(UTC), _zone(args) if args else "UTC")


def _zone(args: argparse.Namespace) -> str:
    """The configured zone, for reading times the user types; UTC when the config is unusable
    (its own error then comes from the command, with its key and line)."""
    try:
        return _config(_locations(args), explicit=False).calendar.timezone
    except Exception:
        return "UTC"


def _terminal_columns() -> int:
    """shutil.get_terminal_size().columns, without importing shutil (and with it zlib, bz2 and
    lzma), which argparse's formatter does for every argument added: 2 to 3 ms, a twentieth of
    `leadtui --help` (bench/startup.py)."""
    try:
        columns = int(os.environ.get("COLUMNS", ""))
    except ValueError:
        columns = 0
    if columns <= 0:
        try:
            columns = os.get_terminal_size(sys.__stdout__.fileno()).columns  # type: ignore[union-attr]
        except (AttributeError, ValueError, OSError):
            columns = 0  # not a terminal: shutil's fallback below
    return columns or 80


class _HelpFormatter(argparse.HelpFormatter):
    def __init__(self, prog: str) -> None:
        super().__init__(prog, width=_terminal_columns() - 2)  # as argparse sizes it


class _Parser(argparse.ArgumentParser):
    """argparse's parser with _HelpFormatter; add_subparsers makes each command's parser of the
    same class, so theirs too."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("formatter_class", _HelpFormatter)
        super().__init__(*args, **kwargs)


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The whole parser; given a command, the same main parser with that command's subparser
    alone (see parse_args for when that parses alike)."""
    parser = _Parser(
        prog="leadtui",
        description="A terminal follow-up queue for B2B sales reps and their managers.",
    )
    parser.add_argument("--version", action="version", version=f"leadtui {__version__}")
    parser.add_argument("--config", metavar="PATH", help="config file (env LEADTUI_CONFIG)")
    parser.add_argument("--data-dir", metavar="DIR", help="data dir (env LEADTUI_DATA_DIR)")
    parser.add_argument(
        "--now",
        metavar="ISO-TIME",
        help="pretend it is this time (reproducible reports and scripts)",
    )
    parser.add_argument(
        "--board", action="store_true", help="open on the team's SLA board, whatever your role"
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, add in SUBPARSERS.items():
        if command is None or name == command:
            add(commands)
    return parser


def _add_demo(commands: Any) -> None:
    demo = commands.add_parser("demo", help="seed a demo workspace and open it")
    demo.add_argument("--leads", type=int, default=300, help="how many leads (default 300)")
    demo.add_argument("--reps", type=int, default=4, help="how many reps (default 4)")
    demo.add_argument("--seed", type=int, default=7, help="random seed (default 7)")
    demo.add_argument("--no-open", action="store_true", help="prepare, print the data dir and exit")


def _add_queue(commands: Any) -> None:
    queue = commands.add_parser("queue", help="a rep's queue, most urgent first")
    queue.add_argument("--rep", metavar="EMAIL", help="whose queue (default: [user] email)")
    queue.add_argument("--format", choices=FORMATS, default="table")


def _add_sla(commands: Any) -> None:
    sla = commands.add_parser("sla", help="SLA breaches")
    who = sla.add_mutually_exclusive_group()
    who.add_argument("--rep", metavar="EMAIL", help="one rep's breaches")
    who.add_argument("--team", action="store_true", help="the whole team's breaches")
    sla.add_argument("--since", metavar="ISO-DATE", help="breaches due since then")
    sla.add_argument("--format", choices=FORMATS, default="table")


def _add_log(commands: Any) -> None:
    from leadtui.domain.models import TOUCH_CHANNELS, Outcome

    log = commands.add_parser("log", help="record a touch, exactly as the TUI does")
    log.add_argument("lead", metavar="LEAD", help="the lead's id, CRM id or email")
    log.add_argument("--channel", required=True, choices=[c.value for c in TOUCH_CHANNELS])
    log.add_argument("--outcome", required=True, choices=[o.value for o in Outcome])
    log.add_argument("--note", default="", help="what was said or done")
    log.add_argument(
        "--at",
        metavar="WHEN",
        help="when it happened, if earlier: '1h ago', '9:30', 'yesterday 17:00' or ISO",
    )


def _add_report(commands: Any) -> None:
    report = commands.add_parser("report", help="funnel and SLA metrics by source or rep")
    report.add_argument("--by", choices=("source", "rep"), default="source")
    report.add_argument("--since", metavar="ISO-DATE", help="leads created since then")
    report.add_argument("--format", choices=FORMATS, default="table")


def _add_agreement(commands: Any) -> None:
    agreement = commands.add_parser(
        "agreement", help="the marketing-sales agreement the config encodes, with its figures"
    )
    agreement.add_argument(
        "--since", metavar="ISO-DATE", help="measure leads created since then (default: 30 days)"
    )


def _add_doctor(commands: Any) -> None:
    commands.add_parser("doctor", help="check config, data dir, keyring and CRM; say how to fix")


def _add_setup(commands: Any) -> None:
    commands.add_parser(
        "setup", help="list what the CRM offers leadtui and create the properties it needs"
    )


def _add_sync(commands: Any) -> None:
    sync = commands.add_parser("sync", help="pull and push with the configured CRM, headless")
    mode = sync.add_mutually_exclusive_group()
    mode.add_argument("--once", action="store_true", help="one pull and push, then exit (default)")
    mode.add_argument("--watch", action="store_true", help="keep syncing every sync interval")
    mode.add_argument(
        "--status",
        action="store_true",
        help="list pending, held, rejected and conflicted changes",
    )
    sync.add_argument(
        "--team",
        action="store_true",
        help="the team's one sync on a team database: every rep's leads and outbox",
    )


def _add_sandbox(commands: Any) -> None:
    sandbox = commands.add_parser("sandbox", help="run the sandbox CRM in the foreground")
    sandbox.add_argument("--host", default="127.0.0.1")
    sandbox.add_argument("--port", type=int, default=0, help="0 picks a free port")
    sandbox.add_argument("--leads", type=int, default=300)
    sandbox.add_argument("--reps", type=int, default=4)
    sandbox.add_argument("--seed", type=int, default=7)
    sandbox.add_argument("--db", metavar="PATH", help="keep the sandbox's data in this file")
    sandbox.add_argument("--token", help="the Bearer token it accepts (default: generated)")
    sandbox.add_argument(
        "--enterprise", action="store_true", help="an Enterprise account: web activity answers"
    )
    sandbox.add_argument(
        "--unique-on-engagements",
        action="store_true",
        help="allow unique-value properties on calls, emails, meetings and notes",
    )


def _add_login(commands: Any) -> None:
    commands.add_parser("login", help="store the CRM token in the OS keyring (prompted)")


def _add_offline(commands: Any) -> None:
    commands.add_parser(
        "offline",
        help="on a team database: catch up your offline copy, then refresh it with your leads",
    )


def _add_serve(commands: Any) -> None:
    serve = commands.add_parser(
        "serve", help="the app (the SLA board first) in a browser, behind a login token"
    )
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on (127.0.0.1)")
    serve.add_argument("--port", type=int, default=8000, help="port (8000; 0 picks a free one)")


# Each command's subparser, in the order `leadtui --help` lists them.
SUBPARSERS: dict[str, Callable[[Any], None]] = {
    "demo": _add_demo,
    "queue": _add_queue,
    "sla": _add_sla,
    "log": _add_log,
    "report": _add_report,
    "agreement": _add_agreement,
    "doctor": _add_doctor,
    "setup": _add_setup,
    "sync": _add_sync,
    "sandbox": _add_sandbox,
    "login": _add_login,
    "offline": _add_offline,
    "serve": _add_serve,
    **cli_actions.PARSERS,
}
# Global options as `parse_args` recognises them before a command: written in full only.
_GLOBAL_FLAGS = frozenset({"--board"})
_GLOBAL_VALUES = frozenset({"--config", "--data-dir", "--now"})


def named_command(argv: Sequence[str]) -> str | None:
    """The command `argv` names when only global options, spelt in full, come before it; None
    when argparse must decide (help, version, abbreviations, a typo, no command)."""
    at = 0
    while at < len(argv):
        token = argv[at]
        option, equals, _ = token.partition("=")
        if token in _GLOBAL_FLAGS or (equals and option in _GLOBAL_VALUES):
            at += 1
        elif token in _GLOBAL_VALUES and at + 1 < len(argv) and not argv[at + 1].startswith("-"):
            at += 2
        else:
            return token if token in SUBPARSERS else None
    return None


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    """argparse's reading of the command line. When the command is named after global options
    spelt in full, the main parser has nothing left to decide but hand the rest to that command's
    subparser (its usage, errors and help do not list the other commands), so only that one is
    built: most of the parser's start-up cost (tests/cli/test_parse.py checks they agree)."""
    arguments = sys.argv[1:] if argv is None else list(argv)
    return build_parser(named_command(arguments)).parse_args(arguments)


def _now(args: argparse.Namespace) -> datetime:
    # The only clock in the program: everything below receives `now`.
    return _parse_when(args.now, "--now", args) if args.now else datetime.now(UTC)


def _locations(args: argparse.Namespace) -> Locations:
    from leadtui.locations import locate

    return locate(args.config, args.data_dir)


def _config(locations: Locations, explicit: bool) -> Config:
    from leadtui.config import load

    # Remembered in the data dir once valid: the light queue path trusts it without pydantic.
    return load(locations.config_path, required=explicit, remember_in=locations.data_dir)


def _check_data_dir(args: argparse.Namespace, locations: Locations, *, must_exist: bool) -> None:
    """A data dir that is a file, or a mistyped one, is said as such: not a confusing cache
    error, and not a silent empty workspace."""
    folder = locations.data_dir
    existing = next((p for p in (folder, *folder.parents) if p.exists()), None)
    if existing is not None and not existing.is_dir():
        raise CliError(
            f"The data dir {folder} cannot be a folder: {existing} is a file, not a folder; "
            "point --data-dir or LEADTUI_DATA_DIR at a folder."
        )
    explicit = bool(args.data_dir or os.environ.get("LEADTUI_DATA_DIR"))
    if must_exist and explicit and not (folder / "leadtui.db").exists():
        if _config(locations, False).store.is_team:
            return  # a team workspace: the cache is a database server, not a file here
        raise CliError(
            f"No leadtui workspace at {folder}; check the path, or run `leadtui sync` "
            "(or `leadtui demo`) to make one."
        )


def _workspace(  # type: ignore[no-untyped-def]
    args: argparse.Namespace, *, must_exist: bool = True, read_only: bool = False
):
    """read_only: the command only reads, so a cache the user may not write still serves it."""
    from leadtui.workspace import Workspace

    locations = _locations(args)
    _check_data_dir(args, locations, must_exist=must_exist)
    config = _config(locations, explicit=bool(args.config or os.environ.get("LEADTUI_CONFIG")))
    if config.store.is_team:
        from leadtui.offline import open_for_rep

        return open_for_rep(config, locations, _say)
    return Workspace.open(config, locations, read_only=read_only)


def _check_rep(session: object, email: str) -> None:
    """An unknown rep is a typo to point out, not an empty list to print."""
    from leadtui.store import queries

    known = queries.rep_emails(session)  # type: ignore[arg-type]
    if email.casefold() not in {k.casefold() for k in known}:
        listed = ", ".join(known[:8]) + (" …" if len(known) > 8 else "")
        raise CliError(f"No rep {email!r} in the cache; known reps: {listed or 'none yet'}.")


def _say(line: str) -> None:
    print(f"leadtui: {line}", file=sys.stderr)


def cmd_queue(args: argparse.Namespace) -> int:
    import gc

    # The light path's imports, rows and output are thousands of small objects in no reference
    # cycle: the cyclic collector's passes over them would be a tenth of its time, and free
    # nothing. The full path (the ORM's objects do make cycles) runs with it.
    gc.disable()
    try:
        now = _now(args)
        rows = _light_queue(args, now)
        if rows is not None:
            _print_queue(rows, args.format)
            return EXIT_OK
    finally:
        gc.enable()
    _print_queue(_full_queue(args, now), args.format)
    return EXIT_OK


def _print_queue(rows: list[dict[str, object]], fmt: str) -> None:
    from leadtui import output

    columns = (
        "id",
        "speed_to_lead.state",
        "speed_to_lead.minutes_left",
        "name",
        "company",
        "band",
        "score",
        "source",
        "cadence.next_channel",
        "cadence.next_due",
        "touches",
        "recycle.reason",
    )
    print(output.render(rows, fmt, columns))


def _light_queue(args: argparse.Namespace, now: datetime) -> list[dict[str, object]] | None:
    """The queue's rows from the light path (plain sqlite3, the config as last validated), which
    answers in a fraction of the time when it can promise the same rows; else None, and the full
    path answers (and reports any problem)."""
    from leadtui import light_queue, output

    explicit = bool(args.config or os.environ.get("LEADTUI_CONFIG"))
    light = light_queue.queue(_locations(args), now, args.rep, explicit_config=explicit)
    if light is None or not light[0]:
        return None  # an empty light answer may be a mistyped --rep: the full path says so
    items, zone = light
    return [output.queue_row(item, now, zone) for item in items]


def _full_queue(args: argparse.Namespace, now: datetime) -> list[dict[str, object]]:
    from leadtui import output, views

    ws = _workspace(args, read_only=True)
    try:
        owner = args.rep or ws.me
        if not owner:
            raise CliError("Whose queue? Set [user] email in the config, or pass --rep EMAIL.")
        with ws.session() as session:
            _check_rep(session, owner)
            items = views.queue(ws, session, now, owner)
            zone = ws.rules.calendar.zone
            return [output.queue_row(item, now, zone) for item in items]
    finally:
        ws.close()


def cmd_sla(args: argparse.Namespace) -> int:
    from leadtui import output, views

    now = _now(args)
    since = _since(args, now)
    ws = _workspace(args, read_only=True)
    try:
        if args.team:
            owner = None
        elif args.rep:
            owner = args.rep
            with ws.session() as session:
                _check_rep(session, owner)
        else:
            owner = None if ws.config.user.role == "manager" else (ws.me or None)
        with ws.session() as session:
            found = views.breaches(ws, session, now, owner, since)
            rows = [output.breach_row(b, ws.rules.calendar.zone) for b in found]
    finally:
        ws.close()
    columns = ("lead_id", "lead", "owner", "source", "kind", "due_at", "late_by_minutes")
    print(output.render(rows, args.format, (*columns, "resolved_at")))
    return EXIT_OK


def cmd_report(args: argparse.Namespace) -> int:
    from leadtui import output, views
    from leadtui.domain.metrics import MONEY_FIELDS, REPORT_FIELDS

    now = _now(args)
    since = _since(args, now)
    ws = _workspace(args, read_only=True)
    try:
        with ws.session() as session:
            metrics = views.report(ws, session, now, args.by, since)
            rows = [output.report_row(m, args.by) for m in metrics]
    finally:
        ws.close()
    money = [f for f in MONEY_FIELDS if any(f in row for row in rows)]
    if args.format == "json":
        print(output.render(rows, "json", ()))
    elif args.format == "csv":
        # A spreadsheet gets every figure, the reasons as one readable cell.
        flat = [row | {"disqualify_reasons": output.reasons_cell(row)} for row in rows]
        print(output.render(flat, "csv", (args.by, *REPORT_FIELDS, *money)))
    else:
        print(output.report_tables(rows, args.by, money))
    return EXIT_OK


def cmd_agreement(args: argparse.Namespace) -> int:
    from leadtui import agreement

    now = _now(args)
    since = _since(args, now)
    ws = _workspace(args, read_only=True)
    try:
        with ws.session() as session:
            figures = agreement.measure(ws, session, now, since)
    finally:
        ws.close()
    print(agreement.render(ws, figures))
    return EXIT_OK


def _action_command(action: cli_actions.Action) -> Callable[[argparse.Namespace], int]:
    """A rep action (leadtui/cli_actions.py) as a command: one transaction, one sentence."""

    def command(args: argparse.Namespace) -> int:
        now = _now(args)
        ws = _workspace(args)
        try:
            said = action(args, now, ws)
        finally:
            ws.close()
        print(said)
        return EXIT_OK

    return command


def cmd_log(args: argparse.Namespace) -> int:
    from leadtui.domain.when import describe_when, parse_when

    now = _now(args)
    ws = _workspace(args)
    try:
        zone = ws.rules.calendar.zone
        at = None
        if args.at:
            try:
                at = parse_when(args.at, now, zone, past=True)
            except ValueError as exc:
                raise CliError(f"--at: {exc}") from exc
            if at > now:
                raise CliError(
                    f"--at {args.at!r} is in the future ({describe_when(at, now, zone)}); "
                    "a touch is logged once it happened."
                )
        lead_id = ws.log_touch(
            args.lead, args.channel, args.outcome, now, note=args.note, occurred_at=at
        )
    finally:
        ws.close()
    when = describe_when(at or now, now, zone)
    print(f"Logged {args.channel}, {args.outcome}, on lead {lead_id} at {when}; queued for sync.")
    return EXIT_OK


# Seconds between the demo CRM's new inbound leads. Each goes to one of the reps at random, so
# the rep whose queue is open sees a new lead every (--reps times this): about a minute with 4 reps.
INBOUND_EVERY = 15.0


def cmd_demo(args: argparse.Namespace) -> int:
    from leadtui.demo_workspace import prepare_demo

    if args.leads < 0 or args.leads > 500_000:
        raise CliError("--leads must be between 0 and 500000.")
    if args.reps < 1 or args.reps > 200:
        raise CliError("--reps must be between 1 and 200.")
    now = _now(args)
    # The demo wipes and reseeds its folder, but only one an earlier demo made (or an empty one):
    # LEADTUI_DATA_DIR pointing at a real workspace is refused, never replaced.
    chosen = args.data_dir or os.environ.get("LEADTUI_DATA_DIR")
    folder = Path(chosen).expanduser() if chosen else None
    if not args.no_open:
        _require_terminal()
    if args.no_open:
        # Nothing would keep a sandbox alive after exit: the workspace is seeded directly.
        data_dir = prepare_demo(folder, leads=args.leads, reps=args.reps, seed=args.seed, now=now)
        print(data_dir)
        return EXIT_OK
    return _open_synced_demo(args, folder, now)


def _open_synced_demo(args: argparse.Namespace, folder: Path | None, now: datetime) -> int:
    """Sandbox CRM in this process (daemon threads), one pull into the demo workspace, then the
    TUI syncing against it. The token stays in memory: the adapter factory closes over it."""
    from leadtui.config import Locations
    from sync.demo import prepare_synced_demo
    from sync.engine import Progress

    def progress(p: Progress) -> None:
        if p.phase == "pull":
            print(f"\rdemo: pulled {p.leads} leads", end="", file=sys.stderr, flush=True)

    print("demo: starting the sandbox CRM on 127.0.0.1…", file=sys.stderr, flush=True)
    demo = prepare_synced_demo(
        folder,
        leads=args.leads,
        reps=args.reps,
        seed=args.seed,
        now=now,
        inbound_every=INBOUND_EVERY,
        progress=progress,
    )
    print(f"\ndemo: CRM at {demo.sandbox.base_url}, data in {demo.folder}", file=sys.stderr)
    try:
        locations = Locations(demo.folder / "config.toml", demo.folder)
        return _open_tui(args, locations, adapter_factory=demo.adapter)
    finally:
        demo.stop()


def _open_tui(
    args: argparse.Namespace,
    locations: Locations | None = None,
    adapter_factory: Callable[[], object] | None = None,
) -> int:
    """Run the TUI; with no cache yet it shows how to make one instead of an empty queue.

    It syncs while open when it can make an adapter: the demo passes one; otherwise a token in
    LEADTUI_CRM_TOKEN or the keyring turns sync on, and without one the cache is all there is.
    """
    from leadtui.app import run

    locations = locations or _locations(args)
    explicit = bool(args.config or os.environ.get("LEADTUI_CONFIG"))
    fixed = _parse_when(args.now, "--now", args) if args.now else None
    clock = (lambda: fixed) if fixed else (lambda: datetime.now(UTC))
    board = bool(getattr(args, "board", False))  # the board opens on the full path
    light = None if adapter_factory or board else _light_start(locations, explicit)
    if light is not None:
        # The first frame comes from plain sqlite3 and the config as last validated; the ORM,
        # the validator and the sync adapter load in a thread after it (bench/paint.py).
        def opener() -> tuple[Any, Callable[[], object] | None]:
            config = _config(locations, explicit)
            workspace = _open_for_tui(config, locations)
            return workspace, None if workspace.read_only else _configured_adapter(config)

        return run(None, clock, where=str(locations.data_dir), light=light, opener=opener)
    from leadtui.workspace import Workspace

    workspace = None
    config = _config(locations, explicit) if locations.config_path.exists() or explicit else None
    if config is not None and config.store.is_team:
        # A rep on the team database: the team's sync talks to the CRM, never this app.
        from leadtui.offline import open_for_rep

        workspace = open_for_rep(config, locations, _say)
        adapter_factory = None
    elif locations.database.exists() or explicit:
        config = _config(locations, explicit)
        workspace = _open_for_tui(config, locations)
        if workspace.read_only:
            adapter_factory = None
        else:
            adapter_factory = adapter_factory or _configured_adapter(config)
    elif locations.config_path.exists():
        # Configured and logged in but never synced: the TUI's first sync fills the cache (with
        # its progress on the status line) instead of sending the rep to `leadtui sync`.
        config = _config(locations, False)
        adapter_factory = adapter_factory or _configured_adapter(config)
        if adapter_factory is not None:
            workspace = Workspace.open(config, locations)
    return run(
        workspace,
        clock,
        where=str(locations.data_dir),
        adapter_factory=adapter_factory,
        board=board,
    )


def _open_for_tui(config: Config, locations: Locations) -> Any:
    """The workspace, or a cache this user may not write opened read-only: the rep can still
    look at their queue (the status line says why nothing can be changed)."""
    from leadtui.store.engine import ReadOnlyStore
    from leadtui.workspace import Workspace

    try:
        return Workspace.open(config, locations)
    except ReadOnlyStore:
        return Workspace.open(config, locations, read_only=True)


def _light_start(locations: Locations, explicit: bool) -> Any:
    """The light path's start for a rep's queue (a manager opens on the board: full path)."""
    from leadtui.light_queue import light_start

    start = light_start(locations, explicit_config=explicit)
    return start if start is not None and start.config.user.role != "manager" else None


def _configured_adapter(config: Config) -> Callable[[], object] | None:
    """A factory for the configured CRM's adapter, or None when there is no token."""
    from sync import registry
    from sync.token import TokenError, get_token

    crm = config.crm
    try:
        token = get_token(crm.base_url)
    except TokenError:
        return None
    return lambda: registry.create(
        crm.adapter, crm.base_url, token, timeout_seconds=crm.timeout_seconds
    )


def cmd_tui(args: argparse.Namespace) -> int:
    _require_terminal()
    return _open_tui(args)


def _since(args: argparse.Namespace, now: datetime) -> datetime | None:
    """--since, refused when after now: it would count nothing, and look like a quiet period."""
    since = _parse_when(args.since, "--since", args) if args.since else None
    if since is not None and since > now:
        raise CliError(f"--since {args.since} is after now; give a date in the past.")
    return since


def _require_terminal() -> None:
    """The TUI draws on a terminal; without one it would write escape codes into a file and
    wait for keys that never come. Under `leadtui serve` it draws through textual-serve's web
    driver instead (which sets TEXTUAL_DRIVER), over pipes: no terminal needed there."""
    if os.environ.get("TEXTUAL_DRIVER"):
        return
    if not (sys.stdin.isatty() and sys.stdout.isatty()):
        raise CliError(
            "leadtui's screens need a terminal; without one, `leadtui queue` (or"
            " `--format json`) prints the queue and `leadtui sla` the breaches."
        )


def cmd_doctor(args: argparse.Namespace) -> int:
    from leadtui.doctor import run_checks

    locations = _locations(args)
    problems = 0

    for check in run_checks(locations, explicit_config=bool(args.config)):
        mark = "ok " if check.ok else "FIX"
        print(clean(f"{mark}  {check.name}: {check.detail}"))  # CRM replies may be in it
        problems += not check.ok
    return EXIT_OK if problems == 0 else EXIT_ERROR


def cmd_sync(args: argparse.Namespace) -> int:
    from sync.cli import run_status, run_sync

    ws = _workspace(args, must_exist=False)  # the first sync makes the workspace
    try:
        if args.status:
            return run_status(ws)
        now = _now(args) if args.now else None
        return run_sync(ws, now=now, watch=args.watch, team=args.team)
    finally:
        ws.close()


def cmd_serve(args: argparse.Namespace) -> int:
    from leadtui.serve import serve

    if not 0 <= args.port <= 65535:
        raise CliError(f"--port {args.port} is not a port; give 1-65535, or 0 for a free one.")
    # Each browser tab runs the app on the same workspace as this command was given.
    passthrough: list[str] = []
    for flag, value in (("--config", args.config), ("--data-dir", args.data_dir)):
        if value:
            passthrough += [flag, str(Path(value).expanduser().resolve())]
    if args.now:
        passthrough += ["--now", args.now]
    _config(_locations(args), explicit=bool(args.config))  # a bad config says so here, once
    try:
        return serve(args.host, args.port, passthrough)
    except OSError as exc:
        raise CliError(f"Cannot listen on {args.host}:{args.port}: {exc.strerror}.") from exc


def cmd_offline(args: argparse.Namespace) -> int:
    from leadtui.offline import copy_path, refresh_copy

    ws = _workspace(args)
    try:
        if not ws.config.store.is_team:
            raise CliError("An offline copy is for a team workspace; set [store] url first.")
        if ws.offline_copy:
            raise CliError("The team database cannot be reached; your copy is as it was.")
        path = copy_path(_locations(args).data_dir)
        leads = refresh_copy(ws, path)
    finally:
        ws.close()
    print(f"Your offline copy holds your {leads} leads: {path}.", file=sys.stderr)
    return EXIT_OK


def cmd_setup(args: argparse.Namespace) -> int:
    from sync.setup import run_setup

    locations = _locations(args)
    config = _config(locations, explicit=bool(args.config or os.environ.get("LEADTUI_CONFIG")))
    return run_setup(config)


def cmd_sandbox(args: argparse.Namespace) -> int:
    from sync.cli import run_sandbox

    return run_sandbox(args)


def cmd_login(args: argparse.Namespace) -> int:
    from sync.cli import run_login

    locations = _locations(args)
    config = _config(locations, explicit=bool(args.config or os.environ.get("LEADTUI_CONFIG")))
    return run_login(config.crm.base_url)


COMMANDS: dict[str, Callable[[argparse.Namespace], int]] = {
    "sync": cmd_sync,
    "sandbox": cmd_sandbox,
    "login": cmd_login,
    "queue": cmd_queue,
    "sla": cmd_sla,
    "report": cmd_report,
    "agreement": cmd_agreement,
    "log": cmd_log,
    "demo": cmd_demo,
    "doctor": cmd_doctor,
    "serve": cmd_serve,
    "offline": cmd_offline,
    "setup": cmd_setup,
    **{name: _action_command(action) for name, action in cli_actions.ACTIONS.items()},
}


def _user_errors() -> tuple[type[Exception], ...]:
    """Failures whose message is one sentence for the user. Imported only once something failed:
    a command that never loaded the store cannot have raised its error."""
    from leadtui.config import ConfigError
    from leadtui.store.engine import StoreError
    from leadtui.workspace import ActionError
    from sync.protocol import SyncError

    return (CliError, ConfigError, StoreError, ActionError, SyncError)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        if args.command is None:
            return cmd_tui(args)
        return COMMANDS[args.command](args)
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return EXIT_OK  # `leadtui queue | head` is not an error
    except PermissionError as exc:
        where = exc.filename or "a file leadtui needs"
        print(
            f"leadtui: Permission denied on {where}; make it readable and writable by you, "
            "or choose another with --config or --data-dir.",
            file=sys.stderr,
        )
        return EXIT_ERROR
    except Exception as exc:
        if isinstance(exc, _user_errors()):
            print(f"leadtui: {clean(str(exc))}", file=sys.stderr)
            return EXIT_ERROR
        # The last line of defence: users never see a traceback.
        if os.environ.get("LEADTUI_DEBUG"):
            raise
        print(
            f"leadtui: unexpected error ({type(exc).__name__}: {clean(str(exc), 300)}); "
            "run again with LEADTUI_DEBUG=1 for details and report it.",
            file=sys.stderr,
        )
        return EXIT_ERROR


def run() -> int:
    """The `leadtui` console script.

    What is left at exit is the imported modules' objects (a command frees its own data when it
    returns), none of them cyclic garbage; yet interpreter shutdown runs the cyclic collector
    over all of them, more than once: a tenth of `leadtui queue --format json`'s CPU time
    (bench/startup.py). Moved to the collector's permanent generation (gc.freeze, as forking
    servers do), they skip those passes and are still freed by reference counting. Only here,
    not in main(): tests call main() in a process that goes on."""
    import gc

    try:
        return main()
    finally:
        gc.freeze()  # also after --help and usage errors (SystemExit)


if __name__ == "__main__":
    sys.exit(run())
