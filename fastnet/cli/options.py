"""The argparse pieces the subcommands share: the parser class and the option types.

An option type turns the text of one option into a value or raises
``argparse.ArgumentTypeError``; argparse then names the option in its message
(``argument --lr: must be a finite number > 0, got -1``).
"""

from __future__ import annotations

import argparse
import math
from collections.abc import Callable
from typing import NoReturn, TypeAlias

from .messages import CLIError

__all__ = ["Parser", "Subcommands", "positive_float", "int_at_least", "fraction", "hidden_widths",
           "metric_names", "add_seed", "add_no_progress", "add_delimiter"]


class Parser(argparse.ArgumentParser):
    """argparse, but a usage error is raised as a CLIError (one line on stderr, no usage block)."""

    def error(self, message: str) -> NoReturn:
        raise CLIError(message, code=2)


#: What ``Parser.add_subparsers`` returns: each subcommand module registers itself on it, and
#: its parsers are Parsers too (their usage errors are one line as well). No public name in argparse.
Subcommands: TypeAlias = "argparse._SubParsersAction[Parser]"


def metric_names(text: str) -> list[str]:
    """Comma-separated names of fastnet.METRICS (or top_<k>_accuracy), each checked."""
    from ..train.metrics import Metric

    names = [name.strip() for name in text.split(",") if name.strip()]
    if not names:
        raise argparse.ArgumentTypeError(f"expected comma-separated metric names, got {text!r}")
    for name in names:
        try:
            Metric(name)
        except ValueError as error:
            raise argparse.ArgumentTypeError(str(error)) from None
    return names


def positive_float(text: str) -> float:
    """A finite number > 0 (a learning rate, a step, a tolerance)."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if not (math.isfinite(value) and value > 0):
        raise argparse.ArgumentTypeError(f"must be a finite number > 0, got {text}")
    return value


def int_at_least(low: int) -> Callable[[str], int]:
    """The option type of an integer >= ``low`` (epochs, a batch size, a seed)."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected an integer, got {text!r}") from None
        if value < low:
            raise argparse.ArgumentTypeError(f"must be >= {low}, got {value}")
        return value

    # argparse names the type in "invalid <name> value" messages.
    parse.__name__ = f"integer >= {low}"
    return parse


def fraction(text: str) -> float:
    """A number in [0, 1): the share of rows held out for validation, or of units dropped out."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if not 0 <= value < 1:
        raise argparse.ArgumentTypeError(f"must be in [0, 1), got {text}")
    return value


def open_fraction(text: str) -> float:
    """A number strictly between 0 and 1: the q of the quantile loss."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if not 0 < value < 1:
        raise argparse.ArgumentTypeError(f"must be in (0, 1), got {text}")
    return value


def hidden_widths(text: str) -> list[int]:
    """``128,64`` -> [128, 64]; an empty string or ``none`` -> no hidden layer."""
    if text.strip().lower() in ("", "none"):
        return []
    widths = []
    for part in text.split(","):
        part = part.strip()
        if not part.isdigit() or int(part) < 1:
            raise argparse.ArgumentTypeError(f"expected comma-separated layer widths >= 1 "
                                             f"such as 128,64; got {text!r}")
        widths.append(int(part))
    return widths


def add_seed(parser: argparse.ArgumentParser) -> None:
    """``--seed``: every subcommand that draws random numbers is reproducible from it."""
    parser.add_argument("--seed", type=int_at_least(0), default=0,
                        help="seed of every random draw, for a reproducible run (default: 0)")


def add_no_progress(parser: argparse.ArgumentParser, help_text: str | None = None) -> None:
    """``--no-progress``: no progress bar or per-epoch log (for logs and CI)."""
    parser.add_argument("--no-progress", action="store_true",
                        help=help_text or "no progress bar or per-epoch log (for logs and CI)")


def delimiter(text: str) -> str:
    """One character that separates a CSV's fields; ``\\t`` may be written for a tab."""
    value = "\t" if text in ("\\t", "tab") else text
    if len(value) != 1 or value in "\"\r\n":
        raise argparse.ArgumentTypeError(f"expected one character such as , ; or \\t (a tab), got {text!r}")
    return value


def add_delimiter(parser: argparse.ArgumentParser) -> None:
    """``--delimiter``: the field separator of a CSV data file."""
    parser.add_argument("--delimiter", type=delimiter, default=",",
                        help="the character between a CSV's fields: , or ; or \\t for a tab; quoted "
                             "fields may hold it (default: ,)")
