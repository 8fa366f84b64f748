"""The ``fastnet`` command: ``python -m fastnet {demo,train,predict,export,gradcheck,plot,bench}``.

    fastnet demo [--epochs 300] [--seed 0] [--plot-dir .] [--no-progress]
    fastnet train DATA.csv|DATA.npz --target COLUMN --out model.npz [options]
    fastnet predict model.npz DATA.csv|DATA.npz [--out preds.csv] [--proba]
    fastnet export model.npz model.onnx [--opset 17]
    fastnet gradcheck [model.npz] [--data DATA --target COLUMN]
    fastnet plot {losses,activations} [--out FILE.png]
    fastnet bench [...]                      (fastnet.bench's own options)

Each subcommand is a module of this package with ``register`` (its parser)
and ``run`` (its work); this one builds the parser from them, dispatches and
turns errors into exit codes. Errors a user can make (a missing file, an
unknown column, text in a numeric column, a bad option) end the command with
one line ``fastnet: error: ...`` on stderr and a non-zero exit code, never a
traceback; set FASTNET_TRACEBACK=1 to see the traceback as well.
"""

from __future__ import annotations

import argparse
import os
import sys
import traceback
from collections.abc import Callable, Sequence
from typing import TypeVar

from .._version import __version__
from . import bench_command, demo_command, export, gradcheck, plot_command, predict, train
from .messages import CLIError, error_line, tracebacks_wanted
from .options import Parser, Subcommands

__all__ = ["main", "build_parser"]

#: The subcommands in the order ``fastnet --help`` lists them; each has ``register(commands)``.
COMMANDS: tuple[Callable[[Subcommands], None], ...] = (
    demo_command.register, train.register, predict.register, export.register, gradcheck.register,
    plot_command.register,
    bench_command.register)

#: What a subcommand's ``run`` takes: the parsed Namespace, or (bench) the raw arguments.
_Arguments = TypeVar("_Arguments")

#: Exit codes besides a CLIError's own: Ctrl-C and a closed pipe, as a shell reports those signals.
EXIT_INTERRUPTED = 130
EXIT_BROKEN_PIPE = 141


def build_parser() -> Parser:
    """The ``fastnet`` parser with every subcommand registered (``bench`` for --help only)."""
    parser = Parser(prog="fastnet", description="Dense neural networks trained on the CPU, fast.")
    parser.add_argument("--version", action="version", version=f"fastnet {__version__}")
    commands = parser.add_subparsers(dest="command")
    commands.required = True
    for register in COMMANDS:
        register(commands)
    # Named in usage and in "the following arguments are required: {demo,train,...}" (not "command").
    commands.metavar = "{" + ",".join(commands.choices) + "}"
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line (``argv`` without the program name; default: sys.argv); returns the exit code."""
    args = list(sys.argv[1:] if argv is None else argv)
    if args and args[0] == bench_command.NAME:
        return _run(bench_command.run, args[1:])
    try:
        namespace = build_parser().parse_args(args)
    except CLIError as exc:  # a usage error
        error_line(exc)
        return exc.code
    except SystemExit as exc:  # --help, --version
        return exc.code if isinstance(exc.code, int) else 0
    command: Callable[[argparse.Namespace], int] = namespace.func
    return _run(command, namespace)


def _run(command: Callable[[_Arguments], int], arguments: _Arguments) -> int:
    """``command(arguments)``, every error turned into a message and an exit code."""
    try:
        return command(arguments)
    except CLIError as exc:
        return _fail(exc, exc.code)
    except KeyboardInterrupt:
        print("fastnet: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        _silence_stdout()
        return EXIT_BROKEN_PIPE
    except OSError as exc:
        # "model.npz: Permission denied" rather than "[Errno 13] Permission denied: 'model.npz'".
        if exc.filename is not None and exc.strerror:
            return _fail(f"{exc.filename}: {exc.strerror}", 1)
        return _fail(exc, 1)
    except Exception as exc:  # a bug or an error the library raised: still one line, unless asked
        return _fail(exc, 1)


def _fail(message: object, code: int) -> int:
    """Report the error being handled; with FASTNET_TRACEBACK=1, its traceback first."""
    if tracebacks_wanted():
        traceback.print_exc()
    error_line(str(message) or type(message).__name__)  # some exceptions have no message
    return code


def _silence_stdout() -> None:
    """The reader of our output went away (``fastnet predict ... | head``): stop quietly.

    Python would otherwise complain again when it flushes stdout at exit.
    """
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):
        pass
