"""Every option of every subcommand says what it does and, when it has one, its default."""

import argparse

import pytest

from fastnet.cli.main import build_parser


def _parsers(parser, path=("fastnet",)):
    """(command path, parser) for the parser and, recursively, every subcommand's."""
    yield path, parser
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                yield from _parsers(sub, (*path, name))


def _arguments():
    for path, parser in _parsers(build_parser()):
        for action in parser._actions:
            if isinstance(action, (argparse._HelpAction, argparse._SubParsersAction)):
                continue
            yield " ".join(path), action


ARGUMENTS = list(_arguments())


def test_the_walk_reaches_every_subcommand():
    commands = {command for command, _ in ARGUMENTS}
    assert {"fastnet train", "fastnet predict", "fastnet demo", "fastnet gradcheck", "fastnet export",
            "fastnet plot losses", "fastnet plot activations"} <= commands


@pytest.mark.parametrize("command, action", ARGUMENTS,
                         ids=[f"{c}:{a.option_strings[0] if a.option_strings else a.dest}" for c, a in ARGUMENTS])
def test_every_argument_has_help_and_its_default(command, action):
    name = action.option_strings[0] if action.option_strings else action.dest
    assert action.help and len(action.help) > 10, f"{command} {name} has no help text"
    has_value = action.nargs != 0 and action.option_strings   # not a flag, not a positional
    if has_value and action.default not in (None, argparse.SUPPRESS) and not action.required:
        assert "default" in action.help, f"{command} {name}: the help does not show the default {action.default!r}"


def test_the_defaults_shown_are_the_defaults():
    # The numbers written in the help are the parser's own defaults.
    for command, action in ARGUMENTS:
        if action.option_strings and isinstance(action.default, (int, float)) and not isinstance(action.default, bool):
            shown = action.help.split("default: ", 1)[1].split(")")[0].split(";")[0].split(",")[0]
            assert float(shown) == action.default, (command, action.option_strings, shown)
