"""What the command line tells its user: the one-line error, and progress lines.

A user error (a missing file, an unknown column, a bad option) is raised as
:class:`CLIError` anywhere below ``main``; ``main`` prints it as one line
``fastnet: error: ...`` and exits with ``CLIError.code``.
"""

from __future__ import annotations

import os
import sys

__all__ = ["CLIError", "info", "one_line", "error_line", "tracebacks_wanted", "TRACEBACK_ENV"]

#: Set to 1 to see the Python traceback of an error (for bug reports), besides the one-line message.
#: Separate from FASTNET_DEBUG, which is a build switch (bounds checks in the kernels, setup.py).
TRACEBACK_ENV = "FASTNET_TRACEBACK"


class CLIError(Exception):
    """A user error: printed as one line, the command exits with ``code``.

    ``code`` is 1 for a problem with the data or files, 2 for a usage error
    (the convention of argparse and of most Unix tools).
    """

    code: int

    def __init__(self, message: str, code: int = 1) -> None:
        super().__init__(message)
        self.code = code


def one_line(message: object) -> str:
    """``message`` with its whitespace (newlines from argparse or numpy) collapsed to single spaces."""
    return " ".join(str(message).split())


def error_line(message: object) -> None:
    """Print ``fastnet: error: <message>`` on stderr, the way argparse reports usage errors."""
    print(f"fastnet: error: {one_line(message)}", file=sys.stderr)


def info(message: str, to_stderr: bool = False) -> None:
    """A progress or result line; flushed so that it shows before a long training run starts.

    ``to_stderr``: when stdout carries data (predictions as CSV), comments go to stderr.
    """
    print(message, file=sys.stderr if to_stderr else sys.stdout, flush=True)


def tracebacks_wanted() -> bool:
    """Whether FASTNET_TRACEBACK asks for tracebacks (read at error time, so tests can set it)."""
    return os.environ.get(TRACEBACK_ENV, "") not in ("", "0")
