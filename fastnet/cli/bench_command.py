"""``fastnet bench ...``: the benchmarks, handed over to :mod:`fastnet.bench` with their own options.

fastnet.bench parses its own arguments, so ``main`` hands over everything after
``bench`` before its own parser runs; the ``bench`` entry registered here only
puts the command into ``fastnet --help``. The benchmarks may be left out of an
installation (they are not needed to train): then the command says so.
"""

from __future__ import annotations

import importlib
import importlib.util
from collections.abc import Sequence

from .messages import CLIError
from .options import Subcommands

__all__ = ["NAME", "register", "run"]

#: The subcommand's name: ``main`` looks for it before parsing.
NAME = "bench"


def register(commands: Subcommands) -> None:
    """List ``bench`` in ``fastnet --help``; its options are fastnet.bench's own."""
    commands.add_parser(NAME, help="benchmarks: fastnet against the reference (and others when installed)",
                        add_help=False)


def run(argv: Sequence[str]) -> int:
    """``fastnet.bench.main(argv)``, its exit code as an int."""
    try:
        available = importlib.util.find_spec("fastnet.bench") is not None
    except (ImportError, ValueError):
        available = False
    if not available:
        raise CLIError("the benchmarks (fastnet.bench) are not part of this installation", code=2)
    # Imported by name, not `from .. import bench`: whether it exists is only known at run time.
    bench = importlib.import_module("fastnet.bench")
    try:
        code: object = bench.main(list(argv))
    except SystemExit as exc:  # its own argparse: --help, a usage error
        code = exc.code
    if code is None:
        return 0
    return code if isinstance(code, int) else 1
