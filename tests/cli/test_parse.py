"""The command line read with one command's subparser built (leadtui.cli.parse_args, for start-up
time) means exactly what the whole parser makes of it: same values, same help, same errors."""

from __future__ import annotations

import argparse
import contextlib
import io

import pytest

from leadtui.cli import SUBPARSERS, build_parser, named_command, parse_args

NOW = "--now=2026-11-18T15:00:00+00:00"

READ_ALIKE = [
    [NOW, "queue", "--format", "json"],
    ["queue"],
    ["--now", "2026-11-18", "--config", "c.toml", "queue", "--rep=x@y.z", "--format=csv"],
    ["--data-dir", "queue", "queue", "--rep", "a@b.c"],
    ["--board", "--data-dir=/tmp/d", "sla", "--team", "--since", "2026-11-01"],
    ["log", "17", "--channel", "call", "--outcome", "connected", "--note", "hi"],
    ["report", "--by", "rep", "--format", "json"],
    ["sync", "--status"],
    ["sandbox", "--port", "0", "--enterprise"],
    ["convert", "12", "--value", "12,500", "--close-date", "2027-01-31"],
    ["snooze", "12", "--until", "tomorrow 9"],
    ["demo", "--leads", "5", "--no-open"],
    ["queue", "--form", "json"],  # the subparser's own abbreviations still work
]


def _parse(parser: argparse.ArgumentParser, argv: list[str]) -> tuple[object, str, str]:
    """(values or exit code, stdout, stderr) of parsing argv."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            result: object = vars(parser.parse_args(argv))
        except SystemExit as exc:
            result = exc.code
    return result, out.getvalue(), err.getvalue()


@pytest.mark.parametrize("argv", READ_ALIKE, ids=" ".join)
def test_one_subparser_reads_as_the_whole_parser(argv: list[str]) -> None:
    command = named_command(argv)
    assert command is not None and command in argv
    whole = _parse(build_parser(), argv)
    assert isinstance(whole[0], dict)
    assert _parse(build_parser(command), argv) == whole
    assert vars(parse_args(argv)) == whole[0]


ERRORS = [
    ["queue", "--format", "xml"],
    ["queue", "--help"],
    ["queue", "--now", "2026-11-18"],  # a global option after the command: the main parser's error
    ["log", "17", "--channel", "fax", "--outcome", "connected"],
    ["convert", "12", "--value", "lots"],
    ["sla", "--rep", "a@b.c", "--team"],
    ["--board", "serve", "--port", "eighty"],
]


@pytest.mark.parametrize("argv", ERRORS, ids=" ".join)
def test_one_subparser_fails_and_helps_as_the_whole_parser(argv: list[str]) -> None:
    command = named_command(argv)
    assert command is not None
    whole = _parse(build_parser(), argv)
    assert whole[0] in (0, 2) and (whole[1] or whole[2])
    assert _parse(build_parser(command), argv) == whole


@pytest.mark.parametrize("command", list(SUBPARSERS))
def test_each_command_help_is_the_same_alone(command: str) -> None:
    assert _parse(build_parser(command), [command, "--help"]) == _parse(
        build_parser(), [command, "--help"]
    )


@pytest.mark.parametrize(
    "argv",
    [
        [],
        ["--help"],
        ["--version"],
        ["--no", "2026-11-18", "queue"],  # an abbreviation: argparse decides
        ["--now", "-1", "queue"],  # a value like an option: argparse decides
        ["--now"],
        ["queu"],
        ["--", "queue"],
        ["--board=yes", "queue"],
        ["--bogus", "queue"],
    ],
    ids=repr,
)
def test_anything_else_goes_to_the_whole_parser(argv: list[str]) -> None:
    assert named_command(argv) is None
