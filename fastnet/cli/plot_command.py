"""``fastnet plot {losses,activations} --out FILE.png``: the seed text's pictures, as image files.

    fastnet plot losses [--out fastnet-losses.png] [--targets 0,1] [--dpi 100]
    fastnet plot activations [--out fastnet-activations.png] [--layers 10] [--chain-z Z] [--dpi 100]

The pictures are :func:`fastnet.plotting.plot_losses` and
:func:`fastnet.plotting.plot_activations`; they need matplotlib (the ``plot``
extra), and without it the command says how to install it.
"""

from __future__ import annotations

import argparse
import math
import os
from typing import Any

from .messages import CLIError, info
from .options import Subcommands, int_at_least

__all__ = ["register", "run"]

#: What to install when matplotlib is missing.
INSTALL_HINT = "pip install 'fastnet[plot]'"


def _targets(text: str) -> list[float]:
    """``0,1`` -> [0.0, 1.0]: targets in [0, 1]."""
    values = []
    for part in text.split(","):
        try:
            value = float(part)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected comma-separated numbers in [0, 1] such as 0,1; "
                                             f"got {text!r}") from None
        if not 0.0 <= value <= 1.0:
            raise argparse.ArgumentTypeError(f"targets must lie in [0, 1], got {part.strip()}")
        values.append(value)
    return values


def _finite(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"must be a finite number, got {text}")
    return value


def _add_common(parser: argparse.ArgumentParser, default_out: str) -> None:
    parser.add_argument("--out", default=default_out,
                        help=f"the image file; its extension picks the format: .png, .svg, .pdf, ... "
                             f"(default: {default_out})")
    parser.add_argument("--dpi", type=int_at_least(10), default=100,
                        help="dots per inch of a raster image such as .png (default: 100)")


def register(commands: Subcommands) -> None:
    """Add ``plot`` and its two pictures, each with its options, to the ``fastnet`` parser."""
    parser = commands.add_parser("plot", help="draw the losses or the activations with their derivatives "
                                              "(needs matplotlib)")
    pictures = parser.add_subparsers(dest="picture", metavar="{losses,activations}")
    pictures.required = True
    losses = pictures.add_parser("losses", help="each loss and its derivative against the output w")
    _add_common(losses, "fastnet-losses.png")
    losses.add_argument("--targets", type=_targets, default=[0.0, 1.0],
                        help="comma-separated targets y in [0, 1], one colour each (default: 0,1)")
    activations = pictures.add_parser("activations", help="each activation and its derivative, and the "
                                                          "vanishing gradient through layers")
    _add_common(activations, "fastnet-activations.png")
    activations.add_argument("--layers", type=int_at_least(1), default=10,
                             help="the vanishing-gradient panel's largest depth (default: 10)")
    activations.add_argument("--chain-z", type=_finite, default=None,
                             help="the pre-activation z at which the derivatives are multiplied "
                                  "(default: each derivative's largest value, z = 0 for sigmoid and tanh)")
    parser.set_defaults(func=run)


def _plotting() -> Any:
    try:
        from .. import plotting  # matplotlib is an optional dependency
    except ImportError:
        raise CLIError(f"fastnet plot needs matplotlib, which could not be imported; "
                       f"install it with: {INSTALL_HINT}") from None
    return plotting


def _check_out(path: str, figure: Any) -> None:
    """The file's extension names a format matplotlib writes, and its folder exists."""
    extension = os.path.splitext(path)[1].lstrip(".").lower()
    formats = figure.canvas.get_supported_filetypes()
    if extension not in formats:
        raise CLIError(f"--out {path!r}: expected a file name ending in one of "
                       f"{', '.join('.' + f for f in sorted(formats))}", code=2)
    folder = os.path.dirname(path)
    if folder and not os.path.isdir(folder):
        raise CLIError(f"--out {path!r}: the folder {folder!r} does not exist")


def run(args: argparse.Namespace) -> int:
    """The ``plot`` subcommand; returns the exit code."""
    plotting = _plotting()
    if args.picture == "losses":
        figure = plotting.plot_losses(targets=args.targets)
    else:
        figure = plotting.plot_activations(layers=args.layers, chain_z=args.chain_z)
    path = str(args.out)
    _check_out(path, figure)
    figure.savefig(path, dpi=args.dpi)
    info(f"wrote {path}")
    return 0
